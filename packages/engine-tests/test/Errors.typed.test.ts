/**
 * Typed failures (Effect API `error` schemas) are persisted with Schema's JSON codec: fields such as `Date`,
 * `BigInt` and `Option` survive the checkpoint and come back as the same typed error on the first run and on
 * replay. A typed error its schema cannot encode is an explicit serialization failure, never a silent
 * downgrade.
 */
import { assert, describe, it } from "@effect/vitest"
import { ChildContext, Handler, Step, Wait } from "@durable-lambda/core"
import { Effect, Option, Schema } from "effect"
import { memoryLogger } from "./support/helpers.ts"
import { history, makeDrive, run } from "./support/service.ts"

class PaymentRejected extends Schema.TaggedError<PaymentRejected>()("PaymentRejected", {
  message: Schema.String,
  at: Schema.Date,
  amount: Schema.BigInt,
  note: Schema.Option(Schema.String)
}) {}

const rejection = () =>
  new PaymentRejected({
    message: "over limit",
    at: new Date("2026-01-02T03:04:05.678Z"),
    amount: 12345678901234567890n,
    note: Option.some("manual review")
  })

const describeRejection = (e: PaymentRejected) =>
  `${e instanceof PaymentRejected}|${e.at.toISOString()}|${e.amount}|${Option.getOrElse(e.note, () => "-")}`
const expected = "true|2026-01-02T03:04:05.678Z|12345678901234567890|manual review"

/** A value the JSON codec cannot encode (a declaration without a JSON form, holding a BigInt). */
class Opaque {
  readonly n: bigint
  constructor(n: bigint) {
    this.n = n
  }
}
class Unencodable extends Schema.TaggedError<Unencodable>()("Unencodable", {
  message: Schema.String,
  payload: Schema.declare((u): u is Opaque => u instanceof Opaque)
}) {}

const quiet = { logger: memoryLogger().logger }

describe("Typed errors across a checkpoint", () => {
  it.live("a step's typed error with Date, BigInt and Option fields replays as the same error", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const seen: Array<string> = []
      const handler = Handler.make(
        () =>
          Effect.gen(function* () {
            const outcome = yield* Step.run("charge", Effect.fail(rejection()), {
              error: PaymentRejected,
              retryStrategy: () => ({ shouldRetry: false })
            }).pipe(
              Effect.catchTag("PaymentRejected", (e) =>
                Effect.sync(() => {
                  seen.push(describeRejection(e))
                  return "rejected"
                })
              )
            )
            yield* Wait.wait({ seconds: 1 })
            return outcome
          }),
        quiet
      )
      const r = yield* run(drive, () => handler)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: '"rejected"' })
      assert.deepStrictEqual(seen, [expected, expected])
      const failed = history(drive, r.arn).find((e) => e.EventType === "StepFailed")
      assert.strictEqual(failed.StepFailedDetails.Error.Payload.ErrorType, "PaymentRejected")
      assert.deepStrictEqual(JSON.parse(failed.StepFailedDetails.Error.Payload.ErrorData), {
        _tag: "PaymentRejected",
        message: "over limit",
        at: "2026-01-02T03:04:05.678Z",
        amount: "12345678901234567890",
        note: { _tag: "Some", value: "manual review" }
      })
    })
  )

  it.live("a child context's typed error with Date, BigInt and Option fields replays as the same error", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const seen: Array<string> = []
      const handler = Handler.make(
        () =>
          Effect.gen(function* () {
            const outcome = yield* ChildContext.run(
              "pay",
              Effect.gen(function* () {
                yield* Step.run("check", Effect.succeed(0))
                return yield* Effect.fail(rejection())
              }),
              { error: PaymentRejected }
            ).pipe(
              Effect.catchTag("PaymentRejected", (e) =>
                Effect.sync(() => {
                  seen.push(describeRejection(e))
                  return "rejected"
                })
              )
            )
            yield* Wait.wait({ seconds: 1 })
            return outcome
          }),
        quiet
      )
      const r = yield* run(drive, () => handler)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: '"rejected"' })
      assert.deepStrictEqual(seen, [expected, expected])
      const failed = history(drive, r.arn).find((e) => e.EventType === "ContextFailed")
      assert.strictEqual(failed.ContextFailedDetails.Error.Payload.ErrorType, "PaymentRejected")
    })
  )

  it.live("a step's typed error its schema cannot encode fails the step with an explicit serialization error", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      let attempts = 0
      const seen: Array<string> = []
      const handler = Handler.make(
        () =>
          Step.run(
            "charge",
            Effect.suspend(() => {
              attempts++
              return Effect.fail(new Unencodable({ message: "opaque", payload: new Opaque(1n) }))
            }),
            { error: Unencodable }
          ).pipe(
            Effect.catchTag("StepError", (e) =>
              Effect.sync(() => {
                seen.push(`${(e.cause as Error | undefined)?.name}: ${e.message}`)
                return "not encodable"
              })
            )
          ),
        quiet
      )
      const r = yield* run(drive, () => handler)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: '"not encodable"' })
      assert.strictEqual(attempts, 1, "an error that cannot be encoded is not retried")
      const failed = history(drive, r.arn).filter((e) => e.EventType === "StepFailed")
      assert.strictEqual(failed.length, 1)
      const payload = failed[0].StepFailedDetails.Error.Payload
      assert.strictEqual(payload.ErrorType, "SerdesFailedError")
      assert.include(payload.ErrorMessage, 'typed error "Unencodable" of step "charge" (1)')
      assert.strictEqual(seen.length, 1)
      assert.include(seen[0], "SerdesFailedError: ")
    })
  )

  it.live("a child context's typed error its schema cannot encode fails with an explicit serialization error", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const handler = Handler.make(
        () =>
          ChildContext.run("pay", Effect.fail(new Unencodable({ message: "opaque", payload: new Opaque(1n) })), {
            error: Unencodable
          }).pipe(Effect.catchTag("ChildContextError", (e) => Effect.succeed(e.message))),
        quiet
      )
      const r = yield* run(drive, () => handler)
      assert.include(
        String(JSON.parse((r.last as { Result: string }).Result)),
        'typed error "Unencodable" of step "pay"'
      )
      const failed = history(drive, r.arn).find((e) => e.EventType === "ContextFailed")
      assert.strictEqual(failed.ContextFailedDetails.Error.Payload.ErrorType, "SerdesFailedError")
      assert.include(failed.ContextFailedDetails.Error.Payload.ErrorMessage, 'typed error "Unencodable"')
    })
  )
})
