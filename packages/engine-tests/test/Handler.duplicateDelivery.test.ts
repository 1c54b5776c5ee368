import { assert, describe, it } from "@effect/vitest"
import { AsyncContext, RetryStrategy, Step } from "@durable-lambda/core"
import { Effect } from "effect"
import { errorOf, resultOf } from "./support/helpers.ts"
import { eventTypes, invokeWithEvent, makeDrive, type Outcome } from "./support/service.ts"

const { withDurableExecution } = AsyncContext

/** A "wire transfer": an at-most-once step that must never run twice, then optionally a wait. */
const transfer = (bodies: { count: number }, options: { readonly waitAfter: boolean }) =>
  withDurableExecution(async (_: unknown, ctx) => {
    const receipt = await ctx.step(
      "transfer",
      async () => {
        bodies.count++
        return `receipt-${bodies.count}`
      },
      { semantics: Step.StepSemantics.AtMostOncePerRetry, retryStrategy: RetryStrategy.retryPresets.noRetry }
    )
    if (options.waitAfter) await ctx.wait("settle", { seconds: 10 })
    return receipt
  })

const invocationErrorOf = (outcome: Outcome): string =>
  "InvocationError" in outcome ? `${outcome.InvocationError._tag}: ${outcome.InvocationError.message}` : ""

describe("Duplicate delivery of one invocation event", () => {
  it.live(
    "delivered twice one after the other: the at-most-once body runs once, the duplicate's START is refused",
    () =>
      Effect.gen(function* () {
        const drive = makeDrive()
        const bodies = { count: 0 }
        const fn = transfer(bodies, { waitAfter: false })
        const { invocationInput } = drive.event()
        const first = yield* invokeWithEvent(drive, fn, invocationInput)
        const second = yield* invokeWithEvent(drive, fn, invocationInput)
        assert.strictEqual(bodies.count, 1)
        assert.strictEqual(resultOf(first), "receipt-1")
        // The duplicate's START carries the consumed token and is not the first delivery's request: refused.
        assert.match(invocationErrorOf(second), /^CheckpointUnrecoverableInvocationError: .*Invalid Checkpoint Token/)
        assert.strictEqual(eventTypes(drive).filter((t) => t === "StepStarted").length, 1)
      })
  )

  it.live("delivered twice concurrently: exactly one delivery runs the body", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const bodies = { count: 0 }
      const fn = transfer(bodies, { waitAfter: false })
      const { invocationInput } = drive.event()
      const outcomes = yield* Effect.all(
        [invokeWithEvent(drive, fn, invocationInput), invokeWithEvent(drive, fn, invocationInput)],
        { concurrency: 2 }
      )
      assert.strictEqual(bodies.count, 1)
      const succeeded = outcomes.filter((o) => "Status" in o && o.Status === "SUCCEEDED")
      assert.strictEqual(succeeded.length, 1)
      assert.strictEqual(resultOf(succeeded[0]), "receipt-1")
      const refused = outcomes.filter((o) => "InvocationError" in o)
      assert.strictEqual(refused.length, 1)
      assert.match(invocationErrorOf(refused[0]!), /Invalid Checkpoint Token/)
    })
  )

  it.live(
    "a late duplicate (after the service re-invoked) cannot replay the first START; the execution ends right",
    () =>
      Effect.gen(function* () {
        const drive = makeDrive()
        const bodies = { count: 0 }
        const fn = transfer(bodies, { waitAfter: true })
        const { invocationInput } = drive.event()
        const first = yield* invokeWithEvent(drive, fn, invocationInput)
        assert.deepStrictEqual(first, { Status: "PENDING" })
        drive.state.completeInvocation(drive.arn, { Status: "PENDING" })
        const late = yield* invokeWithEvent(drive, fn, invocationInput)
        assert.strictEqual(bodies.count, 1)
        assert.match(invocationErrorOf(late), /Invalid Checkpoint Token/)
        drive.skipToNextTimer()
        const rest = yield* drive.runWith(() => fn)
        assert.strictEqual(resultOf(rest.last), "receipt-1")
        assert.strictEqual(bodies.count, 1)
      })
  )

  it.live("a duplicate that wins the race leaves the step STARTED for the other: the interrupted rule applies", () =>
    Effect.gen(function* () {
      // The first delivery's START is applied and its body is still running when the invocation crashes; the
      // service re-invokes and the replay sees a STARTED at-most-once step: interrupted, never re-run.
      const drive = makeDrive()
      const bodies = { count: 0 }
      const hanging = withDurableExecution(async (_: unknown, ctx) =>
        ctx.step(
          "transfer",
          async () => {
            // the first run hangs (its process is about to crash); a second run would return at once
            if (++bodies.count === 1) await new Promise(() => {})
            return "transferred"
          },
          { semantics: Step.StepSemantics.AtMostOncePerRetry, retryStrategy: RetryStrategy.retryPresets.noRetry }
        )
      )
      const { invocationInput } = drive.event()
      yield* Effect.forkChild(invokeWithEvent(drive, hanging, invocationInput))
      yield* Effect.sleep(20)
      const duplicate = yield* invokeWithEvent(drive, hanging, invocationInput)
      assert.match(invocationErrorOf(duplicate), /Invalid Checkpoint Token/)
      drive.state.completeInvocation(drive.arn, { functionError: { ErrorType: "Runtime.ExitError" } })
      const rest = yield* drive.runWith(() => hanging)
      assert.strictEqual(bodies.count, 1)
      assert.strictEqual(errorOf(rest.last).ErrorType, "StepError")
      assert.include(errorOf(rest.last).ErrorMessage, "interruption")
    })
  )
})
