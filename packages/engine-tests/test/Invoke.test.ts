import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { Errors, Invoke, Serdes, Step } from "@durable-lambda/core"
import { FakeDurableService, crashReplayMismatches } from "./support/service.ts"
import { asyncHandler, describeError, effectHandler, errorOf, id, invokeOnce, resultOf } from "./support/helpers.ts"

const ARN = "arn:aws:lambda:us-east-1:123456789012:function:payments:live"

describe("Invoke.run", () => {
  it.effect("sends START with the serialized input, function and tenant; suspends; returns the target's result", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Invoke.run<{ amount: number }, { receipt: string }>({
          name: "charge",
          functionName: ARN,
          payload: { amount: 5 },
          tenantId: "t-1"
        })
      )
      const service = new FakeDurableService()
      assert.deepStrictEqual(yield* invokeOnce(service, handler), { Status: "PENDING" })
      assert.deepStrictEqual(service.updates(), [
        {
          Id: id("1"),
          Name: "charge",
          Type: "CHAINED_INVOKE",
          SubType: "ChainedInvoke",
          Action: "START",
          Payload: '{"amount":5}',
          ChainedInvokeOptions: { FunctionName: ARN, TenantId: "t-1" }
        }
      ])
      // replay while the target runs: still waiting, START not re-sent
      assert.deepStrictEqual(yield* invokeOnce(service, handler), { Status: "PENDING" })
      service.completeInvoke("charge", { result: '{"receipt":"r-1"}' })
      assert.deepStrictEqual(resultOf(yield* invokeOnce(service, handler)), { receipt: "r-1" })
      assert.strictEqual(service.updates().length, 1)
    })
  )

  it.effect("payload and result serdes are honoured; no tenant, no TenantId", () =>
    Effect.gen(function* () {
      const upper: Serdes.Serdes<string> = {
        serialize: async (v) => (v === undefined ? undefined : `<${v.toUpperCase()}>`),
        deserialize: async (d) => (d === undefined ? undefined : d.slice(1, -1).toLowerCase())
      }
      const handler = effectHandler(() =>
        Invoke.run({ functionName: "echo", payload: "hello", payloadSerdes: upper, resultSerdes: upper })
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler, { policy: { invoke: (r) => ({ result: r.InputPayload! }) } })
      assert.strictEqual(resultOf(run.output), "hello")
      assert.deepStrictEqual(service.updates()[0]!.ChainedInvokeOptions, { FunctionName: "echo" })
      assert.strictEqual(service.updates()[0]!.Payload, "<HELLO>")
    })
  )

  it.effect("failed, timed-out and stopped targets are distinct typed errors, all InvokeErrors", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Invoke.run({ name: "call", functionName: "target" }).pipe(
          Effect.map(() => ({ kind: "ok" }) as Record<string, unknown>),
          Effect.catchTag("InvokeFailedError", (e) =>
            Effect.succeed({ kind: "failed", ...describeError(e), base: e instanceof Errors.InvokeError })
          ),
          Effect.catchTag("InvokeTimedOutError", (e) =>
            Effect.succeed({ kind: "timeout", ...describeError(e), base: e instanceof Errors.InvokeError })
          ),
          Effect.catchTag("InvokeStoppedError", (e) =>
            Effect.succeed({ kind: "stopped", ...describeError(e), base: e instanceof Errors.InvokeError })
          )
        )
      )
      const outcome = (o: Parameters<FakeDurableService["completeInvoke"]>[1]) =>
        Effect.gen(function* () {
          const service = new FakeDurableService()
          yield* invokeOnce(service, handler)
          service.completeInvoke("call", o)
          return resultOf(yield* invokeOnce(service, handler))
        })
      assert.deepStrictEqual(
        yield* outcome({ error: { ErrorType: "OrderError", ErrorMessage: "no stock", ErrorData: "sku-1" } }),
        {
          kind: "failed",
          name: "InvokeFailedError",
          tag: "InvokeFailedError",
          message: "no stock",
          errorData: "sku-1",
          causeName: "OrderError",
          causeMessage: "no stock",
          base: true
        }
      )
      assert.deepStrictEqual(
        yield* outcome({ timedOut: true, error: { ErrorType: "Lambda.Timeout", ErrorMessage: "Task timed out" } }),
        {
          kind: "timeout",
          name: "InvokeTimedOutError",
          tag: "InvokeTimedOutError",
          message: "Task timed out",
          causeName: "Lambda.Timeout",
          causeMessage: "Task timed out",
          base: true
        }
      )
      assert.deepStrictEqual(yield* outcome({ stopped: true, error: {} }), {
        kind: "stopped",
        name: "InvokeStoppedError",
        tag: "InvokeStoppedError",
        message: "Invoke stopped",
        causeName: "Error",
        causeMessage: "",
        base: true
      })
    })
  )

  it.effect("an uncaught failure fails the execution with the precise error type", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() => Invoke.run({ functionName: "target" }))
      const service = new FakeDurableService()
      const run = yield* service.run(handler, { policy: { invoke: () => ({ error: { ErrorMessage: "kaput" } }) } })
      assert.deepStrictEqual(errorOf(run.output), { ErrorType: "InvokeFailedError", ErrorMessage: "kaput" })
    })
  )

  it.effect("a target that finishes while another operation runs is seen without suspending (P-26)", () =>
    Effect.gen(function* () {
      const service = new FakeDurableService()
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const pending = yield* Effect.forkChild(Invoke.run({ name: "call", functionName: "target" }), {
            startImmediately: true
          })
          yield* Step.run(
            "meanwhile",
            Effect.sync(() => service.completeInvoke("call", { result: "42" }))
          )
          return yield* Fiber.join(pending)
        })
      )
      const run = yield* service.run(handler)
      assert.strictEqual(run.invocations, 1)
      assert.strictEqual(resultOf(run.output), 42)
    })
  )

  it.effect("an input over 1 MiB fails with PayloadTooLargeError before anything is sent", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Invoke.run({ name: "big", functionName: "target", payload: "x".repeat(1024 * 1024) }).pipe(
          Effect.catchTag("PayloadTooLargeError", (e) =>
            Effect.succeed({ stepId: e.stepId, stepName: e.stepName, size: e.sizeBytes, limit: e.limitBytes })
          )
        )
      )
      const service = new FakeDurableService()
      const output = yield* invokeOnce(service, handler)
      assert.deepStrictEqual(resultOf(output), {
        stepId: "1",
        stepName: "big",
        size: 1024 * 1024 + 2,
        limit: 1024 * 1024
      })
      assert.strictEqual(service.updates().length, 0)
    })
  )

  it.effect("crash replays at every checkpoint agree with the reference run", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const a = yield* Invoke.run<number, number>({ name: "a", functionName: "double", payload: 2 })
          const b = yield* Invoke.run<number, number>({ name: "b", functionName: "double", payload: a }).pipe(
            Effect.catchTag("InvokeFailedError", () => Effect.succeed(-1))
          )
          return [a, b]
        })
      )
      const result = yield* crashReplayMismatches(handler, {
        policy: {
          invoke: (r) =>
            r.Name === "a" ? { result: String(Number(r.InputPayload) * 2) } : { error: { ErrorMessage: "nope" } }
        }
      })
      assert.deepStrictEqual(result.mismatches, [])
      assert.deepStrictEqual(resultOf(result.reference.output), [4, -1])
    })
  )
})

