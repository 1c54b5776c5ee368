import { MockBackend, RecordedCall, ServiceState } from "@durable-lambda/backend-mock"
import { DurableBackend } from "@durable-lambda/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Schema } from "effect"
import { TestClock } from "effect/testing"
import { makeState, step, T0, updates, wait } from "./helpers.ts"

const Mock = MockBackend.MockBackend
const Backend = DurableBackend.DurableBackend

/** Starts an execution on the mock's state; returns its ARN and first token. */
const startExecution = Effect.gen(function* () {
  const mock = yield* Mock
  const started = mock.state.startExecution()
  return { arn: started.durableExecutionArn, token: started.invocationInput.CheckpointToken }
})

describe("MockBackend", () => {
  it.effect("layer: provides DurableBackend over the MockBackend's state, chaining tokens", () =>
    Effect.gen(function* () {
      const { arn, token } = yield* startExecution
      const backend = yield* Backend
      const first = yield* backend.checkpoint({
        durableExecutionArn: arn,
        checkpointToken: token,
        updates: [{ Id: "a", Type: "STEP", SubType: "Step", Action: "START" }]
      })
      assert.notStrictEqual(first.checkpointToken, token)
      assert.deepStrictEqual(
        first.newExecutionState?.Operations?.map((op) => [op.Id, op.Status]),
        [["a", "STARTED"]]
      )
      const second = yield* backend.checkpoint({
        durableExecutionArn: arn,
        checkpointToken: first.checkpointToken,
        updates: [{ Id: "a", Type: "STEP", SubType: "Step", Action: "SUCCEED", Payload: "1" }]
      })
      assert.isString(second.checkpointToken)
      const mock = yield* Mock
      const ops = yield* mock.operations(arn)
      assert.deepStrictEqual(
        ops.map((op) => [op.Type, op.Status]),
        [
          ["EXECUTION", "STARTED"],
          ["STEP", "SUCCEEDED"]
        ]
      )
      const page = yield* backend.getExecutionState({
        durableExecutionArn: arn,
        checkpointToken: token,
        maxItems: 1000
      })
      assert.strictEqual(page.Operations?.length, 2)
    }).pipe(Effect.provide(MockBackend.layer()))
  )

  it.effect("layer: uses Effect's Clock, so TestClock drives the service time", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { arn, token } = yield* startExecution
      const backend = yield* Backend
      yield* TestClock.adjust("2 seconds")
      const response = yield* backend.checkpoint({
        durableExecutionArn: arn,
        checkpointToken: token,
        updates: [{ Id: "w", Type: "WAIT", SubType: "Wait", Action: "START", WaitOptions: { WaitSeconds: 10 } }]
      })
      const scheduled = response.newExecutionState?.Operations?.[0]?.WaitDetails?.ScheduledEndTimestamp
      assert.strictEqual(scheduled?.getTime(), T0 + 12_000)
      const mock = yield* Mock
      assert.strictEqual(mock.state.nextTimerAt(arn), T0 + 12_000)
    }).pipe(Effect.provide(MockBackend.layer()))
  )

  it.effect("checkpoint: maps a stale token to a retryable InvalidCheckpointToken BackendError", () =>
    Effect.gen(function* () {
      const { arn, token } = yield* startExecution
      const backend = yield* Backend
      yield* backend.checkpoint({ durableExecutionArn: arn, checkpointToken: token, updates: [] })
      const error = yield* Effect.flip(
        backend.checkpoint({ durableExecutionArn: arn, checkpointToken: token, updates: [] })
      )
      assert.strictEqual(error._tag, "BackendError")
      assert.strictEqual(error.call, "checkpoint")
      assert.isTrue(error.retryable)
      assert.strictEqual(error.reason._tag, "InvalidCheckpointToken")
      assert.strictEqual(error.reason.message, "Invalid Checkpoint Token: the token has already been used")
      const handled = yield* backend
        .checkpoint({ durableExecutionArn: arn, checkpointToken: token, updates: [] })
        .pipe(Effect.catchReason("BackendError", "InvalidCheckpointToken", (reason) => Effect.succeed(reason.message)))
      assert.strictEqual(handled, "Invalid Checkpoint Token: the token has already been used")
    }).pipe(Effect.provide(MockBackend.layer()))
  )

  it.effect("checkpoint: maps validation failures and unknown executions to non-retryable reasons", () =>
    Effect.gen(function* () {
      const { arn, token } = yield* startExecution
      const backend = yield* Backend
      const invalid = yield* Effect.flip(
        backend.checkpoint({
          durableExecutionArn: arn,
          checkpointToken: token,
          updates: [{ Id: "a", Type: "STEP", Action: "FAIL", Payload: "x" }]
        })
      )
      assert.isFalse(invalid.retryable)
      assert.deepStrictEqual(
        invalid.reason,
        new DurableBackend.InvalidParameter({
          message: "Cannot provide a Payload for FAIL action.",
          errorCode: "InvalidParameterValueException"
        })
      )
      const missing = yield* Effect.flip(
        backend.getExecutionState({ durableExecutionArn: "arn:nope", checkpointToken: token })
      )
      assert.strictEqual(missing.call, "getExecutionState")
      assert.strictEqual(missing.reason._tag, "ExecutionNotFound")
      assert.isFalse(missing.retryable)
    }).pipe(Effect.provide(MockBackend.layer()))
  )

  it.effect("failNext: fails the next N calls of a kind with the reason, records them and leaves the state alone", () =>
    Effect.gen(function* () {
      const mock = yield* Mock
      const backend = yield* Backend
      const { arn, token } = yield* startExecution
      yield* mock.failNext("checkpoint", 2, "Throttled")
      yield* mock.failNext(
        "getExecutionState",
        1,
        new DurableBackend.ServiceUnavailable({ message: "down", statusCode: 503 })
      )
      const request = { durableExecutionArn: arn, checkpointToken: token, updates: updates(step("a", "START")) }
      const e1 = yield* Effect.flip(backend.checkpoint(request))
      const e2 = yield* Effect.flip(backend.checkpoint(request))
      assert.strictEqual(e1.reason._tag, "Throttled")
      assert.strictEqual(e1.reason.message, "Rate exceeded (injected fault)")
      assert.isTrue(e2.retryable)
      assert.strictEqual((yield* mock.operations(arn)).length, 1)
      const e3 = yield* Effect.flip(backend.getExecutionState({ durableExecutionArn: arn, checkpointToken: token }))
      assert.deepStrictEqual(e3.reason, new DurableBackend.ServiceUnavailable({ message: "down", statusCode: 503 }))
      // the token was never consumed by the injected failures
      const ok = yield* backend.checkpoint(request)
      assert.isString(ok.checkpointToken)
      assert.strictEqual((yield* mock.operations(arn)).length, 2)
      const calls = yield* mock.calls
      assert.deepStrictEqual(
        calls.map((call) => [call.sequence, call._tag, call.injected, call.error?.reason._tag]),
        [
          [1, "Checkpoint", true, "Throttled"],
          [2, "Checkpoint", true, "Throttled"],
          [3, "GetExecutionState", true, "ServiceUnavailable"],
          [4, "Checkpoint", false, undefined]
        ]
      )
    }).pipe(Effect.provide(MockBackend.layer()))
  )

  it.effect("failNext: afterApply loses the response; a ClientToken retry gets the stored one without reapplying", () =>
    Effect.gen(function* () {
      const mock = yield* Mock
      const backend = yield* Backend
      const { arn, token } = yield* startExecution
      yield* mock.failNext("checkpoint", 1, "ServiceUnavailable", { afterApply: true })
      const request = {
        durableExecutionArn: arn,
        checkpointToken: token,
        clientToken: "retry-1",
        updates: updates(step("a", "SUCCEED", { Payload: "1" }))
      }
      const lost = yield* Effect.flip(backend.checkpoint(request))
      assert.strictEqual(lost.reason._tag, "ServiceUnavailable")
      assert.strictEqual(mock.state.operation(arn, "a")?.Status, "SUCCEEDED")
      const retried = yield* backend.checkpoint(request)
      assert.deepStrictEqual(
        retried.newExecutionState?.Operations?.map((op) => op.Id),
        ["a"]
      )
      const checkpoints = yield* mock.checkpoints()
      assert.deepStrictEqual(
        checkpoints.map((call) => [call.applied, call.injected]),
        [
          [true, true],
          [false, false]
        ]
      )
      assert.strictEqual((yield* mock.updatesFor("a")).length, 1)
      const history = mock.state.getHistory(arn)
      assert.strictEqual(history._tag === "Success" && history.success.filter((e) => e.Id === "a").length, 1)
    }).pipe(Effect.provide(MockBackend.layer()))
  )

  it.effect("forcePageSize: small pages for the invocation event and getExecutionState", () =>
    Effect.gen(function* () {
      const mock = yield* Mock
      const backend = yield* Backend
      const { arn, token } = yield* startExecution
      yield* backend.checkpoint({
        durableExecutionArn: arn,
        checkpointToken: token,
        updates: updates(step("a", "SUCCEED"), step("b", "SUCCEED"))
      })
      yield* mock.forcePageSize(1)
      mock.state.completeInvocation(arn, { Status: "PENDING" })
      const next = mock.state.beginInvocation(arn)
      assert.isTrue(next._tag === "Success")
      if (next._tag !== "Success") return
      const input = next.success.invocationInput
      assert.strictEqual(input.InitialExecutionState?.Operations?.length, 1)
      let marker = input.InitialExecutionState?.NextMarker
      const ids: Array<string> = []
      while (marker !== undefined && marker !== "") {
        const page = yield* backend.getExecutionState({
          durableExecutionArn: arn,
          checkpointToken: input.CheckpointToken,
          marker,
          maxItems: 1000
        })
        assert.strictEqual(page.Operations?.length, 1)
        ids.push(...(page.Operations ?? []).map((op) => op.Id))
        marker = page.NextMarker
      }
      assert.deepStrictEqual(ids, ["a", "b"])
      assert.strictEqual(yield* mock.countBy("getExecutionState"), 2)
    }).pipe(Effect.provide(MockBackend.layer()))
  )

  it.effect("latency: calls sleep on the clock before answering", () =>
    Effect.gen(function* () {
      const { arn, token } = yield* startExecution
      const backend = yield* Backend
      const fiber = yield* Effect.forkChild(
        backend.getExecutionState({ durableExecutionArn: arn, checkpointToken: token })
      )
      yield* TestClock.adjust("499 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const page = yield* Fiber.join(fiber)
      assert.strictEqual(page.Operations?.length, 1)
      const mock = yield* Mock
      yield* mock.setLatency(undefined)
      yield* backend.getExecutionState({ durableExecutionArn: arn, checkpointToken: token })
    }).pipe(Effect.provide(MockBackend.layer({ latency: "500 millis" })))
  )

  it.effect("recording: checkpoints(), updatesFor, countBy and reset", () =>
    Effect.gen(function* () {
      const mock = yield* Mock
      const backend = yield* Backend
      const { arn, token } = yield* startExecution
      const r1 = yield* backend.checkpoint({
        durableExecutionArn: arn,
        checkpointToken: token,
        updates: updates(step("a", "START"), wait("w", 5))
      })
      yield* Effect.flip(
        backend.checkpoint({ durableExecutionArn: arn, checkpointToken: token, updates: updates(step("a", "SUCCEED")) })
      )
      yield* backend.checkpoint({
        durableExecutionArn: arn,
        checkpointToken: r1.checkpointToken,
        updates: updates(step("a", "SUCCEED", { Payload: "7" }))
      })
      yield* backend.getExecutionState({ durableExecutionArn: arn, checkpointToken: token })
      const checkpoints = yield* mock.checkpoints()
      assert.deepStrictEqual(
        checkpoints.map((call) => [
          call.sequence,
          call.checkpointToken === token,
          call.applied,
          call.error?.reason._tag
        ]),
        [
          [1, true, true, undefined],
          [2, true, false, "InvalidCheckpointToken"],
          [3, false, true, undefined]
        ]
      )
      assert.strictEqual(checkpoints[0]?.response?.checkpointToken, r1.checkpointToken)
      assert.deepStrictEqual(
        (yield* mock.updatesFor("a")).map((update) => [update.Action, update.Payload]),
        [
          ["START", undefined],
          ["SUCCEED", "7"]
        ]
      )
      assert.strictEqual(yield* mock.countBy("checkpoint"), 3)
      assert.strictEqual(yield* mock.countBy("getExecutionState"), 1)
      yield* mock.reset
      assert.deepStrictEqual(yield* mock.calls, [])
    }).pipe(Effect.provide(MockBackend.layer()))
  )

  it.effect("RecordedCall: recordings encode to JSON and decode back", () =>
    Effect.gen(function* () {
      const mock = yield* Mock
      const backend = yield* Backend
      const { arn, token } = yield* startExecution
      yield* backend.checkpoint({ durableExecutionArn: arn, checkpointToken: token, updates: updates(wait("w", 5)) })
      yield* Effect.flip(backend.checkpoint({ durableExecutionArn: arn, checkpointToken: token, updates: [] }))
      const calls = yield* mock.calls
      const codec = Schema.Array(RecordedCall.RecordedCall)
      const json = JSON.parse(JSON.stringify(Schema.encodeSync(codec)(calls)))
      assert.strictEqual(json[0]._tag, "Checkpoint")
      assert.isString(json[0].response.newExecutionState.Operations[0].WaitDetails.ScheduledEndTimestamp)
      assert.strictEqual(json[1].error.reason._tag, "InvalidCheckpointToken")
      const decoded = Schema.decodeUnknownSync(codec)(json)
      assert.instanceOf(decoded[0], RecordedCall.Checkpoint)
      assert.deepStrictEqual(decoded, calls)
      assert.deepStrictEqual(calls.map(RecordedCall.kindOf), ["checkpoint", "checkpoint"])
      assert.deepStrictEqual(calls.map(RecordedCall.isFailure), [false, true])
    }).pipe(Effect.provide(MockBackend.layer()))
  )

  it.effect("layerWith: shares an existing ServiceState", () => {
    const { state } = makeState()
    const started = state.startExecution()
    return Effect.gen(function* () {
      const mock = yield* Mock
      assert.strictEqual(mock.state, state)
      const backend = yield* Backend
      yield* backend.checkpoint({
        durableExecutionArn: started.durableExecutionArn,
        checkpointToken: started.invocationInput.CheckpointToken,
        updates: updates(step("a", "SUCCEED"))
      })
      assert.strictEqual(state.operation(started.durableExecutionArn, "a")?.Status, "SUCCEEDED")
    }).pipe(Effect.provide(MockBackend.layerWith(state)))
  })
})

