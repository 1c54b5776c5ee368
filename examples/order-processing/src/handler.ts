/**
 * Order processing: reserve stock, charge the card (retried on transient gateway failures, never on a
 * decline), wait out a 24-hour cooling-off period, then ship. If the payment fails for good, the stock
 * reservation is released before the workflow ends.
 *
 * `handler` is exported exactly as it is deployed; `makeHandler` builds the same workflow over any services
 * (the tests pass fakes).
 */
import { createRetryStrategy, withDurableExecution, type RetryDecision } from "@durable-lambda/backend-aws"
import { httpServices, type Order, type OrderResult, type Services } from "./services.ts"

export type { Order, OrderResult, Services } from "./services.ts"
export { PaymentDeclined } from "./services.ts"

/** Transient gateway failures are retried 4 times in total (5 s, 10 s, 20 s apart); a decline is not. */
const backoff = createRetryStrategy({ maxAttempts: 4, initialDelay: { seconds: 5 }, backoffRate: 2, jitter: "NONE" })
export const chargeRetry = (error: Error, attempt: number): RetryDecision =>
  error.name === "PaymentDeclined" ? { shouldRetry: false } : backoff(error, attempt)

/** Builds the durable handler over the given services (real clients in Lambda, fakes in tests). */
export const makeHandler = (services: Services) =>
  withDurableExecution(async (order: Order, context): Promise<OrderResult> => {
    const total = order.items.reduce((sum, item) => sum + item.quantity * item.price, 0)
    const reservation = await context.step("reserve-stock", async () => services.reserve(order))

    let payment: string
    try {
      payment = await context.step(
        "charge-card",
        async () => services.charge(order.orderId, total, `charge-${order.orderId}`),
        { retryStrategy: chargeRetry }
      )
    } catch (error) {
      // The step failed for good (a decline, or the gateway stayed down): give the stock back.
      await context.step("release-stock", async () => services.release(reservation))
      const cause = (error as Error).cause as Error | undefined
      if (cause?.name === "PaymentDeclined") return { orderId: order.orderId, status: "PAYMENT_DECLINED", total }
      throw error
    }
    context.logger.info("charged", { orderId: order.orderId, total })

    await context.wait("cooling-off", { hours: 24 })
    const tracking = await context.step("ship", async () => services.ship(order.orderId, reservation))
    return { orderId: order.orderId, status: "SHIPPED", total, payment, tracking }
  })

/** The deployed handler: `Handler: src/handler.handler` (after bundling). */
export const handler = makeHandler(httpServices(process.env))
