/** In-memory warehouse, order store and card processor. */
import type { Faults } from "@durable-lambda/testing"
import { PaymentRefused, type BillingServices, type CheckoutServices } from "../src/handler.ts"

export const fakeCheckout = (effects?: Faults.EffectLog) => {
  const holds = new Set<string>()
  const confirmed = new Map<string, string>()
  const services: CheckoutServices = {
    holdStock: async (orderId) => {
      holds.add(`hold-${orderId}`)
      return `hold-${orderId}`
    },
    releaseStock: async (holdId) => {
      holds.delete(holdId)
    },
    confirm: async (orderId, invoiceId) => {
      if (!confirmed.has(orderId)) effects?.atMostOnce(`confirm:${orderId}`)
      confirmed.set(orderId, invoiceId)
    }
  }
  return { services, holds, confirmed }
}

export interface ProcessorOptions {
  /** Refuse every authorization. */
  readonly refuse?: boolean
  /** The first authorization attempt times out. */
  readonly flaky?: boolean
  readonly effects?: Faults.EffectLog
}

/** A card processor: authorizations are idempotent per order, captures per authorization. */
export const fakeProcessor = (options: ProcessorOptions = {}) => {
  const captured = new Set<string>()
  let authorizeCalls = 0
  const services: BillingServices = {
    authorize: async (request) => {
      authorizeCalls++
      if (options.flaky === true && authorizeCalls === 1) throw new Error("processor timeout")
      if (options.refuse === true) throw new PaymentRefused("insufficient funds")
      return `auth-${request.orderId}`
    },
    capture: async (authorization) => {
      if (!captured.has(authorization)) options.effects?.atMostOnce(`capture:${authorization}`)
      captured.add(authorization)
      return `inv-${authorization.slice("auth-".length)}`
    }
  }
  return { services, captured, authorizeCalls: () => authorizeCalls }
}
