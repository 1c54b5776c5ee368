import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Callback, ChildContext, Errors, Step } from "@durable-lambda/core"
import { FakeDurableService, crashReplayMismatches } from "./support/service.ts"
import { asyncHandler, describeError, effectHandler, errorOf, id, invokeOnce, resultOf } from "./support/helpers.ts"

describe("Callback.create (Effect API)", () => {
  it.effect("sends START with CallbackOptions, returns the service's callback id without suspending", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const cb = yield* Callback.create("approval", { timeout: { minutes: 2 }, heartbeatTimeout: { seconds: 30 } })
          return cb.callbackId
        })
      )
      const service = new FakeDurableService()
      const output = yield* invokeOnce(service, handler)
      assert.deepStrictEqual(resultOf(output), service.callbackId("1"))
      const [start] = service.updates()
      assert.deepStrictEqual(start, {
        Id: id("1"),
        Name: "approval",
        Type: "CALLBACK",
        SubType: "Callback",
        Action: "START",
        CallbackOptions: { TimeoutSeconds: 120, HeartbeatTimeoutSeconds: 30 }
      })
    })
  )

  it.effect("always sends CallbackOptions; { seconds: 0 } is sent as 0 (no timeout)", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          yield* Callback.create()
          yield* Callback.create({ timeout: { seconds: 0 } })
          return "ok"
        })
      )
      const service = new FakeDurableService()
      yield* invokeOnce(service, handler)
      const [a, b] = service.updates()
      assert.deepStrictEqual(a!.CallbackOptions, {})
      assert.strictEqual(a!.Name, undefined)
      assert.deepStrictEqual(b!.CallbackOptions, { TimeoutSeconds: 0 })
    })
  )

  it.effect("rejects invalid durations with a TypeError before anything is checkpointed", () =>
    Effect.gen(function* () {
      for (const timeout of [{ seconds: -1 }, { seconds: 1.5 }, { seconds: 100_000_000 }]) {
        const handler = effectHandler(() => Callback.create("x", { timeout }))
        const service = new FakeDurableService()
        const output = yield* invokeOnce(service, handler)
        const error = errorOf(output)
        assert.strictEqual(error.ErrorType, "TypeError")
        assert.match(error.ErrorMessage ?? "", /createCallback: timeout/)
        assert.strictEqual(service.updates().length, 0)
      }
    })
  )

  it.effect("awaiting the result suspends; the answer arrives on a later invocation; START is sent once", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const cb = yield* Callback.create("approval")
          const answer = yield* cb.result
          return { id: cb.callbackId, answer }
        })
      )
      const service = new FakeDurableService()
      assert.deepStrictEqual(yield* invokeOnce(service, handler), { Status: "PENDING" })
      // replay from STARTED: still waiting, nothing re-sent
      assert.deepStrictEqual(yield* invokeOnce(service, handler), { Status: "PENDING" })
      assert.strictEqual(service.updates().length, 1)
      service.completeCallback(service.callbackId("1"), '{"ok":true}')
      const output = yield* invokeOnce(service, handler)
      // default serdes: the raw string, unchanged
      assert.deepStrictEqual(resultOf(output), { id: service.callbackId("1"), answer: '{"ok":true}' })
      assert.strictEqual(service.updates().length, 1)
    })
  )

  it.effect("a custom deserializer turns the raw answer into a value", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const cb = yield* Callback.create<{ ok: boolean }>("approval", {
            serdes: { deserialize: (s) => (s === undefined ? undefined : JSON.parse(s)) }
          })
          const answer = yield* cb.result
          return answer.ok
        })
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler, { policy: { callback: () => ({ result: '{"ok":true}' }) } })
      assert.strictEqual(resultOf(run.output), true)
    })
  )

  it.effect("an answer that lands before the result is awaited is seen at once (no suspension, P-26)", () =>
    Effect.gen(function* () {
      const service = new FakeDurableService()
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const cb = yield* Callback.create("approval")
          // The external system answers while a step runs; the step's checkpoint response carries the news.
          yield* Step.run(
            "notify",
            Effect.sync(() => service.completeCallback(cb.callbackId, "yes"))
          )
          return yield* cb.result
        })
      )
      const run = yield* service.run(handler)
      assert.strictEqual(run.invocations, 1)
      assert.strictEqual(resultOf(run.output), "yes")
    })
  )

  it.effect("failure, timeout and heartbeat timeout are distinct typed errors, all CallbackErrors", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const cb = yield* Callback.create("c", { timeout: { seconds: 60 }, heartbeatTimeout: { seconds: 10 } })
          return yield* cb.result.pipe(
            Effect.map((answer) => ({ kind: "ok", answer }) as Record<string, unknown>),
            Effect.catchTag("CallbackExternalError", (e) =>
              Effect.succeed({ kind: "failed", ...describeError(e), base: e instanceof Errors.CallbackError })
            ),
            Effect.catchTag("CallbackTimeoutError", (e) =>
              Effect.succeed({ kind: "timeout", ...describeError(e), base: e instanceof Errors.CallbackError })
            ),
            Effect.catchTag("CallbackHeartbeatTimeoutError", (e) =>
              Effect.succeed({ kind: "heartbeat", ...describeError(e), base: e instanceof Errors.CallbackError })
            )
          )
        })
      )
      // failed by the external system
      const failed = new FakeDurableService()
      yield* invokeOnce(failed, handler)
      failed.failCallback(failed.callbackId("1"), {
        ErrorType: "RejectedError",
        ErrorMessage: "not approved",
        ErrorData: '{"by":"bob"}'
      })
      assert.deepStrictEqual(resultOf(yield* invokeOnce(failed, handler)), {
        kind: "failed",
        name: "CallbackExternalError",
        tag: "CallbackExternalError",
        message: "not approved",
        errorData: '{"by":"bob"}',
        causeName: "RejectedError",
        causeMessage: "not approved",
        base: true
      })
      // heartbeat missed (10 s) before the 60 s timeout
      const heartbeat = new FakeDurableService()
      yield* invokeOnce(heartbeat, handler)
      heartbeat.advance(10_000)
      assert.deepStrictEqual(resultOf(yield* invokeOnce(heartbeat, handler)), {
        kind: "heartbeat",
        name: "CallbackHeartbeatTimeoutError",
        tag: "CallbackHeartbeatTimeoutError",
        message: "Callback timed out on heartbeat",
        causeName: "Callback.Heartbeat",
        causeMessage: "Callback timed out on heartbeat",
        base: true
      })
      // heartbeats keep it alive until the overall timeout
      const timeout = new FakeDurableService()
      yield* invokeOnce(timeout, handler)
      for (let t = 0; t < 60; t += 8) {
        timeout.advance(8_000)
        if (timeout.op("1")!.Status === "STARTED") timeout.heartbeat(timeout.callbackId("1"))
      }
      assert.strictEqual(timeout.op("1")!.Status, "TIMED_OUT")
      assert.deepStrictEqual(resultOf(yield* invokeOnce(timeout, handler)), {
        kind: "timeout",
        name: "CallbackTimeoutError",
        tag: "CallbackTimeoutError",
        message: "Callback timed out",
        causeName: "Callback.Timeout",
        causeMessage: "Callback timed out",
        base: true
      })
    })
  )

  it.effect("an uncaught callback failure fails the execution with the precise error type", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.flatMap(Callback.create("c", { timeout: { seconds: 5 } }), (cb) => cb.result)
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.deepStrictEqual(errorOf(run.output), {
        ErrorType: "CallbackTimeoutError",
        ErrorMessage: "Callback timed out"
      })
    })
  )

  it.effect("two callbacks awaited in either order; each replays from its own record", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const a = yield* Callback.create("a")
          const b = yield* Callback.create("b")
          const rb = yield* b.result
          const ra = yield* a.result
          return [ra, rb]
        })
      )
      const service = new FakeDurableService()
      yield* invokeOnce(service, handler)
      service.completeCallback(service.callbackId("1"), "A")
      assert.deepStrictEqual(yield* invokeOnce(service, handler), { Status: "PENDING" })
      service.completeCallback(service.callbackId("2"), "B")
      assert.deepStrictEqual(resultOf(yield* invokeOnce(service, handler)), ["A", "B"])
      assert.strictEqual(service.updates().length, 2)
    })
  )
})

