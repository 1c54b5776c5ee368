/**
 * A step with a timeout that cancels its own work: each attempt fetches a price quote from an HTTP service,
 * passing the step's `signal` to `fetch`. An attempt that takes longer than 5 s fails with
 * `StepTimeoutError`, its signal aborts (so the request is cancelled instead of left running), and the retry
 * strategy schedules the next attempt. After 3 attempts the step fails with a `StepError` whose
 * `cause.name` is `"StepTimeoutError"`.
 *
 * `handler` is exported exactly as it is deployed; `makeHandler` builds the same workflow for any service URL.
 */
import { createRetryStrategy, withDurableExecution } from "@durable-lambda/backend-aws"

/** What the quote service answers. */
export interface Quote {
  readonly sku: string
  readonly price: number
}

/** What the function is invoked with. */
export interface QuoteRequest {
  readonly sku: string
  readonly quantity: number
}

export const ATTEMPTS = 3

const quoteRetries = createRetryStrategy({
  maxAttempts: ATTEMPTS,
  initialDelay: { seconds: 2 },
  backoffRate: 2,
  jitter: "NONE"
})

export const makeHandler = (serviceUrl: string) =>
  withDurableExecution(async (request: QuoteRequest, context) => {
    const quote = await context.step(
      "fetch-quote",
      async ({ signal, attempt, logger }) => {
        logger.info("asking for a quote", { sku: request.sku, attempt })
        const response = await fetch(`${serviceUrl}/quotes/${encodeURIComponent(request.sku)}`, { signal })
        if (!response.ok) throw new Error(`the quote service answered ${response.status}`)
        return (await response.json()) as Quote
      },
      { timeout: { seconds: 5 }, retryStrategy: quoteRetries }
    )
    return { sku: quote.sku, total: quote.price * request.quantity }
  })

/** The deployed handler. */
export const handler = makeHandler(process.env["QUOTE_SERVICE_URL"] ?? "https://quotes.example.com")
