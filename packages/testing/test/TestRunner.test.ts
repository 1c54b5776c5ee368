import { Handler, Step, Wait } from "@durable-lambda/core"
import { withDurableExecution } from "@durable-lambda/core/async"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Context, Effect, Fiber, Layer } from "effect"
import { Callbacks, LocalDurableTestRunner, TestRunner, VirtualClock } from "../src/index.ts"

class Pricing extends Context.Service<Pricing, { readonly price: (sku: string) => Effect.Effect<number> }>()(
  "test/Pricing"
) {}

const quote = Handler.make((input: { sku: string; qty: number }) =>
  Effect.gen(function* () {
    const pricing = yield* Pricing
    const unit = yield* Step.run("price", pricing.price(input.sku))
    yield* Wait.wait("settle", { hours: 1 })
    return yield* Step.run("total", Effect.succeed(unit * input.qty))
  })
)

const T0 = Date.UTC(2025, 0, 1)

/** Runs `effect` with the official `setupTestEnvironment({ skipTime: true })` in force. */
const skippingTime = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.promise(() => LocalDurableTestRunner.setupTestEnvironment({ skipTime: true })),
    () => effect,
    () => Effect.promise(() => LocalDurableTestRunner.teardownTestEnvironment())
  )

describe("TestRunner", () => {
  it.effect("run: drives an Effect-API handler with services from the caller's context", () =>
    Effect.gen(function* () {
      const result = yield* TestRunner.run(quote, { payload: { sku: "apple", qty: 3 } })
      assert.strictEqual(result.getStatus(), "SUCCEEDED")
      assert.strictEqual(result.getResult(), 21)
      assert.strictEqual(result.getInvocations().length, 2)
    }).pipe(Effect.provide(Layer.succeed(Pricing, { price: () => Effect.succeed(7) })))
  )

  it.effect("layer: sets options for every run in scope (start time, function name)", () =>
    Effect.gen(function* () {
      const result = yield* TestRunner.run(quote, { payload: { sku: "pear", qty: 2 } })
      assert.strictEqual(result.getHistoryEvents()[0]!.EventTimestamp.toISOString(), "2030-06-01T00:00:00.000Z")
      assert.match(result.getDurableExecutionArn(), /:function:pricing:\$LATEST\/durable-execution\//)
      assert.strictEqual(result.getResult(), 10)
    }).pipe(
      Effect.provide(TestRunner.layer({ startTime: new Date("2030-06-01T00:00:00Z"), functionName: "pricing" })),
      Effect.provide(Layer.succeed(Pricing, { price: () => Effect.succeed(5) }))
    )
  )

  it.effect("run: fails with SimulationError when the invocation budget is exhausted", () =>
    Effect.gen(function* () {
      const forever = withDurableExecution(async (_event, ctx) => {
        for (let i = 0; ; i++) await ctx.wait({ seconds: 1 })
      })
      const error = yield* Effect.flip(TestRunner.run(forever, { maxInvocations: 5 }))
      assert.strictEqual(error.name, "SimulationError")
      assert.match(error.message, /Invocation budget exceeded: 5 invocations/)
    })
  )

  it.effect("run: under skipTime, in-process sleeps are on the one virtual timeline", () =>
    Effect.gen(function* () {
      const napping = Handler.make(() =>
        Effect.gen(function* () {
          const before = yield* Step.run(
            "before",
            Effect.clockWith((c) => c.currentTimeMillis)
          )
          // A non-durable sleep inside the invocation: virtual time moves, nothing is checkpointed for it.
          yield* Effect.sleep("90 seconds")
          const after = yield* Step.run(
            "after",
            Effect.clockWith((c) => c.currentTimeMillis)
          )
          return after - before
        })
      )
      const result = yield* skippingTime(TestRunner.run(napping))
      assert.strictEqual(result.getResult(), 90_000)
      assert.strictEqual(result.getInvocations().length, 1)
      const done = result.getHistoryEvents().at(-1)!
      assert.strictEqual(done.EventTimestamp.getTime(), T0 + 90_000)
    })
  )

  it.effect("run: under skipTime, an invocation stuck forever ends at the Lambda timeout and is re-invoked", () =>
    Effect.gen(function* () {
      let invocations = 0
      const stuck = withDurableExecution(async (_event, ctx) => {
        invocations++
        if (invocations === 1) await ctx.step("hang", () => new Promise<never>(() => {}))
        return "second time"
      })
      const result = yield* skippingTime(TestRunner.run(stuck, { invocationTimeoutSeconds: 60 }))
      const first = result.getInvocations()[0]!
      assert.strictEqual(first.status, "ERROR")
      assert.strictEqual(first.error?.errorType, "InvocationDeadlineError")
      assert.strictEqual(first.endTimestamp!.getTime() - first.startTimestamp.getTime(), 55_000)
      assert.strictEqual(result.getStatus(), "SUCCEEDED")
    })
  )

  it.effect("run: real time inside it.effect uses the wall clock, not the test's TestClock", () =>
    Effect.gen(function* () {
      const handler = withDurableExecution(async (_event, ctx) => {
        await ctx.wait({ seconds: 1 })
        return "woke"
      })
      const result = yield* TestRunner.run(handler, { time: "real" })
      assert.strictEqual(result.getResult(), "woke")
    })
  )

  it.effect("run: a PENDING output with nothing pending fails fast with a diagnostic", () =>
    Effect.gen(function* () {
      const broken: Handler.DurableHandler = {
        config: quote.config,
        invoke: () => Effect.succeed({ Status: "PENDING" as const })
      }
      const error = yield* Effect.flip(TestRunner.run(broken))
      assert.match(error.message, /^Invocation 1 returned PENDING but nothing can wake the execution/)
    })
  )

  it.effect("runPromise: the same run as a Promise", () =>
    Effect.promise(async () => {
      const handler = withDurableExecution(async (event: string, ctx) => ctx.step(async () => event.toUpperCase()))
      const result = await TestRunner.runPromise(handler, { payload: "hi" })
      assert.strictEqual(result.getResult(), "HI")
    })
  )
})

describe("VirtualClock", () => {
  it("advanceTo: never moves backwards and notifies listeners", () => {
    const clock = new VirtualClock.VirtualClock(1000)
    const seen: Array<number> = []
    clock.onAdvance((t) => seen.push(t))
    clock.advanceTo(5000)
    clock.advanceTo(2000)
    assert.strictEqual(clock.now(), 5000)
    assert.deepStrictEqual(seen, [5000])
  })

  it("fireDue: fires in-process timers in due order, ties by registration", () => {
    const clock = new VirtualClock.VirtualClock(0)
    const fired: Array<string> = []
    clock.addTimer(300, () => fired.push("c"))
    clock.addTimer(100, () => fired.push("a"))
    clock.addTimer(100, () => fired.push("b"))
    const cancel = clock.addTimer(200, () => fired.push("cancelled"))
    cancel()
    assert.strictEqual(clock.nextTimerAt(), 100)
    clock.advanceTo(250)
    assert.strictEqual(clock.fireDue(), 2)
    assert.deepStrictEqual(fired, ["a", "b"])
    assert.strictEqual(clock.pendingTimers, 1)
  })

  it.effect("effectClock: reads virtual time; sleep(0) resolves, longer sleeps wait for the clock", () =>
    Effect.gen(function* () {
      const clock = new VirtualClock.VirtualClock(42_000)
      const program = Effect.gen(function* () {
        const start = yield* Clock.currentTimeMillis
        yield* Effect.sleep(0)
        const sleeper = yield* Effect.forkChild(Effect.sleep("10 seconds"))
        yield* Effect.sleep(0)
        const pendingBefore = clock.pendingTimers
        clock.advanceTo(52_000)
        clock.fireDue()
        yield* Fiber.join(sleeper)
        return { start, pendingBefore, end: yield* Clock.currentTimeMillis }
      }).pipe(Effect.provideService(Clock.Clock, clock.effectClock()))
      const out = yield* program
      assert.deepStrictEqual(out, { start: 42_000, pendingBefore: 1, end: 52_000 })
    })
  )
})

describe("callback scripts by name", () => {
  it("a script named after a waitForCallback answers its inner (unnamed) callback", async () => {
    const handler = withDurableExecution(async (_: unknown, ctx) =>
      ctx.waitForCallback("manager-approval", async () => {}, { timeout: { hours: 2 } })
    )
    const result = await new LocalDurableTestRunner({
      handlerFunction: handler,
      callbackActions: [Callbacks.respond("manager-approval", Callbacks.success('"approved"', 60_000))]
    }).run()
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.strictEqual(result.getResult(), '"approved"') // callback results are raw strings by default
    assert.notInclude(
      result.getHistoryEvents().map((e: any) => e.EventType),
      "CallbackTimedOut"
    )
  })
})
