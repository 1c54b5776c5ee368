/**
 * In-memory stand-ins for the inventory, payment and shipping APIs, scriptable per test. The payment fake
 * behaves like a real provider: it deduplicates charges by idempotency key, and records each charge that
 * actually moves money in the `EffectLog` (at most once per order), which the fault checker verifies.
 */
import type { Faults } from "@durable-lambda/testing"
import { PaymentDeclined, type Services } from "../src/handler.ts"

export interface FakeOptions {
  /** The first `gatewayFailures` charge calls time out (a transient error). */
  readonly gatewayFailures?: number
  /** Every charge is declined. */
  readonly decline?: boolean
  /** Where charges that move money are recorded. */
  readonly effects?: Faults.EffectLog
}

export const fakeServices = (options: FakeOptions = {}) => {
  const calls = { reserve: 0, release: 0, charge: 0, ship: 0 }
  const charges = new Map<string, string>()
  const released: Array<string> = []
  const services: Services = {
    reserve: async (order) => {
      calls.reserve++
      return `res-${order.orderId}`
    },
    release: async (reservation) => {
      calls.release++
      released.push(reservation)
    },
    charge: async (orderId, _amount, idempotencyKey) => {
      calls.charge++
      if (calls.charge <= (options.gatewayFailures ?? 0)) throw new Error("payment gateway timeout")
      if (options.decline === true) throw new PaymentDeclined("insufficient funds")
      const existing = charges.get(idempotencyKey)
      if (existing !== undefined) return existing
      options.effects?.atMostOnce(`charge:${orderId}`)
      const payment = `pay-${charges.size + 1}-${orderId}`
      charges.set(idempotencyKey, payment)
      return payment
    },
    ship: async (orderId) => {
      calls.ship++
      return `track-${orderId}`
    }
  }
  return { services, calls, charges, released }
}
