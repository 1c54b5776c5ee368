import { assert, describe, it } from "@effect/vitest"
import { Handler, Step, Wait } from "@durable-lambda/core"
import { Effect } from "effect"
import { Faults, Timeline, TestRunner } from "../src/index.ts"

describe("Timeline", () => {
  it("offset: milliseconds, clock time, then days", () => {
    assert.strictEqual(Timeline.offset(0), "+0ms")
    assert.strictEqual(Timeline.offset(999), "+999ms")
    assert.strictEqual(Timeline.offset(61_500), "+00:01:01.500")
    assert.strictEqual(Timeline.offset(3 * 86_400_000 + 3_600_000), "+3d 01:00:00")
  })

  it("reads a TestResult: the sections print writes, one at a time", async () => {
    const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} }
    const handler = Handler.make(
      () =>
        Effect.gen(function* () {
          const n = yield* Step.run("reserve", Effect.succeed(1))
          yield* Wait.wait("ship-delay", { hours: 1 })
          return n
        }),
      { logger: quiet }
    )
    const result = await TestRunner.runPromise(handler)
    const cost = Timeline.cost(result)
    assert.deepStrictEqual(cost, result.getCostSummary())
    assert.strictEqual(cost.invocations, 2)
    assert.strictEqual(cost.elapsedMillis, 3_600_000)
    const timeline = Timeline.timeline(result)
    assert.include(timeline, "┌ invocation 1")
    assert.include(timeline, '⏱ +01:00:00      #6 WaitSucceeded Wait "ship-delay"')
    assert.strictEqual(Timeline.format(result, { cost: false }), result.format({ cost: false }))
    assert.notInclude(Timeline.format(result, { cost: false }), "Invocations:")
    assert.include(Timeline.format(result), `Timeline (virtual time):\n${timeline}`)
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
