/**
 * Differential tests of run-time behaviour (DIFFERENCES.md, "Behavioural differences"): where ours and the official
 * SDK 2.4.0 agree (results, recorded operations, error classes and messages) and, where they differ on purpose
 * (the `[key]`s of DIFFERENCES.md), exactly how.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Body } from "../../../bench/src/adapters.ts"
import { compare, errorChain, noRetry, record, same } from "./differential.ts"

/** A map whose items fail in the ways that matter: a plain error thrown, and a failed step. */
const failingMap = async (ctx: any) =>
  ctx.map(
    "m",
    ["ok", "thrown", "step"],
    async (c: any, kind: string) => {
      if (kind === "thrown") throw new TypeError("bad input")
      if (kind === "step")
        return c.step(
          "inner",
          async () => {
            throw new RangeError("too far")
          },
          noRetry
        )
      return kind
    },
    { completionConfig: { toleratedFailureCount: 10 } }
  )

/**
 * The item errors of a batch result as the user sees them: class, name and message of the error and its cause.
 * (Below that the official SDK nests the rebuilt error once more for an item that failed with a durable error:
 * its `cause.cause` is a `StepError` where ours is the plain `Error` the official SDK itself gives a rebuilt
 * error as cause.)
 */
const itemErrors = (r: any) => r.all.map((i: any) => ({ status: i.status, error: errorChain(i.error, 2) }))

describe("[batch-item-errors] batch item errors", () => {
  const body: Body = async (_event, ctx) => {
    const r = await failingMap(ctx)
    // What the first run saw is kept by a step; the return value is what the last invocation (a replay) saw.
    const first = await ctx.step("first run", async () => itemErrors(r))
    await ctx.wait("then", { seconds: 1 })
    return { first, replay: itemErrors(r) }
  }

  it("the user sees the same error classes and messages, on the first run and on replay", async () => {
    const ours = await compare(body)
    const result = ours.ours.result as { first: unknown; replay: unknown }
    expect(result.replay).toStrictEqual(result.first)
    expect(result.first).toEqual([
      { status: "SUCCEEDED", error: undefined },
      {
        status: "FAILED",
        error: {
          class: "ChildContextError",
          name: "ChildContextError",
          message: "bad input",
          cause: { class: "StepError", name: "StepError", message: "bad input", cause: undefined }
        }
      },
      {
        status: "FAILED",
        error: {
          class: "ChildContextError",
          name: "ChildContextError",
          message: "too far",
          cause: { class: "StepError", name: "StepError", message: "too far", cause: undefined }
        }
      }
    ])
  })

  it("stored: ours the ErrorObject each item failed with, the official SDK a ChildContextError with a Cause chain", async () => {
    const { ours, theirs } = await compare(body)
    expect(ours.storedItemErrors).toStrictEqual([
      { ErrorType: "TypeError", ErrorMessage: "bad input" },
      { ErrorType: "StepError", ErrorMessage: "too far" }
    ])
    expect(theirs.storedItemErrors).toStrictEqual([
      {
        ErrorType: "ChildContextError",
        ErrorMessage: "bad input",
        Cause: {
          ErrorType: "StepError",
          ErrorMessage: "bad input",
          Cause: { ErrorType: "TypeError", ErrorMessage: "bad input" }
        }
      },
      {
        ErrorType: "ChildContextError",
        ErrorMessage: "too far",
        Cause: {
          ErrorType: "StepError",
          ErrorMessage: "too far",
          Cause: { ErrorType: "StepError", ErrorMessage: "too far" }
        }
      }
    ])
  })

  it("ours reads what the official SDK stored: an execution started under it replays under ours with the same errors", async () => {
    const theirs = await record("theirs", body)
    const ported = await record("ours", body, { sdkOf: (invocation) => (invocation === 0 ? "theirs" : "ours") })
    expect(ported.invocations).toBe(2)
    expect((ported.result as { replay: unknown }).replay).toStrictEqual((theirs.result as { first: unknown }).first)
  })
})

