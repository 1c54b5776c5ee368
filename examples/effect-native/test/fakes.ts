/**
 * In-memory Billing and Mailer layers, scripted per test. The gateway answers per idempotency key, as a real
 * one does: a key that was declined or charged gets the same answer again, so a step re-run after a crash
 * sees what the first run saw.
 */
import type { Faults } from "@durable-lambda/testing"
import { Effect, Layer } from "effect"
import { Billing, CardDeclined, GatewayTimeout, Mailer, type Receipt } from "../src/handler.ts"

/**
 * How the gateway treats the n-th charge request (the n-th idempotency key; the last entry repeats):
 * `flaky` times out once, then charges.
 */
export type Outcome = "ok" | "declined" | "timeout" | "flaky"

export const fakeServices = (outcomes: ReadonlyArray<Outcome>, effects?: Faults.EffectLog) => {
  const answers = new Map<string, Receipt | CardDeclined>() // final answers, by idempotency key
  const keys: Array<string> = []
  const mail: Array<string> = []
  const cancelled: Array<string> = []
  let calls = 0
  const billing = Layer.succeed(Billing, {
    charge: (_customerId, amount, idempotencyKey) =>
      Effect.gen(function* () {
        calls++
        const known = answers.get(idempotencyKey)
        if (known instanceof CardDeclined) return yield* known
        if (known !== undefined) return known
        const first = !keys.includes(idempotencyKey)
        if (first) keys.push(idempotencyKey)
        const outcome = outcomes[Math.min(keys.indexOf(idempotencyKey), outcomes.length - 1)]!
        if (outcome === "timeout" || (outcome === "flaky" && first)) {
          return yield* new GatewayTimeout({ message: "gateway did not answer in 10 s" })
        }
        if (outcome === "declined") {
          const declined = new CardDeclined({ message: "insufficient funds" })
          answers.set(idempotencyKey, declined)
          return yield* declined
        }
        effects?.atMostOnce(`charge:${idempotencyKey}`)
        const receipt = { receiptId: `rcpt-${idempotencyKey}`, amount, paidUntil: new Date(Date.UTC(2025, 2, 1)) }
        answers.set(idempotencyKey, receipt)
        return receipt
      }),
    cancel: (subscriptionId) => Effect.sync(() => void cancelled.push(subscriptionId))
  })
  const mailer = Layer.succeed(Mailer, {
    send: (to, subject) => Effect.sync(() => void mail.push(`${to}: ${subject}`))
  })
  const charged = () => [...answers].filter(([, a]) => !(a instanceof CardDeclined)).map(([key]) => key)
  return { layer: Layer.mergeAll(billing, mailer), charged, mail, cancelled, calls: () => calls }
}
