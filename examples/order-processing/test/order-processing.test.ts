import { withDurableExecution } from "@durable-lambda/backend-aws"
import { Determinism, Faults, History } from "@durable-lambda/testing"
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { makeHandler } from "../src/handler.ts"
import { fakeServices } from "./fakes.ts"
import { order, runOrder } from "./scenarios.ts"
import { faultScenario } from "./faults.scenario.ts"

const HOUR = 3_600_000
const golden = JSON.parse(readFileSync(new URL("./order-processing.history.json", import.meta.url), "utf8"))

/** The retry decisions the service recorded for each failed attempt of a step. */
const retryDelays = (events: ReadonlyArray<History.HistoryEvent>, name: string) =>
  events
    .filter((e) => e.EventType === "StepFailed" && e.Name === name)
    .map((e) => (e as any).StepFailedDetails.RetryDetails.NextAttemptDelaySeconds as number | undefined)

describe("order-processing", () => {
  it("happy path: retries the gateway timeout, waits 24 hours on virtual time, ships", async () => {
    const { result, fake } = await runOrder({ gatewayFailures: 1 })

    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.deepStrictEqual(result.getResult(), {
      orderId: "o-1001",
      status: "SHIPPED",
      total: 70,
      payment: "pay-1-o-1001",
      tracking: "track-o-1001"
    })
    assert.deepStrictEqual(fake.calls, { reserve: 1, release: 0, charge: 2, ship: 1 })
    assert.strictEqual(result.getOperation("charge-card").getStepDetails()?.attempt, 2)
    assert.deepStrictEqual(retryDelays(result.getHistoryEvents(), "charge-card"), [5])
    assert.strictEqual(result.getOperation("cooling-off").getWaitDetails()?.waitSeconds, 24 * 3600)

    // Three invocations: suspended for the retry delay, suspended for the wait, then done.
    const invocations = result.getInvocations()
    assert.deepStrictEqual(
      invocations.map((i) => i.status),
      ["PENDING", "PENDING", "SUCCEEDED"]
    )
    assert.deepStrictEqual(
      invocations.map((i) => i.replayedOperations),
      [0, 2, 3]
    )
    const shipped = result.getOperation("ship").getStartTimestamp()!.getTime()
    const started = result.getHistoryEvents()[0]!.EventTimestamp.getTime()
    assert.strictEqual(shipped - started, 24 * HOUR + 5_000)
  })

  it("golden history: the run records exactly the checked-in history", async () => {
    const { result } = await runOrder({ gatewayFailures: 1 })
    assert.deepStrictEqual(History.normalize(result.getHistoryEvents()), golden)
  })

  it("a declined card is not retried: the stock is released and the order ends PAYMENT_DECLINED", async () => {
    const { result, fake } = await runOrder({ decline: true })

    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.deepStrictEqual(result.getResult(), { orderId: "o-1001", status: "PAYMENT_DECLINED", total: 70 })
    assert.deepStrictEqual(fake.calls, { reserve: 1, release: 1, charge: 1, ship: 0 })
    assert.deepStrictEqual(fake.released, ["res-o-1001"])
    assert.deepStrictEqual(retryDelays(result.getHistoryEvents(), "charge-card"), [undefined])
    assert.strictEqual(result.getOperation("charge-card").getStatus(), "FAILED")
    assert.strictEqual(result.getOperation("charge-card").getStepDetails()?.error?.errorType, "PaymentDeclined")
    assert.isUndefined(result.getOperation("cooling-off").getStatus())
  })

  it("a gateway outage exhausts 4 attempts (5 s, 10 s, 20 s apart), releases the stock and fails the execution", async () => {
    const { result, fake } = await runOrder({ gatewayFailures: 100 })

    assert.strictEqual(result.getStatus(), "FAILED")
    assert.strictEqual(result.getError().errorType, "StepError")
    assert.strictEqual(result.getError().errorMessage, "payment gateway timeout")
    assert.deepStrictEqual(fake.calls, { reserve: 1, release: 1, charge: 4, ship: 0 })
    assert.deepStrictEqual(retryDelays(result.getHistoryEvents(), "charge-card"), [5, 10, 20, undefined])
    assert.strictEqual(result.getInvocations().length, 4)
  })

  it("determinism: a restart from every checkpoint prefix takes the same path", async () => {
    const report = await Determinism.check(makeHandler(fakeServices({ gatewayFailures: 1 }).services), {
      payload: order
    })
    assert.isTrue(report.ok, report.summary)
    assert.strictEqual(report.checked, report.result.getCostSummary().checkpointCalls + 1)
  })

  it("determinism: the check catches a warm-container cache read outside a step", async () => {
    let cachedTotal: number | undefined // module state survives between invocations of a warm container
    const buggy = withDurableExecution(async (_event: unknown, context) => {
      cachedTotal ??= await context.step("price", async () => 70)
      await context.wait("cooling-off", { hours: 24 })
      return context.step("ship", async () => `shipped ${cachedTotal}`)
    })
    const report = await Determinism.check(buggy, { payload: order })
    assert.isFalse(report.ok)
    // Restarted at the first boundary, the warm container skips "price", so the wait takes the price's id.
    assert.strictEqual(report.divergence?.boundary, 1)
    assert.include(report.divergence?.expected, `STEP/Step "price"`)
    assert.include(report.divergence?.actual, `WAIT/Wait "cooling-off"`)
  })

  it("faults: 25 seeded schedules of crashes, lost checkpoints, throttling and duplicates keep the outcome, and charge once", async () => {
    const report = await Faults.checkFaults({ ...faultScenario(), seeds: 25 })
    assert.isTrue(report.ok, report.summary)
    assert.strictEqual(report.runs.length, 25)
    assert.strictEqual(report.baselineEffects.count("charge:o-1001"), 1)
    // The schedules really disturbed the runs: some invocations crashed or errored and were retried.
    assert.isAbove(report.runs.filter((r) => (r.result?.getCostSummary().failedInvocations ?? 0) > 0).length, 5)
  })

  it("faults: a crash after the charge but before its checkpoint re-runs the step, and the idempotency key charges once", async () => {
    let fake = fakeServices()
    const options: Faults.CheckFaultsOptions = {
      makeHandler: (effects) => {
        fake = fakeServices({ gatewayFailures: 1, effects })
        return makeHandler(fake.services)
      },
      payload: order
    }
    // Checkpoint 3 is the second invocation's first: the successful charge attempt.
    const run = await Faults.checkSchedule(options, [Faults.crashBefore(3)])
    assert.deepStrictEqual(run.violations, [])
    assert.deepStrictEqual(run.applied, [Faults.crashBefore(3)])
    assert.strictEqual(fake.calls.charge, 3) // timeout, charge, charge again after the crash
    assert.strictEqual(fake.charges.size, 1)
    assert.strictEqual(run.effects.count("charge:o-1001"), 1)
    assert.strictEqual(run.result?.getInvocations()[1]?.status, "CRASHED")
  })
})
