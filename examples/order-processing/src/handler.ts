/**
 * Order processing: reserve stock, charge the card (retried on transient failures), wait for the
 * cooling-off period, then ship. The handler is exported exactly as it is deployed.
 */
import { createRetryStrategy, withDurableExecution } from "@durable-lambda/backend-aws"

export interface Order {
  readonly orderId: string
  readonly items: ReadonlyArray<{ readonly sku: string; readonly quantity: number; readonly price: number }>
}

export interface Services {
  reserve(order: Order): Promise<string>
  charge(orderId: string, amount: number): Promise<string>
  ship(orderId: string, reservation: string): Promise<string>
}

/** Builds the durable handler over the given services (real clients in Lambda, fakes in tests). */
export const makeHandler = (services: Services) =>
  withDurableExecution(async (order: Order, context) => {
    const total = order.items.reduce((sum, item) => sum + item.quantity * item.price, 0)
    const reservation = await context.step("reserve-stock", async () => services.reserve(order))
    const payment = await context.step("charge-card", async () => services.charge(order.orderId, total), {
      retryStrategy: createRetryStrategy({ maxAttempts: 4, initialDelay: { seconds: 5 }, jitter: "NONE" })
    })
    context.logger.info("charged", { orderId: order.orderId, total })
    await context.wait("cooling-off", { hours: 24 })
    const tracking = await context.step("ship", async () => services.ship(order.orderId, reservation))
    return { orderId: order.orderId, total, payment, tracking }
  })
