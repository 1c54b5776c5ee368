import { assert, describe, it } from "@effect/vitest"
import { Handler, Step, Wait } from "@durable-lambda/core"
import { TestRunner } from "@durable-lambda/testing"
import { Context, Effect, Layer } from "effect"
import { effectHandler, errorOf, resultOf } from "./support/helpers.ts"
import { invokeWithEvent, makeDrive, run } from "./support/service.ts"

class Greeting extends Context.Service<Greeting, { readonly prefix: string }>()("engine-tests/Greeting") {}

describe("Handler.make", () => {
  it.live("the program gets the execution input and its value becomes the JSON result", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const handler = effectHandler((input: { readonly n: number }) =>
        Step.run("double", Effect.succeed(input.n * 2)).pipe(Effect.map((n) => ({ doubled: n })))
      )
      const r = yield* run(drive, () => handler, { n: 21 })
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: JSON.stringify({ doubled: 42 }) })
      assert.deepStrictEqual(resultOf(r.output), { doubled: 42 })
      assert.strictEqual(drive.status, "SUCCEEDED")
    })
  )

  it.live("a program that fails ends the execution FAILED with the error's type and message", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const handler = effectHandler(() => Effect.fail(new RangeError("out of stock")))
      const r = yield* run(drive, () => handler)
      const error = errorOf(r.last)
      assert.strictEqual(error.ErrorType, "RangeError")
      assert.strictEqual(error.ErrorMessage, "out of stock")
      assert.strictEqual(drive.status, "FAILED")
      assert.strictEqual(r.invocations, 1)
    })
  )

  it.live("an event that is not a durable invocation is an invocation error, not a result", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const handler = effectHandler(() => Effect.succeed("never"))
      const outcome: any = yield* invokeWithEvent(drive, handler, { hello: "world" })
      assert.strictEqual(outcome.InvocationError?._tag, "InvalidInvocationEventError")
    })
  )
})

describe("Handler.toLambdaHandler", () => {
  it.live("the Lambda handler carries its program and services; run on the service it uses them", () =>
    Effect.gen(function* () {
      const program = Handler.make(
        (input: { readonly name: string }) =>
          Effect.gen(function* () {
            const greeting = yield* Greeting
            return yield* Step.run("greet", Effect.succeed(`${greeting.prefix} ${input.name}`))
          }),
        { logger: { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} } }
      )
      const services = Layer.succeed(Greeting, { prefix: "hello" })
      const fn = Handler.toLambdaHandler(program, undefined, services)
      const info = Handler.lambdaHandlerInfo(fn)
      assert.strictEqual(info?.handler, program)
      assert.strictEqual(info?.services, services)
      assert.isUndefined(Handler.lambdaHandlerInfo(() => {}))

      const drive = makeDrive()
      const r = yield* run(drive, () => fn, { name: "ada" })
      assert.strictEqual(resultOf(r.last), "hello ada")
    })
  )

  it.live("without a backend, calling it directly explains what to do", () =>
    Effect.gen(function* () {
      const fn = Handler.toLambdaHandler(
        Handler.make(() => Effect.succeed(1)),
        undefined
      )
      const error = yield* Effect.promise(() =>
        fn({}).then(
          () => undefined,
          (e: unknown) => e as Error
        )
      )
      assert.include(error?.message, "No durable backend configured")
    })
  )
})

describe("the engine under the two runners", () => {
  it.live("the support driver and the testing harness record the same operations and result", () =>
    Effect.gen(function* () {
      const handler = effectHandler((input: { readonly items: number }) =>
        Effect.gen(function* () {
          let total = 0
          for (let i = 1; i <= input.items; i++) total += yield* Step.run(`item-${i}`, Effect.succeed(i))
          yield* Wait.wait("settle", { seconds: 30 })
          return total
        })
      )
      const drive = makeDrive()
      const driven = yield* run(drive, () => handler, { items: 3 })
      const harnessed = yield* Effect.promise(() => TestRunner.runPromise(handler, { payload: { items: 3 } }))
      const shape = (ops: ReadonlyArray<{ Id: string; Type: string; Name?: string | undefined; Status: string }>) =>
        ops.map((op) => `${op.Id} ${op.Type} ${op.Name ?? "-"} ${op.Status}`)
      assert.strictEqual(resultOf(driven.last), 6)
      assert.strictEqual(harnessed.getResult(), 6)
      assert.deepStrictEqual(shape(harnessed.getRawOperations()), shape(drive.state.operations(drive.arn)))
      assert.strictEqual(harnessed.getInvocations().length, driven.invocations)
    })
  )
})