describe("createCallback (async API)", () => {
  it.effect("awaiting createCallback does not suspend; awaiting its promise does", () =>
    Effect.gen(function* () {
      const seen: Array<string> = []
      const handler = asyncHandler(async (_event, context) => {
        const [promise, callbackId] = await context.createCallback("approval", { timeout: { hours: 1 } })
        seen.push(callbackId)
        return await promise
      })
      const service = new FakeDurableService()
      assert.deepStrictEqual(yield* invokeOnce(service, handler), { Status: "PENDING" })
      assert.deepStrictEqual(seen, [service.callbackId("1")])
      service.completeCallback(seen[0]!, "approved")
      assert.strictEqual(resultOf(yield* invokeOnce(service, handler)), "approved")
      assert.deepStrictEqual(seen, [service.callbackId("1"), service.callbackId("1")])
    })
  )

  it.effect("rejections are instances of CallbackError and of the precise subclass", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        const [promise] = await context.createCallback({ timeout: { seconds: 5 } })
        try {
          return await promise
        } catch (e) {
          return {
            callbackError: e instanceof Errors.CallbackError,
            timeout: e instanceof Errors.CallbackTimeoutError,
            failed: e instanceof Errors.CallbackExternalError,
            errorType: (e as Errors.CallbackError).errorType
          }
        }
      })
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.deepStrictEqual(resultOf(run.output), {
        callbackError: true,
        timeout: true,
        failed: false,
        errorType: "CallbackTimeoutError"
      })
    })
  )

  it.effect("an un-awaited callback promise does not keep the invocation from finishing", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        const [, callbackId] = await context.createCallback("later")
        return callbackId
      })
      const service = new FakeDurableService()
      assert.strictEqual(resultOf(yield* invokeOnce(service, handler)), service.callbackId("1"))
    })
  )
})

