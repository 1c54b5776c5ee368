/**
 * The simulation's scheduling rules, observed through runs: what fires when, in which order, and how
 * invocations are coalesced.
 */
import { withDurableExecution } from "@durable-lambda/core/async"
import { assert, describe, it } from "@effect/vitest"
import { Callbacks, Faults, LocalDurableTestRunner } from "../src/index.ts"

const T0 = Date.UTC(2025, 0, 1)
const kinds = (r: { getHistoryEvents(): ReadonlyArray<{ EventType: string }> }) =>
  r.getHistoryEvents().map((e) => e.EventType)
const at = (r: { getHistoryEvents(): ReadonlyArray<{ EventType: string; EventTimestamp: Date }> }, type: string) =>
  r
    .getHistoryEvents()
    .filter((e) => e.EventType === type)
    .map((e) => e.EventTimestamp.getTime() - T0)

describe("Scheduler", () => {
  it("time jumps to the earliest due item; parallel waits wake the execution once per expiry", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      await Promise.all([
        ctx.runInChildContext("a", async (c) => c.wait({ seconds: 30 })),
        ctx.runInChildContext("b", async (c) => c.wait({ seconds: 10 })),
        ctx.runInChildContext("c", async (c) => c.wait({ seconds: 20 }))
      ])
      return "all done"
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getResult(), "all done")
    assert.deepStrictEqual(at(result, "WaitSucceeded"), [10_000, 20_000, 30_000])
    assert.deepStrictEqual(at(result, "InvocationCompleted"), [0, 10_000, 20_000, 30_000])
  })

  it("service timers due at the same instant as a scripted answer fire first", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      const [answer] = await ctx.createCallback("race", { timeout: { seconds: 5 } })
      try {
        return await answer
      } catch (error) {
        return `timed out: ${(error as Error).name}`
      }
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler })
      .onCallback("race", Callbacks.success('"late"', 5_000))
      .run()
    assert.match(String(result.getResult()), /^timed out/)
    assert.include(kinds(result), "CallbackTimedOut")
    assert.notInclude(kinds(result), "CallbackSucceeded")
  })

  it("an answer one millisecond before the timeout wins", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      const [answer] = await ctx.createCallback("race", { timeout: { seconds: 5 } })
      return await answer
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler })
      .onCallback("race", Callbacks.success('"just in time"', 4_999))
      .run()
    assert.strictEqual(result.getResult(), '"just in time"')
    assert.deepStrictEqual(at(result, "CallbackSucceeded"), [4_999])
  })

  it("invocationRetryDelayMillis: the service waits before re-invoking after a function error", async () => {
    const handler = withDurableExecution(async (_event, ctx) => ctx.step("s", async () => "ok"))
    const result = await new LocalDurableTestRunner({
      handlerFunction: handler,
      invocationRetryDelayMillis: 60_000,
      faults: [Faults.throttle(1)]
    }).run()
    assert.strictEqual(result.getResult(), "ok")
    const invocations = result.getInvocations()
    assert.strictEqual(invocations.length, 2)
    assert.strictEqual(invocations[1]!.startTimestamp.getTime() - invocations[0]!.endTimestamp!.getTime(), 60_000)
  })

  it("wake-ups arriving while an invocation runs are coalesced into one next invocation", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      const [a] = await ctx.createCallback("a")
      const [b] = await ctx.createCallback("b")
      return [await a, await b]
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler })
      .onCallback("a", Callbacks.success("1", 1_000))
      .onCallback("b", Callbacks.success("2", 1_000))
      .run()
    assert.deepStrictEqual(result.getResult(), ["1", "2"])
    // Both answers land at +1s, before anything runs again: one invocation handles both.
    assert.deepStrictEqual(at(result, "InvocationCompleted"), [0, 1_000])
  })
})
