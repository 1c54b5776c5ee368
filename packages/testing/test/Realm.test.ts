/**
 * Results behave inside test frameworks that run tests in a separate realm (Jest's VM contexts), where host
 * functions such as `structuredClone` hand back objects of another realm.
 */
import { withDurableExecution } from "@durable-lambda/core/async"
import { afterEach, assert, describe, it } from "@effect/vitest"
import vm from "node:vm"
import { LocalDurableTestRunner, WaitingOperationStatus } from "../src/index.ts"

/** A `structuredClone` from another realm (what a host function looks like from inside a VM context). */
const foreignClone: (value: unknown) => unknown = vm.runInNewContext(`(function clone(v) {
  const tag = Object.prototype.toString.call(v)
  if (tag === "[object Date]") return new Date(v.getTime())
  if (Array.isArray(v)) return v.map(clone)
  if (v !== null && typeof v === "object") {
    const out = {}
    for (const k of Object.keys(v)) out[k] = clone(v[k])
    return out
  }
  return v
})`)

const original = globalThis.structuredClone
afterEach(() => {
  globalThis.structuredClone = original
})

describe("realm safety", () => {
  it("history and operation timestamps are Dates of the test's realm even when structuredClone is foreign", async () => {
    globalThis.structuredClone = foreignClone as typeof structuredClone
    const handler = withDurableExecution(async (_event, ctx) => {
      await ctx.step("one", async () => 1)
      await ctx.wait("pause", { seconds: 5 })
      return "done"
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    const events = result.getHistoryEvents()
    assert.isAbove(events.length, 3)
    assert.isTrue(events.every((e) => e.EventTimestamp instanceof Date))
    assert.isTrue(result.getOperation("one").getStartTimestamp() instanceof Date)
    assert.isTrue(result.getOperation("pause").getWaitDetails()?.scheduledEndTimestamp instanceof Date)
    assert.isTrue(
      result
        .getOperation("one")
        .getEvents()
        .every((e) => e.EventTimestamp instanceof Date)
    )
  })

  it("getCallbackDetails().error is an object when the callback failed without an error", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      try {
        return await ctx.waitForCallback("approval", async () => {}, { timeout: { hours: 1 } })
      } catch {
        return "rejected"
      }
    })
    const runner = new LocalDurableTestRunner({ handlerFunction: handler })
    const pending = runner.run()
    const approval = runner.getOperation("approval")
    await approval.waitForData(WaitingOperationStatus.STARTED)
    await approval.sendCallbackFailure()
    const result = await pending
    assert.strictEqual(result.getResult(), "rejected")
    const error = result.getOperation("approval").getCallbackDetails().error
    assert.isObject(error)
    assert.strictEqual(error?.errorMessage, undefined)
  })
})