describe("Callback.waitFor (Effect API)", () => {
  const submitted: Array<string> = []
  const program = (config?: Callback.WaitForCallbackConfig<string>) =>
    effectHandler(() =>
      Callback.waitFor(
        "approval",
        (callbackId) =>
          Effect.sync(() => {
            submitted.push(callbackId)
          }),
        config
      )
    )

  it.effect("outer CONTEXT, inner callback <outer>-1 and submitter step <outer>-2; raw answer double-encoded", () =>
    Effect.gen(function* () {
      submitted.length = 0
      const service = new FakeDurableService()
      assert.deepStrictEqual(yield* invokeOnce(service, program({ timeout: { minutes: 5 } })), { Status: "PENDING" })
      assert.deepStrictEqual(submitted, [service.callbackId("1-1")])
      const updates = service.updates()
      assert.deepStrictEqual(
        updates.map((u) => [u.Action, u.Type, u.SubType, u.Id, u.ParentId, u.Name]),
        [
          ["START", "CONTEXT", "WaitForCallback", id("1"), undefined, "approval"],
          ["START", "CALLBACK", "Callback", id("1-1"), id("1"), undefined],
          ["START", "STEP", "Step", id("1-2"), id("1"), undefined],
          ["SUCCEED", "STEP", "Step", id("1-2"), id("1"), undefined]
        ]
      )
      assert.deepStrictEqual(updates[1]!.CallbackOptions, { TimeoutSeconds: 300 })
      service.completeCallback(submitted[0]!, "yes")
      assert.strictEqual(resultOf(yield* invokeOnce(service, program({ timeout: { minutes: 5 } }))), "yes")
      // the submitter did not run again
      assert.deepStrictEqual(submitted, [service.callbackId("1-1")])
      assert.strictEqual(service.op("1")!.Status, "SUCCEEDED")
      assert.strictEqual(service.op("1")!.Result, '"yes"')
    })
  )

  it.effect("serdes reads the stored raw answer, on the first run and on replay", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const answer = yield* Callback.waitFor<{ n: number }>("a", () => Effect.void, {
            serdes: { deserialize: (s) => (s === undefined ? undefined : JSON.parse(s)) }
          })
          yield* Step.run("after", Effect.succeed(1))
          return answer.n
        })
      )
      const result = yield* crashReplayMismatches(handler, { policy: { callback: () => ({ result: '{"n":7}' }) } })
      assert.deepStrictEqual(result.mismatches, [])
      assert.strictEqual(resultOf(result.reference.output), 7)
    })
  )

  it.effect("callback failures come out unwrapped and typed", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Callback.waitFor("a", () => Effect.void, { heartbeatTimeout: { seconds: 3 } }).pipe(
          Effect.catchTag("CallbackHeartbeatTimeoutError", (e) => Effect.succeed(`heartbeat: ${e.message}`))
        )
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.strictEqual(resultOf(run.output), "heartbeat: Callback timed out on heartbeat")
      // the child context recorded the precise type
      assert.strictEqual(service.op("1")!.Error?.ErrorType, "CallbackHeartbeatTimeoutError")
    })
  )

  it.effect("a submitter failure is retried by its strategy, then surfaces as StepError", () =>
    Effect.gen(function* () {
      let attempts = 0
      const handler = effectHandler(() =>
        Callback.waitFor(
          "a",
          () =>
            Effect.suspend(() => {
              attempts++
              return Effect.fail(new Error(`boom ${attempts}`))
            }),
          { retryStrategy: (_e, n) => (n < 2 ? { shouldRetry: true, delay: { seconds: 3 } } : { shouldRetry: false }) }
        ).pipe(Effect.catchTag("StepError", (e) => Effect.succeed(`step failed: ${e.message}`)))
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.strictEqual(attempts, 2)
      assert.strictEqual(run.invocations, 2)
      assert.strictEqual(resultOf(run.output), "step failed: boom 2")
      assert.deepStrictEqual(service.trace(), [
        'START CONTEXT/WaitForCallback "a"',
        "START CALLBACK/Callback",
        "START STEP/Step",
        "RETRY STEP/Step",
        "START STEP/Step",
        "FAIL STEP/Step",
        'FAIL CONTEXT/WaitForCallback "a"'
      ])
      assert.strictEqual(service.op("1-2")!.Attempt, 2)
    })
  )

  it.effect("the same callback id is used across submitter retries", () =>
    Effect.gen(function* () {
      const ids: Array<string> = []
      const handler = effectHandler(() =>
        Callback.waitFor(
          "a",
          (callbackId) =>
            Effect.suspend(() => {
              ids.push(callbackId)
              return ids.length === 1 ? Effect.fail(new Error("flaky")) : Effect.void
            }),
          { retryStrategy: () => ({ shouldRetry: true, delay: { seconds: 1 } }) }
        )
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler, { policy: { callback: () => ({ result: "done" }) } })
      assert.strictEqual(resultOf(run.output), "done")
      assert.deepStrictEqual(ids, [service.callbackId("1-1"), service.callbackId("1-1")])
    })
  )
})