describe("a child, map or parallel result over 256 KiB (as the official SDK)", () => {
  const big = (n: number) => `${n}`.repeat(300 * 1024)

  it("nested contexts and batches return the serdes round trip of the value, on the first run and when rebuilt", async () => {
    const ours = await same(async (_event, ctx) => {
      const seen: Array<unknown> = []
      const child = await ctx.runInChildContext("outer", async (c: any) => {
        const inner = await c.runInChildContext("inner", async (cc: any) => ({
          part: await cc.step("part", async () => big(1)),
          at: new Date(0)
        }))
        return { inner, at: new Date(0) }
      })
      seen.push([typeof child.at, typeof child.inner.at, child.inner.part.length])
      const batch = await ctx.runInChildContext("holder", async (c: any) =>
        c.map("m", [0, 1], async (cc: any, n: number) => ({
          part: await cc.step("s", async () => big(n)),
          at: new Date(0)
        }))
      )
      seen.push([typeof batch.getResults, batch.all.map((i: any) => typeof i.result.at)])
      const parallel = await ctx.parallel("p", [
        async (c: any) => c.step("s", async () => big(2)),
        async () => ({ at: new Date(0) })
      ])
      seen.push(parallel.getResults().map((v: any) => (typeof v === "string" ? "big" : typeof v.at)))
      // Kept by a step on the first run; returned as seen on the replay after the wait.
      const first = await ctx.step("first run", async () => seen)
      await ctx.wait("then", { seconds: 1 })
      return { first, replay: seen }
    })
    expect(ours.invocations).toBe(2)
    expect(ours.operations.filter((o) => o.endsWith("ReplayChildren")).length).toBeGreaterThanOrEqual(5)
    const expected = [
      ["string", "string", 300 * 1024],
      ["undefined", ["string", "string"]],
      ["big", "string"]
    ]
    expect(ours.result).toStrictEqual({ first: expected, replay: expected })
  })
})

describe("[replay-logs] logs in a virtual context (virtualContext: true, FLAT map items)", () => {
  /** The body, logging through `context.logger` into `lines`, one group of lines per invocation. */
  const body =
    (lines: Array<Array<string>>): Body =>
    async (_event, ctx) => {
      lines.push([])
      const log = (line: string) => lines[lines.length - 1]!.push(line)
      const logger = { info: log, warn: log, error: log, debug: log }
      ctx.configureLogger({ customLogger: logger })
      const value = await ctx.runInChildContext(
        "virtual",
        async (c: any) => {
          c.logger.info("virtual: start")
          await c.wait("inside", { seconds: 1 })
          c.logger.info("virtual: after its wait")
          return c.step("last", async () => 1)
        },
        { virtualContext: true }
      )
      const items = await ctx.map(
        "flat",
        [1, 2],
        async (c: any, n: number) => {
          c.logger.info(`item ${n}: start`)
          await c.wait("pause", { seconds: n })
          c.logger.info(`item ${n}: after its wait`)
          return c.step("done", async () => n)
        },
        { nesting: "FLAT" }
      )
      ctx.logger.info("end")
      return [value, ...items.getResults()]
    }

  it("ours writes each line once per execution; the official SDK writes them again in every invocation", async () => {
    const theirs: Array<Array<string>> = []
    const ours: Array<Array<string>> = []
    const { storedItemErrors: _t, updates: _tu, ...theirsRecorded } = await record("theirs", body(theirs))
    const { storedItemErrors: _o, updates: _ou, ...oursRecorded } = await record("ours", body(ours))
    expect(oursRecorded).toStrictEqual(theirsRecorded)
    expect(oursRecorded.result).toStrictEqual([1, 1, 2])
    expect(ours).toStrictEqual([
      ["virtual: start"],
      ["virtual: after its wait", "item 1: start", "item 2: start"],
      ["item 1: after its wait"],
      ["item 2: after its wait", "end"]
    ])
    expect(theirs).toStrictEqual([
      ["virtual: start"],
      ["virtual: start", "virtual: after its wait", "item 1: start", "item 2: start"],
      ["virtual: start", "virtual: after its wait", "item 1: start", "item 2: start", "item 1: after its wait"],
      [
        "virtual: start",
        "virtual: after its wait",
        "item 1: start",
        "item 2: start",
        "item 1: after its wait",
        "item 2: after its wait",
        "end"
      ]
    ])
  })
})

describe("throwIfError of a batch its completion decision failed (as the official SDK)", () => {
  it("throws BatchCompletionError when no item failed, on the first run and on replay", async () => {
    const ours = await same(async (_event, ctx) => {
      const r = await ctx.map("quorum", [1, 2, 3], async (c: any, n: number) => c.step("item", async () => n), {
        maxConcurrency: 1,
        completionConfig: {
          shouldComplete: (status: any) =>
            status.successCount >= 2 ? { complete: true, outcome: "FAILED" } : { complete: false }
        }
      })
      const thrown = () => {
        try {
          r.throwIfError()
          return "nothing thrown"
        } catch (error) {
          return [
            (error as Error).name,
            (error as Error).message,
            (error as { completionReason?: string }).completionReason
          ]
        }
      }
      const first = await ctx.step("first run", async () => thrown())
      await ctx.wait("then", { seconds: 1 })
      return { first, replay: thrown(), status: r.status, failed: r.failureCount }
    })
    const thrown = [
      "BatchCompletionError",
      "Batch completed as failed by shouldComplete (CUSTOM_COMPLETION_FAILED)",
      "CUSTOM_COMPLETION_FAILED"
    ]
    expect(ours.result).toStrictEqual({ first: thrown, replay: thrown, status: "FAILED", failed: 0 })
  })
})

