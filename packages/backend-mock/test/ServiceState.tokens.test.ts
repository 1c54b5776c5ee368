import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { err, makeState, ok, start, step } from "./helpers.ts"

describe("ServiceState tokens", () => {
  it.effect("startExecution: returns the first invocation event with the EXECUTION operation first", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const started = state.startExecution({ functionName: "orders", input: '{"id":7}', executionName: "run-1" })
      assert.match(
        started.durableExecutionArn,
        /^arn:aws:lambda:us-east-1:123456789012:function:orders:\$LATEST\/durable-execution\/run-1\/[0-9a-f-]{36}$/
      )
      const input = started.invocationInput
      assert.strictEqual(input.DurableExecutionArn, started.durableExecutionArn)
      assert.match(input.CheckpointToken, /^[A-Za-z0-9+/]+={0,2}$/)
      assert.strictEqual(input.InitialExecutionState?.NextMarker, "")
      const ops = input.InitialExecutionState?.Operations ?? []
      assert.strictEqual(ops.length, 1)
      assert.strictEqual(ops[0]?.Type, "EXECUTION")
      assert.strictEqual(ops[0]?.Status, "STARTED")
      assert.deepStrictEqual(ops[0]?.ExecutionDetails, { InputPayload: '{"id":7}' })
    })
  )

  it.effect("startExecution: defaults the input payload to {}", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const started = state.startExecution()
      assert.deepStrictEqual(started.invocationInput.InitialExecutionState?.Operations?.[0]?.ExecutionDetails, {
        InputPayload: "{}"
      })
    })
  )

  it.effect("checkpoint: consumes the token and returns a new one that chains", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      const first = exec.token()
      const r1 = ok(state.checkpoint(exec.arn, first, [step("a", "START")]))
      assert.notStrictEqual(r1.CheckpointToken, first)
      const r2 = ok(state.checkpoint(exec.arn, r1.CheckpointToken, [step("a", "SUCCEED", { Payload: "1" })]))
      assert.notStrictEqual(r2.CheckpointToken, r1.CheckpointToken)
      assert.strictEqual(exec.op("a").Status, "SUCCEEDED")
    })
  )

  it.effect("checkpoint: rejects a consumed token with Invalid Checkpoint Token", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      const first = exec.token()
      ok(state.checkpoint(exec.arn, first, []))
      const error = err(state.checkpoint(exec.arn, first, [step("a", "START")]))
      assert.strictEqual(error.code, "InvalidParameterValueException")
      assert.strictEqual(error.httpStatus, 400)
      assert.strictEqual(error.message, "Invalid Checkpoint Token: the token has already been used")
      assert.strictEqual(error.reason._tag, "InvalidCheckpointToken")
      assert.strictEqual(state.operation(exec.arn, "a"), undefined)
    })
  )

  it.effect("checkpoint: rejects unknown, foreign and empty tokens", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const a = start(state)
      const b = start(state)
      const foreign = err(state.checkpoint(a.arn, b.token(), []))
      assert.strictEqual(foreign.message, "Invalid Checkpoint Token: the token was not issued for this execution")
      const garbage = err(state.checkpoint(a.arn, "bm90LWEtdG9rZW4=", []))
      assert.strictEqual(garbage.message, "Invalid Checkpoint Token: the token was not issued for this execution")
      const empty = err(state.checkpoint(a.arn, "", []))
      assert.strictEqual(empty.message, "Checkpoint token is required")
      assert.strictEqual(empty.reason._tag, "InvalidParameter")
    })
  )

  it.effect("checkpoint: rejects an unknown execution with ResourceNotFoundException", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const a = start(state)
      const error = err(state.checkpoint("arn:aws:lambda:us-east-1:123456789012:function:x", a.token(), []))
      assert.strictEqual(error.code, "ResourceNotFoundException")
      assert.strictEqual(error.httpStatus, 404)
      assert.strictEqual(error.message, "Execution not found")
      assert.strictEqual(error.reason._tag, "ExecutionNotFound")
    })
  )

  it.effect("beginInvocation: expires the previous invocation's tokens", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      const old = exec.token()
      exec.reinvoke()
      const error = err(state.checkpoint(exec.arn, old, []))
      assert.strictEqual(error.message, "Invalid Checkpoint Token: the invocation that received the token has ended")
      ok(state.checkpoint(exec.arn, exec.token(), []))
    })
  )

  it.effect("completeInvocation: tokens of a finished invocation are rejected", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.complete({ Status: "PENDING" })
      const error = err(state.checkpoint(exec.arn, exec.token(), []))
      assert.strictEqual(error.message, "Invalid Checkpoint Token: the invocation that received the token has ended")
      assert.isFalse(state.isInvocationActive(exec.arn))
    })
  )

  it.effect("checkpoint: after an EXECUTION checkpoint every checkpoint is rejected as an invalid token", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.checkpoint([{ Id: "execution-result-1", Type: "EXECUTION", Action: "SUCCEED", Payload: '"big"' }])
      const error = err(state.checkpoint(exec.arn, exec.token(), []))
      assert.strictEqual(error.message, "Invalid Checkpoint Token: the execution has already completed")
      assert.strictEqual(error.reason._tag, "InvalidCheckpointToken")
    })
  )

  it.effect("getExecutionState: accepts consumed tokens of the running invocation without rotating them", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      const first = exec.token()
      exec.checkpoint([step("a", "START")])
      const page = ok(state.getExecutionState(exec.arn, first))
      assert.strictEqual(page.Operations?.length, 2)
      ok(state.getExecutionState(exec.arn, exec.token()))
      // the current token still checkpoints: reads do not consume it
      exec.checkpoint([step("a", "SUCCEED")])
      exec.complete({ Status: "PENDING" })
      const error = err(state.getExecutionState(exec.arn, exec.token()))
      assert.strictEqual(error.message, "Invalid Checkpoint Token: the invocation that received the token has ended")
    })
  )

  it.effect("checkpoint: the same ClientToken with the same token returns the stored response without reapplying", () =>
    Effect.sync(() => {
      const { state, advance } = makeState()
      const exec = start(state)
      const token = exec.token()
      const first = ok(state.checkpoint(exec.arn, token, [step("a", "START")], "client-1"))
      advance(1000)
      const again = ok(state.checkpoint(exec.arn, token, [step("a", "START")], "client-1"))
      assert.deepStrictEqual(again, first)
      const starts = exec.history().filter((event) => event.EventType === "StepStarted")
      assert.strictEqual(starts.length, 1)
      // the returned token is still the live one
      ok(state.checkpoint(exec.arn, again.CheckpointToken, [step("a", "SUCCEED")]))
    })
  )

  it.effect("checkpoint: a ClientToken replay with another token, or after 15 minutes, is a new request", () =>
    Effect.sync(() => {
      const { state, advance } = makeState()
      const exec = start(state)
      const token = exec.token()
      const first = ok(state.checkpoint(exec.arn, token, [step("a", "START")], "client-1"))
      const fresh = ok(state.checkpoint(exec.arn, first.CheckpointToken, [], "client-1"))
      assert.notStrictEqual(fresh.CheckpointToken, first.CheckpointToken)
      advance(15 * 60 * 1000 + 1)
      const expired = err(state.checkpoint(exec.arn, token, [step("a", "START")], "client-1"))
      assert.strictEqual(expired.message, "Invalid Checkpoint Token: the token has already been used")
    })
  )

  it.effect("checkpoint: server-side transitions do not invalidate the in-flight token", () =>
    Effect.sync(() => {
      const { state, advance } = makeState()
      const exec = start(state)
      exec.checkpoint([{ Id: "w", Type: "WAIT", SubType: "Wait", Action: "START", WaitOptions: { WaitSeconds: 5 } }])
      advance(5000)
      assert.strictEqual(state.fireDueTimers().length, 1)
      const response = exec.checkpoint([])
      assert.deepStrictEqual(
        response.NewExecutionState.Operations.map((op) => [op.Id, op.Status]),
        [["w", "SUCCEEDED"]]
      )
    })
  )
})
