/** The engine changes this work needed (drop under finished contexts), and the test harness's own checks. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { ChildContext, DurableContext, OperationId, Step, Wait } from "@durable-lambda/core"
import { FakeDurableService, crashReplayMismatches, prefixReplayMismatches } from "./support/service.ts"
import { asyncHandler, deferred, effectHandler, id, invokeOnce, resultOf } from "./support/helpers.ts"

const startUnder = (parentRaw: string, raw: string) => ({
  Id: OperationId.hash(raw),
  ParentId: OperationId.hash(parentRaw),
  Type: "STEP" as const,
  SubType: "Step",
  Action: "START" as const
})

describe("updates under a finished context are dropped (§8.6)", () => {
  it.effect("after the context's completion is queued: never sent, and the caller never resumes", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const state = yield* DurableContext.DurableContext
          yield* ChildContext.run("child", Effect.void)
          const late = yield* Effect.forkChild(state.runtime.checkpoint(startUnder("1", "1-1"), true), {
            startImmediately: true
          })
          yield* Step.run("after", Effect.succeed(1))
          return late.pollUnsafe() === undefined ? "still waiting" : "resumed"
        })
      )
      const service = new FakeDurableService()
      assert.strictEqual(resultOf(yield* invokeOnce(service, handler)), "still waiting")
      assert.isUndefined(service.updates().find((u) => u.Id === id("1-1")))
      assert.deepStrictEqual(service.trace(), [
        'START CONTEXT/RunInChildContext "child"',
        'SUCCEED CONTEXT/RunInChildContext "child"',
        'START STEP/Step "after"',
        'SUCCEED STEP/Step "after"'
      ])
    })
  )

  it.effect("when the context completed in an earlier invocation (known from the recorded state)", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const state = yield* DurableContext.DurableContext
          yield* ChildContext.run("child", Effect.succeed(1))
          yield* Wait.wait({ seconds: 1 })
          const late = yield* Effect.forkChild(state.runtime.checkpoint(startUnder("1", "1-5"), true), {
            startImmediately: true
          })
          yield* Step.run("after", Effect.succeed(1))
          return late.pollUnsafe() === undefined
        })
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.strictEqual(resultOf(run.output), true)
      assert.isUndefined(service.updates().find((u) => u.Id === id("1-5")))
    })
  )

  it.effect("an un-awaited operation of a child that already returned is not checkpointed (async API)", () =>
    Effect.gen(function* () {
      const release = deferred()
      const started = deferred()
      const ran: Array<string> = []
      const handler = asyncHandler(async (_event, context) => {
        let pending: Promise<unknown> | undefined
        await context.runInChildContext("child", async (child) => {
          pending = (async () => {
            await release.promise
            const late = child.step("late", async () => {
              ran.push("late")
              return 1
            })
            started.resolve()
            return late
          })()
          return "done"
        })
        release.resolve()
        await started.promise
        await context.step("after", async () => 2)
        void pending
        return ran
      })
      const service = new FakeDurableService()
      assert.deepStrictEqual(resultOf(yield* invokeOnce(service, handler)), [])
      assert.isUndefined(service.updates().find((u) => u.Name === "late"))
    })
  )

  it.effect("updates of operations in an unfinished context still go through", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        ChildContext.run(
          "child",
          Effect.gen(function* () {
            const fiber = yield* Effect.forkChild(Step.run("inside", Effect.succeed(1)), { startImmediately: true })
            return yield* Fiber.join(fiber)
          })
        )
      )
      const service = new FakeDurableService()
      assert.strictEqual(resultOf(yield* invokeOnce(service, handler)), 1)
      assert.strictEqual(service.op("1-1")!.Status, "SUCCEEDED")
    })
  )
})

describe("the replay checks can fail", () => {
  it.effect("a workflow whose control flow depends on the invocation is reported", () =>
    Effect.gen(function* () {
      let invocations = 0
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          invocations++
          yield* Wait.wait({ seconds: 1 })
          // reads non-durable state: differs between a first run and a replay of the same history
          return yield* Step.run(invocations % 2 === 0 ? "even" : "odd", Effect.succeed(invocations))
        })
      )
      const crash = yield* crashReplayMismatches(handler, {})
      assert.isAbove(crash.mismatches.length, 0)
      invocations = 0
      const prefix = yield* prefixReplayMismatches(handler, {})
      assert.isAbove(prefix.mismatches.length, 0)
    })
  )
})
