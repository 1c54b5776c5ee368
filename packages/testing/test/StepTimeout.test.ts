import { Errors, Handler, Step, WaitForCondition } from "@durable-lambda/core"
import {
  createRetryStrategy,
  createWaitStrategy,
  InvocationDeadlineError,
  StepError,
  StepInterruptedError,
  StepTimeoutError,
  withDurableExecution
} from "@durable-lambda/core/async"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { LocalDurableTestRunner } from "../src/index.ts"

/** Runs `f` with the official `setupTestEnvironment({ skipTime: true })` in force (virtual time everywhere). */
const skippingTime = async <A>(f: () => Promise<A>): Promise<A> => {
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true })
  try {
    return await f()
  } finally {
    await LocalDurableTestRunner.teardownTestEnvironment()
  }
}

/** A body that never settles, recording how its signal was aborted. */
const hanging = (reasons: Array<unknown>) => (ctx: { signal: AbortSignal }) =>
  new Promise<never>(() => {
    ctx.signal.addEventListener("abort", () => reasons.push(ctx.signal.reason), { once: true })
  })

const threeAttempts = createRetryStrategy({ maxAttempts: 3, initialDelay: { seconds: 1 }, jitter: "NONE" })

describe("step timeout and cancellation", () => {
  it("a step body that never finishes times out on every attempt, aborting its signal, and fails the execution", async () => {
    const reasons: Array<unknown> = []
    const handler = withDurableExecution(async (_event, ctx) =>
      ctx.step("hang", hanging(reasons), { timeout: { seconds: 10 }, retryStrategy: threeAttempts })
    )
    const result = await skippingTime(() =>
      new LocalDurableTestRunner({ handlerFunction: handler, invocationTimeoutSeconds: 60 }).run()
    )
    assert.strictEqual(result.getStatus(), "FAILED")
    assert.strictEqual(result.getError().errorType, "StepError")
    const step = result.getOperation("hang")
    assert.strictEqual(step.getStepDetails()?.attempt, 3)
    assert.strictEqual(step.getStepDetails()?.error?.errorType, "StepTimeoutError")
    assert.strictEqual(reasons.length, 3)
    for (const reason of reasons) {
      assert.instanceOf(reason, StepTimeoutError)
      assert.strictEqual((reason as StepTimeoutError).timeoutMillis, 10_000)
    }
  })

  it("the failure a handler catches is a StepError whose cause is the StepTimeoutError (first run and replay)", async () => {
    const seen: Array<string> = []
    const handler = withDurableExecution(async (_event, ctx) => {
      try {
        await ctx.step("hang", () => new Promise<never>(() => {}), {
          timeout: { seconds: 1 },
          retryStrategy: () => ({ shouldRetry: false })
        })
      } catch (e) {
        seen.push(`${e instanceof StepError} ${(e as StepError).cause?.name}`)
      }
      await ctx.wait({ seconds: 5 }) // a replay follows
      return "done"
    })
    const result = await skippingTime(() => new LocalDurableTestRunner({ handlerFunction: handler }).run())
    assert.strictEqual(result.getResult(), "done")
    assert.deepStrictEqual(seen, ["true StepTimeoutError", "true StepTimeoutError"])
  })

  it("a timeout longer than the invocation has left: each attempt is cut by the deadline, counted as interrupted, and the retries run out", async () => {
    const reasons: Array<unknown> = []
    const handler = withDurableExecution(async (_event, ctx) =>
      ctx.step("hang", hanging(reasons), { timeout: { hours: 1 }, retryStrategy: threeAttempts })
    )
    const result = await skippingTime(() =>
      new LocalDurableTestRunner({ handlerFunction: handler, invocationTimeoutSeconds: 60 }).run()
    )
    assert.strictEqual(result.getStatus(), "FAILED")
    const step = result.getOperation("hang")
    assert.strictEqual(step.getStepDetails()?.attempt, 3)
    assert.strictEqual(step.getStepDetails()?.error?.errorType, "StepInterruptedError")
    assert.strictEqual(reasons.length, 3)
    for (const reason of reasons) assert.instanceOf(reason, InvocationDeadlineError)
    // each attempt costs one invocation cut at its deadline, plus at most one that finds the retry not yet due
    assert.isAtMost(result.getInvocations().length, 6)
  })

  it("a step that succeeds within its timeout is unaffected, and its signal never aborts", async () => {
    let signal: AbortSignal | undefined
    const handler = withDurableExecution(async (_event, ctx) =>
      ctx.step(
        "quick",
        async (s) => {
          signal = s.signal
          await new Promise((resolve) => setTimeout(resolve, 2_000))
          return "ok"
        },
        { timeout: { seconds: 10 } }
      )
    )
    const result = await skippingTime(() => new LocalDurableTestRunner({ handlerFunction: handler }).run())
    assert.strictEqual(result.getResult(), "ok")
    assert.strictEqual(signal?.aborted, false)
  })

  it("a bad timeout is a TypeError at the call, before anything is checkpointed", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      try {
        await ctx.step("bad", async () => 1, { timeout: { seconds: 0 } })
        return "accepted"
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`
      }
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.match(String(result.getResult()), /^TypeError: step: timeout must be a duration of more than 0 seconds/)
    assert.strictEqual(result.getOperations().length, 0)
  })

  it("executionContext.getRemainingTimeInMillis follows the Lambda context on virtual time", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      const before = ctx.executionContext.getRemainingTimeInMillis()
      await ctx.step(() => new Promise((resolve) => setTimeout(resolve, 10_000)))
      return [
        ctx.executionContext.durableExecutionArn.length > 0,
        before,
        ctx.executionContext.getRemainingTimeInMillis()
      ]
    })
    const result = await skippingTime(() =>
      new LocalDurableTestRunner({ handlerFunction: handler, invocationTimeoutSeconds: 60 }).run()
    )
    assert.deepStrictEqual(result.getResult(), [true, 60_000, 50_000])
  })

  it("waitForCondition: a check that runs past its timeout fails the operation with StepTimeoutError as cause", async () => {
    const reasons: Array<unknown> = []
    const handler = withDurableExecution(async (_event, ctx) =>
      ctx.waitForCondition("poll", (_state: number, c) => hanging(reasons)(c), {
        initialState: 0,
        timeout: { seconds: 5 },
        waitStrategy: createWaitStrategy({ shouldContinuePolling: () => true, maxAttempts: 3 })
      })
    )
    const result = await skippingTime(() => new LocalDurableTestRunner({ handlerFunction: handler }).run())
    assert.strictEqual(result.getStatus(), "FAILED")
    assert.strictEqual(result.getOperation("poll").getStepDetails()?.error?.errorType, "StepTimeoutError")
    assert.strictEqual(reasons.length, 1)
    assert.instanceOf(reasons[0], StepTimeoutError)
  })

  it("waitForCondition: a timed check cut by the deadline counts as a check, so maxAttempts ends the poll", async () => {
    const states: Array<number> = []
    const handler = withDurableExecution(async (_event, ctx) =>
      ctx.waitForCondition(
        "poll",
        (state: number) => {
          states.push(state)
          return new Promise<number>(() => {})
        },
        {
          initialState: 7,
          timeout: { hours: 1 },
          waitStrategy: createWaitStrategy({ shouldContinuePolling: () => true, maxAttempts: 3 })
        }
      )
    )
    const result = await skippingTime(() =>
      new LocalDurableTestRunner({ handlerFunction: handler, invocationTimeoutSeconds: 60 }).run()
    )
    assert.strictEqual(result.getStatus(), "FAILED")
    assert.match(result.getError().errorMessage ?? "", /exceeded maximum attempts \(3\)/)
    assert.deepStrictEqual(states, [7, 7, 7])
  })

  it("Effect API: the body's fiber is interrupted at the timeout, and the retry strategy decides", async () => {
    let interrupted = 0
    const handler = Handler.make(() =>
      Step.run("hang", Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => interrupted++))), {
        timeout: { seconds: 3 },
        retryStrategy: threeAttempts
      }).pipe(Effect.catchTag("StepError", (e) => Effect.succeed(`${e.cause?.name} after ${interrupted}`)))
    )
    const result = await skippingTime(() => new LocalDurableTestRunner({ handlerFunction: handler }).run())
    assert.strictEqual(result.getResult(), "StepTimeoutError after 3")
    assert.isTrue(Errors.StepTimeoutError.of("1", undefined, 5).message.includes("5 ms"))
    assert.instanceOf(new StepInterruptedError({ message: "x", stepId: "1" }), Error)
  })

  it("Effect API: waitForCondition takes a timeout too", async () => {
    const handler = Handler.make(() =>
      WaitForCondition.run("poll", (n: number) => Effect.never.pipe(Effect.as(n)), {
        initialState: 1,
        timeout: { seconds: 2 },
        waitStrategy: createWaitStrategy({ shouldContinuePolling: () => true })
      }).pipe(Effect.catchTag("StepError", (e) => Effect.succeed(e.cause?.name)))
    )
    const result = await skippingTime(() => new LocalDurableTestRunner({ handlerFunction: handler }).run())
    assert.strictEqual(result.getResult(), "StepTimeoutError")
  })
})
