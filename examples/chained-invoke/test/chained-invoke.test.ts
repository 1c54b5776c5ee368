import { Determinism, Faults, History, LocalDurableTestRunner } from "@durable-lambda/testing"
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { makeBillingHandler } from "../src/billing.ts"
import { makeHandler } from "../src/handler.ts"
import { fakeCheckout, fakeProcessor } from "./fakes.ts"
import { BILLING, billingTarget, goldenRun, order, runCheckout } from "./scenarios.ts"
import { faultScenario } from "./faults.scenario.ts"

const golden = JSON.parse(readFileSync(new URL("./chained-invoke.history.json", import.meta.url), "utf8"))

describe("chained-invoke", () => {
  it("checkout suspends while billing runs its own execution (retry, 10-minute wait), then confirms", async () => {
    const { result, checkout, billing } = await goldenRun()

    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.deepStrictEqual(result.getResult(), { orderId: "o-311", status: "CONFIRMED", invoiceId: "inv-o-311" })
    assert.deepStrictEqual([...checkout.confirmed], [["o-311", "inv-o-311"]])
    assert.strictEqual(billing.authorizeCalls(), 2)

    // The invoke records the target, its input and its result.
    const invoke = result.getOperation("bill-customer")
    assert.deepStrictEqual(invoke.getChainedInvokeDetails()?.result, {
      invoiceId: "inv-o-311",
      authorization: "auth-o-311"
    })
    const started = result.getHistoryEvents().find((e) => e.EventType === "ChainedInvokeStarted") as any
    assert.strictEqual(started.ChainedInvokeStartedDetails.FunctionName, BILLING)
    assert.deepStrictEqual(JSON.parse(started.ChainedInvokeStartedDetails.Input.Payload), {
      orderId: "o-311",
      customerId: "cust-5",
      amount: 249
    })

    // Billing ran as its own durable execution on the same virtual clock.
    const child = invoke.getChildExecution()
    assert.strictEqual(child?.status, "SUCCEEDED")
    assert.deepStrictEqual(
      History.signatures(child!.history).filter((s) => !s.startsWith("Invocation")),
      [
        "ExecutionStarted||",
        "StepStarted|Step|authorize",
        "StepFailed|Step|authorize",
        "StepStarted|Step|authorize",
        "StepSucceeded|Step|authorize",
        "WaitStarted|Wait|settlement-window",
        "WaitSucceeded|Wait|settlement-window",
        "StepStarted|Step|capture",
        "StepSucceeded|Step|capture",
        "ExecutionSucceeded||"
      ]
    )
    // Checkout was invoked twice: before the invoke, and once billing finished 10 min 5 s later.
    assert.strictEqual(result.getInvocations().length, 2)
    assert.strictEqual(result.getCostSummary().elapsedMillis, 10 * 60_000 + 5_000)
  })

  it("golden history: checkout records exactly the checked-in history", async () => {
    const { result } = await goldenRun()
    assert.deepStrictEqual(History.normalize(result.getHistoryEvents()), golden)
  })

  it("billing refuses: the invoke fails with billing's error type, and checkout releases the stock", async () => {
    const { result, checkout } = await runCheckout({ refuse: true })

    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.deepStrictEqual(result.getResult(), {
      orderId: "o-311",
      status: "PAYMENT_REFUSED",
      reason: "insufficient funds"
    })
    assert.strictEqual(checkout.holds.size, 0)
    assert.strictEqual(checkout.confirmed.size, 0)
    const invoke = result.getOperation("bill-customer")
    assert.strictEqual(invoke.getStatus(), "FAILED")
    assert.strictEqual(invoke.getChainedInvokeDetails()?.error?.errorType, "PaymentRefused")
    assert.strictEqual(invoke.getChildExecution()?.status, "FAILED")
  })

  it("an unregistered target fails the invoke as the service would (ResourceNotFound), failing checkout", async () => {
    const result = await new LocalDurableTestRunner({
      handlerFunction: makeHandler(fakeCheckout().services, BILLING)
    }).run({ payload: order })
    assert.strictEqual(result.getStatus(), "FAILED")
    assert.strictEqual(result.getError().errorType, "InvokeFailedError")
  })

  it("determinism: restarts of checkout from every checkpoint prefix agree", async () => {
    for (const refuse of [false, true]) {
      const report = await Determinism.check(makeHandler(fakeCheckout().services, BILLING), {
        payload: order,
        functions: billingTarget(makeBillingHandler(fakeProcessor({ refuse, flaky: true }).services))
      })
      assert.isTrue(report.ok, report.summary)
    }
  })

  it("faults: 20 seeded schedules on checkout keep the outcome and confirm the order once", async () => {
    // Faults hit checkout's calls and billing's (its own execution).
    const report = await Faults.checkFaults({ ...faultScenario(), seeds: 20 })
    assert.isTrue(report.ok, report.summary)
    assert.strictEqual(report.baselineEffects.count("confirm:o-311"), 1)
    assert.isAbove(report.runs.filter((r) => r.applied.length > 0).length, 10)
  })
})
