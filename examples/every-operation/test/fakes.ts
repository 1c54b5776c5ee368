/**
 * In-memory stand-ins for the vendor APIs. The bank deduplicates account openings by idempotency key and
 * records each account it really opens in the `EffectLog` (at most once per vendor), which the fault checker
 * verifies. Every answer depends only on its arguments, so a re-run step returns what the first run did.
 */
import type { Faults } from "@durable-lambda/testing"
import type { ProvisionServices, Services } from "../src/handler.ts"

export interface FakeOptions {
  /** KYC answers PENDING until this poll (default 3: two pending polls, then approved). */
  readonly kycApprovedAtPoll?: number
  /** Where effects that must not repeat are recorded. */
  readonly effects?: Faults.EffectLog
}

export const fakeServices = (options: FakeOptions = {}) => {
  const calls = { openAccount: 0, kycStatus: 0, sendContract: 0, requestApproval: 0, closeAccount: 0 }
  const accounts = new Map<string, string>()
  const closed: Array<string> = []
  const services: Services = {
    validate: async (vendor) => vendor.name.trim().toUpperCase(),
    openAccount: async (vendorId, key) => {
      calls.openAccount++
      const existing = accounts.get(key)
      if (existing !== undefined) return existing
      options.effects?.atMostOnce(`open-account:${vendorId}`)
      const account = `acct-${vendorId}`
      accounts.set(key, account)
      return account
    },
    kycStatus: async (_vendorId, poll) => {
      calls.kycStatus++
      return poll >= (options.kycApprovedAtPoll ?? 3) ? "APPROVED" : "PENDING"
    },
    sendContract: async () => {
      calls.sendContract++
    },
    requestApproval: async () => {
      calls.requestApproval++
    },
    closeAccount: async (account) => {
      calls.closeAccount++
      if (!closed.includes(account)) closed.push(account)
    },
    notify: async (vendorId, channel) => `${channel}-sent-${vendorId}`,
    shipKit: async (vendorId, site) => `kit-${vendorId}-${site}`,
    createCatalog: async (vendorId) => `catalog-${vendorId}`,
    createBillingProfile: async (vendorId, account) => `billing-${vendorId}-${account}`
  }
  return { services, calls, accounts, closed }
}

export const fakeProvisioning = (): ProvisionServices => ({
  createTenant: async (vendorId) => `tenant-${vendorId}`,
  grantAccess: async (tenantId, account) => `grant-${tenantId}-${account}`
})
