import { assert, describe, it } from "@effect/vitest"
import { AsyncContext, Step } from "@durable-lambda/core"
import { Effect } from "effect"
import { eventTypes, history, makeDrive, run } from "./support/service.ts"

const { withDurableExecution } = AsyncContext

describe("Engine replay", () => {
  it.live("step SUCCEEDED and wait SUCCEEDED replay without re-running user code", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      let fetches = 0
      const fn = withDurableExecution(async (event: { n: number }, ctx) => {
        const a = await ctx.step("fetch", async () => {
          fetches++
          return event.n * 10
        })
        await ctx.wait("pause", { seconds: 30 })
        await ctx.wait({ minutes: 1 })
        return a + 1
      })
      const r = yield* run(drive, () => fn, { n: 4 })
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: "41" })
      assert.strictEqual(r.outcomes.length, 3)
      assert.strictEqual(fetches, 1)
      assert.deepStrictEqual(eventTypes(drive, r.arn), [
        "ExecutionStarted",
        "StepStarted",
        "StepSucceeded",
        "WaitStarted",
        "InvocationCompleted",
        "WaitSucceeded",
        "WaitStarted",
        "InvocationCompleted",
        "WaitSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded"
      ])
      const waits = history(drive, r.arn).filter((e) => e.EventType === "WaitStarted")
      assert.deepStrictEqual(
        waits.map((e) => e.WaitStartedDetails.Duration),
        [30, 60]
      )
      assert.strictEqual(waits[0].Name, "pause")
    })
  )

  it.live("step FAILED replays the same error without re-running the body", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      let runs = 0
      const seen: Array<string> = []
      const fn = withDurableExecution(async (_: unknown, ctx) => {
        try {
          await ctx.step(
            "validate",
            async () => {
              runs++
              throw new RangeError("out of range")
            },
            { retryStrategy: () => ({ shouldRetry: false }) }
          )
        } catch (e: any) {
          seen.push(`${e.name}:${e.message}:${e.cause?.name}`)
        }
        await ctx.wait({ seconds: 1 })
        return "done"
      })
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: '"done"' })
      assert.strictEqual(runs, 1)
      assert.deepStrictEqual(seen, ["StepError:out of range:RangeError", "StepError:out of range:RangeError"])
    })
  )

  it.live("child context: SUCCEEDED replays the stored result; a STARTED child resumes its children", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const counts = { inner: 0, body: 0 }
      const fn = withDurableExecution(async (_: unknown, ctx) => {
        const total = await ctx.runInChildContext("group", async (child) => {
          counts.body++
          const a = await child.step("a", async () => {
            counts.inner++
            return 2
          })
          await child.wait({ seconds: 5 })
          return a * 21
        })
        await ctx.wait({ seconds: 5 })
        return total
      })
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: "42" })
      // Invocation 1 ran the body, invocation 2 resumed the STARTED child, invocation 3 replayed it from its result.
      assert.strictEqual(counts.body, 2)
      assert.strictEqual(counts.inner, 1)
      const events = history(drive, r.arn)
      const contextStarted = events.find((e) => e.EventType === "ContextStarted")
      const inner = events.find((e) => e.EventType === "StepStarted")
      assert.strictEqual(contextStarted.SubType, "RunInChildContext")
      assert.strictEqual(inner.ParentId, contextStarted.Id)
      assert.strictEqual(inner.Id, "ea66c06c1e1c05fa") // hash("1-1")
    })
  )

  it.live("child context FAILED surfaces ChildContextError with the inner error as cause, on every replay", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const seen: Array<string> = []
      const fn = withDurableExecution(async (_: unknown, ctx) => {
        try {
          await ctx.runInChildContext("broken", async () => {
            throw new TypeError("bad input")
          })
        } catch (e: any) {
          seen.push(`${e.errorType}|${e.message}|${e.cause?.errorType ?? e.cause?.name}`)
        }
        await ctx.wait({ seconds: 1 })
        return seen.length
      })
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: "2" })
      assert.deepStrictEqual(seen[0], seen[1])
      assert.strictEqual(seen[0], "ChildContextError|bad input|StepError")
      assert.includeMembers(eventTypes(drive, r.arn), ["ContextStarted", "ContextFailed"])
    })
  )

  it.live("a large child result is not stored: the children replay to rebuild it", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      let stepRuns = 0
      const big = "x".repeat(300 * 1024)
      const fn = withDurableExecution(async (_: unknown, ctx) => {
        const value = await ctx.runInChildContext(
          "big",
          async (child) => {
            const part = await child.step("part", async () => {
              stepRuns++
              return big
            })
            return { part, size: part.length }
          },
          { summaryGenerator: (v) => JSON.stringify({ size: v.size }) }
        )
        await ctx.wait({ seconds: 1 })
        return value.size
      })
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: String(300 * 1024) })
      assert.strictEqual(stepRuns, 1)
      const succeeded = history(drive, r.arn).find((e) => e.EventType === "ContextSucceeded")
      assert.strictEqual(succeeded.ContextSucceededDetails.Result.Payload, JSON.stringify({ size: 300 * 1024 }))
    })
  )

  it.live(
    "a large child result goes through its serdes on the first run and when rebuilt, nested too (as a small one does)",
    () =>
      Effect.gen(function* () {
        const drive = makeDrive()
        const big = "x".repeat(300 * 1024)
        const seen: Array<unknown> = []
        const fn = withDurableExecution(async (_: unknown, ctx) => {
          const value = await ctx.runInChildContext("outer", async (child) => {
            const inner = await child.runInChildContext("inner", async (grandchild) => {
              const part = await grandchild.step("part", async () => big)
              return { part, at: new Date(0) }
            })
            return { inner, at: new Date(0) }
          })
          const batch = await ctx.map("batch", [1], async (item) => ({ part: await item.step("p", async () => big) }))
          seen.push([
            typeof value.at,
            typeof value.inner.at,
            value.inner.part.length,
            batch.getResults()[0]!.part.length
          ])
          await ctx.wait({ seconds: 1 })
          return "done"
        })
        const r = yield* run(drive, () => fn)
        assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: '"done"' })
        assert.strictEqual(drive.op("1")?.ReplayChildren, true)
        assert.strictEqual(drive.op("1-1")?.ReplayChildren, true)
        assert.deepStrictEqual(seen, [
          ["string", "string", big.length, big.length],
          ["string", "string", big.length, big.length]
        ])
      })
  )

  it.live("Effect API: the same engine replays Step.run results", () =>
    Effect.gen(function* () {
      const { Handler, Wait } = yield* Effect.promise(() => import("@durable-lambda/core"))
      const drive = makeDrive()
      let runs = 0
      const handler = Handler.make((input: { base: number }) =>
        Effect.gen(function* () {
          const v = yield* Step.run(
            "compute",
            Effect.sync(() => ++runs + input.base)
          )
          yield* Wait.wait({ seconds: 10 })
          return v
        })
      )
      const r = yield* run(drive, () => handler, { base: 100 })
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: "101" })
      assert.strictEqual(runs, 1)
    })
  )
})
