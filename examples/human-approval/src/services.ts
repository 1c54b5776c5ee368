/**
 * What the workflow works on and the systems it talks to, plus the production implementation: an approvals
 * service that emails the manager (the email's Approve / Reject links carry the callback id), the payroll API
 * and a notifications API, all JSON over HTTP with base URLs from the function's environment.
 */

export interface ExpenseClaim {
  readonly claimId: string
  readonly employee: string
  readonly manager: string
  readonly amount: number
  readonly description: string
}

/** The external systems. Each call runs inside a durable step (so it may run again: make it idempotent). */
export interface Services {
  /** Asks the manager to approve; their answer completes callback `callbackId`. */
  requestApproval(claim: ExpenseClaim, callbackId: string): Promise<void>
  /** Pays the claim with the next payroll run; returns the payment id. */
  reimburse(claim: ExpenseClaim, idempotencyKey: string): Promise<string>
  /** Tells the employee what happened. */
  notify(employee: string, message: string): Promise<void>
}

const post =
  (base: string | undefined, name: string) =>
  async <T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> => {
    if (base === undefined) throw new Error(`${name} is not set`)
    const response = await fetch(new URL(path, base), {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body)
    })
    if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status}`)
    return (await response.json()) as T
  }

/** The production services, from `APPROVALS_URL`, `PAYROLL_URL` and `NOTIFY_URL`. */
export const httpServices = (env: Record<string, string | undefined>): Services => {
  const approvals = post(env.APPROVALS_URL, "APPROVALS_URL")
  const payroll = post(env.PAYROLL_URL, "PAYROLL_URL")
  const notifications = post(env.NOTIFY_URL, "NOTIFY_URL")
  return {
    requestApproval: async (claim, callbackId) => {
      await approvals("/approval-requests", { claim, callbackId }, { "idempotency-key": callbackId })
    },
    reimburse: async (claim, idempotencyKey) =>
      (await payroll<{ paymentId: string }>("/reimbursements", claim, { "idempotency-key": idempotencyKey })).paymentId,
    notify: async (employee, message) => {
      await notifications("/messages", { to: employee, message })
    }
  }
}