describe("context.invoke reads its overloads (the async API, P-28)", () => {
  const cases: ReadonlyArray<
    [string, ReadonlyArray<unknown>, { name: string | undefined; functionName: string; input: unknown }]
  > = [
    [
      "named with object input",
      ["charge", "payments", { a: 1 }],
      { name: "charge", functionName: "payments", input: { a: 1 } }
    ],
    [
      "unnamed with object input",
      ["payments", { a: 1 }],
      { name: undefined, functionName: "payments", input: { a: 1 } }
    ],
    ["unnamed, no input", ["payments"], { name: undefined, functionName: "payments", input: undefined }],
    ["named, no input", ["charge", ARN], { name: "charge", functionName: ARN, input: undefined }],
    [
      "string input that is not a function id",
      ["payments", "hello world"],
      { name: undefined, functionName: "payments", input: "hello world" }
    ],
    ["JSON string input", ["payments", '{"a":1}'], { name: undefined, functionName: "payments", input: '{"a":1}' }],
    ["empty string input", ["payments", ""], { name: undefined, functionName: "payments", input: "" }],
    ["ARN first, word-like string input", [ARN, "ping"], { name: undefined, functionName: ARN, input: "ping" }],
    [
      "explicit undefined name, word-like input",
      [undefined, "payments", "ping"],
      { name: undefined, functionName: "payments", input: "ping" }
    ],
    [
      "word-like second string is a function name",
      ["charge", "payments"],
      { name: "charge", functionName: "payments", input: undefined }
    ],
    [
      "partial ARN second",
      ["charge", "123456789012:function:payments:2"],
      { name: "charge", functionName: "123456789012:function:payments:2", input: undefined }
    ],
    [
      "four arguments are always named",
      ["charge", "hello world", "in", {}],
      { name: "charge", functionName: "hello world", input: "in" }
    ]
  ]
  for (const [title, args, expected] of cases) {
    it.effect(title, () =>
      Effect.gen(function* () {
        const handler = asyncHandler((_event, context) =>
          (context.invoke as (...a: ReadonlyArray<unknown>) => any)(...args)
        )
        const service = new FakeDurableService()
        yield* invokeOnce(service, handler)
        const start = service.updates()[0]
        assert.deepStrictEqual(
          {
            name: start?.Name,
            functionName: start?.ChainedInvokeOptions?.FunctionName,
            payload: start?.Payload
          },
          {
            name: expected.name,
            functionName: expected.functionName,
            payload: expected.input === undefined ? undefined : JSON.stringify(expected.input)
          }
        )
      })
    )
  }

  it("isFunctionIdentifier accepts names, qualified names, partial and full ARNs", () => {
    for (const ok of [
      "fn",
      "my_fn-2",
      "fn:$LATEST",
      "fn:live",
      "123456789012:function:fn",
      ARN,
      "arn:aws-cn:lambda:cn-north-1:123456789012:function:fn"
    ]) {
      assert.isTrue(Invoke.isFunctionIdentifier(ok), ok)
    }
    for (const no of ["", "hello world", '{"a":1}', "a/b", "x".repeat(65)]) {
      assert.isFalse(Invoke.isFunctionIdentifier(no), no)
    }
  })
})

