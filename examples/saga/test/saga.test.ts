import { Determinism, Faults, History } from "@durable-lambda/testing"
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { makeHandler } from "../src/handler.ts"
import { fakeServices, type FakeOptions } from "./fakes.ts"
import { goldenRun, runTrip, trip } from "./scenarios.ts"
import { faultScenario } from "./faults.scenario.ts"

const golden = JSON.parse(readFileSync(new URL("./saga.history.json", import.meta.url), "utf8"))

describe("saga", () => {
  it("books flight, hotel and car in parallel, then charges the total", async () => {
    const { result, fake } = await runTrip()

    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.deepStrictEqual(result.getResult(), {
      tripId: "trip-88",
      status: "BOOKED",
      reservations: { flight: "flight-trip-88", hotel: "hotel-trip-88", car: "car-trip-88" },
      total: 845,
      paymentId: "pay-trip-88"
    })
    assert.deepStrictEqual(fake.log.slice(-1), ["payment: charged 845"])
    assert.strictEqual(fake.held.size, 3)
    // The three reservations were started before any of them finished: they ran concurrently.
    const types = result.getHistoryEvents().map((e) => `${e.EventType} ${e.Name ?? ""}`.trim())
    assert.isBelow(types.indexOf("StepStarted book-car"), types.indexOf("StepSucceeded book-flight"))
    assert.deepStrictEqual(
      result
        .getOperation("reserve")
        .getChildOperations()
        .map((b) => b.getName()),
      ["reserve-flight", "reserve-hotel", "reserve-car"]
    )
  })

  it("the hotel is full: the car, then the flight are cancelled (retried until done) and the execution fails", async () => {
    const { result, fake } = await goldenRun()

    assert.strictEqual(result.getStatus(), "FAILED")
    assert.deepStrictEqual(result.getError().errorType, "BookingFailed")
    assert.strictEqual(result.getError().errorMessage, "reservation refused (hotel: no hotel available on 2025-03-14)")
    assert.deepStrictEqual(fake.log.slice(-2), ["car: cancelled car-trip-88", "flight: cancelled flight-trip-88"])
    assert.strictEqual(fake.held.size, 0) // nothing left reserved
    assert.strictEqual(fake.cancelAttempts.get("flight"), 2)
    assert.isUndefined(result.getOperation("cancel-hotel").getStatus()) // never reserved, never cancelled
    assert.isUndefined(result.getOperation("charge").getStatus())
  })

  it("golden history: the compensation run records exactly the checked-in history", async () => {
    const { result } = await goldenRun()
    assert.deepStrictEqual(History.normalize(result.getHistoryEvents()), golden)
  })

  it("the card is declined: all three reservations are cancelled, last booked first", async () => {
    const { result, fake } = await runTrip({ declined: true })

    assert.strictEqual(result.getError().errorMessage, "payment failed (card declined)")
    assert.deepStrictEqual(fake.log.slice(-4), [
      "payment: declined 845",
      "car: cancelled car-trip-88",
      "hotel: cancelled hotel-trip-88",
      "flight: cancelled flight-trip-88"
    ])
    assert.strictEqual(fake.held.size, 0)
  })

  it("determinism: restarts from every checkpoint prefix agree, on the booked and the compensated paths", async () => {
    for (const options of [{}, { unavailable: ["hotel"], flakyCancel: ["flight"] }] satisfies Array<FakeOptions>) {
      const report = await Determinism.check(makeHandler(fakeServices(options).services), { payload: trip })
      assert.isTrue(report.ok, report.summary)
      // one restart per checkpoint boundary, plus the run from the start
      assert.strictEqual(report.checked, report.result.getCostSummary().checkpointCalls + 1)
    }
  })

  it("faults: under 25 seeded schedules the saga still compensates everything, each reservation released once", async () => {
    // Every run must also end with nothing held at the partners (the scenario's invariant).
    const report = await Faults.checkFaults({ ...faultScenario(), seeds: 25 })
    assert.isTrue(report.ok, report.summary)
    assert.strictEqual(report.baselineEffects.count("cancel:flight-trip-88"), 1)
    assert.strictEqual(report.baselineEffects.count("cancel:car-trip-88"), 1)
    assert.isAbove(report.runs.filter((r) => r.applied.length > 0).length, 15)
  })
})
