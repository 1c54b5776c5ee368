import { Determinism, Faults, History } from "@durable-lambda/testing"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { makeHandler } from "../src/handler.ts"
import { fakeServices } from "./fakes.ts"
import { DAY, goldenOutcomes, goldenRun, runRenewal, subscription } from "./scenarios.ts"
import { faultScenario } from "./faults.scenario.ts"

const golden = JSON.parse(readFileSync(new URL("./effect-native.history.json", import.meta.url), "utf8"))

const stepFailure = (events: ReadonlyArray<History.HistoryEvent>, name: string) =>
  (events.find((e) => e.EventType === "StepFailed" && e.Name === name) as any)?.StepFailedDetails.Error.Payload

describe("effect-native", () => {
  it.effect("declined, then renewed 3 days later after a retried gateway timeout", () =>
    Effect.gen(function* () {
      const { result, fake } = yield* goldenRun()

      assert.strictEqual(result.getStatus(), "SUCCEEDED")
      assert.deepStrictEqual(result.getResult(), {
        status: "RENEWED",
        receiptId: "rcpt-sub-17/2025-02/2",
        paidUntil: "2025-03-01T00:00:00.000Z"
      })
      assert.deepStrictEqual(fake.mail, [
        "ana@example.com: Your card was declined: insufficient funds",
        "ana@example.com: Renewed: pro until 2025-03-01T00:00:00.000Z"
      ])
      // One charge went through, under the second attempt's idempotency key.
      assert.deepStrictEqual(fake.charged(), ["sub-17/2025-02/2"])
      assert.strictEqual(result.getCostSummary().elapsedMillis, 3 * DAY + 10_000)

      // The typed error is checkpointed in its Schema-encoded form...
      const events = result.getHistoryEvents()
      assert.deepStrictEqual(stepFailure(events, "charge-1"), {
        ErrorType: "CardDeclined",
        ErrorMessage: "insufficient funds",
        ErrorData: JSON.stringify({ _tag: "CardDeclined", message: "insufficient funds" })
      })
      // ...and comes back as a CardDeclined on replay: invocations 2 and 3 replayed charge-1's failure and
      // took the same "declined" branch (a StepError would have failed the child context instead).
      assert.deepStrictEqual(
        result.getInvocations().map((i) => i.status),
        ["PENDING", "PENDING", "SUCCEEDED"]
      )
      // A transient GatewayTimeout is not in the step's error schema: it was retried, 10 s later.
      assert.strictEqual(result.getOperation("charge-2").getStepDetails()?.attempt, 2)
      assert.strictEqual(stepFailure(events, "charge-2")?.ErrorType, "GatewayTimeout")
    })
  )

  it.effect("golden history: the run records exactly the checked-in history", () =>
    Effect.gen(function* () {
      const { result } = yield* goldenRun()
      assert.deepStrictEqual(History.normalize(result.getHistoryEvents()), golden)
    })
  )

  it.effect("three declines: PaymentFailed is handled in the error channel and the subscription cancelled", () =>
    Effect.gen(function* () {
      const { result, fake } = yield* runRenewal(["declined"])

      assert.strictEqual(result.getStatus(), "SUCCEEDED")
      assert.deepStrictEqual(result.getResult(), {
        status: "CANCELLED",
        reason: "3 charges declined: insufficient funds"
      })
      assert.deepStrictEqual(fake.cancelled, ["sub-17"])
      assert.deepStrictEqual(fake.charged(), [])
      assert.strictEqual(fake.calls(), 3)
      // Two grace periods of 3 days, on virtual time.
      assert.strictEqual(result.getCostSummary().elapsedMillis, 6 * DAY)
      assert.deepStrictEqual(result.getOperation("collect-payment").getContextDetails()?.result, {
        _tag: "Declined",
        reason: "insufficient funds"
      })
    })
  )

  it.effect("the gateway stays down: the retries run out inside the child context and the execution fails", () =>
    Effect.gen(function* () {
      const { result, fake } = yield* runRenewal(["timeout"])
      assert.strictEqual(result.getStatus(), "FAILED")
      assert.strictEqual(result.getError().errorType, "ChildContextError")
      assert.strictEqual(result.getError().errorMessage, "gateway did not answer in 10 s")
      assert.strictEqual(fake.calls(), 4)
      assert.deepStrictEqual(fake.mail, [])
    })
  )

  it.effect("an invalid input fails the execution at once with the Schema's error", () =>
    Effect.gen(function* () {
      const { result, fake } = yield* runRenewal(["ok"], { ...subscription, amount: "19 EUR" })
      assert.strictEqual(result.getStatus(), "FAILED")
      assert.strictEqual(result.getError().errorType, "SchemaError")
      assert.include(result.getError().errorMessage, "amount")
      assert.strictEqual(fake.calls(), 0)
    })
  )

  it.effect("determinism: restarts from every checkpoint prefix agree, on both paths", () =>
    Effect.gen(function* () {
      for (const outcomes of [goldenOutcomes, ["declined" as const]]) {
        const report = yield* Determinism.checkEffect(makeHandler(fakeServices(outcomes).layer), {
          payload: subscription
        })
        assert.isTrue(report.ok, report.summary)
        // one restart per checkpoint boundary, plus the run from the start
        assert.strictEqual(report.checked, report.result.getCostSummary().checkpointCalls + 1)
      }
    })
  )

  it.effect("faults: 20 seeded schedules keep the outcome and charge at most once per key", () =>
    Effect.gen(function* () {
      const report = yield* Faults.check({ ...faultScenario(), seeds: 20 })
      assert.isTrue(report.ok, report.summary)
      assert.strictEqual(report.baselineEffects.count("charge:sub-17/2025-02/2"), 1)
      assert.isAbove(report.runs.filter((r) => r.applied.length > 0).length, 10)
    })
  )
})
