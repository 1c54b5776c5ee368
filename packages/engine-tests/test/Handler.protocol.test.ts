import { assert, describe, it } from "@effect/vitest"
import { AsyncContext, ChildContext, Handler, Step, Wait } from "@durable-lambda/core"
import { Effect, Schema } from "effect"
import { errorOf } from "./support/helpers.ts"
import { eventTypes, history, invokeWithEvent, makeDrive, run } from "./support/service.ts"

const { withDurableExecution } = AsyncContext

describe("Engine protocol", () => {
  it.live("non-determinism fails the execution with a typed error naming the operation and both sides", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const v1 = withDurableExecution(async (_: unknown, ctx) => {
        await ctx.step("charge-card", async () => 1)
        await ctx.wait({ seconds: 10 })
        return "v1"
      })
      const v2 = withDurableExecution(async (_: unknown, ctx) => {
        await ctx.step("charge-card-v2", async () => 1)
        await ctx.wait({ seconds: 10 })
        return "v2"
      })
      const r = yield* run(drive, (i) => (i === 0 ? v1 : v2))
      const error = errorOf(r.last)
      assert.strictEqual(error?.ErrorType, "NonDeterministicExecutionError")
      assert.include(error?.ErrorMessage, 'step "1"')
      assert.include(error?.ErrorMessage, 'Expected name "charge-card", but got "charge-card-v2"')
      assert.strictEqual(eventTypes(drive, r.arn).at(-1), "ExecutionFailed")
    })
  )

  it.live("non-determinism on type: a step where a wait was recorded", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const v1 = withDurableExecution(async (_: unknown, ctx) => {
        await ctx.wait({ seconds: 5 })
        return "v1"
      })
      const v2 = withDurableExecution(async (_: unknown, ctx) => ctx.step(async () => "v2"))
      const r = yield* run(drive, (i) => (i === 0 ? v1 : v2))
      assert.include(errorOf(r.last)?.ErrorMessage, 'Expected type "WAIT", but got "STEP"')
    })
  )

  it.live("chains checkpoint tokens: each call uses the token the previous response returned", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const fn = withDurableExecution(async (_: unknown, ctx) => {
        for (let i = 0; i < 4; i++) await ctx.step(`s${i}`, async () => i)
        return "ok"
      })
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: '"ok"' })
      const calls = yield* (yield* drive.mock()).checkpoints()
      assert.strictEqual(calls.length, 4)
      for (let i = 1; i < calls.length; i++) {
        assert.strictEqual(calls[i]!.checkpointToken, (calls[i - 1] as any).response.checkpointToken)
      }
      assert.strictEqual(new Set(calls.map((c) => c.clientToken)).size, 4)
    })
  )

  it.live("a stale token ends the invocation with a retryable error; the next invocation succeeds", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      let runs = 0
      const fn = withDurableExecution(async (_: unknown, ctx) => ctx.step("work", async () => ++runs))
      const mock = yield* drive.mock()
      yield* mock.failNext("checkpoint", 1, "InvalidCheckpointToken")
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual((r.outcomes[0] as any).InvocationError._tag, "CheckpointUnrecoverableInvocationError")
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: "2" })
    })
  )

  it.live("a rejected update (4xx) fails the execution instead of retrying forever", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const fn = withDurableExecution(async (_: unknown, ctx) => ctx.step("work", async () => 1))
      const mock = yield* drive.mock()
      yield* mock.failNext("checkpoint", 1, "InvalidParameter")
      const r = yield* run(drive, () => fn)
      assert.strictEqual(r.outcomes.length, 1)
      assert.strictEqual(errorOf(r.last)?.ErrorType, "CheckpointUnrecoverableExecutionError")
    })
  )

  it.live("loads every page of state (pages of 1) before running user code", () =>
    Effect.gen(function* () {
      const drive = makeDrive({ pageSize: 1 })
      let runs = 0
      const fn = withDurableExecution(async (input: { k: string }, ctx) => {
        const a = await ctx.step("a", async () => ++runs)
        const b = await ctx.step("b", async () => ++runs)
        await ctx.wait({ seconds: 1 })
        const c = await ctx.step("c", async () => ++runs)
        return `${input.k}:${a}${b}${c}`
      })
      const r = yield* run(drive, () => fn, { k: "x" })
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: '"x:123"' })
      assert.strictEqual(runs, 3)
      const pages = yield* (yield* drive.mock()).countBy("getExecutionState")
      // Invocation 2 sees EXECUTION, a, b and the wait: one in the event, three more pages.
      assert.strictEqual(pages, 3)
    })
  )

  it.live("batches updates in order under the 750 KiB request budget", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const chunk = "y".repeat(300 * 1024)
      const fn = withDurableExecution(
        async (_: unknown, ctx) => {
          const results = await Promise.all(
            [0, 1, 2, 3, 4].map((i) =>
              ctx.runInChildContext(`branch-${i}`, (c) => c.step(`big-${i}`, async () => chunk))
            )
          )
          return results.length
        },
        { checkpointing: "batched" }
      )
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: "5" })
      const calls = yield* (yield* drive.mock()).checkpoints()
      for (const c of calls) assert.isAtMost(JSON.stringify(c.updates).length, 750 * 1024)
      const order = calls.flatMap((c) =>
        c.updates.filter((u) => u.Action === "SUCCEED" && u.Type === "STEP").map((u) => u.Name)
      )
      assert.deepStrictEqual([...order].sort(), ["big-0", "big-1", "big-2", "big-3", "big-4"])
      assert.isAbove(calls.length, 2)
    })
  )

  it.live("batched mode sends fewer checkpoint calls than eager for the same workflow", () =>
    Effect.gen(function* () {
      const counts: Record<string, number> = {}
      for (const mode of ["eager", "batched"] as const) {
        const drive = makeDrive()
        const fn = withDurableExecution(
          async (_: unknown, ctx) => {
            let total = 0
            for (let i = 0; i < 10; i++) total += await ctx.step(`s${i}`, async () => i)
            return total
          },
          { checkpointing: mode }
        )
        const r = yield* run(drive, () => fn)
        assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: "45" })
        counts[mode] = yield* (yield* drive.mock()).countBy("checkpoint")
      }
      assert.strictEqual(counts["eager"], 10)
      assert.isBelow(counts["batched"]!, counts["eager"]!)
    })
  )

  it.live("a result over Lambda's response limit is checkpointed on the EXECUTION operation", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const fn = withDurableExecution(async () => "z".repeat(6 * 1024 * 1024 - 20))
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: "" })
      const calls = yield* (yield* drive.mock()).checkpoints()
      assert.deepStrictEqual(
        calls.flatMap((c) => c.updates.map((u) => `${u.Type}:${u.Action}`)),
        ["EXECUTION:SUCCEED"]
      )
      assert.strictEqual(eventTypes(drive, r.arn).at(-1), "ExecutionSucceeded")
    })
  )

  it.live("a result too large even for the EXECUTION checkpoint fails the execution with a typed error", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const fn = withDurableExecution(async () => "z".repeat(7 * 1024 * 1024))
      const r = yield* run(drive, () => fn)
      assert.strictEqual(r.outcomes.length, 1)
      assert.strictEqual(errorOf(r.last)?.ErrorType, "PayloadTooLargeError")
      assert.strictEqual(yield* (yield* drive.mock()).countBy("checkpoint"), 0)
    })
  )

  it.live("an error over Lambda's response limit is answered inline, clamped: FAILED always carries Error", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const fn = withDurableExecution(async () => {
        throw new RangeError("x".repeat(7 * 1024 * 1024))
      })
      const r = yield* run(drive, () => fn)
      const error = errorOf(r.last)
      assert.strictEqual(error.ErrorType, "RangeError")
      assert.isTrue(error.ErrorMessage?.startsWith("xxxx"))
      assert.isBelow(JSON.stringify(error).length, 33_000)
      // Nothing went through a checkpoint: the response carries the error, as the official SDK's does.
      assert.strictEqual(yield* (yield* drive.mock()).countBy("checkpoint"), 0)
      assert.strictEqual(eventTypes(drive, r.arn).at(-1), "ExecutionFailed")
    })
  )

  it.live("a step result over the payload limit fails fast with a typed, non-retried error naming the step", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      let runs = 0
      const fn = withDurableExecution(async (_: unknown, ctx) =>
        ctx.step("export", async () => {
          runs++
          return "q".repeat(2 * 1024 * 1024)
        })
      )
      const r = yield* run(drive, () => fn)
      assert.strictEqual(runs, 1)
      const error = errorOf(r.last)
      assert.strictEqual(error?.ErrorType, "StepError")
      assert.include(error?.ErrorMessage, 'step "export" (1)')
      const failed = history(drive, r.arn).find((e) => e.EventType === "StepFailed")
      assert.strictEqual(failed.StepFailedDetails.Error.Payload.ErrorType, "PayloadTooLargeError")
      assert.isUndefined(failed.StepFailedDetails.RetryDetails?.NextAttemptDelaySeconds)
    })
  )

  it.live("a non-serializable step result is a typed failure, not a lost value", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const fn = withDurableExecution(async (_: unknown, ctx) => ctx.step("big-int", async () => ({ n: 10n })))
      const r = yield* run(drive, () => fn)
      const failed = history(drive, r.arn).find((e) => e.EventType === "StepFailed")
      assert.strictEqual(failed.StepFailedDetails.Error.Payload.ErrorType, "SerdesFailedError")
      assert.include(errorOf(r.last)?.ErrorMessage, 'Serialization failed for step "big-int" (1)')
    })
  )

  it.live("a child context's typed failure survives its checkpoint and replays as the same typed error", () =>
    Effect.gen(function* () {
      class OutOfStock extends Schema.TaggedError<OutOfStock>()("OutOfStock", {
        message: Schema.String,
        sku: Schema.String
      }) {}
      const drive = makeDrive()
      const seen: Array<string> = []
      const handler = Handler.make(() =>
        Effect.gen(function* () {
          const outcome = yield* ChildContext.run(
            "reserve",
            Effect.gen(function* () {
              yield* Step.run("check", Effect.succeed(0))
              return yield* Effect.fail(new OutOfStock({ message: "no stock", sku: "A-1" }))
            }),
            { error: OutOfStock }
          ).pipe(
            Effect.catchTag("OutOfStock", (e) =>
              Effect.sync(() => {
                seen.push(`${e instanceof OutOfStock}:${e.sku}`)
                return "backordered"
              })
            )
          )
          yield* Wait.wait({ seconds: 1 })
          return outcome
        })
      )
      const r = yield* run(drive, () => handler)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: '"backordered"' })
      // first run, then the replay after the wait: both see the typed error
      assert.deepStrictEqual(seen, ["true:A-1", "true:A-1"])
      const failed = history(drive, r.arn).find((e) => e.EventType === "ContextFailed")
      assert.strictEqual(failed.ContextFailedDetails.Error.Payload.ErrorType, "OutOfStock")
    })
  )

  it.live("typed errors keep tag and fields across a checkpoint and a replay (Effect API)", () =>
    Effect.gen(function* () {
      class CardDeclined extends Schema.TaggedError<CardDeclined>()("CardDeclined", {
        message: Schema.String,
        code: Schema.Number
      }) {}
      const drive = makeDrive()
      const seen: Array<string> = []
      const handler = Handler.make(() =>
        Effect.gen(function* () {
          const outcome = yield* Step.run(
            "charge",
            Effect.fail(new CardDeclined({ message: "insufficient funds", code: 51 })),
            {
              error: CardDeclined,
              retryStrategy: () => ({ shouldRetry: false })
            }
          ).pipe(
            Effect.catchTag("CardDeclined", (e) =>
              Effect.sync(() => {
                seen.push(`${e instanceof CardDeclined}:${e.code}:${e.message}`)
                return "declined"
              })
            )
          )
          yield* Wait.wait({ seconds: 1 })
          return outcome
        })
      )
      const r = yield* run(drive, () => handler)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: '"declined"' })
      assert.deepStrictEqual(seen, ["true:51:insufficient funds", "true:51:insufficient funds"])
      const failed = history(drive, r.arn).find((e) => e.EventType === "StepFailed")
      assert.strictEqual(failed.StepFailedDetails.Error.Payload.ErrorType, "CardDeclined")
    })
  )

  it.live("malformed invocation events are rejected with a clear error and nothing is checkpointed", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      let runs = 0
      const fn = withDurableExecution(async (_: unknown, ctx) => ctx.step(async () => ++runs))
      for (const event of [
        undefined,
        "hello",
        {},
        { DurableExecutionArn: "arn", CheckpointToken: "" },
        { DurableExecutionArn: "arn", CheckpointToken: "t", InitialExecutionState: { Operations: [{ Id: 1 }] } },
        { DurableExecutionArn: "arn", CheckpointToken: "t", InitialExecutionState: { Operations: [] } },
        {
          DurableExecutionArn: "arn",
          CheckpointToken: "t",
          InitialExecutionState: {
            Operations: [
              { Id: "e", Type: "EXECUTION", Status: "STARTED", ExecutionDetails: { InputPayload: "{not json" } }
            ]
          }
        }
      ]) {
        const outcome: any = yield* invokeWithEvent(drive, fn, event)
        assert.strictEqual(outcome.InvocationError?._tag, "InvalidInvocationEventError", JSON.stringify(event))
        assert.include(outcome.InvocationError.message, "durable execution")
      }
      assert.strictEqual(runs, 0)
      assert.strictEqual((yield* (yield* drive.mock()).calls).length, 0)
    })
  )

  it.live("logs once per execution: replayed code is silent, new code logs with execution fields", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const lines: Array<any> = []
      const logger = {
        records: lines,
        data: undefined as any,
        configureDurableLoggingContext(c: any) {
          this.data = c
        },
        info(...p: Array<unknown>) {
          lines.push({ ...this.data.getDurableLogData(), message: p[0] })
        },
        warn() {},
        error() {},
        debug() {}
      }
      const fn = withDurableExecution(
        async (_: unknown, ctx) => {
          ctx.logger.info("start")
          await ctx.step("s", async (s) => s.logger.info("inside step"))
          await ctx.wait({ seconds: 1 })
          ctx.logger.info("end")
          return "ok"
        },
        { logger }
      )
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: '"ok"' })
      assert.deepStrictEqual(
        lines.map((l) => l.message),
        ["start", "inside step", "end"]
      )
      assert.strictEqual(lines[1].operationId, "c4ca4238a0b92382")
      assert.strictEqual(lines[1].attempt, 1)
      assert.strictEqual(lines[0].executionArn, r.arn)
      // the Lambda request id of the second invocation, as the service recorded it
      const invocations = history(drive, r.arn).filter((e) => e.EventType === "InvocationCompleted")
      assert.strictEqual(lines[2].requestId, invocations[1].InvocationCompletedDetails.RequestId)
      assert.notStrictEqual(lines[2].requestId, lines[0].requestId)
    })
  )
})
