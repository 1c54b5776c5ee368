import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Callback, Errors, PromiseCombinators, RetryStrategy, Step, Wait } from "@durable-lambda/core"
import { FakeDurableService, crashReplayMismatches } from "./support/service.ts"
import { asyncHandler, describeError, effectHandler, id, invokeOnce, resultOf } from "./support/helpers.ts"

const noRetry = { retryStrategy: RetryStrategy.retryPresets.noRetry }

describe("context.promise (async API)", () => {
  it.effect("all: the combined result is checkpointed as a Step taking its id when awaited", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        const a = context.step("a", async () => 1)
        const b = context.step("b", async () => 2)
        return await context.promise.all("both", [a, b])
      })
      const service = new FakeDurableService()
      assert.deepStrictEqual(resultOf(yield* invokeOnce(service, handler)), [1, 2])
      const combined = service.op("3")!
      assert.deepStrictEqual(
        [combined.Type, combined.SubType, combined.Name, combined.Status, combined.Result],
        ["STEP", "Step", "both", "SUCCEEDED", "[1,2]"]
      )
    })
  )

  it.effect("the combinator's id is taken at the first await, not at the call (P-43)", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        const a = context.step("a", async () => 1)
        const combined = context.promise.all("combined", [a])
        await context.step("between", async () => 0)
        return await combined
      })
      const service = new FakeDurableService()
      assert.deepStrictEqual(resultOf(yield* invokeOnce(service, handler)), [1])
      assert.strictEqual(service.op("2")!.Name, "between")
      assert.strictEqual(service.op("3")!.Name, "combined")
    })
  )

  it.effect("race: the recorded winner is returned on replay even when every input has finished by then", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        const [approval] = await context.createCallback("approval")
        const timer = context.wait("timeout", { seconds: 10 }).then(() => "timeout")
        const winner = await context.promise.race("first", [approval, timer])
        await context.wait("after", { seconds: 1 })
        return winner
      })
      const service = new FakeDurableService()
      assert.deepStrictEqual(yield* invokeOnce(service, handler), { Status: "PENDING" })
      service.advance(10_000)
      assert.deepStrictEqual(yield* invokeOnce(service, handler), { Status: "PENDING" })
      assert.strictEqual(service.op("3")!.Result, '"timeout"')
      // the approval arrives late; the replay must not change its mind
      service.completeCallback(service.callbackId("1"), "approved")
      service.advance(1_000)
      assert.strictEqual(resultOf(yield* invokeOnce(service, handler)), "timeout")
    })
  )

  it.effect("waiting on a callback suspends the invocation instead of keeping it alive", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        const [a] = await context.createCallback("a")
        const [b] = await context.createCallback("b")
        return await context.promise.all([a, b])
      })
      const service = new FakeDurableService()
      assert.deepStrictEqual(yield* invokeOnce(service, handler), { Status: "PENDING" })
      assert.strictEqual(service.op("3")!.Status, "STARTED")
      service.completeCallback(service.callbackId("1"), "A")
      service.completeCallback(service.callbackId("2"), "B")
      assert.deepStrictEqual(resultOf(yield* invokeOnce(service, handler)), ["A", "B"])
      // no second START for the combinator: it resumed as a STARTED step
      assert.strictEqual(service.updates().filter((u) => u.Id === id("3") && u.Action === "START").length, 1)
    })
  )

  it.effect("allSettled: rejection reasons keep their class and message, on the first run and on replay", () =>
    Effect.gen(function* () {
      const seen: Array<unknown> = []
      const handler = asyncHandler(async (_event, context) => {
        const ok = context.step("ok", async () => "fine")
        const bad = context.step(
          "bad",
          async () => {
            throw new URIError("malformed")
          },
          noRetry
        )
        const settled = await context.promise.allSettled("settled", [ok, bad])
        seen.push(
          settled.map((r) =>
            r.status === "fulfilled"
              ? r
              : { status: r.status, stepError: r.reason instanceof Errors.StepError, ...describeError(r.reason) }
          )
        )
        await context.wait({ seconds: 1 })
        return "done"
      })
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.strictEqual(resultOf(run.output), "done")
      assert.strictEqual(seen.length, 2)
      assert.deepStrictEqual(seen[0], seen[1])
      assert.deepStrictEqual(seen[0], [
        { status: "fulfilled", value: "fine" },
        {
          status: "rejected",
          stepError: true,
          name: "StepError",
          tag: "StepError",
          message: "malformed",
          causeName: "StepError",
          causeMessage: "malformed"
        }
      ])
      assert.deepStrictEqual(JSON.parse(service.op("3")!.Result!), [
        { status: "fulfilled", value: "fine" },
        { status: "rejected", reason: { ErrorType: "StepError", ErrorMessage: "malformed" } }
      ])
    })
  )

  it.effect("any: all inputs rejected is a StepError caused by an AggregateError", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        const a = context.step(
          "a",
          async () => {
            throw new Error("a")
          },
          noRetry
        )
        const b = context.step(
          "b",
          async () => {
            throw new Error("b")
          },
          noRetry
        )
        try {
          return await context.promise.any([a, b])
        } catch (e) {
          return describeError(e)
        }
      })
      const service = new FakeDurableService()
      assert.deepStrictEqual(resultOf(yield* invokeOnce(service, handler)), {
        name: "StepError",
        tag: "StepError",
        message: "All promises were rejected",
        causeName: "AggregateError",
        causeMessage: "All promises were rejected"
      })
      assert.deepStrictEqual(service.op("3")!.Error, {
        ErrorType: "AggregateError",
        ErrorMessage: "All promises were rejected"
      })
    })
  )

  it.effect("a non-array argument rejects without taking an id", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        let message = ""
        try {
          await (context.promise.all as any)("x", 42)
        } catch (e) {
          message = (e as Error).message
        }
        await context.step("next", async () => 1)
        return message
      })
      const service = new FakeDurableService()
      assert.strictEqual(resultOf(yield* invokeOnce(service, handler)), "promise.all: expected an array of promises")
      assert.strictEqual(service.op("1")!.Name, "next")
    })
  )
})

