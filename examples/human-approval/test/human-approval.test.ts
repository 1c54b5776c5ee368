import {
  Callbacks,
  Determinism,
  Faults,
  History,
  LocalDurableTestRunner,
  WaitingOperationStatus
} from "@durable-lambda/testing"
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { makeHandler } from "../src/handler.ts"
import { fakeServices } from "./fakes.ts"
import { approvedRun, approvesAfter, claim, HOUR, rejectsAfter, runClaim } from "./scenarios.ts"
import { faultScenario } from "./faults.scenario.ts"

const golden = JSON.parse(readFileSync(new URL("./human-approval.history.json", import.meta.url), "utf8"))

const eventTime = (events: ReadonlyArray<History.HistoryEvent>, type: string) => {
  const start = events[0]!.EventTimestamp.getTime()
  const event = events.find((e) => e.EventType === type)
  return event === undefined ? undefined : event.EventTimestamp.getTime() - start
}

describe("human-approval", () => {
  it("approved 3 hours later: the invocation suspends, the answer wakes it, payroll is retried once", async () => {
    const { result, fake } = await approvedRun()

    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.deepStrictEqual(result.getResult(), {
      status: "PAID",
      paymentId: "pay-claim-42",
      approvedBy: "bo@example.com"
    })
    // The manager was sent the id of the callback the service created.
    const approval = result.getOperation("manager-approval")
    assert.deepStrictEqual(fake.approvalRequests, [
      { claimId: "claim-42", callbackId: approval.getCallbackDetails().callbackId! }
    ])
    assert.deepStrictEqual(approval.getCallbackDetails().result, { approvedBy: "bo@example.com" })
    assert.strictEqual(result.getOperation("reimburse").getStepDetails()?.attempt, 2)
    assert.deepStrictEqual(fake.messages, [
      "ana@example.com: Claim claim-42 approved by bo@example.com: paid (pay-claim-42)"
    ])

    // Suspended while waiting (nothing billed), woken by the answer at +3h, suspended 30 s for the retry.
    const events = result.getHistoryEvents()
    assert.strictEqual(eventTime(events, "CallbackSucceeded"), 3 * HOUR)
    assert.strictEqual(eventTime(events, "ExecutionSucceeded"), 3 * HOUR + 30_000)
    assert.deepStrictEqual(
      result.getInvocations().map((i) => i.status),
      ["PENDING", "PENDING", "SUCCEEDED"]
    )
  })

  it("golden history: the approved run records exactly the checked-in history", async () => {
    const { result } = await approvedRun()
    assert.deepStrictEqual(History.normalize(result.getHistoryEvents()), golden)
  })

  it("rejected: the failure's ErrorData decodes into the typed ApprovalRejected; nothing is paid", async () => {
    const { result, fake } = await runClaim([rejectsAfter(5 * HOUR)])

    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.deepStrictEqual(result.getResult(), {
      status: "REJECTED",
      reason: "over the travel budget",
      rejectedBy: "bo@example.com"
    })
    assert.strictEqual(fake.reimburseCalls(), 0)
    assert.deepStrictEqual(fake.messages, [
      "ana@example.com: Claim claim-42 rejected by bo@example.com: over the travel budget"
    ])
    assert.strictEqual(result.getOperation("manager-approval").getStatus(), "FAILED")
    assert.isUndefined(result.getOperation("reimburse").getStatus())
  })

  it("a failure that is not an ApprovalRejected is not mistaken for one: the execution fails", async () => {
    const { result, fake } = await runClaim([
      Callbacks.respond("*", Callbacks.failure({ ErrorType: "MailboxGone", ErrorMessage: "manager left" }, HOUR))
    ])
    assert.strictEqual(result.getStatus(), "FAILED")
    assert.strictEqual(result.getError().errorType, "CallbackExternalError")
    assert.strictEqual(result.getError().errorMessage, "manager left")
    assert.deepStrictEqual(fake.messages, [])
  })

  it("no answer within 48 hours: the callback times out on virtual time and the claim expires", async () => {
    const { result, fake } = await runClaim([])

    assert.deepStrictEqual(result.getResult(), { status: "EXPIRED" })
    const events = result.getHistoryEvents()
    assert.strictEqual(eventTime(events, "CallbackTimedOut"), 48 * HOUR)
    assert.strictEqual(result.getOperation("manager-approval").getChildOperations()[0]?.getStatus(), "TIMED_OUT")
    assert.deepStrictEqual(fake.messages, ["ana@example.com: Claim claim-42 expired: no decision within 48 hours"])
    // The answer that comes after the timeout is refused by the service.
    const late = await result
      .getOperation("manager-approval")
      .sendCallbackSuccess("{}")
      .then(
        () => undefined,
        (error: Error) => error
      )
    assert.strictEqual(late?.name, "CallbackTimeoutException")
  })

  it("by hand, as in the official runner: wait for the callback, answer it, await the run", async () => {
    const fake = fakeServices()
    const runner = new LocalDurableTestRunner({ handlerFunction: makeHandler(fake.services) })
    const run = runner.run({ payload: claim })
    const approval = runner.getOperation("manager-approval")
    await approval.waitForData(WaitingOperationStatus.STARTED)
    await approval.sendCallbackSuccess(JSON.stringify({ approvedBy: "cy@example.com" }))
    const result = await run

    assert.deepStrictEqual(result.getResult(), {
      status: "PAID",
      paymentId: "pay-claim-42",
      approvedBy: "cy@example.com"
    })
  })

  it("a malformed approval is not trusted: the execution fails with MalformedApproval", async () => {
    const { result, fake } = await runClaim([Callbacks.respond("*", Callbacks.success('{"approved":true}', HOUR))])
    assert.strictEqual(result.getStatus(), "FAILED")
    assert.strictEqual(result.getError().errorType, "MalformedApproval")
    assert.strictEqual(result.getError().errorMessage, 'not an approval: {"approved":true}')
    assert.strictEqual(fake.reimburseCalls(), 0)
  })

  it("determinism: restarts from every checkpoint prefix agree, for the approved and the rejected path", async () => {
    for (const answer of [approvesAfter(3 * HOUR), rejectsAfter(3 * HOUR)]) {
      const report = await Determinism.check(makeHandler(fakeServices({ payrollFailures: 1 }).services), {
        payload: claim,
        callbackActions: [answer]
      })
      assert.isTrue(report.ok, report.summary)
      // one restart per checkpoint boundary, plus the run from the start
      assert.strictEqual(report.checked, report.result.getCostSummary().checkpointCalls + 1)
    }
  })

  it("faults: 25 seeded schedules keep the outcome and reimburse at most once", async () => {
    const report = await Faults.checkFaults({ ...faultScenario(), seeds: 25 })
    assert.isTrue(report.ok, report.summary)
    assert.strictEqual(report.baselineEffects.count("reimburse:claim-42"), 1)
    assert.isAbove(report.runs.filter((r) => r.applied.length > 0).length, 15)
  })
})
