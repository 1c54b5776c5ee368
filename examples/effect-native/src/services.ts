/**
 * The data the workflow works on, its typed errors (Schemas, so they survive a checkpoint) and the services
 * it needs, as Effect services with their production layers (JSON over HTTP, base URLs from the
 * environment).
 */
import { Context, Effect, Layer, Schema } from "effect"

export const Subscription = Schema.Struct({
  subscriptionId: Schema.String,
  customerId: Schema.String,
  email: Schema.String,
  plan: Schema.Literals(["basic", "pro"]),
  /** Price per period, in cents. */
  amount: Schema.Int,
  /** The period being renewed, e.g. "2025-02". */
  period: Schema.String
})
export type Subscription = typeof Subscription.Type

/** What a successful charge returns. `paidUntil` is a `Date`, stored as an ISO string in the checkpoint. */
export const Receipt = Schema.Struct({
  receiptId: Schema.String,
  amount: Schema.Int,
  paidUntil: Schema.DateFromString
})
export type Receipt = typeof Receipt.Type

/** The card was declined. A business outcome: never retried; checkpointed and rebuilt as this type. */
export class CardDeclined extends Schema.TaggedError<CardDeclined>()("CardDeclined", {
  /** The processor's reason. */
  message: Schema.String
}) {}

/** The payment gateway did not answer. Transient: the step's retry strategy retries it. */
export class GatewayTimeout extends Schema.TaggedError<GatewayTimeout>()("GatewayTimeout", {
  message: Schema.String
}) {}

/** The payment service. */
export class Billing extends Context.Service<
  Billing,
  {
    /** Charges `amount` once per `idempotencyKey`. */
    readonly charge: (
      customerId: string,
      amount: number,
      idempotencyKey: string
    ) => Effect.Effect<Receipt, CardDeclined | GatewayTimeout>
    /** Ends the subscription (idempotent). */
    readonly cancel: (subscriptionId: string) => Effect.Effect<void>
  }
>()("@durable-lambda/example-effect-native/Billing") {}

/** Customer e-mail. */
export class Mailer extends Context.Service<
  Mailer,
  { readonly send: (to: string, subject: string) => Effect.Effect<void> }
>()("@durable-lambda/example-effect-native/Mailer") {}

const post = (base: string | undefined, name: string, path: string, body: unknown, headers = {}) =>
  Effect.tryPromise({
    try: async () => {
      if (base === undefined) throw new Error(`${name} is not set`)
      return await fetch(new URL(path, base), {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body)
      })
    },
    catch: (error) => new GatewayTimeout({ message: String(error) })
  })

/** The production billing service, from `BILLING_URL`. */
export const BillingLive = (env: Record<string, string | undefined>) =>
  Layer.succeed(Billing, {
    charge: (customerId, amount, idempotencyKey) =>
      Effect.gen(function* () {
        const response = yield* post(
          env.BILLING_URL,
          "BILLING_URL",
          "/charges",
          { customerId, amount },
          {
            "idempotency-key": idempotencyKey
          }
        )
        if (response.status === 402)
          return yield* new CardDeclined({ message: yield* Effect.promise(() => response.text()) })
        if (!response.ok) return yield* new GatewayTimeout({ message: `HTTP ${response.status}` })
        const body = yield* Effect.promise(() => response.json())
        return yield* Schema.decodeUnknownEffect(Receipt)(body).pipe(
          Effect.mapError((e) => new GatewayTimeout({ message: `unexpected answer: ${e.message}` }))
        )
      }),
    cancel: (subscriptionId) =>
      post(env.BILLING_URL, "BILLING_URL", `/subscriptions/${subscriptionId}/cancel`, {}).pipe(
        Effect.orDie,
        Effect.asVoid
      )
  })

/** The production mailer, from `MAILER_URL`. */
export const MailerLive = (env: Record<string, string | undefined>) =>
  Layer.succeed(Mailer, {
    send: (to, subject) =>
      post(env.MAILER_URL, "MAILER_URL", "/messages", { to, subject }).pipe(Effect.orDie, Effect.asVoid)
  })
