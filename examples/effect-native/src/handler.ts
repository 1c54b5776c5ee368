/**
 * A subscription renewal written in the Effect API. The payment is collected in a child context with
 * dunning: charge the card; if it is declined, e-mail the customer, wait 3 days (suspended, nothing billed)
 * and try again, up to 3 times. Gateway timeouts are retried by the step's retry strategy. The typed errors
 * are Schemas: `CardDeclined` is checkpointed by `Step.run({ error: CardDeclined })` and comes back as a
 * `CardDeclined` on replay; `PaymentFailed` is raised and handled in the program's error channel, which the
 * compiler tracks: the program's type says exactly which failures are left.
 *
 * `handler` is exported exactly as it is deployed; `makeHandler` provides any services layer (tests pass
 * in-memory ones), and `renewal` is the backend-independent durable handler.
 */
import {
  ChildContext,
  DurableLog,
  Handler,
  Serdes,
  Step,
  Wait,
  type DurableContext,
  type Errors
} from "@durable-lambda/core"
import { toLambdaHandler } from "@durable-lambda/backend-aws"
import { Effect, Layer, Schema } from "effect"
import { Billing, BillingLive, CardDeclined, Mailer, MailerLive, Receipt, Subscription } from "./services.ts"

export * from "./services.ts"

/** Every charge was declined: the subscription lapses. */
export class PaymentFailed extends Schema.TaggedError<PaymentFailed>()("PaymentFailed", {
  attempts: Schema.Int,
  reason: Schema.String
}) {}

export type RenewalResult =
  | { readonly status: "RENEWED"; readonly receiptId: string; readonly paidUntil: string }
  | { readonly status: "CANCELLED"; readonly reason: string }

export const MAX_CHARGES = 3

/** The child context's result: its own Schema, so it is checkpointed and read back typed. */
const Collected = Schema.Union([
  Schema.TaggedStruct("Paid", { receipt: Receipt, attempts: Schema.Int }),
  Schema.TaggedStruct("Declined", { reason: Schema.String })
])
type Collected = typeof Collected.Type

/** Retry a gateway timeout (4 attempts, 10 s apart); a decline is final. */
const gatewayRetry = (error: Error, attempt: number) =>
  error instanceof CardDeclined || attempt >= 4 ? { shouldRetry: false } : { shouldRetry: true, delay: { seconds: 10 } }

/** Charges the card, with dunning: e-mail and a 3-day grace period after each decline. */
const collectPayment = (sub: Subscription) =>
  Effect.gen(function* () {
    const billing = yield* Billing
    const mailer = yield* Mailer
    let reason = ""
    for (let attempt = 1; attempt <= MAX_CHARGES; attempt++) {
      const charged = yield* Step.run(
        `charge-${attempt}`,
        billing.charge(sub.customerId, sub.amount, `${sub.subscriptionId}/${sub.period}/${attempt}`),
        { error: CardDeclined, retryStrategy: gatewayRetry, serdes: Serdes.fromSchema(Receipt) }
      ).pipe(Effect.catchTag("CardDeclined", (declined) => Effect.succeed(declined)))
      if (!(charged instanceof CardDeclined)) return { _tag: "Paid", receipt: charged, attempts: attempt } as const
      reason = charged.message
      yield* DurableLog.warn("card declined", { subscriptionId: sub.subscriptionId, attempt, reason })
      if (attempt < MAX_CHARGES) {
        yield* Step.run(`ask-for-new-card-${attempt}`, mailer.send(sub.email, `Your card was declined: ${reason}`))
        yield* Wait.wait(`grace-period-${attempt}`, { days: 3 })
      }
    }
    return { _tag: "Declined", reason } as const
  })

/** Renews a decoded subscription; a lapsed payment cancels it. */
const renew = (sub: Subscription) =>
  Effect.gen(function* () {
    const mailer = yield* Mailer
    const collected: Collected = yield* ChildContext.run("collect-payment", collectPayment(sub), {
      serdes: Serdes.fromSchema(Collected)
    })
    if (collected._tag === "Declined") {
      return yield* new PaymentFailed({ attempts: MAX_CHARGES, reason: collected.reason })
    }
    const { receipt } = collected
    const until = receipt.paidUntil.toISOString() // a Date again, on the first run and on replay
    yield* Step.run("send-receipt", mailer.send(sub.email, `Renewed: ${sub.plan} until ${until}`))
    yield* DurableLog.info("renewed", { subscriptionId: sub.subscriptionId, attempts: collected.attempts })
    return { status: "RENEWED", receiptId: receipt.receiptId, paidUntil: until } as const
  }).pipe(
    Effect.catchTag("PaymentFailed", (failed) =>
      Effect.gen(function* () {
        const billing = yield* Billing
        const mailer = yield* Mailer
        yield* Step.run("cancel-subscription", billing.cancel(sub.subscriptionId))
        yield* Step.run("notify-cancelled", mailer.send(sub.email, `Subscription cancelled: ${failed.reason}`))
        return { status: "CANCELLED", reason: `${failed.attempts} charges declined: ${failed.reason}` } as const
      })
    )
  )

/**
 * The workflow. Its type lists what can still go wrong: a step that exhausted its retries (`StepError`), a
 * child context that failed (`ChildContextError`), an invalid input (`SchemaError`). `CardDeclined` and
 * `PaymentFailed` do not appear: they are handled.
 */
export const program = (
  input: unknown
): Effect.Effect<
  RenewalResult,
  Errors.StepError | Errors.ChildContextError | Schema.SchemaError,
  Billing | Mailer | DurableContext.DurableContext
> => Schema.decodeUnknownEffect(Subscription)(input).pipe(Effect.flatMap(renew))

/** The durable handler, independent of any backend (what `@durable-lambda/testing`'s `TestRunner.run` takes). */
export const renewal = Handler.make(program)

/** The Lambda handler over a services layer. */
export const makeHandler = (services: Layer.Layer<Billing | Mailer>) => toLambdaHandler(renewal, { services })

/** The deployed handler. */
export const handler = makeHandler(Layer.mergeAll(BillingLive(process.env), MailerLive(process.env)))
