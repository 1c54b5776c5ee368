import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { callback, err, makeState, ok, start, step, T0, types, wait } from "./helpers.ts"

describe("ServiceState timers and external actors", () => {
  it.effect("timers: lists wait, retry, callback and execution timers in due order", () =>
    Effect.sync(() => {
      const { state } = makeState({ autoFireTimers: false })
      const exec = start(state, { timeoutSeconds: 3600 })
      exec.checkpoint([
        wait("w", 30),
        step("s", "RETRY", { Error: {}, StepOptions: { NextAttemptDelaySeconds: 10 } }),
        callback("cb", { TimeoutSeconds: 120, HeartbeatTimeoutSeconds: 20 })
      ])
      assert.deepStrictEqual(
        state.timers(exec.arn).map((t) => [t.kind, t.operationId, t.at - T0]),
        [
          ["StepReady", "s", 10_000],
          ["CallbackHeartbeatTimeout", "cb", 20_000],
          ["WaitSucceeded", "w", 30_000],
          ["CallbackTimeout", "cb", 120_000],
          ["ExecutionTimeout", undefined, 3_600_000]
        ]
      )
      assert.strictEqual(state.nextTimerAt(exec.arn), T0 + 10_000)
      assert.strictEqual(state.nextTimerAt(), T0 + 10_000)
      assert.deepStrictEqual(state.dueTimers(), [])
    })
  )

  it.effect("fireDueTimers: applies only what is due at now(), earliest first", () =>
    Effect.sync(() => {
      const { state, advance } = makeState()
      const exec = start(state)
      exec.checkpoint([
        wait("w2", 20),
        wait("w1", 10),
        step("s", "RETRY", { Error: {}, StepOptions: { NextAttemptDelaySeconds: 15 } })
      ])
      exec.complete({ Status: "PENDING" })
      advance(15_000)
      assert.deepStrictEqual(
        state.dueTimers(exec.arn).map((t) => t.operationId),
        ["w1", "s"]
      )
      const fired = state.fireDueTimers(exec.arn)
      assert.deepStrictEqual(
        fired.map((t) => [t.kind, t.operationId]),
        [
          ["WaitSucceeded", "w1"],
          ["StepReady", "s"]
        ]
      )
      assert.strictEqual(exec.op("w1").Status, "SUCCEEDED")
      assert.strictEqual(exec.op("w1").EndTimestamp?.getTime(), T0 + 10_000)
      assert.strictEqual(exec.op("w2").Status, "STARTED")
      assert.strictEqual(exec.op("s").Status, "READY")
      assert.isTrue(state.needsInvocation(exec.arn))
      assert.deepStrictEqual(state.fireDueTimers(exec.arn), [])
      const waitSucceeded = exec.history().at(-1)
      assert.deepStrictEqual(waitSucceeded, {
        EventType: "WaitSucceeded",
        SubType: "Wait",
        EventId: 6,
        Id: "w1",
        EventTimestamp: new Date(T0 + 10_000),
        WaitSucceededDetails: { Duration: 10 }
      })
    })
  )

  it.effect("autoFireTimers: service calls see due timers already fired; inspection does not fire", () =>
    Effect.sync(() => {
      const { state, advance } = makeState()
      const exec = start(state)
      exec.checkpoint([wait("w", 1)])
      advance(1000)
      assert.strictEqual(state.operation(exec.arn, "w")?.Status, "STARTED")
      assert.strictEqual(state.dueTimers().length, 1)
      const page = ok(state.getExecutionState(exec.arn, exec.token()))
      assert.strictEqual(page.Operations?.find((op) => op.Id === "w")?.Status, "SUCCEEDED")
    })
  )

  it.effect("callback: times out with Callback.Timeout", () =>
    Effect.sync(() => {
      const { state, advance } = makeState()
      const exec = start(state)
      exec.checkpoint([callback("cb", { TimeoutSeconds: 5 })])
      exec.complete({ Status: "PENDING" })
      advance(5000)
      state.fireDueTimers()
      const op = exec.op("cb")
      assert.strictEqual(op.Status, "TIMED_OUT")
      assert.deepStrictEqual(op.CallbackDetails?.Error, {
        ErrorType: "Callback.Timeout",
        ErrorMessage: "Callback timed out"
      })
      const event = exec.history().at(-1)
      assert.strictEqual(event?.EventType, "CallbackTimedOut")
      if (event?.EventType === "CallbackTimedOut") {
        assert.deepStrictEqual(event.CallbackTimedOutDetails, {
          Error: { Payload: { ErrorType: "Callback.Timeout", ErrorMessage: "Callback timed out" }, Truncated: false }
        })
      }
      assert.isTrue(state.needsInvocation(exec.arn))
      const late = err(state.sendCallbackSuccess(op.CallbackDetails?.CallbackId ?? "", '"late"'))
      assert.strictEqual(late.code, "CallbackTimeoutException")
      assert.strictEqual(late.httpStatus, 400)
    })
  )

  it.effect("callback: heartbeats push the heartbeat timeout; missing one times out with Callback.Heartbeat", () =>
    Effect.sync(() => {
      const { state, advance } = makeState()
      const exec = start(state)
      exec.checkpoint([callback("cb", { HeartbeatTimeoutSeconds: 10 })])
      const callbackId = exec.op("cb").CallbackDetails?.CallbackId ?? ""
      advance(8000)
      ok(state.sendCallbackHeartbeat(callbackId))
      advance(8000)
      assert.deepStrictEqual(state.fireDueTimers(), [])
      assert.strictEqual(state.nextTimerAt(exec.arn), T0 + 18_000)
      advance(2000)
      assert.deepStrictEqual(
        state.fireDueTimers().map((t) => t.kind),
        ["CallbackHeartbeatTimeout"]
      )
      assert.deepStrictEqual(exec.op("cb").CallbackDetails?.Error, {
        ErrorType: "Callback.Heartbeat",
        ErrorMessage: "Callback timed out on heartbeat"
      })
      assert.strictEqual(err(state.sendCallbackHeartbeat(callbackId)).code, "CallbackTimeoutException")
    })
  )

  it.effect("callback: success records the result, disarms timers and asks for an invocation", () =>
    Effect.sync(() => {
      const { state, advance } = makeState()
      const exec = start(state)
      exec.checkpoint([callback("cb", { TimeoutSeconds: 60, HeartbeatTimeoutSeconds: 30 }, { Name: "approval" })])
      exec.complete({ Status: "PENDING" })
      assert.isFalse(state.needsInvocation(exec.arn))
      const callbackId = exec.op("cb").CallbackDetails?.CallbackId ?? ""
      advance(1000)
      ok(state.sendCallbackSuccess(callbackId, '{"ok":true}'))
      const op = exec.op("cb")
      assert.strictEqual(op.Status, "SUCCEEDED")
      assert.deepStrictEqual(op.CallbackDetails, { CallbackId: callbackId, Result: '{"ok":true}' })
      assert.strictEqual(op.EndTimestamp?.getTime(), T0 + 1000)
      assert.deepStrictEqual(
        state.timers(exec.arn).map((t) => t.kind),
        ["ExecutionTimeout"]
      )
      assert.isTrue(state.needsInvocation(exec.arn))
      const again = err(state.sendCallbackFailure(callbackId, { ErrorMessage: "late" }))
      assert.strictEqual(again.code, "CallbackTimeoutException")
      assert.strictEqual(again.reason._tag, "InvalidParameter")
      const events = exec.history()
      assert.deepStrictEqual(types(events).slice(-1), ["CallbackSucceeded"])
      assert.deepStrictEqual(events.at(-1), {
        EventType: "CallbackSucceeded",
        SubType: "Callback",
        EventId: 4,
        Id: "cb",
        Name: "approval",
        EventTimestamp: new Date(T0 + 1000),
        CallbackSucceededDetails: { Result: { Payload: '{"ok":true}', Truncated: false } }
      })
    })
  )

  it.effect("callback: failure stores the error object verbatim", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.checkpoint([callback("cb")])
      const callbackId = exec.op("cb").CallbackDetails?.CallbackId ?? ""
      ok(state.sendCallbackFailure(callbackId, { ErrorType: "Rejected", ErrorMessage: "not approved" }))
      assert.strictEqual(exec.op("cb").Status, "FAILED")
      assert.deepStrictEqual(exec.op("cb").CallbackDetails?.Error, {
        ErrorType: "Rejected",
        ErrorMessage: "not approved"
      })
      const event = exec.history().at(-1)
      assert.strictEqual(event?.EventType, "CallbackFailed")
    })
  )

  it.effect("callback: malformed and unknown ids", () =>
    Effect.sync(() => {
      const { state } = makeState()
      start(state)
      const malformed = err(state.sendCallbackSuccess("not a callback id!"))
      assert.strictEqual(malformed.code, "InvalidParameterValueException")
      assert.strictEqual(malformed.message, "Invalid callback id")
      const unknown = err(state.sendCallbackHeartbeat("dW5rbm93bg=="))
      assert.strictEqual(unknown.code, "ResourceNotFoundException")
      assert.strictEqual(unknown.message, "Callback not found")
      const tooLarge = err(state.sendCallbackSuccess("dW5rbm93bg==", "x".repeat(262145)))
      assert.strictEqual(tooLarge.code, "ValidationException")
    })
  )

  it.effect("callback: a heartbeat on a callback without heartbeat timeout is accepted as a no-op", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.checkpoint([callback("cb", { TimeoutSeconds: 0 })])
      const before = exec.history().length
      ok(state.sendCallbackHeartbeat(exec.op("cb").CallbackDetails?.CallbackId ?? ""))
      assert.strictEqual(exec.history().length, before)
      assert.deepStrictEqual(
        state.timers(exec.arn).map((t) => t.kind),
        ["ExecutionTimeout"]
      )
    })
  )

  it.effect("completeChainedInvoke: each outcome sets status, details and event", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      const invoke = (Id: string) => ({
        Id,
        Type: "CHAINED_INVOKE",
        SubType: "ChainedInvoke",
        Action: "START",
        Payload: '"hello"',
        ChainedInvokeOptions: { FunctionName: "worker:$LATEST", TenantId: "t1" }
      })
      exec.checkpoint([invoke("ok"), invoke("bad"), invoke("slow"), invoke("stop")])
      const started = exec.history()[1]
      assert.strictEqual(started?.EventType, "ChainedInvokeStarted")
      if (started?.EventType === "ChainedInvokeStarted") {
        const details = started.ChainedInvokeStartedDetails
        assert.strictEqual(details.FunctionName, "worker:$LATEST")
        assert.strictEqual(details.TenantId, "t1")
        assert.deepStrictEqual(details.Input, { Payload: '"hello"', Truncated: false })
        assert.strictEqual(details.ExecutedVersion, "$LATEST")
        assert.match(
          details.DurableExecutionArn,
          /^arn:aws:lambda:us-east-1:123456789012:function:worker:\$LATEST\/durable-execution\//
        )
      }
      ok(state.completeChainedInvoke(exec.arn, "ok", { result: '"world"' }))
      ok(state.completeChainedInvoke(exec.arn, "bad", { error: { ErrorMessage: "nope" } }))
      ok(state.completeChainedInvoke(exec.arn, "slow", { timedOut: true }))
      ok(state.completeChainedInvoke(exec.arn, "stop", { stopped: true, error: { ErrorMessage: "stopped" } }))
      assert.deepStrictEqual(
        ["ok", "bad", "slow", "stop"].map((id) => exec.op(id).Status),
        ["SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"]
      )
      assert.deepStrictEqual(exec.op("ok").ChainedInvokeDetails, { Result: '"world"' })
      assert.deepStrictEqual(exec.op("bad").ChainedInvokeDetails, { Error: { ErrorMessage: "nope" } })
      assert.deepStrictEqual(types(exec.history()).slice(-4), [
        "ChainedInvokeSucceeded",
        "ChainedInvokeFailed",
        "ChainedInvokeTimedOut",
        "ChainedInvokeStopped"
      ])
      assert.strictEqual(
        err(state.completeChainedInvoke(exec.arn, "ok", { result: "1" })).code,
        "ResourceConflictException"
      )
      assert.strictEqual(
        err(state.completeChainedInvoke(exec.arn, "nope", { result: "1" })).code,
        "ResourceNotFoundException"
      )
    })
  )

  it.effect("execution timeout: closes the execution as TIMED_OUT once idle", () =>
    Effect.sync(() => {
      const { state, advance } = makeState()
      const exec = start(state, { timeoutSeconds: 60 })
      exec.checkpoint([wait("w", 120)])
      exec.complete({ Status: "PENDING" })
      advance(60_000)
      assert.deepStrictEqual(
        state.fireDueTimers().map((t) => t.kind),
        ["ExecutionTimeout"]
      )
      const execution = ok(state.getExecution(exec.arn))
      assert.strictEqual(execution.Status, "TIMED_OUT")
      assert.deepStrictEqual(execution.Error, { ErrorMessage: "Execution timed out after 60 seconds." })
      assert.strictEqual(
        exec.op(exec.started.invocationInput.InitialExecutionState?.Operations?.[0]?.Id ?? "").Status,
        "TIMED_OUT"
      )
      assert.deepStrictEqual(types(exec.history()).slice(-1), ["ExecutionTimedOut"])
      assert.deepStrictEqual(state.timers(exec.arn), [])
      assert.isFalse(state.needsInvocation(exec.arn))
      assert.strictEqual(err(state.beginInvocation(exec.arn)).code, "ResourceConflictException")
    })
  )

  it.effect("stopExecution: stops a running execution; the in-flight invocation's next checkpoint fails", () =>
    Effect.sync(() => {
      const { state, advance } = makeState()
      const exec = start(state)
      advance(500)
      const stopped = ok(state.stopExecution(exec.arn, { ErrorMessage: "operator" }))
      assert.strictEqual(stopped.StopTimestamp.getTime(), T0 + 500)
      assert.strictEqual(
        err(state.checkpoint(exec.arn, exec.token(), [])).message,
        "Invalid Checkpoint Token: the execution has already completed"
      )
      exec.complete({ functionError: { ErrorType: "CheckpointUnrecoverableInvocationError" } })
      assert.deepStrictEqual(types(exec.history()), ["ExecutionStarted", "InvocationCompleted", "ExecutionStopped"])
      assert.strictEqual(ok(state.getExecution(exec.arn)).Status, "STOPPED")
      // idempotent
      advance(500)
      assert.strictEqual(ok(state.stopExecution(exec.arn)).StopTimestamp.getTime(), T0 + 500)
      assert.strictEqual(exec.history().length, 3)
    })
  )

  it.effect("listExecutions / getExecution: summarise every execution", () =>
    Effect.sync(() => {
      const { state, advance } = makeState()
      const a = start(state, { functionName: "fa", executionName: "one" })
      const b = start(state, { functionName: "fb", input: '"x"' })
      advance(1000)
      a.complete({ Status: "SUCCEEDED", Result: "42" })
      const list = state.listExecutions()
      assert.deepStrictEqual(
        list.map((e) => [e.DurableExecutionName, e.Status, e.FunctionArn]),
        [
          ["one", "SUCCEEDED", "arn:aws:lambda:us-east-1:123456789012:function:fa"],
          [list[1]?.DurableExecutionName, "RUNNING", "arn:aws:lambda:us-east-1:123456789012:function:fb"]
        ]
      )
      const description = ok(state.getExecution(a.arn))
      assert.deepStrictEqual(description, {
        DurableExecutionArn: a.arn,
        DurableExecutionName: "one",
        FunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:fa",
        Status: "SUCCEEDED",
        StartTimestamp: new Date(T0),
        EndTimestamp: new Date(T0 + 1000),
        InputPayload: "{}",
        Result: "42"
      })
      assert.strictEqual(ok(state.getExecution(b.arn)).InputPayload, '"x"')
      assert.strictEqual(err(state.getExecution("nope")).code, "ResourceNotFoundException")
    })
  )
})
