import { assert, describe, it } from "@effect/vitest"
import { Faults, Timeline } from "../src/index.ts"

describe("Timeline", () => {
  it("offset: milliseconds, clock time, then days", () => {
    assert.strictEqual(Timeline.offset(0), "+0ms")
    assert.strictEqual(Timeline.offset(999), "+999ms")
    assert.strictEqual(Timeline.offset(61_500), "+00:01:01.500")
    assert.strictEqual(Timeline.offset(3 * 86_400_000 + 3_600_000), "+3d 01:00:00")
  })
})

describe("Faults.EffectLog", () => {
  it("counts effects and reports at-most-once keys recorded twice", () => {
    const log = new Faults.EffectLog()
    log.atMostOnce("charge")
    log.record("email")
    log.record("email")
    assert.deepStrictEqual(log.violations(), [])
    log.atMostOnce("charge")
    assert.deepStrictEqual(log.violations(), ["charge"])
    assert.strictEqual(log.count("email"), 2)
    assert.deepStrictEqual(log.entries(), [
      ["charge", 2],
      ["email", 2]
    ])
  })

  it("describeSchedule: a readable schedule", () => {
    assert.strictEqual(
      Faults.describeSchedule([Faults.crashAfter(3), Faults.delay(1, 500), Faults.duplicateInvocation(2)]),
      "CrashAfterCheckpoint(checkpoint 3), DelayResponse(checkpoint 1, 500 ms), DuplicateInvocation(invocation 2)"
    )
    assert.strictEqual(Faults.describeSchedule([]), "(no faults)")
  })
})
