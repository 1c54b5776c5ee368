import { Errors, Step } from "@durable-lambda/core"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Deferred, Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { MockBackend } from "@durable-lambda/backend-mock"
import { asyncHandler, deferred, effectHandler } from "./support/helpers.ts"

/** A Lambda context whose remaining time counts down on Effect's clock (the TestClock here). */
const lambdaContext = (clock: Clock.Clock, timeoutMillis: number, requestId: string) => {
  const deadline = clock.currentTimeMillisUnsafe() + timeoutMillis
  return {
    awsRequestId: requestId,
    getRemainingTimeInMillis: () => Math.max(0, deadline - clock.currentTimeMillisUnsafe())
  }
}

/** Lets every fiber and promise that can run do so. */
const settle = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve))).pipe(
  Effect.repeat({ times: 5 })
)

describe("Cancellation: nothing is checkpointed for an invocation that ended", () => {
  it.effect(
    "two executions in one process: one cut by its deadline, one returning with an un-awaited step; neither checkpoints once ended",
    () =>
      Effect.gen(function* () {
        const mock = yield* MockBackend.MockBackend
        const clock = yield* Clock.Clock
        const checkpointsOf = (arn: string) =>
          Effect.map(mock.checkpoints(), (calls) => calls.filter((c) => c.durableExecutionArn === arn).length)

        // A: an async step body that ignores its signal, cut short by the invocation's deadline.
        const releaseA = deferred<string>()
        const signalsA: Array<AbortSignal> = []
        const handlerA = asyncHandler(async (_: unknown, ctx) =>
          ctx.step("slow", (s) => {
            signalsA.push(s.signal)
            return releaseA.promise
          })
        )
        // B: an Effect-API handler that returns while a step it forked (and never awaited) is still running.
        const gateB = yield* Deferred.make<void>()
        const handlerB = effectHandler(() =>
          Effect.gen(function* () {
            yield* Effect.forkDetach(Step.run("late", Deferred.await(gateB).pipe(Effect.as("late"))))
            return yield* Step.run("quick", Effect.succeed("b"))
          })
        )

        const a = mock.state.startExecution({ executionName: "a" })
        const b = mock.state.startExecution({ executionName: "b" })
        const runA = yield* Effect.forkChild(
          Effect.exit(handlerA.invoke(a.invocationInput, lambdaContext(clock, 10_000, a.requestId)))
        )
        const runB = yield* Effect.forkChild(
          Effect.exit(handlerB.invoke(b.invocationInput, lambdaContext(clock, 900_000, b.requestId)))
        )

        const outB = yield* Fiber.join(runB)
        assert.deepStrictEqual(outB, Exit.succeed({ Status: "SUCCEEDED" as const, Result: '"b"' }))
        const afterB = yield* checkpointsOf(b.durableExecutionArn)

        yield* TestClock.adjust("6 seconds") // A's deadline guard fires (10 s timeout, 5 s margin)
        const outA = yield* Fiber.join(runA)
        assert.isTrue(Exit.isFailure(outA))
        const error = Exit.isFailure(outA) ? outA.cause.reasons.find((r) => r._tag === "Fail") : undefined
        assert.instanceOf(error?._tag === "Fail" ? error.error : undefined, Errors.InvocationDeadlineError)
        assert.strictEqual(signalsA.length, 1)
        assert.instanceOf(signalsA[0]!.reason, Errors.InvocationDeadlineError)
        const afterA = yield* checkpointsOf(a.durableExecutionArn)

        // The stragglers finish after their invocations ended: nothing more reaches the service.
        releaseA.resolve("too late")
        yield* Deferred.succeed(gateB, undefined)
        yield* settle
        yield* TestClock.adjust("1 minute")
        yield* settle
        assert.strictEqual(yield* checkpointsOf(a.durableExecutionArn), afterA)
        assert.strictEqual(yield* checkpointsOf(b.durableExecutionArn), afterB)
        const late = (yield* mock.operations(b.durableExecutionArn)).find((op) => op.Name === "late")
        assert.notStrictEqual(late?.Status, "SUCCEEDED")
      }).pipe(Effect.provide(MockBackend.layer()))
  )

  it.effect("a step body's signal aborts with InvocationEndedError when the invocation returns without it", () =>
    Effect.gen(function* () {
      const mock = yield* MockBackend.MockBackend
      const clock = yield* Clock.Clock
      const signals: Array<AbortSignal> = []
      const handler = asyncHandler(async (_: unknown, ctx) => {
        void ctx.step("forgotten", (s) => {
          signals.push(s.signal)
          return new Promise<never>(() => {})
        })
        return ctx.step("done", async () => "ok")
      })
      const started = mock.state.startExecution()
      const out = yield* handler.invoke(started.invocationInput, lambdaContext(clock, 60_000, started.requestId))
      assert.deepStrictEqual(out, { Status: "SUCCEEDED", Result: '"ok"' })
      assert.strictEqual(signals.length, 1)
      assert.isTrue(signals[0]!.aborted)
      assert.instanceOf(signals[0]!.reason, Errors.InvocationEndedError)
    }).pipe(Effect.provide(MockBackend.layer()))
  )
})