describe("waitForCallback (async API)", () => {
  it.effect("failures keep the official 2.4.0 shape: the callback's own error, unwrapped", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        try {
          return await context.waitForCallback("a", async () => {}, { timeout: { seconds: 2 } })
        } catch (e) {
          return {
            ...describeError(e),
            childContextError: e instanceof Errors.ChildContextError,
            isTimeout: e instanceof Errors.CallbackTimeoutError,
            isCallbackError: e instanceof Errors.CallbackError
          }
        }
      })
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.deepInclude(resultOf(run.output), {
        name: "CallbackTimeoutError",
        message: "Callback timed out",
        childContextError: false,
        isTimeout: true,
        isCallbackError: true
      })
    })
  )

  it.effect("a submitter that exhausts its retries rejects with CallbackSubmitterError (cause: the StepError)", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        try {
          return await context.waitForCallback(
            "a",
            async () => {
              throw new Error("queue down")
            },
            { retryStrategy: () => ({ shouldRetry: false }) }
          )
        } catch (e) {
          return {
            name: (e as Error).name,
            message: (e as Error).message,
            isSubmitter: e instanceof Errors.CallbackSubmitterError,
            isCallbackError: e instanceof Errors.CallbackError,
            causeIsStep: (e as Error).cause instanceof Errors.StepError
          }
        }
      })
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.deepStrictEqual(resultOf(run.output), {
        name: "CallbackSubmitterError",
        message: "queue down",
        isSubmitter: true,
        isCallbackError: true,
        causeIsStep: true
      })
    })
  )

  it.effect("the submitter gets the callback id and a logger; the answer is returned", () =>
    Effect.gen(function* () {
      const got: Array<string> = []
      const handler = asyncHandler(async (_event, context) => {
        return await context.waitForCallback(async (callbackId, ctx) => {
          got.push(callbackId)
          ctx.logger.info("submitted")
        })
      })
      const service = new FakeDurableService()
      const run = yield* service.run(handler, { policy: { callback: (cb) => ({ result: `for ${cb.CallbackId}` }) } })
      assert.strictEqual(resultOf(run.output), `for ${service.callbackId("1-1")}`)
      assert.deepStrictEqual(got, [service.callbackId("1-1")])
    })
  )

  it.effect("argument errors reject without taking an id", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        const messages: Array<string> = []
        for (const call of [
          () => (context.waitForCallback as any)("name", "not a function"),
          () => (context.waitForCallback as any)(42),
          () => context.waitForCallback("x", async () => {}, { timeout: { seconds: -5 } })
        ]) {
          try {
            await call()
          } catch (e) {
            messages.push((e as Error).message)
          }
        }
        await context.step("next", async () => 1)
        return messages
      })
      const service = new FakeDurableService()
      const output = yield* invokeOnce(service, handler)
      assert.deepStrictEqual(resultOf(output), [
        "waitForCallback requires a submitter function when name is provided",
        "waitForCallback requires a submitter function",
        'waitForCallback: timeout: duration must be a whole number of seconds between 0 and 99999999, got {"seconds":-5} (-5 s)'
      ])
      assert.strictEqual(service.updates()[0]!.Id, id("1"))
    })
  )
})

describe("callbacks: determinism", () => {
  it.effect("crash replays at every checkpoint give the same result and operations (Effect API)", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const cb = yield* Callback.create("first")
          const a = yield* cb.result
          const b = yield* ChildContext.run(
            "child",
            Callback.waitFor("second", () => Effect.void)
          )
          const c = yield* Callback.waitFor("third", () => Effect.void, { timeout: { seconds: 5 } }).pipe(
            Effect.catchTag("CallbackTimeoutError", () => Effect.succeed("timed out"))
          )
          return [a, b, c]
        })
      )
      const result = yield* crashReplayMismatches(handler, {
        policy: { callback: (cb) => (cb.ParentId === id("3") ? undefined : { result: `answer-${cb.Id}` }) }
      })
      assert.deepStrictEqual(result.mismatches, [])
      assert.deepStrictEqual(resultOf(result.reference.output), [
        `answer-${id("1")}`,
        `answer-${id("2-1-1")}`,
        "timed out"
      ])
    })
  )
})
