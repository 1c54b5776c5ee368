/**
 * Chained invokes are recorded in the order the service produces: after `ChainedInvokeStarted`, when the
 * caller then waits only on that invoke, its `InvocationCompleted` (PENDING) comes next, then the invoke's
 * outcome, then the caller's next invocation.
 */
import { withDurableExecution } from "@durable-lambda/core/async"
import { assert, describe, it } from "@effect/vitest"
import { type History, LocalDurableTestRunner, TestRunner } from "../src/index.ts"

const types = (result: { getHistoryEvents(): ReadonlyArray<History.HistoryEvent> }) =>
  result.getHistoryEvents().map((e) => e.EventType)

const caller = withDurableExecution(async (_event, ctx) => {
  try {
    return { ok: await ctx.invoke("call", "target:$LATEST", { x: 7 }) }
  } catch (error) {
    return { failed: (error as Error).name }
  }
})

const expectOrder = (events: ReadonlyArray<string>, outcome: string) =>
  assert.deepStrictEqual(events, [
    "ExecutionStarted",
    "ChainedInvokeStarted",
    "InvocationCompleted",
    outcome,
    "InvocationCompleted",
    "ExecutionSucceeded"
  ])

describe("chained-invoke ordering", () => {
  it("success: the caller's PENDING InvocationCompleted comes before ChainedInvokeSucceeded", async () => {
    const target = withDurableExecution(async (event: { x: number }, ctx) =>
      ctx.step("square", async () => event.x ** 2)
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: caller })
      .registerDurableFunction("target:$LATEST", target)
      .run()
    assert.deepStrictEqual(result.getResult(), { ok: 49 })
    expectOrder(types(result), "ChainedInvokeSucceeded")
    assert.strictEqual(result.getInvocations().length, 2)
    assert.strictEqual(result.getInvocations()[0]!.status, "PENDING")
  })

  it("failure: ChainedInvokeFailed comes after the caller's suspension", async () => {
    const target = withDurableExecution(async () => {
      throw new Error("no luck")
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: caller })
      .registerDurableFunction("target:$LATEST", target)
      .run()
    assert.match((result.getResult() as { failed: string }).failed, /^Invoke/)
    expectOrder(types(result), "ChainedInvokeFailed")
  })

  it("plain target: its answer is recorded after the caller's suspension", async () => {
    const result = await new LocalDurableTestRunner({ handlerFunction: caller })
      .registerFunction("target:$LATEST", (event: { x: number }) => event.x + 1)
      .run()
    assert.deepStrictEqual(result.getResult(), { ok: 8 })
    expectOrder(types(result), "ChainedInvokeSucceeded")
  })

  it("timeout: ChainedInvokeTimedOut comes after the caller's suspension, at the target's timeout", async () => {
    const target = withDurableExecution(async (_event, ctx) => ctx.wait("forever", { hours: 1 }))
    const result = await new LocalDurableTestRunner({ handlerFunction: caller })
      .registerDurableFunction("target:$LATEST", target, { executionTimeoutSeconds: 60 })
      .run()
    expectOrder(types(result), "ChainedInvokeTimedOut")
    const events = result.getHistoryEvents()
    assert.strictEqual(events[3]!.EventTimestamp.getTime() - events[1]!.EventTimestamp.getTime(), 60_000)
  })

  it("a target that itself waits: the caller suspends first, the outcome lands when the target finishes", async () => {
    const target = withDurableExecution(async (event: { x: number }, ctx) => {
      await ctx.wait("nap", { minutes: 10 })
      return event.x * 3
    })
    const result = await TestRunner.runPromise(caller, {
      functions: new Map([["target:$LATEST", TestRunner.durableFunction(target)]])
    })
    assert.deepStrictEqual(result.getResult(), { ok: 21 })
    expectOrder(types(result), "ChainedInvokeSucceeded")
    const events = result.getHistoryEvents()
    assert.strictEqual(events[3]!.EventTimestamp.getTime() - events[1]!.EventTimestamp.getTime(), 600_000)
  })
})
