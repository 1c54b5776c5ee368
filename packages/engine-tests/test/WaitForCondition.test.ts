import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Errors, type Operation, Serdes, WaitForCondition } from "@durable-lambda/core"
import { createWaitStrategy } from "@durable-lambda/core/async"
import { FakeDurableService, crashReplayMismatches } from "./support/service.ts"
import { asyncHandler, describeError, effectHandler, errorOf, id, invokeOnce, resultOf } from "./support/helpers.ts"

const strategy = (limit: number, delaySeconds = 10) =>
  WaitForCondition.createWaitStrategy<number>({
    shouldContinuePolling: (n) => n < limit,
    initialDelay: { seconds: delaySeconds },
    backoffRate: 1,
    jitter: "NONE"
  })

describe("WaitForCondition.run", () => {
  it.effect("threads the state through RETRY payloads, one checkpointed attempt per check, suspending between", () =>
    Effect.gen(function* () {
      const seen: Array<{ state: number; attempt: number }> = []
      const handler = effectHandler(() =>
        WaitForCondition.run("poll", (n: number) => Effect.succeed(n + 1), {
          initialState: 0,
          waitStrategy: (state, attempt) => {
            seen.push({ state, attempt })
            return state < 3 ? { shouldContinue: true, delay: { seconds: 10 * attempt } } : { shouldContinue: false }
          }
        })
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.strictEqual(resultOf(run.output), 3)
      assert.strictEqual(run.invocations, 3)
      assert.deepStrictEqual(
        run.outputs.map((o) => o.Status),
        ["PENDING", "PENDING", "SUCCEEDED"]
      )
      assert.deepStrictEqual(seen, [
        { state: 1, attempt: 1 },
        { state: 2, attempt: 2 },
        { state: 3, attempt: 3 }
      ])
      assert.deepStrictEqual(
        service
          .updates()
          .map((u) => [u.Action, u.Type, u.SubType, u.Name, u.Payload, u.StepOptions?.NextAttemptDelaySeconds]),
        [
          ["START", "STEP", "WaitForCondition", "poll", undefined, undefined],
          ["RETRY", "STEP", "WaitForCondition", "poll", "1", 10],
          ["START", "STEP", "WaitForCondition", "poll", undefined, undefined],
          ["RETRY", "STEP", "WaitForCondition", "poll", "2", 20],
          ["START", "STEP", "WaitForCondition", "poll", undefined, undefined],
          ["SUCCEED", "STEP", "WaitForCondition", "poll", "3", undefined]
        ]
      )
      // the service scheduled each next check at the strategy's delay
      assert.strictEqual(service.now, 30_000)
    })
  )

  it.effect("createWaitStrategy's max attempts fails the operation with a StepError (P-33: it throws)", () =>
    Effect.gen(function* () {
      let checks = 0
      const handler = effectHandler(() =>
        WaitForCondition.run(
          "poll",
          (n: number) =>
            Effect.sync(() => {
              checks++
              return n + 1
            }),
          {
            initialState: 0,
            waitStrategy: createWaitStrategy({ shouldContinuePolling: () => true, maxAttempts: 2, jitter: "NONE" })
          }
        ).pipe(Effect.catchTag("StepError", (e) => Effect.succeed(describeError(e))))
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      const expected = {
        name: "StepError",
        tag: "StepError",
        message: "waitForCondition exceeded maximum attempts (2)",
        causeName: "Error",
        causeMessage: "waitForCondition exceeded maximum attempts (2)"
      }
      assert.deepStrictEqual(resultOf(run.output), expected)
      assert.strictEqual(checks, 2)
      assert.deepStrictEqual(service.trace().slice(-1), ['FAIL STEP/WaitForCondition "poll"'])
      // replay from the FAILED record (the invocation crashed right after checkpointing it): the same error,
      // no check. The closed execution itself is never invoked again.
      const crashed = service.crashAfter(service.snapshots.at(-1)!)
      assert.strictEqual(crashed.op("1")!.Status, "FAILED")
      const again = yield* invokeOnce(crashed, handler)
      assert.deepStrictEqual(resultOf(again), expected)
      assert.strictEqual(checks, 2)
    })
  )

  it.effect("a failing check fails at once (no retry) and keeps the original error's type and message", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        WaitForCondition.run("poll", (_: number) => Effect.fail(new TypeError("bad state")), {
          initialState: 0,
          waitStrategy: strategy(5)
        })
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.deepStrictEqual(errorOf(run.output), { ErrorType: "StepError", ErrorMessage: "bad state" })
      assert.deepStrictEqual(service.op("1")!.Error, { ErrorType: "TypeError", ErrorMessage: "bad state" })
      assert.strictEqual(run.invocations, 1)
    })
  )

  it.effect("clamps the strategy's delay to whole seconds of at least 1 (P-18)", () =>
    Effect.gen(function* () {
      const delays = [{ seconds: 0 }, { seconds: 2.6 }, { seconds: -4 }]
      const handler = effectHandler(() =>
        WaitForCondition.run("poll", (n: number) => Effect.succeed(n + 1), {
          initialState: 0,
          waitStrategy: (n) =>
            n <= delays.length ? { shouldContinue: true, delay: delays[n - 1]! } : { shouldContinue: false }
        })
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.strictEqual(resultOf(run.output), 4)
      assert.deepStrictEqual(
        service
          .updates()
          .filter((u) => u.Action === "RETRY")
          .map((u) => u.StepOptions?.NextAttemptDelaySeconds),
        [1, 3, 1]
      )
    })
  )

  it.effect("a custom serdes carries rich state (Dates) between checks", () =>
    Effect.gen(function* () {
      const dateSerdes: Serdes.Serdes<{ at: Date; n: number }> = {
        serialize: async (v) => (v === undefined ? undefined : JSON.stringify({ at: v.at.toISOString(), n: v.n })),
        deserialize: async (d) => {
          if (d === undefined) return undefined
          const o = JSON.parse(d)
          return { at: new Date(o.at), n: o.n }
        }
      }
      const kinds: Array<string> = []
      const handler = effectHandler(() =>
        WaitForCondition.run(
          (s: { at: Date; n: number }) =>
            Effect.sync(() => {
              kinds.push(s.at instanceof Date ? "date" : typeof s.at)
              return { at: new Date(s.at.getTime() + 1000), n: s.n + 1 }
            }),
          {
            initialState: { at: new Date(0), n: 0 },
            serdes: dateSerdes,
            waitStrategy: (s) => (s.n < 3 ? { shouldContinue: true, delay: { seconds: 1 } } : { shouldContinue: false })
          }
        ).pipe(Effect.map((s) => s.at.toISOString()))
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.strictEqual(resultOf(run.output), "1970-01-01T00:00:03.000Z")
      assert.deepStrictEqual(kinds, ["date", "date", "date"])
    })
  )

  it.effect("a config without waitStrategy or initialState is a TypeError before any id is taken", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        WaitForCondition.run("x", (n: number) => Effect.succeed(n), {
          initialState: undefined as unknown as number,
          waitStrategy: strategy(1)
        })
      )
      const service = new FakeDurableService()
      const output = yield* invokeOnce(service, handler)
      assert.deepStrictEqual(errorOf(output), {
        ErrorType: "TypeError",
        ErrorMessage: "waitForCondition requires config with waitStrategy and initialState"
      })
      assert.strictEqual(service.updates().length, 0)
    })
  )

  it.effect("validates names against the recorded history (unlike the official SDK, P-5)", () =>
    Effect.gen(function* () {
      // an earlier invocation checked once under the old name and scheduled the next check (PENDING)
      const old = { Id: id("1"), Type: "STEP", SubType: "WaitForCondition", Name: "old-name" } as const
      const service = FakeDurableService.withHistory((h) =>
        h.checkpoint(
          { ...old, Action: "START" },
          { ...old, Action: "RETRY", Payload: "1", StepOptions: { NextAttemptDelaySeconds: 5 } }
        )
      )
      assert.strictEqual(service.op("1")!.Status, "PENDING")
      const handler = effectHandler(() =>
        WaitForCondition.run("new-name", (n: number) => Effect.succeed(n), {
          initialState: 0,
          waitStrategy: strategy(1)
        })
      )
      const output = yield* invokeOnce(service, handler)
      assert.strictEqual(errorOf(output).ErrorType, "NonDeterministicExecutionError")
    })
  )
})

