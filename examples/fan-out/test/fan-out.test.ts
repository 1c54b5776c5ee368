import { Determinism, Faults, History } from "@durable-lambda/testing"
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { makeHandler } from "../src/handler.ts"
import { fakeServices } from "./fakes.ts"
import { goldenRun, job, runImport } from "./scenarios.ts"
import { faultScenario } from "./faults.scenario.ts"

const golden = JSON.parse(readFileSync(new URL("./fan-out.history.json", import.meta.url), "utf8"))

describe("fan-out", () => {
  it("imports every row, 4 at a time; a 10% rejection is tolerated and a transient error retried", async () => {
    const { result, fake } = await goldenRun()

    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.deepStrictEqual(result.getResult(), {
      status: "IMPORTED",
      imported: 9,
      rejected: [{ sku: "SKU-4", reason: "SKU-4: price must be positive" }],
      unfinished: 0,
      skipped: 0
    })
    assert.strictEqual(fake.maxInFlight(), 4) // concurrency was used, and bounded
    assert.strictEqual(fake.attempts.get("SKU-7"), 2)
    assert.strictEqual(fake.attempts.get("SKU-4"), 1) // an invalid row is not retried
    assert.deepStrictEqual([...fake.reports.values()], [result.getResult()])

    const map = result.getOperation("import-rows")
    assert.strictEqual(map.getSubType(), "Map")
    assert.deepStrictEqual(
      map.getChildOperations().map((item) => `${item.getName()}=${item.getStatus()}`),
      job.rows.map((row) => `row-${row.sku}=${row.sku === "SKU-4" ? "FAILED" : "SUCCEEDED"}`)
    )
    // The retry of SKU-7 suspended the invocation; the second one replayed the finished rows.
    assert.deepStrictEqual(
      result.getInvocations().map((i) => i.status),
      ["PENDING", "SUCCEEDED"]
    )
  })

  it("golden history: the run records exactly the checked-in history", async () => {
    const { result } = await goldenRun()
    assert.deepStrictEqual(History.normalize(result.getHistoryEvents()), golden)
  })

  it("more than 10% rejected: the map stops starting rows, reports ABORTED and the execution fails", async () => {
    const { result, fake } = await runImport({ invalid: ["SKU-1", "SKU-2", "SKU-3"] })

    assert.strictEqual(result.getStatus(), "FAILED")
    assert.strictEqual(result.getError().errorType, "ImportAborted")
    assert.strictEqual(result.getError().errorMessage, "2 of 10 rows rejected (more than 10%)")
    const report = fake.reports.get("import-2025-01")
    assert.strictEqual(report?.status, "ABORTED")
    assert.deepStrictEqual(
      report?.rejected.map((r) => r.sku),
      ["SKU-1", "SKU-2"]
    )
    assert.isAbove(report!.skipped, 0)
    assert.isBelow(fake.attempts.size, 10) // the rows after the stop were never sent
    assert.isUndefined(result.getOperation("row-SKU-10").getStatus())
  })

  it("determinism: restarts from every checkpoint prefix agree, despite 4 rows running at once", async () => {
    const report = await Determinism.check(
      makeHandler(fakeServices({ invalid: ["SKU-4"], flaky: ["SKU-7"] }).services),
      {
        payload: job
      }
    )
    assert.isTrue(report.ok, report.summary)
    // one restart per checkpoint boundary, plus the run from the start
    assert.strictEqual(report.checked, report.result.getCostSummary().checkpointCalls + 1)
  })

  it("faults: 20 seeded schedules keep the outcome, and the portal shows one report", async () => {
    const report = await Faults.checkFaults({ ...faultScenario(), seeds: 20 })
    assert.isTrue(report.ok, report.summary)
    assert.strictEqual(report.baselineEffects.count("report:import-2025-01"), 1)
    assert.isAbove(report.runs.filter((r) => r.applied.length > 0).length, 10)
    // Some schedules made the publish step run again (at-least-once): the PUT made that harmless.
    assert.isTrue(report.runs.some((r) => r.effects.count("publish-call:import-2025-01") > 1))
  })
})
