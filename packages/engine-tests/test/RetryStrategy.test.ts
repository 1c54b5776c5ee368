import { assert, describe, it } from "@effect/vitest"
import { AsyncContext, RetryStrategy, Step } from "@durable-lambda/core"
import { Effect } from "effect"
import { errorOf } from "./support/helpers.ts"
import { eventTypes, history, makeDrive, run } from "./support/service.ts"

const { withDurableExecution } = AsyncContext

describe("Engine retries and step semantics", () => {
  it.live("retries with backoff across invocations, one invocation per attempt", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      let attempts = 0
      const fn = withDurableExecution(async (_: unknown, ctx) =>
        ctx.step(
          "flaky",
          async () => {
            attempts++
            if (attempts < 3) throw new Error(`transient ${attempts}`)
            return "ok"
          },
          {
            retryStrategy: RetryStrategy.createRetryStrategy({
              maxAttempts: 5,
              initialDelay: { seconds: 2 },
              backoffRate: 3,
              jitter: "NONE"
            })
          }
        )
      )
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: '"ok"' })
      assert.strictEqual(attempts, 3)
      assert.strictEqual(r.outcomes.length, 3)
      const failed = history(drive, r.arn).filter((e) => e.EventType === "StepFailed")
      assert.deepStrictEqual(
        failed.map((e) => e.StepFailedDetails.RetryDetails),
        [
          { CurrentAttempt: 1, NextAttemptDelaySeconds: 2 },
          { CurrentAttempt: 2, NextAttemptDelaySeconds: 6 }
        ]
      )
      assert.deepStrictEqual(
        failed.map((e) => e.StepFailedDetails.Error.Payload.ErrorMessage),
        ["transient 1", "transient 2"]
      )
    })
  )

  it.live("exhausted retries fail the step with the last error, and the execution with StepError", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const fn = withDurableExecution(async (_: unknown, ctx) =>
        ctx.step(
          "always",
          async () => {
            throw new Error("nope")
          },
          {
            retryStrategy: RetryStrategy.createRetryStrategy({
              maxAttempts: 2,
              jitter: "NONE",
              initialDelay: { seconds: 1 }
            })
          }
        )
      )
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(errorOf(r.last), { ErrorType: "StepError", ErrorMessage: "nope" })
      assert.deepStrictEqual(
        eventTypes(drive, r.arn).filter((t) => t.startsWith("Step")),
        ["StepStarted", "StepFailed", "StepStarted", "StepFailed"]
      )
    })
  )

  it.live("a zero-second retry delay is clamped to the service minimum of 1 s", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      let n = 0
      const fn = withDurableExecution(async (_: unknown, ctx) =>
        ctx.step(
          "zero",
          async () => {
            if (++n === 1) throw new Error("once")
            return n
          },
          { retryStrategy: () => ({ shouldRetry: true, delay: { seconds: 0 } }) }
        )
      )
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: "2" })
      const failed = history(drive, r.arn).find((e) => e.EventType === "StepFailed")
      assert.strictEqual(failed.StepFailedDetails.RetryDetails.NextAttemptDelaySeconds, 1)
    })
  )

  it.live("at-least-once: START rides with SUCCEED; at-most-once: START is acknowledged before the body runs", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const order: Array<string> = []
      const fn = withDurableExecution(async (_: unknown, ctx) => {
        await ctx.step("loose", async () => order.push("loose body"))
        await ctx.step("strict", async () => order.push("strict body"), {
          semantics: Step.StepSemantics.AtMostOncePerRetry
        })
        return order.length
      })
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: "2" })
      const mock = yield* drive.mock()
      const batches = (yield* mock.checkpoints()).map((c) => c.updates.map((u) => `${u.Action}:${u.Name}`))
      assert.deepStrictEqual(batches, [["START:loose", "SUCCEED:loose"], ["START:strict"], ["SUCCEED:strict"]])
    })
  )

  it.live("crash mid-step, at-least-once: the body re-runs without a second START", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      let runs = 0
      const fn = withDurableExecution(async (_: unknown, ctx) =>
        ctx.step("work", async () => {
          runs++
          if (runs === 1) await new Promise(() => {}) // the process "dies" during the first attempt
          return "finished"
        })
      )
      const r = yield* run(drive, () => fn, {}, { interruptAfterMillis: (i) => (i === 0 ? 50 : undefined) })
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: '"finished"' })
      assert.strictEqual(runs, 2)
      const types = eventTypes(drive, r.arn)
      assert.deepStrictEqual(types.filter((t) => t === "StepStarted").length, 1)
      const invocation = history(drive, r.arn).find((e) => e.EventType === "InvocationCompleted")
      assert.strictEqual(invocation.InvocationCompletedDetails.Error.Payload.ErrorType, "Runtime.ExitError")
    })
  )

  it.live("crash mid-step, at-most-once: the attempt counts as interrupted and the retry strategy decides", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      let runs = 0
      const fn = withDurableExecution(async (_: unknown, ctx) =>
        ctx.step(
          "charge",
          async () => {
            runs++
            await new Promise(() => {})
          },
          { semantics: Step.StepSemantics.AtMostOncePerRetry, retryStrategy: RetryStrategy.retryPresets.noRetry }
        )
      )
      const r = yield* run(drive, () => fn, {}, { interruptAfterMillis: (i) => (i === 0 ? 50 : undefined) })
      assert.strictEqual(runs, 1)
      const error = errorOf(r.last)
      assert.strictEqual(error?.ErrorType, "StepError")
      assert.include(error?.ErrorMessage, "interruption")
      const failed = history(drive, r.arn).find((e) => e.EventType === "StepFailed")
      assert.strictEqual(failed.StepFailedDetails.Error.Payload.ErrorType, "StepInterruptedError")
    })
  )
})
