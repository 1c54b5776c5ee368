import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Batch, ChildContext, RetryStrategy, Step, Wait } from "@durable-lambda/core"
import { FakeDurableService, crashReplayMismatches, prefixReplayMismatches } from "./support/service.ts"
import { asyncHandler, effectHandler, id, resultOf } from "./support/helpers.ts"

class Declined extends Schema.TaggedError<Declined>()("Declined", { reason: Schema.String }) {}

const FLAT = Batch.NestingType.FLAT

describe("FLAT nesting (Effect API)", () => {
  it.effect("Batch.map FLAT: no CONTEXT per item, item operations under the Map context, step bodies run once", () =>
    Effect.gen(function* () {
      const runs: Record<string, number> = {}
      const count = (key: string) => Effect.sync(() => (runs[key] = (runs[key] ?? 0) + 1))
      const handler = effectHandler(() =>
        Batch.map(
          "flat",
          [1, 2, 3],
          (n) =>
            Effect.gen(function* () {
              const doubled = yield* Step.run("double", Effect.as(count(`double-${n}`), n * 2))
              yield* Wait.wait("pause", { seconds: n })
              return yield* Step.run("plus", Effect.as(count(`plus-${n}`), doubled + 1))
            }),
          { nesting: FLAT }
        ).pipe(Effect.map((r) => r.getResults()))
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.deepStrictEqual(resultOf(run.output), [3, 5, 7])
      assert.isAbove(run.invocations, 1)
      assert.deepStrictEqual(Object.values(runs), [1, 1, 1, 1, 1, 1])
      assert.strictEqual(service.op("1")?.SubType, "Map")
      assert.isUndefined(service.op("1-1"))
      for (const raw of ["1-1-1", "1-1-2", "1-1-3", "1-3-3"]) assert.strictEqual(service.op(raw)?.ParentId, id("1"))
      assert.strictEqual(service.ofType("CONTEXT").length, 1)
    })
  )

  it.effect("Batch.parallel FLAT: a failed branch is in the result; the tolerance decides the status", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Batch.parallel(
          "p",
          [
            Step.run("ok", Effect.succeed(1)),
            { name: "bad", effect: Effect.fail(new Error("no")) },
            Step.run("fails", Effect.fail(new Error("step no")), { retryStrategy: RetryStrategy.retryPresets.noRetry })
          ],
          { nesting: FLAT, completionConfig: { toleratedFailureCount: 1 } }
        ).pipe(
          Effect.map((r) => ({
            reason: r.completionReason,
            results: r.getResults(),
            errors: r.getErrors().map((e) => e.message)
          }))
        )
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      // The two failures settle before "ok" succeeds (a success takes more microtasks to record than a failure,
      // as in the official SDK), so the batch ends with "ok" still started.
      assert.deepStrictEqual(resultOf(run.output), {
        reason: "FAILURE_TOLERANCE_EXCEEDED",
        results: [],
        errors: ["no", "step no"]
      })
      assert.strictEqual(service.op("1-3-1")?.Status, "FAILED")
      assert.strictEqual(service.op("1-3-1")?.ParentId, id("1"))
    })
  )

  it.effect("ChildContext.run with virtualContext: a typed failure surfaces typed on the first run and on replay", () =>
    Effect.gen(function* () {
      const seen: Array<string> = []
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const outcome = yield* ChildContext.run(
            "virtual",
            Effect.gen(function* () {
              yield* Step.run("check", Effect.succeed(0))
              return yield* Effect.fail(new Declined({ reason: "limit" }))
            }),
            { error: Declined, virtualContext: true }
          ).pipe(Effect.catchTag("Declined", (e) => Effect.succeed(e.reason)))
          seen.push(outcome)
          yield* Wait.wait({ seconds: 1 })
          return outcome
        })
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.strictEqual(resultOf(run.output), "limit")
      assert.deepStrictEqual(seen, ["limit", "limit"])
      assert.isUndefined(service.op("1"))
      assert.strictEqual(service.op("1-1")?.Name, "check")
      assert.isUndefined(service.op("1-1")?.ParentId)
    })
  )
})

describe("FLAT nesting replays deterministically", () => {
  const handler = asyncHandler(async (_event, ctx) => {
    const mapped = await ctx.map(
      "items",
      [1, 2, 3, 4],
      async (c, n) => {
        const v = await c.step(
          "value",
          async () => {
            if (n === 3) throw new Error("three")
            return n
          },
          { retryStrategy: RetryStrategy.retryPresets.noRetry }
        )
        await c.wait("breathe", { seconds: n })
        return v
      },
      { nesting: FLAT, maxConcurrency: 2, completionConfig: { toleratedFailureCount: 1 } }
    )
    const nested = await ctx.map("outer", ["a"], async (c, key) =>
      c.parallel([async (cc) => cc.step("x", async () => `${key}x`)], { nesting: FLAT })
    )
    const virtual = await ctx.runInChildContext("v", async (c) => c.step("in", async () => 5), { virtualContext: true })
    return { results: mapped.getResults(), failed: mapped.failureCount, nested: nested.successCount, virtual }
  })

  it.effect("a crash after any checkpoint replays to the same output and operations", () =>
    Effect.gen(function* () {
      const { reference, mismatches } = yield* crashReplayMismatches(handler, {})
      assert.deepStrictEqual(resultOf(reference.output), { results: [1, 2, 4], failed: 1, nested: 1, virtual: 5 })
      assert.deepStrictEqual(mismatches, [])
    })
  )

  it.effect("a history cut after any operation replays to the same output and operations", () =>
    Effect.gen(function* () {
      const { reference, mismatches } = yield* prefixReplayMismatches(handler, {})
      assert.deepStrictEqual(resultOf(reference.output), { results: [1, 2, 4], failed: 1, nested: 1, virtual: 5 })
      assert.deepStrictEqual(mismatches, [])
    })
  )
})
