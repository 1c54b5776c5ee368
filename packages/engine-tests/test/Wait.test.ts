import { assert, describe, it } from "@effect/vitest"
import { Wait } from "@durable-lambda/core"
import { Effect } from "effect"
import { effectHandler, errorOf, resultOf } from "./support/helpers.ts"
import { eventTypes, history, makeDrive, run } from "./support/service.ts"

describe("Wait.wait", () => {
  it.live("suspends the invocation; the service wakes it once the time has passed", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const handler = effectHandler(() => Wait.wait("cool-off", { minutes: 2 }).pipe(Effect.as("done")))
      const r = yield* run(drive, () => handler)
      assert.strictEqual(resultOf(r.last), "done")
      assert.deepStrictEqual(r.outcomes[0], { Status: "PENDING" })
      assert.strictEqual(r.invocations, 2)
      assert.strictEqual(drive.now, 120_000)
      const started = history(drive).find((e) => e.EventType === "WaitStarted")
      assert.strictEqual(started.Name, "cool-off")
      assert.strictEqual(started.WaitStartedDetails.Duration, 120)
      assert.strictEqual(started.WaitStartedDetails.ScheduledEndTimestamp.getTime(), 120_000)
      assert.includeMembers(eventTypes(drive), ["WaitStarted", "WaitSucceeded"])
    })
  )

  it.live("sequential waits each take one suspension and add up on the clock", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          yield* Wait.wait({ seconds: 10 })
          yield* Wait.wait({ seconds: 20 })
          return "ok"
        })
      )
      const r = yield* run(drive, () => handler)
      assert.strictEqual(resultOf(r.last), "ok")
      assert.strictEqual(r.invocations, 3)
      assert.strictEqual(drive.now, 30_000)
      assert.strictEqual(drive.ofType("WAIT").length, 2)
    })
  )

  for (const [label, duration] of [
    ["zero", { seconds: 0 }],
    ["fractional", { seconds: 1.5 }],
    ["over a year", { days: 400 }]
  ] as const) {
    it.live(`an invalid duration (${label}) is refused before anything is checkpointed`, () =>
      Effect.gen(function* () {
        const drive = makeDrive()
        const handler = effectHandler(() => Wait.wait(duration).pipe(Effect.as("unreachable")))
        const r = yield* run(drive, () => handler, {}, { maxInvocations: 3 })
        const error = errorOf(r.last)
        assert.strictEqual(error.ErrorType, "TypeError")
        assert.include(error.ErrorMessage, "wait: duration must be a whole number of seconds")
        assert.strictEqual(r.invocations, 1)
        assert.strictEqual(drive.ofType("WAIT").length, 0)
      })
    )
  }
})
