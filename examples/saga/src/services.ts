/**
 * What the workflow works on and the systems it talks to, plus the production implementation: flight, hotel
 * and car-rental partners and the payment provider, JSON over HTTP with base URLs from the environment.
 */

export interface Trip {
  readonly tripId: string
  readonly traveller: string
  readonly from: string
  readonly to: string
  readonly departure: string
  readonly nights: number
}

export interface Reservation {
  readonly id: string
  readonly price: number
}

/** A partner that holds a reservation and can release it. Both calls must be idempotent. */
export interface Provider {
  reserve(trip: Trip): Promise<Reservation>
  /** Releases a reservation; releasing one twice is harmless. */
  cancel(reservationId: string): Promise<void>
}

export interface Services {
  readonly flight: Provider
  readonly hotel: Provider
  readonly car: Provider
  /** Charges the traveller; returns the payment id. Throws `PaymentDeclined`. */
  charge(tripId: string, amount: number): Promise<string>
}

/** A business refusal (no availability, card declined): retrying will not help. */
export class Unavailable extends Error {
  override readonly name = "Unavailable"
}

const client = (base: string | undefined, name: string) => {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    if (base === undefined) throw new Error(`${name} is not set`)
    const response = await fetch(new URL(path, base), {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    if (response.status === 409 || response.status === 402) throw new Unavailable(await response.text())
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}`)
    return (await response.json()) as T
  }
  return call
}

const provider = (base: string | undefined, name: string): Provider => {
  const call = client(base, name)
  return {
    reserve: (trip) => call<Reservation>("PUT", `/reservations/${encodeURIComponent(trip.tripId)}`, trip),
    cancel: async (id) => {
      await call("DELETE", `/reservations/${encodeURIComponent(id)}`)
    }
  }
}

/** The production services, from `FLIGHTS_URL`, `HOTELS_URL`, `CARS_URL` and `PAYMENTS_URL`. */
export const httpServices = (env: Record<string, string | undefined>): Services => {
  const payments = client(env.PAYMENTS_URL, "PAYMENTS_URL")
  return {
    flight: provider(env.FLIGHTS_URL, "FLIGHTS_URL"),
    hotel: provider(env.HOTELS_URL, "HOTELS_URL"),
    car: provider(env.CARS_URL, "CARS_URL"),
    charge: async (tripId, amount) =>
      (await payments<{ paymentId: string }>("PUT", `/charges/${encodeURIComponent(tripId)}`, { amount })).paymentId
  }
}