describe("updates of operations running concurrently (in the official SDK's order)", () => {
  /** Runs `body` under both SDKs and expects the same updates, in the same order. */
  const sameOrder = async (body: Body) => {
    const { ours, theirs } = await compare(body)
    expect(ours.updates).toStrictEqual(theirs.updates)
    return theirs.updates
  }

  it("child contexts started together: every START before the first operation inside any of them", async () => {
    const updates = await sameOrder(async (_event, ctx) =>
      Promise.all([
        ctx.runInChildContext("a", async (c: any) => c.step("sa", async () => 1)),
        ctx.runInChildContext("b", async (c: any) => c.step("sb", async () => 2))
      ])
    )
    expect(updates.slice(0, 4)).toStrictEqual(["START CONTEXT a", "START CONTEXT b", "START STEP sa", "START STEP sb"])
  })

  it("three child contexts of two steps each", async () => {
    await sameOrder(async (_event, ctx) =>
      Promise.all(
        ["a", "b", "c"].map((n) =>
          ctx.runInChildContext(n, async (c: any) => {
            const x = await c.step(`${n}1`, async () => 1)
            const y = await c.step(`${n}2`, async () => 2)
            return x + y
          })
        )
      )
    )
  })

  it("child contexts of one and two steps", async () => {
    await sameOrder(async (_event, ctx) =>
      Promise.all([
        ctx.runInChildContext("a", async (c: any) => c.step("sa", async () => 1)),
        ctx.runInChildContext("b", async (c: any) => {
          const x = await c.step("b1", async () => 1)
          return x + (await c.step("b2", async () => 2))
        })
      ])
    )
  })

  it("a child context with a wait next to one with a step", async () => {
    await sameOrder(async (_event, ctx) =>
      Promise.all([
        ctx.runInChildContext("a", async (c: any) => {
          await c.wait("wa", { seconds: 1 })
          return c.step("sa", async () => 1)
        }),
        ctx.runInChildContext("b", async (c: any) => c.step("sb", async () => 2))
      ])
    )
  })

  it("a NESTED map of 3 items, concurrency 2", async () => {
    await sameOrder(
      async (_event, ctx) =>
        (
          await ctx.map("m", [1, 2, 3], async (c: any, n: number) => c.step(`s${n}`, async () => n), {
            maxConcurrency: 2
          })
        ).getResults() as any
    )
  })

  it("a parallel of 2 branches", async () => {
    await sameOrder(
      async (_event, ctx) =>
        (
          await ctx.parallel("p", [
            async (c: any) => c.step("p1", async () => 1),
            async (c: any) => c.step("p2", async () => 2)
          ])
        ).getResults() as any
    )
  })

  it("a parallel whose two failures end it before its success is recorded", async () => {
    for (const nesting of ["NESTED", "FLAT"]) {
      const { ours } = await compare(async (_event, ctx) => {
        const r = await ctx.parallel(
          "p",
          [
            async (c: any) => c.step("ok", async () => 1),
            { name: "bad", func: async () => Promise.reject(new Error("no")) },
            async (c: any) => c.step("fails", async () => Promise.reject(new Error("step no")), noRetry)
          ],
          { nesting, completionConfig: { toleratedFailureCount: 1 } } as any
        )
        return { reason: r.completionReason, results: r.getResults(), errors: r.getErrors().map((e: any) => e.message) }
      })
      expect(ours.result).toStrictEqual({
        reason: "FAILURE_TOLERANCE_EXCEEDED",
        results: [],
        errors: ["no", "step no"]
      })
    }
  })

  it("sequential code", async () => {
    await sameOrder(async (_event, ctx) => {
      const a = await ctx.runInChildContext("a", async (c: any) => c.step("sa", async () => 1))
      const m = await ctx.map("m", [1], async (c: any, n: number) => c.step("s", async () => n))
      await ctx.wait("w", { seconds: 1 })
      return [a, ...m.getResults()]
    })
  })
})