describe("WaitForCondition: replay from each recorded status", () => {
  const counting = () => {
    const calls: Array<number> = []
    const handler = effectHandler(() =>
      WaitForCondition.run(
        "poll",
        (n: number) =>
          Effect.sync(() => {
            calls.push(n)
            return n + 10
          }),
        { initialState: 0, waitStrategy: strategy(15) }
      )
    )
    return { calls, handler }
  }
  // Each status is reached the way the service reaches it: earlier invocations' checkpoints and timers.
  const poll = (Action: Operation.OperationAction, extra: Partial<Operation.OperationUpdate> = {}) =>
    ({ Id: id("1"), Type: "STEP", SubType: "WaitForCondition", Name: "poll", Action, ...extra }) as const
  /** Checks once per state (RETRY with it, then READY one second later), then `last` in another request. */
  const recorded = (states: ReadonlyArray<string>, ...last: ReadonlyArray<Operation.OperationUpdate>) =>
    FakeDurableService.withHistory((h) => {
      for (const state of states) {
        h.checkpoint(poll("START"), poll("RETRY", { Payload: state, StepOptions: { NextAttemptDelaySeconds: 1 } }))
        h.advance(1000)
      }
      if (last.length > 0) h.checkpoint(...last)
    })

  it.effect("SUCCEEDED: returns the stored state without checking", () =>
    Effect.gen(function* () {
      const { calls, handler } = counting()
      const service = recorded(["10", "20"], poll("START"), poll("SUCCEED", { Payload: "42" }))
      assert.deepStrictEqual([service.op("1")!.Status, service.op("1")!.Attempt], ["SUCCEEDED", 3])
      assert.strictEqual(resultOf(yield* invokeOnce(service, handler)), 42)
      assert.deepStrictEqual(calls, [])
      assert.strictEqual(service.updates().length, 0)
    })
  )

  it.effect("FAILED: rebuilds the error; without one, WaitForConditionError", () =>
    Effect.gen(function* () {
      const { calls, handler } = counting()
      const withError = recorded(
        [],
        poll("START"),
        poll("FAIL", { Error: { ErrorType: "RangeError", ErrorMessage: "too far" } })
      )
      assert.deepStrictEqual(errorOf(yield* invokeOnce(withError, handler)), {
        ErrorType: "StepError",
        ErrorMessage: "too far"
      })
      const without = recorded([], poll("START"), poll("FAIL"))
      assert.deepStrictEqual(errorOf(yield* invokeOnce(without, handler)), {
        ErrorType: "WaitForConditionError",
        ErrorMessage: "waitForCondition failed"
      })
      assert.deepStrictEqual(calls, [])
    })
  )

  it.effect("PENDING: suspends without checking or sending anything", () =>
    Effect.gen(function* () {
      const { calls, handler } = counting()
      const service = recorded(
        [],
        poll("START"),
        poll("RETRY", { Payload: "10", StepOptions: { NextAttemptDelaySeconds: 10 } })
      )
      assert.strictEqual(service.op("1")!.Status, "PENDING")
      assert.deepStrictEqual(yield* invokeOnce(service, handler), { Status: "PENDING" })
      assert.deepStrictEqual(calls, [])
      assert.strictEqual(service.updates().length, 0)
    })
  )

  it.effect("READY: checks with the stored state, sending a new START", () =>
    Effect.gen(function* () {
      const { calls, handler } = counting()
      const service = recorded(["10"])
      assert.deepStrictEqual([service.op("1")!.Status, service.op("1")!.Result], ["READY", "10"])
      assert.strictEqual(resultOf(yield* invokeOnce(service, handler)), 20)
      assert.deepStrictEqual(calls, [10])
      assert.deepStrictEqual(service.trace(), [
        'START STEP/WaitForCondition "poll"',
        'SUCCEED STEP/WaitForCondition "poll"'
      ])
      assert.strictEqual(service.op("1")!.Attempt, 2)
    })
  )

  it.effect("STARTED (crashed during a check): checks again with the stored state, without a second START", () =>
    Effect.gen(function* () {
      const { calls, handler } = counting()
      const service = recorded(["10"], poll("START"))
      assert.deepStrictEqual([service.op("1")!.Status, service.op("1")!.Result], ["STARTED", "10"])
      assert.strictEqual(resultOf(yield* invokeOnce(service, handler)), 20)
      assert.deepStrictEqual(calls, [10])
      assert.deepStrictEqual(service.trace(), ['SUCCEED STEP/WaitForCondition "poll"'])
    })
  )

  it.effect("unreadable stored state falls back to the initial state (P-31)", () =>
    Effect.gen(function* () {
      const { calls, handler } = counting()
      const service = recorded(["{not json"])
      assert.deepStrictEqual(yield* invokeOnce(service, handler), { Status: "PENDING" })
      assert.deepStrictEqual(calls, [0])
      assert.strictEqual(service.updates().find((u) => u.Action === "RETRY")?.Payload, "10")
    })
  )

  it.effect("crash replays at every checkpoint agree with the reference run", () =>
    Effect.gen(function* () {
      const { handler } = counting()
      const result = yield* crashReplayMismatches(handler, {})
      assert.deepStrictEqual(result.mismatches, [])
      assert.strictEqual(resultOf(result.reference.output), 20)
      assert.strictEqual(result.service.snapshots.length, 2)
    })
  )
})

