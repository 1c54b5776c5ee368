import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Batch, Errors } from "@durable-lambda/core"
import { FakeDurableService } from "./support/service.ts"
import { asyncHandler, effectHandler, errorOf, invokeOnce, resultOf } from "./support/helpers.ts"

const summarize = (r: Batch.BatchResult<unknown>) => ({
  reason: r.completionReason,
  status: r.status,
  statuses: r.all.map((i) => i.status[0]).join("")
})

describe("completionConfig.shouldComplete", () => {
  it.effect("completes as a success when the predicate says so; sees every item's status", () =>
    Effect.gen(function* () {
      const seen: Array<string> = []
      const handler = asyncHandler(async (_event, context) =>
        summarize(
          await context.map("m", [0, 1, 2, 3], async (_c, i) => i, {
            maxConcurrency: 1,
            completionConfig: {
              shouldComplete: (status) => {
                seen.push(
                  `${status.successCount}/${status.completedCount}/${status.totalCount}:` +
                    status.items.map((i) => i.status?.[0] ?? "-").join("")
                )
                return status.successCount >= 2 ? Batch.completeBatch() : Batch.continueBatch()
              }
            }
          })
        )
      )
      const r = resultOf(yield* invokeOnce(new FakeDurableService(), handler))
      assert.deepStrictEqual(r, { reason: "CUSTOM_COMPLETION_SUCCEEDED", status: "SUCCEEDED", statuses: "SS" })
      assert.strictEqual(seen[0], "0/0/4:----")
      assert.include(seen, "2/2/4:SS--")
    })
  )

  it.effect("a FAILED outcome makes the batch FAILED even when no item failed", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) =>
        summarize(
          await context.parallel([async () => 1, async () => 2], {
            maxConcurrency: 1,
            completionConfig: {
              shouldComplete: (s) =>
                s.completedCount === 1 ? Batch.completeBatch(Batch.CompletionOutcome.FAILED) : Batch.continueBatch()
            }
          })
        )
      )
      const r = resultOf(yield* invokeOnce(new FakeDurableService(), handler))
      assert.deepStrictEqual(r, { reason: "CUSTOM_COMPLETION_FAILED", status: "FAILED", statuses: "S" })
    })
  )

  it.effect("throwIfError of a batch completed as FAILED with no failed item throws BatchCompletionError", () =>
    Effect.gen(function* () {
      const completionConfig = {
        shouldComplete: (s: Batch.CompletionStatus) =>
          s.completedCount === 1 ? Batch.completeBatch(Batch.CompletionOutcome.FAILED) : Batch.continueBatch()
      }
      const describe = (e: unknown) => {
        const error = e as Errors.BatchCompletionError
        return [error instanceof Errors.BatchCompletionError, error.name, error.message, error.completionReason]
      }
      const handler = asyncHandler(async (_event, context) => {
        const r = await context.parallel([async () => 1, async () => 2], { maxConcurrency: 1, completionConfig })
        try {
          r.throwIfError()
          return "nothing thrown"
        } catch (e) {
          return describe(e)
        }
      })
      const expected = [
        true,
        "BatchCompletionError",
        "Batch completed as failed by shouldComplete (CUSTOM_COMPLETION_FAILED)",
        "CUSTOM_COMPLETION_FAILED"
      ]
      assert.deepStrictEqual(resultOf(yield* invokeOnce(new FakeDurableService(), handler)), expected)
      const effect = effectHandler(() =>
        Batch.parallel([Effect.succeed(1), Effect.succeed(2)], { maxConcurrency: 1, completionConfig }).pipe(
          Effect.flatMap(Batch.throwIfError),
          Effect.as("nothing failed"),
          Effect.catchTag("BatchCompletionError", (e) => Effect.succeed(describe(e)))
        )
      )
      assert.deepStrictEqual(resultOf(yield* invokeOnce(new FakeDurableService(), effect)), expected)
    })
  )

  it.effect("a predicate that never completes the batch ends it with ALL_COMPLETED", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) =>
        summarize(
          await context.map([1, 2], async (_c, i) => i, { completionConfig: { shouldComplete: Batch.continueBatch } })
        )
      )
      const r = resultOf(yield* invokeOnce(new FakeDurableService(), handler))
      assert.deepStrictEqual(r, { reason: "ALL_COMPLETED", status: "SUCCEEDED", statuses: "SS" })
    })
  )

  it.effect("combined with a threshold field, the call fails with a TypeError", () =>
    Effect.gen(function* () {
      const mixed = asyncHandler(async (_event, context) =>
        context.map([1], async (_c, i) => i, {
          completionConfig: { shouldComplete: Batch.continueBatch, minSuccessful: 1 } as any
        })
      )
      const error = errorOf(yield* invokeOnce(new FakeDurableService(), mixed))
      assert.strictEqual(error.ErrorType, "TypeError")
      assert.match(error.ErrorMessage ?? "", /shouldComplete is mutually exclusive with minSuccessful/)
    })
  )
})
