import type { Invocation } from "@durable-lambda/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { callback, context, err, makeState, ok, start, step, T0, wait } from "./helpers.ts"

const ids = (ops: ReadonlyArray<{ readonly Id: string }> | undefined) => (ops ?? []).map((op) => op.Id)

describe("ServiceState operations", () => {
  it.effect("checkpoint: step retry counts finished attempts and schedules NextAttemptTimestamp", () =>
    Effect.sync(() => {
      const { state, advance } = makeState()
      const exec = start(state)
      const retry = (seconds: number) =>
        step("s", "RETRY", {
          Error: { ErrorType: "Boom", ErrorMessage: "boom" },
          StepOptions: { NextAttemptDelaySeconds: seconds }
        })

      const r1 = exec.checkpoint([step("s", "START"), retry(10)])
      const op1 = r1.NewExecutionState.Operations.find((op) => op.Id === "s")
      assert.strictEqual(op1?.Status, "PENDING")
      assert.strictEqual(op1?.StepDetails?.Attempt, 1)
      assert.strictEqual(op1?.StepDetails?.NextAttemptTimestamp?.getTime(), T0 + 10_000)
      assert.deepStrictEqual(op1?.StepDetails?.Error, { ErrorType: "Boom", ErrorMessage: "boom" })

      exec.complete({ Status: "PENDING" })
      advance(10_000)
      assert.deepStrictEqual(
        state.fireDueTimers().map((t) => t.kind),
        ["StepReady"]
      )
      assert.strictEqual(exec.op("s").Status, "READY")
      exec.begin()

      exec.checkpoint([step("s", "START")])
      // START on READY → STARTED (service), and the stored details survive the START
      assert.strictEqual(exec.op("s").Status, "STARTED")
      assert.strictEqual(exec.op("s").StepDetails?.Attempt, 1)
      assert.deepStrictEqual(exec.op("s").StepDetails?.Error, { ErrorType: "Boom", ErrorMessage: "boom" })

      exec.checkpoint([retry(20)])
      assert.strictEqual(exec.op("s").StepDetails?.Attempt, 2)
      assert.strictEqual(exec.op("s").StepDetails?.NextAttemptTimestamp?.getTime(), T0 + 30_000)
      advance(20_000)
      state.fireDueTimers()
      exec.checkpoint([step("s", "START")])
      exec.checkpoint([step("s", "SUCCEED", { Payload: '"done"' })])
      const done = exec.op("s")
      assert.strictEqual(done.Status, "SUCCEEDED")
      assert.strictEqual(done.StepDetails?.Attempt, 3)
      assert.strictEqual(done.StepDetails?.Result, '"done"')
      assert.strictEqual(done.EndTimestamp?.getTime(), T0 + 30_000)

      const attempts = exec
        .history()
        .flatMap((event) =>
          event.EventType === "StepFailed" || event.EventType === "StepSucceeded"
            ? [
                event.EventType === "StepFailed"
                  ? event.StepFailedDetails.RetryDetails
                  : event.StepSucceededDetails.RetryDetails
              ]
            : []
        )
      assert.deepStrictEqual(attempts, [
        { CurrentAttempt: 1, NextAttemptDelaySeconds: 10 },
        { CurrentAttempt: 2, NextAttemptDelaySeconds: 20 },
        { CurrentAttempt: 3 }
      ])
    })
  )

  it.effect("checkpoint: a RETRY with a Payload stores the state in StepDetails.Result (waitForCondition)", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.checkpoint([
        step("p", "START", { SubType: "WaitForCondition" }),
        step("p", "RETRY", {
          SubType: "WaitForCondition",
          Payload: '{"n":1}',
          StepOptions: { NextAttemptDelaySeconds: 5 }
        })
      ])
      const op = exec.op("p")
      assert.strictEqual(op.StepDetails?.Result, '{"n":1}')
      const last = exec.history().at(-1)
      assert.strictEqual(last?.EventType, "StepSucceeded")
      if (last?.EventType === "StepSucceeded") {
        assert.deepStrictEqual(last.StepSucceededDetails, {
          Result: { Payload: '{"n":1}', Truncated: false },
          RetryDetails: { CurrentAttempt: 1, NextAttemptDelaySeconds: 5 }
        })
      }
    })
  )

  it.effect("checkpoint: service-assigned data is in the response right after START", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      const response = exec.checkpoint([wait("w", 30), callback("cb", { TimeoutSeconds: 60 })])
      const [w, cb] = response.NewExecutionState.Operations
      assert.strictEqual(w?.WaitDetails?.ScheduledEndTimestamp?.getTime(), T0 + 30_000)
      assert.match(cb?.CallbackDetails?.CallbackId ?? "", /^[A-Za-z0-9+/]+={0,2}$/)
    })
  )

  it.effect("checkpoint: NewExecutionState carries touched and service-changed operations (delta)", () =>
    Effect.sync(() => {
      const { state, advance } = makeState()
      const exec = start(state)
      exec.checkpoint([step("a", "SUCCEED", { Payload: "1" }), wait("w", 1)])
      const touched = exec.checkpoint([step("b", "START")])
      assert.deepStrictEqual(ids(touched.NewExecutionState.Operations), ["b"])
      advance(1000)
      state.fireDueTimers()
      const refreshed = exec.checkpoint([])
      assert.deepStrictEqual(ids(refreshed.NewExecutionState.Operations), ["w"])
      assert.deepStrictEqual(ids(exec.checkpoint([]).NewExecutionState.Operations), [])
    })
  )

  it.effect("checkpoint: newExecutionState 'full' returns every operation", () =>
    Effect.sync(() => {
      const { state } = makeState({ newExecutionState: "full" })
      const exec = start(state)
      exec.checkpoint([step("a", "SUCCEED")])
      const response = exec.checkpoint([step("b", "START")])
      assert.strictEqual(response.NewExecutionState.Operations.length, 3)
      assert.strictEqual(response.NewExecutionState.Operations[0]?.Type, "EXECUTION")
    })
  )

  it.effect("getExecutionState: pages of 1 follow NextMarker through every operation", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.checkpoint([step("a", "SUCCEED"), step("b", "SUCCEED"), step("c", "START")])
      const seen: Array<string> = []
      let marker: string | undefined = undefined
      let pages = 0
      do {
        const page: Invocation.ExecutionStatePage = ok(state.getExecutionState(exec.arn, exec.token(), marker, 1))
        seen.push(...ids(page.Operations))
        marker = page.NextMarker
        pages += 1
      } while (marker !== undefined)
      assert.strictEqual(pages, 4)
      assert.strictEqual(seen.length, 4)
      assert.deepStrictEqual(seen.slice(1), ["a", "b", "c"])
    })
  )

  it.effect("getExecutionState: MaxItems defaults to 100 (also for 0) and is capped at 1000", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.checkpoint(Array.from({ length: 150 }, (_, i) => step(`s${i}`, "SUCCEED")))
      const first = ok(state.getExecutionState(exec.arn, exec.token()))
      assert.strictEqual(first.Operations?.length, 100)
      assert.isString(first.NextMarker)
      const zero = ok(state.getExecutionState(exec.arn, exec.token(), undefined, 0))
      assert.strictEqual(zero.Operations?.length, 100)
      const rest = ok(state.getExecutionState(exec.arn, exec.token(), first.NextMarker, 1000))
      assert.strictEqual(rest.Operations?.length, 51)
      assert.isUndefined(rest.NextMarker)
      const tooMany = err(state.getExecutionState(exec.arn, exec.token(), undefined, 1001))
      assert.strictEqual(tooMany.code, "ValidationException")
      assert.strictEqual(
        tooMany.message,
        "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"
      )
    })
  )

  it.effect("getExecutionState: rejects markers that are malformed or belong to another execution", () =>
    Effect.sync(() => {
      const { state } = makeState({ pageSize: 1 })
      const a = start(state)
      const b = start(state)
      b.checkpoint([step("x", "SUCCEED")])
      const bPage = ok(state.getExecutionState(b.arn, b.token()))
      const foreign = err(state.getExecutionState(a.arn, a.token(), bPage.NextMarker))
      assert.strictEqual(foreign.message, "Invalid Marker")
      assert.strictEqual(err(state.getExecutionState(a.arn, a.token(), "%%%")).message, "Invalid Marker")
    })
  )

  it.effect("pageSize: paginates the invocation event and caps MaxItems", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.checkpoint([step("a", "SUCCEED"), step("b", "SUCCEED")])
      state.setPageSize(2)
      const next = exec.reinvoke()
      const initial = next.invocationInput.InitialExecutionState
      assert.strictEqual(initial?.Operations?.[0]?.Type, "EXECUTION")
      assert.deepStrictEqual(ids(initial?.Operations).slice(1), ["a"])
      assert.notStrictEqual(initial?.NextMarker, "")
      const rest = ok(state.getExecutionState(exec.arn, exec.token(), initial?.NextMarker, 1000))
      assert.deepStrictEqual(ids(rest.Operations), ["b"])
      assert.isUndefined(rest.NextMarker)
      state.setPageSize(undefined)
      assert.strictEqual(exec.reinvoke().invocationInput.InitialExecutionState?.Operations?.length, 3)
    })
  )

  it.effect("visibility: descendants of a completed CONTEXT are hidden unless it replays children, transitively", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.checkpoint([
        context("outer", "START"),
        context("inner", "START", { ParentId: "outer" }),
        step("leaf", "SUCCEED", { ParentId: "inner" }),
        context("inner", "SUCCEED", { ParentId: "outer", ContextOptions: { ReplayChildren: true } }),
        context("replay", "START"),
        step("kept", "SUCCEED", { ParentId: "replay" }),
        context("replay", "SUCCEED", { ContextOptions: { ReplayChildren: true } }),
        context("open", "START"),
        step("running", "START", { ParentId: "open" })
      ])
      const visible = () => ids(ok(state.getExecutionState(exec.arn, exec.token())).Operations).slice(1)
      // nothing completed without ReplayChildren yet: everything visible
      assert.deepStrictEqual(visible(), ["outer", "inner", "leaf", "replay", "kept", "open", "running"])
      exec.checkpoint([context("outer", "SUCCEED", { Payload: "1" })])
      // inner replays its children, but its ancestor outer does not: hidden transitively
      assert.deepStrictEqual(visible(), ["outer", "replay", "kept", "open", "running"])
      exec.checkpoint([context("open", "FAIL", { Error: { ErrorMessage: "x" } })])
      assert.deepStrictEqual(visible(), ["outer", "replay", "kept", "open"])
      // the invocation event applies the same rule; inspection shows everything
      assert.deepStrictEqual(ids(exec.reinvoke().invocationInput.InitialExecutionState?.Operations).slice(1), [
        "outer",
        "replay",
        "kept",
        "open"
      ])
      assert.strictEqual(state.operations(exec.arn).length, 8)
    })
  )

  it.effect("visibleOperations: the client's view without a token, also after the execution closed", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.checkpoint([
        context("done", "START"),
        step("hidden", "SUCCEED", { ParentId: "done" }),
        context("done", "SUCCEED", { Payload: "1" }),
        context("kept", "START"),
        step("shown", "SUCCEED", { ParentId: "kept" }),
        context("kept", "SUCCEED", { ContextOptions: { ReplayChildren: true } })
      ])
      const page = ok(state.getExecutionState(exec.arn, exec.token())).Operations
      assert.deepStrictEqual(state.visibleOperations(exec.arn), page)
      assert.deepStrictEqual(ids(state.visibleOperations(exec.arn)).slice(1), ["done", "kept", "shown"])
      exec.complete({ Status: "SUCCEEDED", Result: "1" })
      // no token is valid any more, yet the view is still there (EXECUTION now SUCCEEDED)
      assert.strictEqual(err(state.getExecutionState(exec.arn, exec.token())).code, "InvalidParameterValueException")
      const after = state.visibleOperations(exec.arn)
      assert.deepStrictEqual(ids(after).slice(1), ["done", "kept", "shown"])
      assert.strictEqual(after[0]?.Status, "SUCCEEDED")
      assert.deepStrictEqual(state.visibleOperations("arn:unknown"), [])
    })
  )

  it.effect("checkpoint: CONTEXT keeps ReplayChildren from START unless the close overrides it", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.checkpoint([context("c", "START", { ContextOptions: { ReplayChildren: true } })])
      exec.checkpoint([context("c", "SUCCEED", { Payload: '"r"' })])
      assert.deepStrictEqual(exec.op("c").ContextDetails, { ReplayChildren: true, Result: '"r"' })
    })
  )

  it.effect("checkpoint: WAIT CANCEL cancels the wait and its timer", () =>
    Effect.sync(() => {
      const { state, advance } = makeState()
      const exec = start(state)
      exec.checkpoint([wait("w", 5)])
      advance(1000)
      exec.checkpoint([{ ...wait("w", 5), Action: "CANCEL" }])
      const op = exec.op("w")
      assert.strictEqual(op.Status, "CANCELLED")
      assert.strictEqual(op.EndTimestamp?.getTime(), T0 + 1000)
      assert.deepStrictEqual(
        state.timers(exec.arn).map((t) => t.kind),
        ["ExecutionTimeout"]
      )
      assert.strictEqual(exec.history().at(-1)?.EventType, "WaitCancelled")
    })
  )

  it.effect("checkpoint: CALLBACK CANCEL closes the callback and CHAINED_INVOKE CANCEL stops the invoke", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.checkpoint([
        callback("cb", { TimeoutSeconds: 5 }),
        {
          Id: "i",
          Type: "CHAINED_INVOKE",
          SubType: "ChainedInvoke",
          Action: "START",
          ChainedInvokeOptions: { FunctionName: "f" }
        }
      ])
      exec.checkpoint([
        { ...callback("cb"), Action: "CANCEL" },
        { Id: "i", Type: "CHAINED_INVOKE", SubType: "ChainedInvoke", Action: "CANCEL" }
      ])
      assert.strictEqual(exec.op("cb").Status, "CANCELLED")
      assert.strictEqual(exec.op("i").Status, "STOPPED")
      assert.deepStrictEqual(
        state.timers(exec.arn).map((t) => t.kind),
        ["ExecutionTimeout"]
      )
      const callbackId = exec.op("cb").CallbackDetails?.CallbackId ?? ""
      assert.strictEqual(err(state.sendCallbackSuccess(callbackId, "x")).code, "CallbackTimeoutException")
      assert.strictEqual(exec.history().at(-1)?.EventType, "ChainedInvokeStopped")
    })
  )

  it.effect("operations: returns copies", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.checkpoint([step("a", "SUCCEED", { Payload: "1" })])
      const copy = state.operations(exec.arn)[1] as { Status: string }
      copy.Status = "FAILED"
      assert.strictEqual(exec.op("a").Status, "SUCCEEDED")
      assert.deepStrictEqual(state.operations("unknown"), [])
    })
  )
})
