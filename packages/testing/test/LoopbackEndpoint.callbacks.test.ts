import {
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackHeartbeatCommand,
  SendDurableExecutionCallbackSuccessCommand
} from "@aws-sdk/client-lambda"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as LoopbackEndpoint from "../src/LoopbackEndpoint.ts"
import * as TestRunner from "../src/TestRunner.ts"
import { approvalWorkflow, clientFor, normalizeHistory } from "./fixtures/dev-support/workflows.ts"

const START = Date.UTC(2025, 0, 1)

describe("LoopbackEndpoint callbacks through the engine (createCallback, waitForCallback)", () => {
  it.live("createCallback and waitForCallback answered by a second LambdaClient resume the production handler", () =>
    Effect.gen(function* () {
      const submitted: Array<string> = []
      const endpoint = yield* LoopbackEndpoint.make({
        virtualTime: true,
        functions: { approvals: approvalWorkflow({ manager: true, submitted }) }
      })
      const client = yield* clientFor(endpoint.url)
      const arn = endpoint.startExecution("approvals", { amount: 50 })
      const approval = yield* Effect.promise(() => endpoint.awaitCallbackId(arn, { name: "approval" }))
      yield* Effect.promise(() =>
        client.send(
          new SendDurableExecutionCallbackSuccessCommand({
            CallbackId: approval,
            Result: new TextEncoder().encode('"yes"')
          })
        )
      )
      const manager = yield* Effect.promise(() => endpoint.awaitCallbackId(arn, { name: "manager" }))
      assert.notStrictEqual(manager, approval)
      yield* Effect.promise(() => endpoint.idle())
      assert.deepStrictEqual(submitted, [manager])
      yield* Effect.promise(() =>
        client.send(new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: manager }))
      )
      yield* Effect.promise(() =>
        client.send(
          new SendDurableExecutionCallbackSuccessCommand({
            CallbackId: manager,
            Result: new TextEncoder().encode('"ok"')
          })
        )
      )
      const done = yield* Effect.promise(() => endpoint.awaitExecution(arn))
      assert.strictEqual(done.Status, "SUCCEEDED")
      assert.deepStrictEqual(JSON.parse(done.Result ?? "null"), { quote: 100, decision: '"yes"', manager: '"ok"' })
      const history = endpoint.state.getHistory(arn)
      const events = history._tag === "Success" ? history.success : []
      assert.deepStrictEqual(
        events
          .filter((e) => e.EventType.startsWith("Callback") || e.EventType.startsWith("Context"))
          .map((e) => e.EventType),
        [
          "CallbackStarted",
          "CallbackSucceeded",
          "ContextStarted",
          "CallbackStarted",
          "CallbackSucceeded",
          "ContextSucceeded"
        ]
      )
      const context = events.find((e) => e.EventType === "ContextStarted")
      assert.strictEqual(context?.SubType, "WaitForCallback")
      assert.strictEqual(context?.Name, "manager")
    })
  )

  it.live("records the same history and result as the in-memory harness answering the callback at the same time", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({
        virtualTime: { startAt: START },
        functions: { approvals: approvalWorkflow() }
      })
      const client = yield* clientFor(endpoint.url)
      const arn = endpoint.startExecution("approvals", { amount: 50 })
      const approval = yield* Effect.promise(() => endpoint.awaitCallbackId(arn, { name: "approval" }))
      yield* Effect.promise(() => endpoint.idle())
      endpoint.advanceTime(1000)
      yield* Effect.promise(() =>
        client.send(
          new SendDurableExecutionCallbackSuccessCommand({
            CallbackId: approval,
            Result: new TextEncoder().encode('"yes"')
          })
        )
      )
      const done = yield* Effect.promise(() => endpoint.awaitExecution(arn))
      const memory = yield* Effect.promise(() =>
        TestRunner.runPromise(approvalWorkflow(), {
          payload: { amount: 50 },
          startTime: START,
          callbackActions: [[{ name: "approval", operation: "success", payload: '"yes"', delayMillis: 1000 }]]
        })
      )
      assert.strictEqual(done.Status, "SUCCEEDED")
      assert.deepStrictEqual(JSON.parse(done.Result ?? "null"), { quote: 100, decision: '"yes"' })
      assert.strictEqual(memory.getResultPayload(), done.Result)
      const history = endpoint.state.getHistory(arn)
      assert.deepStrictEqual(
        normalizeHistory(history._tag === "Success" ? history.success : []),
        normalizeHistory(memory.getHistoryEvents())
      )
    })
  )

  it.live("a callback failure surfaces in the handler as the callback's error", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({ virtualTime: true, functions: { approvals: approvalWorkflow() } })
      const client = yield* clientFor(endpoint.url)
      const arn = endpoint.startExecution("approvals", { amount: 1 })
      const approval = yield* Effect.promise(() => endpoint.awaitCallbackId(arn, { name: "approval" }))
      yield* Effect.promise(() =>
        client.send(
          new SendDurableExecutionCallbackFailureCommand({
            CallbackId: approval,
            Error: { ErrorType: "Denied", ErrorMessage: "over budget" }
          })
        )
      )
      const done = yield* Effect.promise(() => endpoint.awaitExecution(arn))
      assert.strictEqual(done.Status, "FAILED")
      assert.match(done.Error?.ErrorMessage ?? "", /over budget/)
    })
  )

  it.live("an unanswered callback times out once virtual time passes its timeout", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({ virtualTime: true, functions: { approvals: approvalWorkflow() } })
      const arn = endpoint.startExecution("approvals", { amount: 1 })
      yield* Effect.promise(() => endpoint.awaitCallbackId(arn, { name: "approval" }))
      yield* Effect.promise(() => endpoint.idle())
      // Auto-advance never jumps to callback timeouts: the execution waits for an answer...
      const waiting = endpoint.state.getExecution(arn)
      assert.strictEqual(waiting._tag === "Success" ? waiting.success.Status : undefined, "RUNNING")
      // ...until the test moves the clock past the one-hour timeout.
      const fired = endpoint.advanceTime()
      assert.deepStrictEqual(
        fired.map((t) => t.kind),
        ["CallbackTimeout"]
      )
      const done = yield* Effect.promise(() => endpoint.awaitExecution(arn))
      assert.strictEqual(done.Status, "FAILED")
      const timedOut = endpoint.timeline.find((e) => e._tag === "History" && e.event.EventType === "CallbackTimedOut")
      assert.isDefined(timedOut)
    })
  )
})
