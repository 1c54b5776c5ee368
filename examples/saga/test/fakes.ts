/**
 * In-memory partners and payment provider. Reservations are keyed by trip (a repeated reserve returns the
 * same one); cancellations are idempotent, and each reservation actually released is recorded in the
 * `EffectLog` (at most once), so the fault checker can verify compensations.
 */
import type { Faults } from "@durable-lambda/testing"
import { Unavailable, type Provider, type Services } from "../src/handler.ts"

type Kind = "flight" | "hotel" | "car"

export interface FakeOptions {
  /** Partners that refuse the reservation. */
  readonly unavailable?: ReadonlyArray<Kind>
  /** The card is declined. */
  readonly declined?: boolean
  /** Partners whose first cancellation fails with a transient error. */
  readonly flakyCancel?: ReadonlyArray<Kind>
  readonly effects?: Faults.EffectLog
}

const prices: Record<Kind, number> = { flight: 420, hotel: 3 * 110, car: 95 }

export const fakeServices = (options: FakeOptions = {}) => {
  const log: Array<string> = []
  const held = new Map<string, Kind>() // reservation id -> partner
  const cancelAttempts = new Map<Kind, number>()
  const provider = (kind: Kind): Provider => ({
    reserve: async (trip) => {
      await new Promise((resolve) => setImmediate(resolve))
      if (options.unavailable?.includes(kind) === true) {
        log.push(`${kind}: refused`)
        throw new Unavailable(`no ${kind} available on ${trip.departure}`)
      }
      const id = `${kind}-${trip.tripId}`
      if (!held.has(id)) log.push(`${kind}: reserved ${id}`)
      held.set(id, kind)
      return { id, price: prices[kind] }
    },
    cancel: async (id) => {
      const n = (cancelAttempts.get(kind) ?? 0) + 1
      cancelAttempts.set(kind, n)
      if (options.flakyCancel?.includes(kind) === true && n === 1) throw new Error(`${kind} partner timed out`)
      if (!held.has(id)) return
      held.delete(id)
      options.effects?.atMostOnce(`cancel:${id}`)
      log.push(`${kind}: cancelled ${id}`)
    }
  })
  const services: Services = {
    flight: provider("flight"),
    hotel: provider("hotel"),
    car: provider("car"),
    charge: async (tripId, amount) => {
      if (options.declined === true) {
        log.push(`payment: declined ${amount}`)
        throw new Unavailable("card declined")
      }
      log.push(`payment: charged ${amount}`)
      return `pay-${tripId}`
    }
  }
  return { services, log, held, cancelAttempts }
}
