import { assert, describe, it } from "@effect/vitest"
import { Errors, Step, Wait } from "@durable-lambda/core"
import { Effect } from "effect"
import { effectHandler, errorOf, id, resultOf } from "./support/helpers.ts"
import { eventTypes, history, makeDrive, run } from "./support/service.ts"

describe("Step.run", () => {
  it.live("checkpoints the result once; a later invocation replays it without running the body", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      let runs = 0
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const order = yield* Step.run(
            "load",
            Effect.sync(() => ({ id: "o-1", run: ++runs }))
          )
          yield* Wait.wait({ seconds: 5 })
          return order
        })
      )
      const r = yield* run(drive, () => handler)
      assert.deepStrictEqual(resultOf(r.last), { id: "o-1", run: 1 })
      assert.strictEqual(runs, 1)
      assert.strictEqual(r.invocations, 2)
      const step = drive.op("1")!
      assert.strictEqual(step.Type, "STEP")
      assert.strictEqual(step.Name, "load")
      assert.strictEqual(step.Result, JSON.stringify({ id: "o-1", run: 1 }))
      assert.strictEqual(eventTypes(drive).filter((t) => t === "StepSucceeded").length, 1)
    })
  )

  it.live("unnamed steps are numbered in call order", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const a = yield* Step.run(Effect.succeed("a"))
          const b = yield* Step.run(Effect.succeed("b"))
          return a + b
        })
      )
      const r = yield* run(drive, () => handler)
      assert.strictEqual(resultOf(r.last), "ab")
      assert.strictEqual(drive.op("1")?.Result, '"a"')
      assert.strictEqual(drive.op("2")?.Result, '"b"')
      assert.strictEqual(drive.op("1")?.Id, id("1"))
      assert.strictEqual(drive.op("1")?.Name, undefined)
    })
  )

  it.live("a failing body without retries fails the step and, uncaught, the execution with its message", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const handler = effectHandler(() =>
        Step.run("charge", Effect.fail(new RangeError("card declined")), {
          retryStrategy: () => ({ shouldRetry: false })
        })
      )
      const r = yield* run(drive, () => handler)
      const error = errorOf(r.last)
      assert.include(error.ErrorMessage, "card declined")
      assert.strictEqual(drive.op("1")?.Status, "FAILED")
      const failed = history(drive).find((e) => e.EventType === "StepFailed")
      assert.include(failed.StepFailedDetails.Error.Payload.ErrorMessage, "card declined")
    })
  )

  it.live("a recorded failure fails again on replay with the same error, without running the body", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      let runs = 0
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const caught = yield* Step.run(
            "risky",
            Effect.sync(() => ++runs).pipe(Effect.andThen(Effect.fail(new Error("nope")))),
            { retryStrategy: () => ({ shouldRetry: false }) }
          ).pipe(Effect.catch((e) => Effect.succeed(`${e._tag}: ${e.message}`)))
          yield* Wait.wait({ seconds: 1 })
          return caught
        })
      )
      const r = yield* run(drive, () => handler)
      assert.strictEqual(runs, 1)
      assert.strictEqual(r.invocations, 2)
      assert.strictEqual(resultOf(r.last), "StepError: nope")
    })
  )

  it.live("a durable operation inside a step body is refused", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const handler = effectHandler(() =>
        Step.run("outer", Wait.wait({ seconds: 1 }) as unknown as Effect.Effect<void>, {
          retryStrategy: () => ({ shouldRetry: false })
        })
      )
      const r = yield* run(drive, () => handler)
      const error = errorOf(r.last)
      assert.strictEqual(error.ErrorType, new Errors.ContextUsageError({ message: "" })._tag)
      assert.include(error.ErrorMessage, "cannot run inside a step body")
      assert.strictEqual(drive.ofType("WAIT").length, 0)
    })
  )
})