describe("createWaitStrategy", () => {
  it("stops when the condition holds, otherwise backs off exponentially up to maxDelay", () => {
    const s = createWaitStrategy<number>({
      shouldContinuePolling: (n) => n > 0,
      initialDelay: { seconds: 4 },
      maxDelay: { seconds: 20 },
      backoffRate: 2,
      jitter: "NONE"
    })
    assert.deepStrictEqual(s(0, 1), { shouldContinue: false })
    assert.deepStrictEqual(
      [1, 2, 3, 4].map((a) => s(1, a)),
      [4, 8, 16, 20].map((seconds) => ({ shouldContinue: true, delay: { seconds } }))
    )
  })

  it("defaults: 60 attempts, 5 s initial, 1.5 backoff, 300 s max, full jitter", () => {
    const s = createWaitStrategy<number>({ shouldContinuePolling: () => true })
    // full jitter with random 1 = the full delay; with random 0.5 = half, rounded, at least 1
    assert.deepStrictEqual(
      s(0, 1, () => 1),
      { shouldContinue: true, delay: { seconds: 5 } }
    )
    assert.deepStrictEqual(
      s(0, 2, () => 1),
      { shouldContinue: true, delay: { seconds: 8 } }
    )
    assert.deepStrictEqual(
      s(0, 2, () => 0.5),
      { shouldContinue: true, delay: { seconds: 4 } }
    )
    assert.deepStrictEqual(
      s(0, 30, () => 1),
      { shouldContinue: true, delay: { seconds: 300 } }
    )
    assert.deepStrictEqual(
      s(0, 1, () => 0),
      { shouldContinue: true, delay: { seconds: 1 } }
    )
    assert.throws(() => s(0, 60, () => 1), "waitForCondition exceeded maximum attempts (60)")
    assert.doesNotThrow(() => s(0, 59, () => 1))
  })

  it("half jitter keeps at least half the delay; timeoutSeconds is ignored", () => {
    const s = createWaitStrategy<number>({
      shouldContinuePolling: () => true,
      initialDelay: { seconds: 10 },
      jitter: "HALF",
      timeoutSeconds: 1
    })
    assert.deepStrictEqual(
      s(0, 1, () => 0),
      { shouldContinue: true, delay: { seconds: 5 } }
    )
    assert.deepStrictEqual(
      s(0, 1, () => 1),
      { shouldContinue: true, delay: { seconds: 10 } }
    )
  })
})

