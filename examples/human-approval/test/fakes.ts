/** In-memory approvals, payroll and notifications, scriptable per test. */
import type { Faults } from "@durable-lambda/testing"
import type { Services } from "../src/handler.ts"

export interface FakeOptions {
  /** The first `payrollFailures` reimbursements fail with a transient error. */
  readonly payrollFailures?: number
  /** Where reimbursements that move money are recorded (at most once per claim). */
  readonly effects?: Faults.EffectLog
}

export const fakeServices = (options: FakeOptions = {}) => {
  const approvalRequests: Array<{ claimId: string; callbackId: string }> = []
  const messages: Array<string> = []
  const payments = new Map<string, string>()
  let reimburseCalls = 0
  const services: Services = {
    requestApproval: async (claim, callbackId) => {
      approvalRequests.push({ claimId: claim.claimId, callbackId })
    },
    reimburse: async (claim, idempotencyKey) => {
      reimburseCalls++
      if (reimburseCalls <= (options.payrollFailures ?? 0)) throw new Error("payroll API unavailable (503)")
      const existing = payments.get(idempotencyKey)
      if (existing !== undefined) return existing
      options.effects?.atMostOnce(`reimburse:${claim.claimId}`)
      const id = `pay-${claim.claimId}`
      payments.set(idempotencyKey, id)
      return id
    },
    notify: async (employee, message) => {
      messages.push(`${employee}: ${message}`)
    }
  }
  return { services, approvalRequests, messages, payments, reimburseCalls: () => reimburseCalls }
}
