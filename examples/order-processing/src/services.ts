/**
 * What the workflow works on and the external systems it talks to, plus the production implementation:
 * small JSON-over-HTTP clients whose base URLs come from the function's environment (nothing is contacted
 * until a step calls them).
 */
export interface Order {
  readonly orderId: string
  readonly items: ReadonlyArray<{ readonly sku: string; readonly quantity: number; readonly price: number }>
}

export interface OrderResult {
  readonly orderId: string
  readonly status: "SHIPPED" | "PAYMENT_DECLINED"
  readonly total: number
  readonly payment?: string
  readonly tracking?: string
}

/** The external systems the workflow talks to. Each call runs inside a durable step. */
export interface Services {
  /** Reserves the items; returns a reservation id. */
  reserve(order: Order): Promise<string>
  /** Releases a reservation (idempotent). */
  release(reservation: string): Promise<void>
  /**
   * Charges the card; returns a payment id. `idempotencyKey` is the same on every attempt of the workflow, so
   * a charge repeated after a crash is not taken twice. Throws `PaymentDeclined` for a decline.
   */
  charge(orderId: string, amount: number, idempotencyKey: string): Promise<string>
  /** Hands the order to the carrier; returns a tracking number. */
  ship(orderId: string, reservation: string): Promise<string>
}

/** The card was declined: retrying will not help. */
export class PaymentDeclined extends Error {
  override readonly name = "PaymentDeclined"
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
    if (response.status === 402) throw new PaymentDeclined(await response.text())
    if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status}`)
    return (await response.json()) as T
  }

/** The production services, from `INVENTORY_URL`, `PAYMENTS_URL` and `SHIPPING_URL`. */
export const httpServices = (env: Record<string, string | undefined>): Services => {
  const inventory = post(env.INVENTORY_URL, "INVENTORY_URL")
  const payments = post(env.PAYMENTS_URL, "PAYMENTS_URL")
  const shipping = post(env.SHIPPING_URL, "SHIPPING_URL")
  return {
    reserve: async (order) => (await inventory<{ reservationId: string }>("/reservations", order)).reservationId,
    release: async (reservation) => {
      await inventory(`/reservations/${reservation}/release`, {})
    },
    charge: async (orderId, amount, idempotencyKey) =>
      (await payments<{ paymentId: string }>("/charges", { orderId, amount }, { "idempotency-key": idempotencyKey }))
        .paymentId,
    ship: async (orderId, reservation) =>
      (await shipping<{ trackingNumber: string }>("/shipments", { orderId, reservation })).trackingNumber
  }
}
