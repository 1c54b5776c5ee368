/**
 * What the two functions work on and the systems they talk to, plus the production implementations
 * (JSON over HTTP, base URLs from the environment).
 */

export interface Checkout {
  readonly orderId: string
  readonly customerId: string
  readonly amount: number
}

/** What the checkout function sends the billing function. */
export interface BillingRequest {
  readonly orderId: string
  readonly customerId: string
  readonly amount: number
}

export interface Invoice {
  readonly invoiceId: string
  readonly authorization: string
}

/** The checkout function's systems. */
export interface CheckoutServices {
  /** Holds the stock for the order; returns the hold id. */
  holdStock(orderId: string): Promise<string>
  releaseStock(holdId: string): Promise<void>
  /** Marks the order confirmed. */
  confirm(orderId: string, invoiceId: string): Promise<void>
}

/** The billing function's system: the card processor. */
export interface BillingServices {
  /** Authorizes the amount; throws `PaymentRefused` for a refusal. Returns the authorization id. */
  authorize(request: BillingRequest): Promise<string>
  /** Captures an authorization; returns the invoice id. */
  capture(authorization: string): Promise<string>
}

/** The card processor refused the payment. */
export class PaymentRefused extends Error {
  override readonly name = "PaymentRefused"
}

const client =
  (base: string | undefined, name: string) =>
  async <T>(path: string, body: unknown) => {
    if (base === undefined) throw new Error(`${name} is not set`)
    const response = await fetch(new URL(path, base), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body)
    })
    if (response.status === 402) throw new PaymentRefused(await response.text())
    if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status}`)
    return (await response.json()) as T
  }

/** The checkout function's services, from `WAREHOUSE_URL` and `ORDERS_URL`. */
export const httpCheckoutServices = (env: Record<string, string | undefined>): CheckoutServices => {
  const warehouse = client(env.WAREHOUSE_URL, "WAREHOUSE_URL")
  const orders = client(env.ORDERS_URL, "ORDERS_URL")
  return {
    holdStock: async (orderId) => (await warehouse<{ holdId: string }>("/holds", { orderId })).holdId,
    releaseStock: async (holdId) => {
      await warehouse(`/holds/${holdId}/release`, {})
    },
    confirm: async (orderId, invoiceId) => {
      await orders(`/orders/${orderId}/confirm`, { invoiceId })
    }
  }
}

/** The billing function's services, from `PROCESSOR_URL`. */
export const httpBillingServices = (env: Record<string, string | undefined>): BillingServices => {
  const processor = client(env.PROCESSOR_URL, "PROCESSOR_URL")
  return {
    authorize: async (request) => (await processor<{ id: string }>("/authorizations", request)).id,
    capture: async (authorization) =>
      (await processor<{ invoiceId: string }>(`/authorizations/${authorization}/capture`, {})).invoiceId
  }
}