describe("ServiceError", () => {
  const reasons: ReadonlyArray<DurableBackend.BackendErrorReason> = [
    new DurableBackend.InvalidCheckpointToken({ message: "Invalid Checkpoint Token: stale" }),
    new DurableBackend.Throttled({ message: "slow down" }),
    new DurableBackend.ServiceUnavailable({ message: "down", statusCode: 503 }),
    new DurableBackend.InvalidParameter({ message: "bad", errorCode: "InvalidParameterValueException" }),
    new DurableBackend.InvalidParameter({ message: "closed", errorCode: "CallbackTimeoutException" }),
    new DurableBackend.PayloadTooLarge({ message: "big" }),
    new DurableBackend.KmsError({ message: "kms", errorCode: "KMSDisabledException" }),
    new DurableBackend.ExecutionNotFound({ message: "gone" })
  ]

  it.effect.each(reasons)("fromReason / reason: round-trips $_tag", (reason) =>
    Effect.sync(() => {
      const error = ServiceState.ServiceError.fromReason(reason)
      assert.deepStrictEqual(error.reason, reason)
    })
  )

  it.effect("fromReason: renders the AWS code and HTTP status", () =>
    Effect.sync(() => {
      const render = (reason: DurableBackend.BackendErrorReason) => {
        const error = ServiceState.ServiceError.fromReason(reason)
        return [error.code, error.httpStatus]
      }
      assert.deepStrictEqual(reasons.map(render), [
        ["InvalidParameterValueException", 400],
        ["TooManyRequestsException", 429],
        ["ServiceException", 503],
        ["InvalidParameterValueException", 400],
        ["CallbackTimeoutException", 400],
        ["RequestTooLargeException", 413],
        ["KMSDisabledException", 502],
        ["ResourceNotFoundException", 404]
      ])
      assert.deepStrictEqual(ServiceState.ServiceError.fromReason(reasons[1]!).toJSON(), {
        __type: "TooManyRequestsException",
        message: "slow down"
      })
    })
  )
})
