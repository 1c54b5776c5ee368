import { Determinism, Faults, History } from "@durable-lambda/testing"
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { makeHandler } from "../src/handler.ts"
import { fakeServices } from "./fakes.ts"
import { faultScenario } from "./faults.scenario.ts"
import { HOUR, managerRejects, PROVISION, provisioning, runOnboarding, signsAndApproves, vendor } from "./scenarios.ts"

const golden = JSON.parse(readFileSync(new URL("./every-operation.history.json", import.meta.url), "utf8"))

describe("every-operation", () => {
  it("happy path: every operation runs once, on virtual time, and the vendor is active", async () => {
    const { result, fake } = await runOnboarding()

    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.deepStrictEqual(result.getResult(), {
      vendorId: "v-7",
      name: "ACME TOOLS",
      status: "ACTIVE",
      account: "acct-v-7",
      kycPolls: 3,
      signature: "signed-by-acme",
      approvedBy: "bo@example.com",
      tenant: { tenantId: "tenant-v-7", grant: "grant-tenant-v-7-acct-v-7" },
      notifications: ["email-sent-v-7", "chat-sent-v-7"],
      kits: ["kit-v-7-berlin", "kit-v-7-lisbon"],
      setup: ["catalog-v-7", "billing-v-7-acct-v-7"]
    })
    assert.deepStrictEqual(fake.calls, {
      openAccount: 1,
      kycStatus: 3,
      sendContract: 1,
      requestApproval: 1,
      closeAccount: 0
    })
    // Every operation type and sub-type is in the run.
    const kinds = new Set(result.getRawOperations().map((op) => `${op.Type}/${op.SubType}`))
    for (const kind of [
      "STEP/Step",
      "STEP/WaitForCondition",
      "WAIT/Wait",
      "CALLBACK/Callback",
      "CONTEXT/WaitForCallback",
      "CHAINED_INVOKE/ChainedInvoke",
      "CONTEXT/RunInChildContext",
      "CONTEXT/Map",
      "CONTEXT/MapIteration",
      "CONTEXT/Parallel",
      "CONTEXT/ParallelBranch"
    ]) {
      assert.isTrue(kinds.has(kind), kind)
    }
    // The KYC check polled three times, 5 minutes apart; the whole onboarding took 4 h 12 min of virtual time.
    assert.strictEqual(result.getOperation("kyc-check").getStepDetails()?.attempt, 3)
    const events = result.getHistoryEvents()
    assert.strictEqual(
      events.at(-1)!.EventTimestamp.getTime() - events[0]!.EventTimestamp.getTime(),
      4 * HOUR + 12 * 60_000
    )
  })

  it("golden history: the run records exactly the checked-in history", async () => {
    const { result } = await runOnboarding()
    assert.deepStrictEqual(History.normalize(result.getHistoryEvents()), golden)
  })

  it("failure path: the manager rejects, the account is closed again and the execution fails", async () => {
    const { result, fake } = await runOnboarding(managerRejects)

    assert.strictEqual(result.getStatus(), "FAILED")
    assert.strictEqual(result.getError().errorType, "VendorRejected")
    assert.match(result.getError().errorMessage ?? "", /duplicate vendor/)
    assert.deepStrictEqual(fake.closed, ["acct-v-7"])
    assert.strictEqual(result.getOperation("close-account").getStatus(), "SUCCEEDED")
    assert.isUndefined(result.getOperation("provision").getStatus())
  })

  it("determinism: a restart from every checkpoint prefix takes the same path", async () => {
    const report = await Determinism.check(makeHandler(fakeServices().services, PROVISION), {
      payload: vendor,
      callbackActions: signsAndApproves,
      functions: provisioning()
    })
    assert.isTrue(report.ok, report.summary)
    assert.isAbove(report.checked, 10)
  })

  it("faults: 20 seeded schedules keep the outcome; the account is opened once and no at-most-once attempt repeats", async () => {
    const report = await Faults.checkFaults({ ...faultScenario(), seeds: 20 })
    assert.isTrue(report.ok, report.summary)
    assert.strictEqual(report.baselineEffects.count("open-account:v-7"), 1)
    assert.isAbove(report.runs.filter((r) => r.applied.length > 0).length, 10)
    // The schedules reached the state reads and the provisioning execution, not only the root's checkpoints.
    const sites = new Set(
      report.runs.flatMap((r) =>
        r.applied.flatMap((f) => (f._tag === "DuplicateInvocation" ? [] : [Faults.siteKey(f.site)]))
      )
    )
    assert.isTrue(sites.has("invoked/Checkpoint"), [...sites].join(", "))
    assert.isTrue(sites.has("root/GetDurableExecutionState"), [...sites].join(", "))
  })
})
