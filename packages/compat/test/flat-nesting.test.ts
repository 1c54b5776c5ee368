/**
 * Differential test of FLAT nesting and `virtualContext` (issue 10): each handler runs once under the official
 * SDK 2.4.0 and once under ours, against the same service model (`@durable-lambda/backend-mock`'s
 * `ServiceState`, driven across invocations on a virtual clock by the bench's `runExecution`), and the
 * recorded operations must be the same: ids, parent ids, types, subtypes, names and statuses, and the same
 * execution outcome.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Body } from "../../../bench/src/adapters.ts"
import { noRetry, same } from "./differential.ts"

const FLAT = "FLAT" as const

describe("FLAT nesting and virtualContext record what the official SDK records", () => {
  it("map FLAT: no CONTEXT per item, item operations under the Map context, items suspending on waits", async () => {
    const ours = await same(async (_event, ctx) => {
      const r = await ctx.map(
        "flat-map",
        [1, 2, 3],
        async (c: any, n: number) => {
          const doubled = await c.step("double", async () => n * 2)
          if (n !== 2) await c.wait("pause", { seconds: n })
          return c.step("plus", async () => doubled + 1)
        },
        { nesting: FLAT }
      )
      return r.getResults()
    })
    expect(ours.result).toStrictEqual([3, 5, 7])
    expect(ours.invocations).toBeGreaterThan(1)
    expect(ours.operations.filter((o) => o.includes("MapIteration"))).toStrictEqual([])
  })

  it("parallel FLAT: a failing branch, a nested child context, a tolerated failure", async () => {
    const ours = await same(async (_event, ctx) => {
      const r = await ctx.parallel(
        "flat-parallel",
        [
          { name: "ok", func: async (c: any) => c.step("one", async () => 1) },
          {
            name: "bad",
            func: async (c: any) =>
              c.step(
                "boom",
                async () => {
                  throw new Error("nope")
                },
                noRetry
              )
          },
          async (c: any) => c.runInChildContext("inner", async (cc: any) => cc.step("deep", async () => 3))
        ],
        { nesting: FLAT, completionConfig: { toleratedFailureCount: 1 } }
      )
      return { results: r.getResults(), failed: r.failureCount, reason: r.completionReason }
    })
    expect(ours.result).toStrictEqual({ results: [1, 3], failed: 1, reason: "ALL_COMPLETED" })
  })

  it("map FLAT with a completion policy: minSuccessful completes early, in item order", async () => {
    await same(async (_event, ctx) => {
      const r = await ctx.map([1, 2, 3, 4], async (c: any, n: number) => c.step(`item-${n}`, async () => n), {
        nesting: FLAT,
        maxConcurrency: 1,
        completionConfig: { minSuccessful: 2 }
      })
      return { results: r.getResults(), reason: r.completionReason }
    })
  })

  it("FLAT inside NESTED and NESTED inside FLAT", async () => {
    const ours = await same(async (_event, ctx) => {
      const outer = await ctx.map("outer", ["a", "b"], async (c: any, key: string) => {
        const inner = await c.parallel(
          "inner-flat",
          [
            async (cc: any) => cc.step("x", async () => `${key}x`),
            async (cc: any) =>
              cc.map("innermost", [1], async (ccc: any, n: number) => ccc.step("y", async () => `${key}${n}`))
          ],
          { nesting: FLAT }
        )
        return inner.getResults()
      })
      const flatOuter = await ctx.map(
        "flat-outer",
        [1],
        async (c: any) => c.runInChildContext("nested-child", async (cc: any) => cc.step("z", async () => "z")),
        { nesting: FLAT }
      )
      return [outer.getResults(), flatOuter.getResults()]
    })
    expect(ours.status).toBe("SUCCEEDED")
  })

  it("runInChildContext with virtualContext: no CONTEXT operation; its operations keep the parent's parent", async () => {
    const ours = await same(async (_event, ctx) => {
      const a = await ctx.runInChildContext(
        "virtual",
        async (c: any) => {
          const v = await c.step("inside", async () => 20)
          await c.wait("later", { seconds: 5 })
          return v + 1
        },
        { virtualContext: true }
      )
      const b = await ctx.runInChildContext("real", async (c: any) =>
        c.runInChildContext("virtual-in-real", async (cc: any) => cc.step("deep", async () => 1), {
          virtualContext: true
        })
      )
      return a + b
    })
    expect(ours.result).toBe(22)
    expect(ours.operations.some((o) => o.includes("virtual ") && o.startsWith("CONTEXT"))).toBe(false)
  })

  it("a virtual context whose body fails rejects with the same error, nothing recorded for the context", async () => {
    const ours = await same(async (_event, ctx) => {
      try {
        await ctx.runInChildContext(
          "virtual",
          async (c: any) => {
            await c.step("fine", async () => 1)
            throw new TypeError("broken")
          },
          { virtualContext: true }
        )
        return "no error"
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`
      }
    })
    expect(ours.result).toBe("ChildContextError: broken")
  })

  it("map FLAT whose result is over 256 KiB: rebuilt on replay from the items' operations", async () => {
    const ours = await same(async (_event, ctx) => {
      const r = await ctx.map(
        "big",
        [0, 1, 2],
        async (c: any, n: number) => c.step("chunk", async () => `${n}`.repeat(100 * 1024)),
        { nesting: FLAT }
      )
      await ctx.wait("then", { seconds: 1 })
      return r.getResults().map((s: string) => s.length)
    })
    expect(ours.result).toStrictEqual([102400, 102400, 102400])
    expect(ours.invocations).toBe(2)
  })

  it("a summarized FLAT batch that completed early: only the finished items are rebuilt, with the recorded reason", async () => {
    const ours = await same(async (_event, ctx) => {
      const r = await ctx.map(
        "early",
        [0, 1, 2, 3],
        async (c: any, n: number) => c.step("chunk", async () => `${n}`.repeat(100 * 1024)),
        {
          nesting: FLAT,
          maxConcurrency: 1,
          completionConfig: { minSuccessful: 3 },
          summaryGenerator: (result: any) => `done: ${result.successCount}`
        }
      )
      await ctx.wait("then", { seconds: 1 })
      return { lengths: r.getResults().map((s: string) => s.length), reason: r.completionReason }
    })
    expect(ours.result).toStrictEqual({ lengths: [102400, 102400, 102400], reason: "MIN_SUCCESSFUL_REACHED" })
    expect(ours.batches[0]).toContain('"itemStatuses":"SSS"')
    expect(ours.batches[0]).toContain('"summary":"done: 3"')
  })

  it("pluginsConfig.childOperationsDepth counts checkpointed contexts only, not the virtual items", async () => {
    const body: Body = async (_event, ctx) => {
      const r = await ctx.map(
        "m",
        [1, 2],
        async (c: any, n: number) =>
          c.runInChildContext("inner", async (cc: any) =>
            cc.runInChildContext("innermost", async (ccc: any) => ccc.step("s", async () => n))
          ),
        { nesting: FLAT }
      )
      await ctx.wait("then", { seconds: 1 })
      return r.getResults()
    }
    for (const childOperationsDepth of [1, 2, 3]) {
      const ours = await same(body, { childOperationsDepth })
      expect(ours.operations.filter((o) => o.endsWith("ReplayChildren")).length).toBe(
        [1, 3, 5][childOperationsDepth - 1]
      )
    }
  })

  it("map FLAT: an empty batch, and a custom shouldComplete that fails the batch after a failed item", async () => {
    const ours = await same(async (_event, ctx) => {
      const empty = await ctx.map("empty", [], async (c: any) => c.step("never", async () => 0), { nesting: FLAT })
      const custom = await ctx.map(
        "custom",
        [1, 2, 3],
        async (c: any, n: number) =>
          c.step(
            "item",
            async () => {
              if (n === 2) throw new Error("two")
              return n
            },
            noRetry
          ),
        {
          nesting: FLAT,
          maxConcurrency: 1,
          completionConfig: {
            shouldComplete: (status: any) =>
              status.failureCount > 0 ? { complete: true, outcome: "FAILED" } : { complete: false }
          }
        }
      )
      await ctx.wait("then", { seconds: 1 })
      return [empty.totalCount, custom.completionReason, custom.status, custom.getResults()]
    })
    expect(ours.result).toStrictEqual([0, "CUSTOM_COMPLETION_FAILED", "FAILED", [1]])
  })
})