describe("waitForCondition (async API)", () => {
  it.effect("polls with the official signature and gives the check a logger", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) =>
        context.waitForCondition(
          "poll",
          async (state: { n: number }, ctx) => {
            ctx.logger.info("checking", state.n)
            return { n: state.n + 1 }
          },
          {
            initialState: { n: 0 },
            waitStrategy: createWaitStrategy({
              shouldContinuePolling: (s) => s.n < 2,
              jitter: "NONE",
              initialDelay: { seconds: 3 }
            })
          }
        )
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.deepStrictEqual(resultOf(run.output), { n: 2 })
      assert.strictEqual(run.invocations, 2)
    })
  )

  it.effect("throws synchronously for a missing config, without taking an id", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        let message = ""
        try {
          context.waitForCondition(async (s: number) => s, {} as any)
        } catch (e) {
          message = `${(e as Error).name}: ${(e as Error).message}`
        }
        await context.step("next", async () => 1)
        return message
      })
      const service = new FakeDurableService()
      const output = yield* invokeOnce(service, handler)
      assert.strictEqual(
        resultOf(output),
        "TypeError: waitForCondition requires config with waitStrategy and initialState"
      )
      assert.strictEqual(service.updates()[0]!.Id, id("1"))
    })
  )

  it.effect("check errors reject with StepError", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        try {
          await context.waitForCondition(
            async () => {
              throw new RangeError("out of range")
            },
            { initialState: 1, waitStrategy: strategy(5) }
          )
          return "no error"
        } catch (e) {
          return { stepError: e instanceof Errors.StepError, ...describeError(e) }
        }
      })
      const service = new FakeDurableService()
      const output = yield* invokeOnce(service, handler)
      assert.deepStrictEqual(resultOf(output), {
        stepError: true,
        name: "StepError",
        tag: "StepError",
        message: "out of range",
        causeName: "RangeError",
        causeMessage: "out of range"
      })
    })
  )
})
