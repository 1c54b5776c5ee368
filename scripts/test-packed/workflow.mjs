// Runs one workflow through the packed testing harness, in plain Node (no source condition): steps with a retry,
// a 24-hour durable wait on virtual time and a child context, written against the packed backend-aws, with the
// packed OpenTelemetry plugin (on the API's no-op tracer) watching.
import { withDurableExecution } from "@durable-lambda/backend-aws"
import { DurableOtelPlugin } from "@durable-lambda/otel"
import { LocalDurableTestRunner } from "@durable-lambda/testing"
import assert from "node:assert/strict"

let attempts = 0
const handler = withDurableExecution(
  async (event, context) => {
    const order = await context.step("load-order", async () => ({ id: event.orderId, total: 70 }))
    const payment = await context.step(
      "charge",
      async () => {
        attempts += 1
        if (attempts === 1) throw new Error("gateway timeout")
        return `pay-${order.id}`
      },
      {
        retryStrategy: (_error, attempt) =>
          attempt < 3 ? { shouldRetry: true, delay: { seconds: 5 } } : { shouldRetry: false }
      }
    )
    await context.wait("cool-off", { hours: 24 })
    const tracking = await context.runInChildContext("ship", async (child) =>
      child.step("label", async () => `track-${order.id}`)
    )
    return { orderId: order.id, payment, tracking }
  },
  { plugins: [new DurableOtelPlugin()] }
)

const started = Date.now()
const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run({ payload: { orderId: "o-1" } })
if (result.getStatus() !== "SUCCEEDED") {
  result.print()
  assert.fail(`workflow ended ${result.getStatus()}: ${JSON.stringify(result.getError())}`)
}
assert.deepEqual(result.getResult(), { orderId: "o-1", payment: "pay-o-1", tracking: "track-o-1" })
assert.equal(result.getOperation("charge").getStepDetails()?.attempt, 2)
assert.equal(result.getOperation("cool-off").getWaitDetails()?.waitSeconds, 24 * 3600)
assert.ok(Date.now() - started < 20_000, "a 24-hour wait must run on virtual time")
console.log(`workflow through the packed harness: SUCCEEDED in ${result.getInvocations().length} invocations`)
