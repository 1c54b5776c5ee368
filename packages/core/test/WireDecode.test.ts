import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { DurableBackend, Invocation } from "@durable-lambda/core"

const full = {
  DurableExecutionArn: "arn:aws:lambda:us-east-1:1:function:f:1/durable-execution/x/y",
  CheckpointToken: "t",
  UpdatedOperationIds: ["s"],
  LocalRunner: true,
  InitialExecutionState: {
    NextMarker: "",
    Operations: [
      {
        Id: "e",
        Type: "EXECUTION",
        Status: "STARTED",
        StartTimestamp: 1735689600000,
        ExecutionDetails: { InputPayload: '{"a":1}' },
        Extra: "dropped"
      },
      {
        Id: "s",
        ParentId: "c",
        Name: "charge",
        Type: "STEP",
        SubType: "Step",
        Status: "FAILED",
        StartTimestamp: "2025-01-01T00:00:00Z",
        EndTimestamp: new Date(1735689601000),
        StepDetails: {
          Attempt: 2,
          NextAttemptTimestamp: "2025-01-01T00:00:05.000Z",
          Error: { ErrorType: "E", ErrorMessage: "m", ErrorData: "{}", StackTrace: ["at x"] }
        }
      },
      { Id: "w", Type: "WAIT", Status: "SUCCEEDED", WaitDetails: { ScheduledEndTimestamp: 1735689700000 } },
      { Id: "c", Type: "CONTEXT", Status: "SUCCEEDED", ContextDetails: { ReplayChildren: true, Result: "1" } },
      { Id: "k", Type: "CALLBACK", Status: "STARTED", CallbackDetails: { CallbackId: "cb" } },
      { Id: "i", Type: "CHAINED_INVOKE", Status: "SUCCEEDED", ChainedInvokeDetails: { Result: "2" } }
    ]
  }
}

const failure = (u: unknown): Invocation.WireDecodeError => {
  const r = Invocation.decodeInvocationInput(u)
  assert.isTrue(Result.isFailure(r), JSON.stringify(u))
  return (r as Result.Failure<never, Invocation.WireDecodeError>).failure
}

