/**
 * Chained invoke: the checkout function holds the stock, then invokes the billing function (another durable
 * function, see `billing.ts`) and waits for its result without running: the invocation suspends until the
 * billing execution finishes, however long that takes. A refused payment comes back as an
 * `InvokeFailedError` whose cause carries billing's error type; checkout then releases the stock.
 *
 * `handler` is exported exactly as it is deployed; `makeHandler` builds the same workflow over any services
 * and billing function name.
 */
import { InvokeFailedError, withDurableExecution } from "@durable-lambda/backend-aws"
import {
  httpCheckoutServices,
  type BillingRequest,
  type Checkout,
  type CheckoutServices,
  type Invoice
} from "./services.ts"

export type { BillingRequest, BillingServices, Checkout, CheckoutServices, Invoice } from "./services.ts"
export { PaymentRefused } from "./services.ts"

export type CheckoutResult =
  | { readonly orderId: string; readonly status: "CONFIRMED"; readonly invoiceId: string }
  | { readonly orderId: string; readonly status: "PAYMENT_REFUSED"; readonly reason: string }

/**
 * @param billingFunction the billing function's name or ARN, with a qualifier (a version or alias): a
 * chained invoke must target a published version so a replay reaches the same code.
 */
export const makeHandler = (services: CheckoutServices, billingFunction: string) =>
  withDurableExecution(async (order: Checkout, context): Promise<CheckoutResult> => {
    const holdId = await context.step("hold-stock", async () => services.holdStock(order.orderId))

    let invoice: Invoice
    try {
      invoice = await context.invoke<BillingRequest, Invoice>("bill-customer", billingFunction, {
        orderId: order.orderId,
        customerId: order.customerId,
        amount: order.amount
      })
    } catch (error) {
      const cause = error instanceof InvokeFailedError ? (error.cause as Error | undefined) : undefined
      if (cause?.name !== "PaymentRefused") throw error
      await context.step("release-stock", async () => services.releaseStock(holdId))
      return { orderId: order.orderId, status: "PAYMENT_REFUSED", reason: cause.message }
    }

    await context.step("confirm-order", async () => services.confirm(order.orderId, invoice.invoiceId))
    return { orderId: order.orderId, status: "CONFIRMED", invoiceId: invoice.invoiceId }
  })

/** The deployed checkout handler; `BILLING_FUNCTION` is the billing function's qualified ARN. */
export const handler = makeHandler(httpCheckoutServices(process.env), process.env.BILLING_FUNCTION ?? "billing:live")
