/**
 * Whatever a handler or a step body throws — an error whose `message` or `name` getter throws, a revoked
 * Proxy, a string, a number, `null`, a plain object — ends as a readable, checkpointed `ErrorObject`: the
 * attempt is recorded as failed, the retry strategy is consulted, and the execution never loops.
 */
import { assert, describe, it } from "@effect/vitest"
import { AsyncContext, Errors, Step } from "@durable-lambda/core"
import { Effect } from "effect"
import { effectHandler, errorOf } from "./support/helpers.ts"
import { eventTypes, history, makeDrive, run } from "./support/service.ts"

const { withDurableExecution } = AsyncContext

const hostileMessage = (): Error => {
  const error = new Error("hidden")
  Object.defineProperty(error, "message", {
    get() {
      throw new TypeError("message getter exploded")
    }
  })
  return error
}
const hostileName = (): Error => {
  const error = new Error("visible")
  Object.defineProperty(error, "name", {
    get() {
      throw new TypeError("name getter exploded")
    }
  })
  return error
}
const revokedProxy = (): Error => {
  const { proxy, revoke } = Proxy.revocable(new Error("proxied"), {})
  revoke()
  return proxy
}
const hostiles: ReadonlyArray<readonly [string, () => unknown, string]> = [
  ["an error whose message getter throws", hostileMessage, "message getter exploded"],
  ["an error whose name getter throws", hostileName, "name getter exploded"],
  ["a revoked Proxy", revokedProxy, "revoked"]
]

/** A retry strategy that records what it is asked and allows one retry. */
const recordingStrategy = () => {
  const seen: Array<{ readonly error: unknown; readonly attempt: number }> = []
  const strategy = (error: Error, attempt: number) => {
    seen.push({ error, attempt })
    return attempt < 2 ? { shouldRetry: true, delay: { seconds: 1 } } : { shouldRetry: false }
  }
  return { seen, strategy }
}

const stepFailures = (drive: ReturnType<typeof makeDrive>, arn: string) =>
  history(drive, arn)
    .filter((e) => e.EventType === "StepFailed")
    .map((e) => e.StepFailedDetails.Error.Payload)

describe("Hostile throwables", () => {
  for (const [label, make, detail] of hostiles) {
    it.live(`${label} thrown from the handler fails the execution once, with a typed error`, () =>
      Effect.gen(function* () {
        const drive = makeDrive()
        const fn = withDurableExecution(async () => {
          throw make()
        })
        const r = yield* run(drive, () => fn, {}, { maxInvocations: 3 })
        assert.strictEqual(r.status, "FAILED")
        assert.strictEqual(r.invocations, 1)
        const error = errorOf(r.last)
        assert.strictEqual(error.ErrorType, "UnreadableThrowableError")
        assert.include(error.ErrorMessage, detail)
      })
    )

    it.live(`${label} thrown from a step (async API) is a failed attempt the retry strategy sees`, () =>
      Effect.gen(function* () {
        const drive = makeDrive()
        const { seen, strategy } = recordingStrategy()
        let caught: unknown
        const fn = withDurableExecution(async (_: unknown, ctx) => {
          try {
            await ctx.step(
              "hostile",
              async () => {
                throw make()
              },
              { retryStrategy: strategy }
            )
          } catch (e) {
            caught = e
          }
          return "handled"
        })
        const r = yield* run(drive, () => fn)
        assert.strictEqual(r.status, "SUCCEEDED")
        assert.deepStrictEqual(
          seen.map((s) => [(s.error as Error).name, s.attempt]),
          [
            ["UnreadableThrowableError", 1],
            ["UnreadableThrowableError", 2]
          ]
        )
        assert.instanceOf(seen[0]!.error, Errors.UnreadableThrowableError)
        assert.deepStrictEqual(
          eventTypes(drive, r.arn).filter((t) => t.startsWith("Step")),
          ["StepStarted", "StepFailed", "StepStarted", "StepFailed"]
        )
        const failures = stepFailures(drive, r.arn)
        assert.deepStrictEqual(
          failures.map((f) => f.ErrorType),
          ["UnreadableThrowableError", "UnreadableThrowableError"]
        )
        assert.include(failures[0].ErrorMessage, detail)
        assert.instanceOf(caught, Errors.StepError)
        assert.strictEqual(((caught as Errors.StepError).cause as Error | undefined)?.name, "UnreadableThrowableError")
        assert.strictEqual(drive.op("1")?.Status, "FAILED")
      })
    )

    it.live(`${label} failing a step (Effect API) is a failed attempt the retry strategy sees`, () =>
      Effect.gen(function* () {
        const drive = makeDrive()
        const { seen, strategy } = recordingStrategy()
        const handler = effectHandler(() =>
          Step.run("hostile", Effect.fail(make()), { retryStrategy: strategy }).pipe(
            Effect.catchTag("StepError", (e) => Effect.succeed(`caught ${(e.cause as Error | undefined)?.name}`))
          )
        )
        const r = yield* run(drive, () => handler)
        assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: '"caught UnreadableThrowableError"' })
        assert.deepStrictEqual(
          seen.map((s) => s.attempt),
          [1, 2]
        )
        assert.strictEqual(drive.op("1")?.Status, "FAILED")
      })
    )

    it.live(`${label} as a step defect (Effect API) is a failed attempt, not a STARTED step`, () =>
      Effect.gen(function* () {
        const drive = makeDrive()
        const handler = effectHandler(() =>
          Step.run("hostile", Effect.die(make()), { retryStrategy: () => ({ shouldRetry: false }) })
        )
        const r = yield* run(drive, () => handler)
        assert.strictEqual(r.status, "FAILED")
        assert.strictEqual(r.invocations, 1)
        assert.strictEqual(drive.op("1")?.Status, "FAILED")
        assert.deepStrictEqual(
          stepFailures(drive, r.arn).map((f) => f.ErrorType),
          ["UnreadableThrowableError"]
        )
        assert.strictEqual(errorOf(r.last).ErrorType, "StepError")
      })
    )
  }
})

