import { assert, describe, it } from "@effect/vitest"
import { AsyncContext, Errors, RetryStrategy, Step, WaitForCondition, WithRetry } from "@durable-lambda/core"
import { Effect } from "effect"
import { FakeDurableService, history, makeDrive, run } from "./support/service.ts"
import { asyncHandler, effectHandler, errorOf, invokeOnce } from "./support/helpers.ts"

const { withDurableExecution } = AsyncContext

/** A serdes that tags what it stores, so the test can see which serdes wrote a payload. */
const tagged = {
  serialize: async (value: unknown) => (value === undefined ? undefined : `tagged:${JSON.stringify(value)}`),
  deserialize: async (data: string | undefined) =>
    data === undefined ? undefined : JSON.parse(data.replace(/^tagged:/, ""))
}

describe("async API members of the official 2.4.0 surface", () => {
  it.live("StepContext.attempt and WaitForConditionContext.attempt count from 1", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const stepAttempts: Array<number> = []
      const checkAttempts: Array<number> = []
      const fn = withDurableExecution(async (_: unknown, ctx) => {
        await ctx.step(
          "flaky",
          async ({ attempt }) => {
            stepAttempts.push(attempt)
            if (attempt < 3) throw new Error(`attempt ${attempt}`)
            return attempt
          },
          { retryStrategy: RetryStrategy.createRetryStrategy({ maxAttempts: 5, jitter: "NONE" }) }
        )
        return ctx.waitForCondition(
          async (n: number, { attempt }) => {
            checkAttempts.push(attempt)
            return n + 1
          },
          {
            initialState: 0,
            waitStrategy: (n) => (n < 2 ? { shouldContinue: true, delay: { seconds: 1 } } : { shouldContinue: false })
          }
        )
      })
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: "2" })
      assert.deepStrictEqual(stepAttempts, [1, 2, 3])
      assert.deepStrictEqual(checkAttempts, [1, 2])
    })
  )

  it.live("executionContext carries the execution ARN", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const fn = withDurableExecution(async (_: unknown, ctx) => ctx.executionContext.durableExecutionArn)
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: JSON.stringify(r.arn) })
    })
  )

  it.live("configureSerdes sets the default serdes of the context and of children created afterwards", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const fn = withDurableExecution(async (_: unknown, ctx) => {
        const before = await ctx.step("before", async () => 1)
        ctx.configureSerdes({ defaultSerdes: tagged })
        const after = await ctx.step("after", async () => 2)
        const child = await ctx.runInChildContext("child", async (c) => c.step("inner", async () => 3))
        return before + after + child
      })
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: "6" })
      const payloads = Object.fromEntries(
        history(drive, r.arn)
          .filter((e) => e.EventType === "StepSucceeded")
          .map((e) => [e.Name, e.StepSucceededDetails.Result.Payload])
      )
      assert.deepStrictEqual(payloads, { before: "1", after: "tagged:2", inner: "tagged:3" })
    })
  )

  it.live("withRetry reruns the block after a durable backoff wait until the strategy stops", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const seen: Array<number> = []
      const fn = withDurableExecution(async (_: unknown, ctx) =>
        WithRetry.withRetry(
          ctx,
          "charge",
          async (c, attempt) => {
            seen.push(attempt)
            const n = await c.step(`try-${attempt}`, async () => attempt)
            if (n < 2) throw new Error(`declined ${n}`)
            return n
          },
          { retryStrategy: (_e, count) => ({ shouldRetry: count < 3, delay: { seconds: 5 } }) }
        )
      )
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: "2" })
      const events = history(drive, r.arn)
      assert.deepStrictEqual(
        events.filter((e) => e.EventType === "WaitStarted").map((e) => e.Name),
        ["charge-backoff-1"]
      )
      assert.isTrue(events.some((e) => e.EventType === "ContextSucceeded" && e.Name === "charge"))
      assert.strictEqual(seen.at(-1), 2)
    })
  )

  it.live("ChildConfig.errorMapper replaces ChildContextError, on the first run and on replay", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const seen: Array<string> = []
      const fn = withDurableExecution(async (_: unknown, ctx) => {
        try {
          await ctx.runInChildContext(
            "child",
            async () => {
              throw new Error("inner boom")
            },
            { errorMapper: (original) => new Errors.StepError(`mapped: ${original.message}`) }
          )
        } catch (error) {
          seen.push(`${(error as Error).constructor.name}: ${(error as Error).message}`)
        }
        await ctx.wait({ seconds: 1 })
        return 1
      })
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: "1" })
      // first run, then the replay after the wait
      assert.deepStrictEqual(seen, ["StepError: mapped: inner boom", "StepError: mapped: inner boom"])
    })
  )

  it.effect("both faces parse arguments through one function: same TypeError for a bad body or config", () =>
    Effect.gen(function* () {
      const failure = (handler: Parameters<typeof invokeOnce>[1]) =>
        invokeOnce(new FakeDurableService(), handler).pipe(Effect.map(errorOf))
      const asyncStep = yield* failure(asyncHandler(async (_e, ctx) => ctx.step("s", 42 as any)))
      const effectStep = yield* failure(effectHandler(() => Step.run("s", 42 as any)))
      assert.strictEqual(asyncStep.ErrorMessage, "step: expected a function as the step body")
      assert.strictEqual(effectStep.ErrorMessage, "step: expected an Effect as the step body")
      const asyncPoll = yield* failure(asyncHandler(async (_e, ctx) => ctx.waitForCondition(async (s) => s, {} as any)))
      const effectPoll = yield* failure(effectHandler(() => WaitForCondition.run((s) => Effect.succeed(s), {} as any)))
      assert.strictEqual(asyncPoll.ErrorMessage, effectPoll.ErrorMessage)
      assert.strictEqual(asyncPoll.ErrorMessage, "waitForCondition requires config with waitStrategy and initialState")
    })
  )
})
