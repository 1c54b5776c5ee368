import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  ChildContext,
  DurableContext,
  Errors,
  Invoke,
  OperationId,
  Serdes,
  Step,
  WaitForCondition
} from "@durable-lambda/core"
import { FakeDurableService, crashReplayMismatches } from "./support/service.ts"
import { asyncHandler, describeError, effectHandler, errorOf, invokeOnce, resultOf } from "./support/helpers.ts"

const MiB = 1024 * 1024
const huge = "x".repeat(MiB)

describe("preflight payload size check", () => {
  it.effect("step result: the step fails for good (no retry) with PayloadTooLargeError as the cause", () =>
    Effect.gen(function* () {
      let attempts = 0
      const handler = effectHandler(() =>
        Step.run(
          "big",
          Effect.sync(() => {
            attempts++
            return huge
          })
        ).pipe(Effect.catchTag("StepError", (e) => Effect.succeed(describeError(e))))
      )
      const service = new FakeDurableService()
      const output = yield* invokeOnce(service, handler)
      assert.deepStrictEqual(resultOf(output), {
        name: "StepError",
        tag: "StepError",
        message: `The result of step "big" (1) is ${MiB + 2} bytes; the service accepts at most ${MiB}. Offload it through a custom serdes (see Serdes.withOffloading).`,
        causeName: "PayloadTooLargeError",
        causeMessage: `The result of step "big" (1) is ${MiB + 2} bytes; the service accepts at most ${MiB}. Offload it through a custom serdes (see Serdes.withOffloading).`
      })
      assert.strictEqual(attempts, 1)
      assert.deepStrictEqual(service.trace(), ['START STEP/Step "big"', 'FAIL STEP/Step "big"'])
    })
  )

  it.effect("waitForCondition state: FAIL with PayloadTooLargeError, no RETRY sent", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        WaitForCondition.run("poll", (_: string) => Effect.succeed(huge), {
          initialState: "",
          waitStrategy: () => ({ shouldContinue: true, delay: { seconds: 1 } })
        })
      )
      const service = new FakeDurableService()
      const error = errorOf(yield* invokeOnce(service, handler))
      assert.strictEqual(error.ErrorType, "StepError")
      assert.match(error.ErrorMessage!, /^The state of waitForCondition "poll" \(1\) is 1048578 bytes/)
      assert.deepStrictEqual(service.trace(), [
        'START STEP/WaitForCondition "poll"',
        'FAIL STEP/WaitForCondition "poll"'
      ])
      assert.strictEqual(service.op("1")!.Error?.ErrorType, "PayloadTooLargeError")
    })
  )

  it.effect("invoke input: a typed PayloadTooLargeError, nothing started (async API: a rejection)", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        try {
          await context.invoke("send", "target", huge)
          return "sent"
        } catch (e) {
          return {
            instance: e instanceof Errors.PayloadTooLargeError,
            stepId: (e as Errors.PayloadTooLargeError).stepId
          }
        }
      })
      const service = new FakeDurableService()
      assert.deepStrictEqual(resultOf(yield* invokeOnce(service, handler)), { instance: true, stepId: "1" })
      assert.strictEqual(service.updates().length, 0)
    })
  )

  it.effect("child context summary over the limit: the child fails with PayloadTooLargeError", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        ChildContext.run("child", Effect.succeed("y".repeat(300 * 1024)), { summaryGenerator: () => `${huge}!` }).pipe(
          Effect.catchTag("ChildContextError", (e) => Effect.succeed(describeError(e)))
        )
      )
      const service = new FakeDurableService()
      const r = resultOf(yield* invokeOnce(service, handler)) as Record<string, string>
      // as for any child failure, the cause is the rebuilt error, which records the original type
      assert.strictEqual(r.causeName, "StepError")
      assert.match(r.message!, /summary of child context "child" \(1\)/)
      assert.strictEqual(service.op("1")!.Status, "FAILED")
      assert.strictEqual(service.op("1")!.Error?.ErrorType, "PayloadTooLargeError")
    })
  )

  it.effect("last line of defence: any oversized update ends the execution with PayloadTooLargeError, unsent", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const state = yield* DurableContext.DurableContext
          yield* state.runtime.checkpoint(
            {
              Id: OperationId.hash("9"),
              Name: "raw",
              Type: "STEP",
              SubType: "Step",
              Action: "SUCCEED",
              Payload: `${huge}!`
            },
            true
          )
          return "unreachable"
        })
      )
      const service = new FakeDurableService()
      const error = errorOf(yield* invokeOnce(service, handler))
      assert.strictEqual(error.ErrorType, "PayloadTooLargeError")
      assert.match(error.ErrorMessage!, /STEP operation "raw"/)
      assert.strictEqual(service.updates().length, 0)
    })
  )

  it.effect("Invoke.run's error names the operation", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Invoke.run({ name: "push", functionName: "t", payload: huge }).pipe(
          Effect.catchTag("PayloadTooLargeError", (e) => Effect.succeed(e.message))
        )
      )
      const service = new FakeDurableService()
      assert.match(resultOf(yield* invokeOnce(service, handler)) as string, /^The input of invoke "push" \(1\) is/)
    })
  )
})

describe("Serdes.withOffloading", () => {
  const memoryStore = () => {
    const data = new Map<string, string>()
    const store: Serdes.PayloadStore = {
      put: async (key, value) => {
        data.set(key, value)
      },
      get: async (key) => {
        const value = data.get(key)
        if (value === undefined) throw new Error(`missing ${key}`)
        return value
      }
    }
    return { data, store }
  }

  it.effect("keeps small values inline and moves large ones to the store; replays read them back", () =>
    Effect.gen(function* () {
      const { data, store } = memoryStore()
      const serdes = Serdes.withOffloading<string>(store, { thresholdBytes: 1024 })
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const small = yield* Step.run("small", Effect.succeed("tiny"), { serdes })
          const big = yield* Step.run("big", Effect.succeed("z".repeat(2 * MiB)), { serdes })
          return [small, big.length, big.slice(0, 3)]
        })
      )
      const result = yield* crashReplayMismatches(handler, {})
      assert.deepStrictEqual(result.mismatches, [])
      assert.deepStrictEqual(resultOf(result.reference.output), ["tiny", 2 * MiB, "zzz"])
      const s = result.service
      assert.strictEqual(s.op("1")!.Result, '"tiny"')
      const reference = s.op("2")!.Result!
      assert.match(reference, /^@durable-lambda\/offloaded:arn:aws:lambda:.*\/2\/[0-9a-f]{32}$/)
      assert.strictEqual(data.get(reference.slice("@durable-lambda/offloaded:".length))?.length, 2 * MiB + 2)
    })
  )

  it.effect("a missing stored value is a deserialization failure, not a wrong value", () =>
    Effect.gen(function* () {
      const { data, store } = memoryStore()
      const serdes = Serdes.withOffloading<string>(store, { thresholdBytes: 10 })
      const handler = effectHandler(() => Step.run("big", Effect.succeed("0123456789abcdef"), { serdes }))
      const service = new FakeDurableService()
      assert.strictEqual(resultOf(yield* invokeOnce(service, handler)), "0123456789abcdef")
      data.clear()
      // a replay of the stored reference: the invocation crashed right after checkpointing it
      const exit = yield* service.crashAfter(service.snapshots.at(-1)!).invoke(handler)
      assert.strictEqual(exit._tag, "Failure")
      assert.match(String(exit), /SerdesFailedError|Deserialization failed/)
    })
  )
})
