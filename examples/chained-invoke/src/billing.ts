/**
 * The billing function: a durable function of its own, invoked by checkout. It authorizes the card, waits
 * out the processor's 10-minute settlement window (suspended, nothing billed), then captures. A refusal
 * fails its execution with `PaymentRefused`, which the caller sees as the invoke's error type.
 *
 * Deployed as its own Lambda function (`Handler: src/billing.handler`).
 */
import { StepError, withDurableExecution } from "@durable-lambda/backend-aws"
import {
  httpBillingServices,
  PaymentRefused,
  type BillingRequest,
  type BillingServices,
  type Invoice
} from "./services.ts"

export const makeBillingHandler = (services: BillingServices) =>
  withDurableExecution(async (request: BillingRequest, context): Promise<Invoice> => {
    let authorization: string
    try {
      authorization = await context.step("authorize", async () => services.authorize(request), {
        retryStrategy: (error, attempt) =>
          error.name === "PaymentRefused" || attempt >= 3
            ? { shouldRetry: false }
            : { shouldRetry: true, delay: { seconds: 5 } }
      })
    } catch (error) {
      const cause = error instanceof StepError ? (error.cause as Error | undefined) : undefined
      if (cause?.name === "PaymentRefused") throw new PaymentRefused(cause.message)
      throw error
    }
    await context.wait("settlement-window", { minutes: 10 })
    const invoiceId = await context.step("capture", async () => services.capture(authorization))
    return { invoiceId, authorization }
  })

/** The deployed billing handler. */
export const handler = makeBillingHandler(httpBillingServices(process.env))