describe("Invocation wire decoder (hand-written, off the Schema path)", () => {
  it("decodes an event exactly as the InvocationInput schema does", () => {
    const ours = Invocation.decodeInvocationInput(full)
    const schema = Schema.decodeUnknownSync(Invocation.InvocationInput)(full)
    assert.isTrue(Result.isSuccess(ours))
    assert.deepStrictEqual(Result.getOrThrow(ours), schema)
    const op = Result.getOrThrow(ours).InitialExecutionState!.Operations![1]!
    assert.instanceOf(op.StartTimestamp, Date)
    assert.strictEqual(op.StepDetails?.NextAttemptTimestamp?.getTime(), 1735689605000)
    assert.notProperty(Result.getOrThrow(ours), "LocalRunner")
  })

  it("decodes a state page as the ExecutionStatePage schema does (absent members and explicit undefined)", () => {
    const page = { Operations: [{ Id: "a", Type: "STEP", Status: "STARTED", Name: undefined }], NextMarker: "m" }
    const ours = Result.getOrThrow(Invocation.decodeExecutionStatePage(page))
    assert.deepStrictEqual(ours, { Operations: [{ Id: "a", Type: "STEP", Status: "STARTED" }], NextMarker: "m" })
    assert.deepStrictEqual(Result.getOrThrow(Invocation.decodeExecutionStatePage({})), {})
  })

  it("rejects malformed events with the offending path and what was found", () => {
    const cases: ReadonlyArray<readonly [unknown, string, string]> = [
      [undefined, "", "expected an object, got undefined"],
      ["hello", "", 'expected an object, got "hello"'],
      [{}, "DurableExecutionArn", "DurableExecutionArn: expected a non-empty string, got undefined"],
      [{ DurableExecutionArn: "a", CheckpointToken: "" }, "CheckpointToken", 'got ""'],
      [
        { DurableExecutionArn: "a", CheckpointToken: "t", InitialExecutionState: { Operations: [{ Id: 1 }] } },
        "InitialExecutionState.Operations[0].Id",
        "expected a string, got 1"
      ],
      [
        {
          DurableExecutionArn: "a",
          CheckpointToken: "t",
          InitialExecutionState: { Operations: [{ Id: "x", Type: "STEP", Status: "EXPLODED" }] }
        },
        "InitialExecutionState.Operations[0].Status",
        '"SUCCEEDED"'
      ],
      [
        {
          DurableExecutionArn: "a",
          CheckpointToken: "t",
          InitialExecutionState: {
            Operations: [{ Id: "x", Type: "WAIT", Status: "STARTED", WaitDetails: { ScheduledEndTimestamp: "soon" } }]
          }
        },
        "InitialExecutionState.Operations[0].WaitDetails.ScheduledEndTimestamp",
        'epoch milliseconds, got "soon"'
      ],
      [
        { DurableExecutionArn: "a", CheckpointToken: "t", UpdatedOperationIds: "s" },
        "UpdatedOperationIds",
        "expected an array"
      ],
      [
        {
          DurableExecutionArn: "a",
          CheckpointToken: "t",
          InitialExecutionState: {
            Operations: [{ Id: "x", Type: "STEP", Status: "FAILED", StepDetails: { Error: { StackTrace: [1] } } }]
          }
        },
        "InitialExecutionState.Operations[0].StepDetails.Error.StackTrace[0]",
        "expected a string, got 1"
      ]
    ]
    for (const [event, path, message] of cases) {
      const error = failure(event)
      assert.instanceOf(error, Invocation.WireDecodeError)
      assert.strictEqual(error.path, path)
      assert.include(error.message, message)
      if (path !== "") assert.isTrue(error.message.startsWith(`${path}: `), error.message)
      // the schema rejects the same inputs
      assert.throws(() => Schema.decodeUnknownSync(Invocation.InvocationInput)(event))
    }
  })
})

describe("DurableBackend.BackendErrorSchema", () => {
  it("round-trips every reason through JSON as the same classes", () => {
    const reasons: ReadonlyArray<DurableBackend.BackendErrorReason> = [
      new DurableBackend.InvalidCheckpointToken({ message: "stale" }),
      new DurableBackend.Throttled({ message: "slow down" }),
      new DurableBackend.ServiceUnavailable({ message: "down", statusCode: 503 }),
      new DurableBackend.InvalidParameter({ message: "bad", errorCode: "ValidationException" }),
      new DurableBackend.PayloadTooLarge({ message: "big" }),
      new DurableBackend.KmsError({ message: "kms", errorCode: "KMSDisabledException" }),
      new DurableBackend.ExecutionNotFound({ message: "gone" })
    ]
    const codec = Schema.toCodecJson(DurableBackend.BackendErrorSchema)
    for (const reason of reasons) {
      const error = DurableBackend.BackendError.of("checkpoint", reason)
      const json = JSON.parse(JSON.stringify(Schema.encodeSync(codec)(error)))
      assert.deepStrictEqual(json.reason, { ...reason, _tag: reason._tag, message: reason.message })
      const back = Schema.decodeUnknownSync(codec)(json)
      assert.instanceOf(back, DurableBackend.BackendError)
      assert.instanceOf(back.reason, reason.constructor as new (...args: Array<never>) => unknown)
      assert.deepStrictEqual(back, error)
      assert.strictEqual(back.message, error.message)
      assert.strictEqual(error.message, `checkpoint failed (${reason._tag}): ${reason.message}`)
    }
    assert.throws(() =>
      Schema.decodeUnknownSync(codec)({
        _tag: "BackendError",
        call: "checkpoint",
        reason: { _tag: "KmsError", message: "no code" },
        retryable: false
      })
    )
  })
})
