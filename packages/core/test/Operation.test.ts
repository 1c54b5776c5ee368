import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { Invocation, Operation } from "@durable-lambda/core"

describe("Operation", () => {
  it("Operation: accepts Date, ISO string and epoch timestamps", () => {
    const decode = Schema.decodeUnknownSync(Operation.Operation)
    const iso = decode({
      Id: "a",
      Type: "WAIT",
      Status: "STARTED",
      WaitDetails: { ScheduledEndTimestamp: "2025-01-01T00:00:00Z" }
    })
    const epoch = decode({
      Id: "a",
      Type: "WAIT",
      Status: "STARTED",
      WaitDetails: { ScheduledEndTimestamp: 1735689600000 }
    })
    const date = decode({
      Id: "a",
      Type: "WAIT",
      Status: "STARTED",
      WaitDetails: { ScheduledEndTimestamp: new Date(1735689600000) }
    })
    for (const op of [iso, epoch, date])
      assert.strictEqual(op.WaitDetails?.ScheduledEndTimestamp?.getTime(), 1735689600000)
    assert.throws(() => decode({ Id: "a", Type: "WAIT", Status: "STARTED", StartTimestamp: "not a date" }))
  })

  it("Operation: rejects unknown enum strings", () => {
    assert.throws(() => Schema.decodeUnknownSync(Operation.Operation)({ Id: "a", Type: "TIMER", Status: "STARTED" }))
    assert.throws(() => Schema.decodeUnknownSync(Operation.Operation)({ Id: "a", Type: "STEP", Status: "DONE" }))
  })

  it("InvocationInput: requires the ARN and token", () => {
    const decode = Schema.decodeUnknownSync(Invocation.InvocationInput)
    assert.throws(() => decode({ CheckpointToken: "t" }))
    assert.throws(() => decode({ DurableExecutionArn: "", CheckpointToken: "t" }))
    assert.strictEqual(
      decode({ DurableExecutionArn: "arn", CheckpointToken: "t", LocalRunner: true }).CheckpointToken,
      "t"
    )
  })

  it("OperationSubType: the 11 service strings", () => {
    assert.deepStrictEqual(Object.values(Operation.OperationSubType).sort(), [
      "Callback",
      "ChainedInvoke",
      "Map",
      "MapIteration",
      "Parallel",
      "ParallelBranch",
      "RunInChildContext",
      "Step",
      "Wait",
      "WaitForCallback",
      "WaitForCondition"
    ])
  })
})