describe("Thrown values that are not errors", () => {
  const cases: ReadonlyArray<readonly [string, unknown, string, string | undefined]> = [
    ["a string", "card declined", "card declined", '"card declined"'],
    ["a number", 42, "42", "42"],
    ["null", null, "null", "null"],
    ["undefined", undefined, "undefined", undefined],
    ["a plain object", { code: "E42", retry: false }, '{"code":"E42","retry":false}', '{"code":"E42","retry":false}']
  ]
  for (const [label, value, message, data] of cases) {
    it.live(`${label} thrown from the handler keeps its value and a readable message`, () =>
      Effect.gen(function* () {
        const drive = makeDrive()
        const fn = withDurableExecution(async () => {
          throw value
        })
        const r = yield* run(drive, () => fn)
        const error = errorOf(r.last)
        assert.strictEqual(error.ErrorMessage, message)
        assert.strictEqual(error.ErrorData, data)
      })
    )
  }

  it.live("a string thrown from a step keeps its value through the step's checkpoint", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      let caught: Errors.StepError | undefined
      const fn = withDurableExecution(async (_: unknown, ctx) => {
        try {
          await ctx.step(
            "declined",
            async () => {
              throw "card declined"
            },
            { retryStrategy: () => ({ shouldRetry: false }) }
          )
        } catch (e) {
          caught = e as Errors.StepError
        }
        return "handled"
      })
      const r = yield* run(drive, () => fn)
      assert.strictEqual(r.status, "SUCCEEDED")
      assert.deepStrictEqual(stepFailures(drive, r.arn), [
        { ErrorMessage: "card declined", ErrorData: '"card declined"' }
      ])
      assert.strictEqual(caught?.message, "card declined")
      assert.strictEqual(caught?.errorData, '"card declined"')
    })
  )

  it.live("a circular object or a BigInt is described without failing the execution twice", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const circular: Record<string, unknown> = { id: 7n }
      circular.self = circular
      const fn = withDurableExecution(async () => {
        throw circular
      })
      const r = yield* run(drive, () => fn)
      assert.strictEqual(r.invocations, 1)
      const error = errorOf(r.last)
      assert.strictEqual(error.ErrorData, '{"id":"7n","self":"[Circular]"}')
      assert.strictEqual(error.ErrorMessage, '{"id":"7n","self":"[Circular]"}')
    })
  )

  it.live("a huge thrown value keeps a short message and no oversized data", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const huge = { blob: "x".repeat(100_000) }
      const fn = withDurableExecution(async () => {
        throw huge
      })
      const r = yield* run(drive, () => fn)
      const error = errorOf(r.last)
      assert.strictEqual(r.invocations, 1)
      assert.isBelow(error.ErrorMessage!.length, 300)
      assert.isTrue(error.ErrorMessage!.startsWith('{"blob":"xxx'))
      assert.isUndefined(error.ErrorData)
    })
  )
})

describe("Hostile throwables from a serdes", () => {
  it.live("a serdes that throws a revoked Proxy fails the step with a SerdesFailedError naming it", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const fn = withDurableExecution(async (_: unknown, ctx) =>
        ctx.step("save", async () => 1, {
          serdes: {
            serialize: () => {
              throw revokedProxy()
            },
            deserialize: async () => 1
          }
        })
      )
      const r = yield* run(drive, () => fn, {}, { maxInvocations: 3 })
      assert.strictEqual(r.status, "FAILED")
      assert.strictEqual(r.invocations, 1)
      assert.deepStrictEqual(
        stepFailures(drive, r.arn).map((f) => f.ErrorType),
        ["SerdesFailedError"]
      )
      assert.include(stepFailures(drive, r.arn)[0].ErrorMessage, 'Serialization failed for step "save" (1)')
      assert.include(stepFailures(drive, r.arn)[0].ErrorMessage, "revoked")
    })
  )
})