describe("PromiseCombinators (Effect API)", () => {
  it.effect("all: inputs take their ids in order, then the combinator; replays agree", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        PromiseCombinators.all("both", [
          Wait.wait("w1", { seconds: 2 }).pipe(Effect.as("one")),
          Step.run("s2", Effect.succeed("two")),
          Wait.wait("w3", { seconds: 1 }).pipe(Effect.as("three"))
        ])
      )
      const result = yield* crashReplayMismatches(handler, {})
      assert.deepStrictEqual(result.mismatches, [])
      assert.deepStrictEqual(resultOf(result.reference.output), ["one", "two", "three"])
      const s = result.service
      assert.deepStrictEqual(
        ["1", "2", "3", "4"].map((raw) => [s.op(raw)!.Type, s.op(raw)!.Name]),
        [
          ["WAIT", "w1"],
          ["STEP", "s2"],
          ["WAIT", "w3"],
          ["STEP", "both"]
        ]
      )
    })
  )

  it.effect("race: the first to finish wins and the losers are interrupted", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const cb = yield* Callback.create("approval")
          const winner = yield* PromiseCombinators.race("first", [
            cb.result,
            Wait.wait("timeout", { seconds: 10 }).pipe(Effect.as("timeout"))
          ])
          yield* Wait.wait("after", { seconds: 1 })
          return winner
        })
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.strictEqual(resultOf(run.output), "timeout")
      const result = yield* crashReplayMismatches(handler, {})
      assert.deepStrictEqual(result.mismatches, [])
    })
  )

  it.effect("allSettled and any", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const settled = yield* PromiseCombinators.allSettled([
            Step.run("ok", Effect.succeed(1)),
            Step.run("bad", Effect.fail(new Error("no")), noRetry)
          ])
          const first = yield* PromiseCombinators.any([
            Step.run("bad2", Effect.fail(new Error("no")), noRetry),
            Step.run("ok2", Effect.succeed(2))
          ])
          return {
            settled: settled.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message)),
            first
          }
        })
      )
      const service = new FakeDurableService()
      assert.deepStrictEqual(resultOf(yield* invokeOnce(service, handler)), { settled: [1, "no"], first: 2 })
      assert.deepStrictEqual(
        service.ofType("STEP").map((r) => r.Name),
        ["ok", "bad", undefined, "bad2", "ok2", undefined]
      )
    })
  )
})