describe("invoke (async API)", () => {
  it.effect("resolves both forms and sends what it resolved", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        const a = await context.invoke("payments", "hello world")
        const b = await context.invoke("charge", "payments", { amount: 1 }, { tenantId: "t" })
        const c = await context.invoke(undefined, "payments", "ping")
        return [a, b, c]
      })
      const service = new FakeDurableService()
      const run = yield* service.run(handler, {
        policy: { invoke: (r) => ({ result: JSON.stringify(`${r.FunctionName}:${r.InputPayload}`) }) }
      })
      assert.deepStrictEqual(resultOf(run.output), [
        'payments:"hello world"',
        'payments:{"amount":1}',
        'payments:"ping"'
      ])
      assert.deepStrictEqual(
        service.updates().map((u) => [u.Id, u.Name, u.ChainedInvokeOptions]),
        [
          [id("1"), undefined, { FunctionName: "payments" }],
          [id("2"), "charge", { FunctionName: "payments", TenantId: "t" }],
          [id("3"), undefined, { FunctionName: "payments" }]
        ]
      )
    })
  )

  it.effect(
    "a plugin's chainedInvokeTraceHeader is sent as XAmznTraceId (first string wins, a throwing plugin is skipped)",
    () =>
      Effect.gen(function* () {
        const seen: Array<string> = []
        const handler = asyncHandler(
          async (_event, context) => {
            await context.invoke("charge", "payments", { amount: 1 })
            return "done"
          },
          {
            plugins: [
              {
                chainedInvokeTraceHeader: () => {
                  throw new Error("no header today")
                }
              },
              { chainedInvokeTraceHeader: () => undefined },
              {
                chainedInvokeTraceHeader: (info) => {
                  seen.push(`${info.id} ${info.type}/${info.subType} ${info.name} replay=${info.isReplay}`)
                  return `Root=1-00000001-${"a".repeat(24)};Parent=${"b".repeat(16)};Sampled=1`
                }
              },
              { chainedInvokeTraceHeader: () => "Root=ignored" }
            ]
          }
        )
        const service = new FakeDurableService()
        const run = yield* service.run(handler, { policy: { invoke: () => ({ result: '"ok"' }) } })
        assert.strictEqual(resultOf(run.output), "done")
        assert.deepStrictEqual(
          service.updates().map((u) => u.ChainedInvokeOptions),
          [
            {
              FunctionName: "payments",
              XAmznTraceId: `Root=1-00000001-${"a".repeat(24)};Parent=${"b".repeat(16)};Sampled=1`
            }
          ]
        )
        // asked once, before the START (not again on the replay that reads the result)
        assert.deepStrictEqual(seen, [`${id("1")} CHAINED_INVOKE/ChainedInvoke charge replay=false`])
      })
  )

  it.effect("rejections are InvokeErrors of the precise subclass", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        try {
          return await context.invoke("target", { x: 1 })
        } catch (e) {
          return {
            invokeError: e instanceof Errors.InvokeError,
            timedOut: e instanceof Errors.InvokeTimedOutError,
            errorType: (e as Errors.InvokeError).errorType,
            tag: (e as Errors.InvokeError)._tag
          }
        }
      })
      const service = new FakeDurableService()
      const run = yield* service.run(handler, { policy: { invoke: () => ({ timedOut: true, error: {} }) } })
      assert.deepStrictEqual(resultOf(run.output), {
        invokeError: true,
        timedOut: true,
        errorType: "InvokeError",
        tag: "InvokeTimedOutError"
      })
    })
  )

  it.effect("an invoke that is started but not awaited does not suspend the invocation", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        void context.invoke("fire-and-forget", "target", {})
        return await context.step("next", async () => "done")
      })
      const service = new FakeDurableService()
      const output = yield* invokeOnce(service, handler)
      assert.strictEqual(resultOf(output), "done")
      assert.deepStrictEqual(service.trace(), [
        'START CHAINED_INVOKE/ChainedInvoke "fire-and-forget"',
        'START STEP/Step "next"',
        'SUCCEED STEP/Step "next"'
      ])
    })
  )
})
