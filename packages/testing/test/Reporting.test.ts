/**
 * What the test gets to see: the history live as it is recorded, scripted callback answers the service
 * rejected, and an execution input the service would refuse.
 */
import { withDurableExecution } from "@durable-lambda/core/async"
import { assert, describe, it } from "@effect/vitest"
import { Callbacks, LocalDurableTestRunner } from "../src/index.ts"

describe("watching an execution live", () => {
  it("onHistoryEvent: every event as recorded, in order, with the operation it belongs to", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      await ctx.step("one", async () => 1)
      await ctx.wait("pause", { seconds: 5 })
      return "done"
    })
    const runner = new LocalDurableTestRunner({ handlerFunction: handler })
    const seen: Array<{ type: string; operation: string | undefined; status: string | undefined }> = []
    const stop = runner.onHistoryEvent((event, operation) =>
      seen.push({ type: event.EventType, operation: operation?.Name, status: operation?.Status })
    )
    const result = await runner.run()
    stop()
    assert.deepStrictEqual(
      seen.map((s) => s.type),
      result.getHistoryEvents().map((e) => e.EventType)
    )
    const waitStarted = seen.find((s) => s.type === "WaitStarted")
    assert.deepStrictEqual(waitStarted, { type: "WaitStarted", operation: "pause", status: "STARTED" })
    assert.strictEqual(seen.find((s) => s.type === "StepSucceeded")?.operation, "one")
  })
})

describe("scripted callback answers the service rejects", () => {
  it("a second answer to a completed callback is reported, not dropped", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      const verdict = await ctx.waitForCallback("approval", async () => {}, { timeout: { minutes: 1 } })
      await ctx.wait("cool-off", { hours: 1 })
      return verdict
    })
    const result = await new LocalDurableTestRunner({
      handlerFunction: handler,
      callbackActions: [
        Callbacks.respond("approval", Callbacks.success('"first"', 10_000), Callbacks.success('"second"', 10_000))
      ]
    }).run()
    assert.strictEqual(result.getResult(), '"first"')
    const rejected = result.getRejectedCallbackAnswers()
    assert.strictEqual(rejected.length, 1)
    assert.strictEqual(rejected[0]!.operation, "success")
    assert.strictEqual(rejected[0]!.errorCode, "CallbackTimeoutException")
    assert.strictEqual(rejected[0]!.at.getTime() - Date.UTC(2025, 0, 1), 20_000)
  })
})

describe("execution input", () => {
  it("an input over the service's 6 MB limit is rejected as the service rejects it", async () => {
    const handler = withDurableExecution(async () => "never runs")
    const error = await new LocalDurableTestRunner({ handlerFunction: handler })
      .run({ payload: { blob: "x".repeat(6 * 1024 * 1024) } })
      .then(
        () => undefined,
        (e: Error) => e
      )
    assert.strictEqual(error?.name, "RequestEntityTooLargeException")
    assert.match(error?.message ?? "", /6291456 bytes/)
  })
})
