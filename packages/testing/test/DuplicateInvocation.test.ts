import { assert, describe, it } from "@effect/vitest"
import { AsyncContext } from "@durable-lambda/core"
import { Faults, LocalDurableTestRunner } from "@durable-lambda/testing"

describe("Duplicate invocations", () => {
  it("a duplicate delivery never makes the service drop an update (ClientToken covers the request's content)", async () => {
    let calls = 0
    const handler = AsyncContext.withDurableExecution(async (_: unknown, ctx) =>
      ctx.step("flaky", async () => {
        if (++calls === 1) throw new Error("transient")
        return "ok"
      })
    )
    const result = await new LocalDurableTestRunner({
      handlerFunction: handler,
      faults: [Faults.duplicateInvocation(1)]
    }).run()
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.strictEqual(result.getOperation("flaky").getStatus(), "SUCCEEDED")
    const types = result.getHistoryEvents().map((e: any) => e.EventType)
    assert.include(types, "StepSucceeded")
  })
})
