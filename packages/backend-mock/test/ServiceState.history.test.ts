import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { callback, context, err, makeState, ok, start, step, T0, types, wait } from "./helpers.ts"

describe("ServiceState history", () => {
  it.effect("getHistory: a step, a retry, a wait, a context and a callback in the service's order and shape", () =>
    Effect.sync(() => {
      const { state, advance, setTime } = makeState()
      const exec = start(state, { input: '{"order":1}', timeoutSeconds: 900 })
      const executionId = exec.started.invocationInput.InitialExecutionState?.Operations?.[0]?.Id ?? ""
      const firstRequestId = exec.started.requestId

      // invocation 1: a step, then a failing step that schedules a retry
      exec.checkpoint([step("a", "START", { Name: "charge" })])
      exec.checkpoint([step("a", "SUCCEED", { Name: "charge", Payload: '"ok"' })])
      exec.checkpoint([
        step("r", "START"),
        step("r", "RETRY", {
          Error: { ErrorType: "Timeout", ErrorMessage: "slow" },
          StepOptions: { NextAttemptDelaySeconds: 5 }
        })
      ])
      advance(100)
      exec.complete({ Status: "PENDING" })

      // the retry timer makes the step READY (no event) and asks for an invocation
      setTime(T0 + 5000)
      state.fireDueTimers()
      assert.isTrue(state.needsInvocation(exec.arn))
      exec.begin()
      exec.checkpoint([step("r", "START")])
      exec.checkpoint([step("r", "SUCCEED", { Payload: "2" })])
      exec.checkpoint([wait("w", 10)])
      exec.complete({ Status: "PENDING" })

      // the wait elapses while suspended
      setTime(T0 + 15_000)
      state.fireDueTimers()
      exec.begin()
      exec.checkpoint([
        context("c", "START", { SubType: "WaitForCallback", Name: "approval" }),
        callback("cb", { TimeoutSeconds: 60 }, { ParentId: "c" }),
        step("sub", "START", { ParentId: "c" }),
        step("sub", "SUCCEED", { ParentId: "c" })
      ])
      exec.complete({ Status: "PENDING" })
      const callbackId = exec.op("cb").CallbackDetails?.CallbackId ?? ""

      setTime(T0 + 16_000)
      ok(state.sendCallbackSuccess(callbackId, '"approved"'))
      exec.begin()
      exec.checkpoint([
        context("c", "SUCCEED", { SubType: "WaitForCallback", Name: "approval", Payload: '"approved"' })
      ])
      exec.complete({ Status: "SUCCEEDED", Result: '"approved"' })

      const events = exec.history()
      assert.deepStrictEqual(
        events.map((e) => [e.EventId, e.EventType, e.Id, e.ParentId]),
        [
          [1, "ExecutionStarted", executionId, undefined],
          [2, "StepStarted", "a", undefined],
          [3, "StepSucceeded", "a", undefined],
          [4, "StepStarted", "r", undefined],
          [5, "StepFailed", "r", undefined],
          [6, "InvocationCompleted", undefined, undefined],
          [7, "StepStarted", "r", undefined],
          [8, "StepSucceeded", "r", undefined],
          [9, "WaitStarted", "w", undefined],
          [10, "InvocationCompleted", undefined, undefined],
          [11, "WaitSucceeded", "w", undefined],
          [12, "ContextStarted", "c", undefined],
          [13, "CallbackStarted", "cb", "c"],
          [14, "StepStarted", "sub", "c"],
          [15, "StepSucceeded", "sub", "c"],
          [16, "InvocationCompleted", undefined, undefined],
          [17, "CallbackSucceeded", "cb", "c"],
          [18, "ContextSucceeded", "c", undefined],
          [19, "InvocationCompleted", undefined, undefined],
          [20, "ExecutionSucceeded", executionId, undefined]
        ]
      )
      assert.deepStrictEqual(events[0], {
        EventType: "ExecutionStarted",
        EventId: 1,
        Id: executionId,
        EventTimestamp: new Date(T0),
        ExecutionStartedDetails: { Input: { Payload: '{"order":1}', Truncated: false }, ExecutionTimeout: 900 }
      })
      assert.deepStrictEqual(events[2], {
        EventType: "StepSucceeded",
        SubType: "Step",
        EventId: 3,
        Id: "a",
        Name: "charge",
        EventTimestamp: new Date(T0),
        StepSucceededDetails: { Result: { Payload: '"ok"', Truncated: false }, RetryDetails: { CurrentAttempt: 1 } }
      })
      assert.deepStrictEqual(events[4], {
        EventType: "StepFailed",
        SubType: "Step",
        EventId: 5,
        Id: "r",
        EventTimestamp: new Date(T0),
        StepFailedDetails: {
          Error: { Payload: { ErrorType: "Timeout", ErrorMessage: "slow" }, Truncated: false },
          RetryDetails: { CurrentAttempt: 1, NextAttemptDelaySeconds: 5 }
        }
      })
      assert.deepStrictEqual(events[5], {
        EventType: "InvocationCompleted",
        EventId: 6,
        EventTimestamp: new Date(T0 + 100),
        InvocationCompletedDetails: {
          StartTimestamp: new Date(T0),
          EndTimestamp: new Date(T0 + 100),
          RequestId: firstRequestId
        }
      })
      const secondSuccess = events[7]
      assert.strictEqual(
        secondSuccess?.EventType === "StepSucceeded" && secondSuccess.StepSucceededDetails.RetryDetails.CurrentAttempt,
        2
      )
      assert.deepStrictEqual(events[8], {
        EventType: "WaitStarted",
        SubType: "Wait",
        EventId: 9,
        Id: "w",
        EventTimestamp: new Date(T0 + 5000),
        WaitStartedDetails: { Duration: 10, ScheduledEndTimestamp: new Date(T0 + 15_000) }
      })
      assert.deepStrictEqual(events[11], {
        EventType: "ContextStarted",
        SubType: "WaitForCallback",
        EventId: 12,
        Id: "c",
        Name: "approval",
        EventTimestamp: new Date(T0 + 15_000),
        ContextStartedDetails: {}
      })
      assert.deepStrictEqual(events[12], {
        EventType: "CallbackStarted",
        SubType: "Callback",
        EventId: 13,
        Id: "cb",
        EventTimestamp: new Date(T0 + 15_000),
        ParentId: "c",
        CallbackStartedDetails: { CallbackId: callbackId, Timeout: 60 }
      })
      assert.deepStrictEqual(events[19], {
        EventType: "ExecutionSucceeded",
        EventId: 20,
        Id: executionId,
        EventTimestamp: new Date(T0 + 16_000),
        ExecutionSucceededDetails: { Result: { Payload: '"approved"', Truncated: false } }
      })
      const execution = ok(state.getExecution(exec.arn))
      assert.strictEqual(execution.Status, "SUCCEEDED")
      assert.strictEqual(execution.Result, '"approved"')
    })
  )

  it.effect("completeInvocation: a function error is recorded on InvocationCompleted and asks for a retry", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.checkpoint([step("a", "START")])
      const crash = {
        ErrorType: "Runtime.ExitError",
        ErrorMessage: "RequestId: x Error: Runtime exited with error: signal: killed"
      }
      exec.complete({ functionError: crash })
      const last = exec.history().at(-1)
      assert.strictEqual(last?.EventType, "InvocationCompleted")
      if (last?.EventType === "InvocationCompleted") {
        assert.deepStrictEqual(last.InvocationCompletedDetails.Error, { Payload: crash, Truncated: false })
      }
      assert.strictEqual(ok(state.getExecution(exec.arn)).Status, "RUNNING")
      assert.isTrue(state.needsInvocation(exec.arn))
      // the at-least-once step is closed directly from STARTED on the retry
      exec.begin()
      exec.checkpoint([step("a", "SUCCEED", { Payload: "1" })])
      assert.isFalse(state.needsInvocation(exec.arn))
    })
  )

  it.effect("completeInvocation: FAILED closes the execution after InvocationCompleted", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.complete({ Status: "FAILED", Error: { ErrorType: "StepError", ErrorMessage: "boom" } })
      const events = exec.history()
      assert.deepStrictEqual(types(events), ["ExecutionStarted", "InvocationCompleted", "ExecutionFailed"])
      const completed = events[1]
      assert.isTrue(
        completed?.EventType === "InvocationCompleted" && completed.InvocationCompletedDetails.Error === undefined
      )
      const failed = events[2]
      assert.isTrue(
        failed?.EventType === "ExecutionFailed" &&
          failed.ExecutionFailedDetails.Error.Payload?.ErrorType === "StepError"
      )
      assert.deepStrictEqual(ok(state.getExecution(exec.arn)).Error, { ErrorType: "StepError", ErrorMessage: "boom" })
      assert.strictEqual(err(state.beginInvocation(exec.arn)).message, "The execution is already closed")
    })
  )

  it.effect(
    "completeInvocation: after an EXECUTION SUCCEED checkpoint the result is the checkpointed payload, recorded once and last",
    () =>
      Effect.sync(() => {
        const { state, advance } = makeState()
        const exec = start(state)
        const big = JSON.stringify("x".repeat(1000))
        const response = exec.checkpoint([
          { Id: "f3c1a2b4c5d6e7f8", Type: "EXECUTION", Action: "SUCCEED", Payload: big }
        ])
        assert.strictEqual(response.NewExecutionState.Operations[0]?.Status, "SUCCEEDED")
        assert.strictEqual(ok(state.getExecution(exec.arn)).Status, "SUCCEEDED")
        advance(10)
        exec.complete({ Status: "SUCCEEDED", Result: "" })
        const events = exec.history()
        assert.deepStrictEqual(types(events), ["ExecutionStarted", "InvocationCompleted", "ExecutionSucceeded"])
        const succeeded = events[2]
        assert.isTrue(
          succeeded?.EventType === "ExecutionSucceeded" && succeeded.ExecutionSucceededDetails.Result.Payload === big
        )
        assert.strictEqual(succeeded?.EventTimestamp.getTime(), T0 + 10)
        assert.strictEqual(ok(state.getExecution(exec.arn)).Result, big)
        // no operation was created for the EXECUTION update's Id
        assert.strictEqual(state.operation(exec.arn, "f3c1a2b4c5d6e7f8"), undefined)
      })
  )

  it.effect("completeInvocation: an EXECUTION FAIL checkpoint closes the execution as FAILED", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.checkpoint([{ Id: "x", Type: "EXECUTION", Action: "FAIL", Error: { ErrorMessage: "huge" } }])
      exec.complete({ Status: "FAILED" })
      assert.deepStrictEqual(types(exec.history()), ["ExecutionStarted", "InvocationCompleted", "ExecutionFailed"])
      assert.deepStrictEqual(ok(state.getExecution(exec.arn)).Error, { ErrorMessage: "huge" })
    })
  )

  it.effect("invocations: one at a time", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      assert.strictEqual(
        err(state.beginInvocation(exec.arn)).message,
        "An invocation is already in progress for this execution"
      )
      exec.complete({ Status: "PENDING" })
      const noInvocation = err(state.completeInvocation(exec.arn, { Status: "PENDING" }))
      assert.strictEqual(noInvocation.code, "ResourceConflictException")
      assert.strictEqual(noInvocation.httpStatus, 409)
      assert.strictEqual(noInvocation.message, "No invocation is in progress for this execution")
    })
  )

  it.effect("getHistory: returns copies", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      const events = exec.history() as unknown as Array<unknown>
      events.length = 0
      assert.strictEqual(exec.history().length, 1)
    })
  )

  it.effect("getHistory from an index: only the later events, as copies; past the end, none", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.checkpoint([step("a", "START", { Name: "one" })])
      exec.checkpoint([step("a", "SUCCEED", { Name: "one", Payload: "1" })])
      const all = exec.history()
      const later = ok(state.getHistory(exec.arn, 2))
      assert.deepStrictEqual(later, all.slice(2))
      assert.deepStrictEqual(ok(state.getHistory(exec.arn, 0)), all)
      assert.deepStrictEqual(ok(state.getHistory(exec.arn, all.length)), [])
      assert.deepStrictEqual(ok(state.getHistory(exec.arn, all.length + 5)), [])
      ;(later as unknown as Array<unknown>).length = 0
      assert.deepStrictEqual(ok(state.getHistory(exec.arn, 2)), all.slice(2))
      // deep copies: nested details and timestamps included
      const event = ok(state.getHistory(exec.arn, all.length - 1))[0] as unknown as Record<string, any>
      assert.instanceOf(event.EventTimestamp, Date)
      event.EventTimestamp.setTime(0)
      for (const key of Object.keys(event)) if (key.endsWith("Details")) event[key].mutated = true
      assert.deepStrictEqual(ok(state.getHistory(exec.arn, all.length - 1)), all.slice(-1))
      assert.strictEqual(err(state.getHistory("arn:unknown", 1)).code, err(state.getHistory("arn:unknown")).code)
    })
  )
})
