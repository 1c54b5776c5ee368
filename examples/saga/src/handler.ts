/**
 * A saga: book a trip's flight, hotel and car in parallel, then charge the traveller. If any reservation is
 * refused, or the payment is declined, every reservation that did succeed is cancelled (in reverse order,
 * each cancellation a durable step retried until it goes through) and the execution fails with
 * `BookingFailed`. A crash anywhere in between resumes the saga where it stopped: reservations are never
 * forgotten and compensations never skipped.
 *
 * `handler` is exported exactly as it is deployed; `makeHandler` builds the same workflow over any services.
 */
import {
  createRetryStrategy,
  withDurableExecution,
  type DurableContext,
  type RetryDecision
} from "@durable-lambda/backend-aws"
import { httpServices, type Reservation, type Services, type Trip } from "./services.ts"

export type { Provider, Reservation, Services, Trip } from "./services.ts"
export { Unavailable } from "./services.ts"

/** The trip could not be booked; everything reserved was cancelled. */
export class BookingFailed extends Error {
  override readonly name = "BookingFailed"
}

export interface Booking {
  readonly tripId: string
  readonly status: "BOOKED"
  readonly reservations: Readonly<Record<Kind, string>>
  readonly total: number
  readonly paymentId: string
}

const kinds = ["flight", "hotel", "car"] as const
type Kind = (typeof kinds)[number]

const backoff = createRetryStrategy({ maxAttempts: 3, initialDelay: { seconds: 2 }, jitter: "NONE" })
/** Transient errors are retried; a refusal (`Unavailable`) is final. */
const reserveRetry = (error: Error, attempt: number): RetryDecision =>
  error.name === "Unavailable" ? { shouldRetry: false } : backoff(error, attempt)
/** A compensation must go through: retry for up to about an hour. */
const cancelRetry = createRetryStrategy({ maxAttempts: 10, initialDelay: { seconds: 5 }, maxDelay: { minutes: 10 } })

export const makeHandler = (services: Services) =>
  withDurableExecution(async (trip: Trip, context): Promise<Booking> => {
    const booked: Array<{ kind: Kind; reservation: Reservation }> = []

    /** Cancels what was booked, last first, then fails the execution. */
    const compensate = async (ctx: DurableContext, reason: string): Promise<never> => {
      for (const { kind, reservation } of [...booked].reverse()) {
        await ctx.step(`cancel-${kind}`, async () => services[kind].cancel(reservation.id), {
          retryStrategy: cancelRetry
        })
      }
      throw new BookingFailed(reason)
    }

    // Every branch runs to its end (a failure does not abandon the others), so we know what to cancel.
    const batch = await context.parallel(
      "reserve",
      kinds.map((kind) => ({
        name: `reserve-${kind}`,
        func: async (branch: DurableContext) =>
          branch.step(`book-${kind}`, async () => services[kind].reserve(trip), { retryStrategy: reserveRetry })
      })),
      { completionConfig: { toleratedFailureCount: kinds.length } }
    )
    for (const item of batch.succeeded()) booked.push({ kind: kinds[item.index]!, reservation: item.result })
    if (batch.hasFailure) {
      const refused = batch.failed().map((item) => `${kinds[item.index]}: ${item.error.message}`)
      return compensate(context, `reservation refused (${refused.join("; ")})`)
    }

    const total = booked.reduce((sum, b) => sum + b.reservation.price, 0)
    let paymentId: string
    try {
      paymentId = await context.step("charge", async () => services.charge(trip.tripId, total), {
        retryStrategy: reserveRetry
      })
    } catch (error) {
      return compensate(context, `payment failed (${(error as Error).message})`)
    }
    const reservations = Object.fromEntries(booked.map((b) => [b.kind, b.reservation.id])) as Record<Kind, string>
    return { tripId: trip.tripId, status: "BOOKED", reservations, total, paymentId }
  })

/** The deployed handler. */
export const handler = makeHandler(httpServices(process.env))
