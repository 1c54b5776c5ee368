/**
 * The handler module README snippets import as `../src/handler.ts` (a test file next to a `src/handler.ts`):
 * a small order workflow on the async API.
 */
import { withDurableExecution } from "@durable-lambda/backend-aws"

export const handler = withDurableExecution(async (event: { orderId: string }, context) => {
  const payment = await context.step("charge-card", async () => `pay-${event.orderId}`)
  return { orderId: event.orderId, payment }
})
