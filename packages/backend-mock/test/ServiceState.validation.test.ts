import type { ServiceState } from "@durable-lambda/backend-mock"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { callback, context, makeState, ok, start, step, wait } from "./helpers.ts"

type Update = ServiceState.OperationUpdateInput

const invoke = (Id: string, Action: string, extra: Partial<Update> = {}): Update => ({
  Id,
  Type: "CHAINED_INVOKE",
  SubType: "ChainedInvoke",
  Action,
  ...extra
})
const execution = (Action: string, extra: Partial<Update> = {}): Update => ({
  Id: "execution-result",
  Type: "EXECUTION",
  Action,
  ...extra
})

/** Runs `before` (batches applied in order, `"fire"` advances past every timer), then expects `batch` to fail. */
const rejects = (before: ReadonlyArray<ReadonlyArray<Update> | "fire">, batch: ReadonlyArray<Update>) => {
  const { state, advance } = makeState()
  const exec = start(state)
  for (const item of before) {
    if (item === "fire") {
      advance(60_000)
      state.fireDueTimers()
    } else {
      exec.checkpoint(item)
    }
  }
  const tokenBefore = exec.token()
  const eventsBefore = exec.history().length
  const error = exec.reject(batch)
  // a rejected request changes nothing and does not consume the token
  assert.strictEqual(exec.history().length, eventsBefore)
  ok(state.checkpoint(exec.arn, tokenBefore, []))
  return error
}

const cases: ReadonlyArray<{
  readonly name: string
  readonly before: ReadonlyArray<ReadonlyArray<Update> | "fire">
  readonly batch: ReadonlyArray<Update>
  readonly message: string
}> = [
  // whole request
  {
    name: "two EXECUTION updates",
    before: [],
    batch: [execution("SUCCEED"), { ...execution("FAIL"), Id: "other" }],
    message: "Cannot checkpoint multiple EXECUTION updates."
  },
  {
    name: "EXECUTION update not last",
    before: [],
    batch: [execution("SUCCEED"), step("a", "START")],
    message: "EXECUTION checkpoint must be the last update."
  },
  {
    name: "update without Id",
    before: [],
    batch: [{ Type: "STEP", Action: "START" }],
    message: "Operation update must have an Id."
  },
  {
    name: "update with empty Id",
    before: [],
    batch: [step("", "START")],
    message: "Operation update must have an Id."
  },
  {
    name: "same WAIT twice",
    before: [],
    batch: [wait("w", 1), wait("w", 1)],
    message: "Cannot update the same operation twice in a single request."
  },
  {
    name: "STEP START twice",
    before: [],
    batch: [step("a", "START"), step("a", "START")],
    message: "Cannot update the same operation twice in a single request."
  },
  {
    name: "STEP SUCCEED twice",
    before: [],
    batch: [step("a", "SUCCEED"), step("a", "SUCCEED")],
    message: "Cannot update the same operation twice in a single request."
  },
  {
    name: "STEP START, SUCCEED, FAIL",
    before: [],
    batch: [step("a", "START"), step("a", "SUCCEED"), step("a", "FAIL")],
    message: "Cannot update the same operation twice in a single request."
  },
  {
    name: "unknown parent",
    before: [],
    batch: [step("a", "START", { ParentId: "nope" })],
    message: "Invalid parent operation id."
  },
  {
    name: "parent that is a STEP",
    before: [[step("p", "START")]],
    batch: [step("a", "START", { ParentId: "p" })],
    message: "Invalid parent operation id."
  },
  {
    name: "parent started later in the request",
    before: [],
    batch: [step("a", "START", { ParentId: "c" }), context("c", "START")],
    message: "Invalid parent operation id."
  },
  {
    name: "parent started in the request as a STEP",
    before: [],
    batch: [step("p", "START"), step("a", "START", { ParentId: "p" })],
    message: "Invalid parent operation id."
  },
  // metadata consistency
  {
    name: "inconsistent type",
    before: [[step("a", "START")]],
    batch: [{ ...context("a", "SUCCEED"), SubType: "Step" }],
    message: "Inconsistent operation type."
  },
  {
    name: "inconsistent subtype",
    before: [[step("a", "START")]],
    batch: [step("a", "SUCCEED", { SubType: "WaitForCondition" })],
    message: "Inconsistent operation subtype."
  },
  {
    name: "inconsistent name",
    before: [[step("a", "START", { Name: "charge" })]],
    batch: [step("a", "SUCCEED", { Name: "refund" })],
    message: "Inconsistent operation name."
  },
  {
    name: "inconsistent parent",
    before: [[context("c", "START"), step("a", "START")]],
    batch: [step("a", "SUCCEED", { ParentId: "c" })],
    message: "Inconsistent parent operation id."
  },
  // error size
  {
    name: "error object over 32768 bytes",
    before: [],
    batch: [step("a", "FAIL", { Error: { ErrorMessage: "x".repeat(32750) } })],
    message: "Error object size must be less than 32768 bytes."
  },
  {
    name: "error object measured in UTF-8 bytes",
    before: [],
    batch: [step("a", "FAIL", { Error: { ErrorMessage: "é".repeat(16376) } })],
    message: "Error object size must be less than 32768 bytes."
  },
  // action validity
  {
    name: "unknown type",
    before: [],
    batch: [{ Id: "a", Type: "TIMER", Action: "START" }],
    message: "Unknown operation type."
  },
  { name: "missing type", before: [], batch: [{ Id: "a", Action: "START" }], message: "Unknown operation type." },
  {
    name: "WAIT SUCCEED",
    before: [],
    batch: [{ ...wait("w", 1), Action: "SUCCEED" }],
    message: "Invalid action for the given operation type."
  },
  {
    name: "CONTEXT RETRY",
    before: [],
    batch: [context("c", "RETRY")],
    message: "Invalid action for the given operation type."
  },
  {
    name: "CALLBACK SUCCEED",
    before: [],
    batch: [{ ...callback("cb"), Action: "SUCCEED" }],
    message: "Invalid action for the given operation type."
  },
  {
    name: "EXECUTION START",
    before: [],
    batch: [execution("START")],
    message: "Invalid action for the given operation type."
  },
  {
    name: "missing action",
    before: [],
    batch: [{ Id: "a", Type: "STEP" }],
    message: "Invalid action for the given operation type."
  },
  // STEP transitions
  {
    name: "STEP START on STARTED",
    before: [[step("a", "START")]],
    batch: [step("a", "START")],
    message: "Invalid current STEP state to start."
  },
  {
    name: "STEP START on PENDING",
    before: [[step("a", "START"), step("a", "RETRY", { StepOptions: { NextAttemptDelaySeconds: 5 } })]],
    batch: [step("a", "START")],
    message: "Invalid current STEP state to start."
  },
  {
    name: "STEP START on SUCCEEDED",
    before: [[step("a", "SUCCEED")]],
    batch: [step("a", "START")],
    message: "Invalid current STEP state to start."
  },
  {
    name: "STEP SUCCEED on SUCCEEDED",
    before: [[step("a", "SUCCEED")]],
    batch: [step("a", "SUCCEED")],
    message: "Invalid current STEP state to close."
  },
  {
    name: "STEP FAIL on PENDING",
    before: [[step("a", "RETRY", { StepOptions: { NextAttemptDelaySeconds: 5 } })]],
    batch: [step("a", "FAIL")],
    message: "Invalid current STEP state to close."
  },
  {
    name: "STEP FAIL with Payload",
    before: [],
    batch: [step("a", "FAIL", { Payload: "1" })],
    message: "Cannot provide a Payload for FAIL action."
  },
  {
    name: "STEP SUCCEED with Error",
    before: [],
    batch: [step("a", "SUCCEED", { Error: { ErrorMessage: "no" } })],
    message: "Cannot provide an Error for SUCCEED action."
  },
  {
    name: "STEP RETRY on FAILED",
    before: [[step("a", "FAIL")]],
    batch: [step("a", "RETRY", { StepOptions: { NextAttemptDelaySeconds: 1 } })],
    message: "Invalid current STEP state to re-attempt."
  },
  {
    name: "STEP RETRY without StepOptions",
    before: [],
    batch: [step("a", "RETRY")],
    message: "Invalid StepOptions for the given action."
  },
  {
    name: "STEP RETRY with Error and Payload",
    before: [],
    batch: [
      step("a", "RETRY", { StepOptions: { NextAttemptDelaySeconds: 1 }, Payload: "1", Error: { ErrorMessage: "e" } })
    ],
    message: "Cannot provide both error and payload to RETRY a STEP."
  },
  // CONTEXT transitions
  {
    name: "CONTEXT START on existing",
    before: [[context("c", "START")]],
    batch: [context("c", "START")],
    message: "Cannot start a CONTEXT that already exists."
  },
  {
    name: "CONTEXT SUCCEED on SUCCEEDED",
    before: [[context("c", "SUCCEED")]],
    batch: [context("c", "FAIL")],
    message: "Invalid current CONTEXT state to close."
  },
  {
    name: "CONTEXT FAIL with Payload",
    before: [],
    batch: [context("c", "FAIL", { Payload: "1" })],
    message: "Cannot provide a Payload for FAIL action."
  },
  {
    name: "CONTEXT SUCCEED with Error",
    before: [],
    batch: [context("c", "SUCCEED", { Error: {} })],
    message: "Cannot provide an Error for SUCCEED action."
  },
  // WAIT, CALLBACK, CHAINED_INVOKE transitions
  {
    name: "WAIT START on existing",
    before: [[wait("w", 5)]],
    batch: [wait("w", 5)],
    message: "Cannot start a WAIT that already exists."
  },
  {
    name: "WAIT START without WaitOptions",
    before: [],
    batch: [{ Id: "w", Type: "WAIT", Action: "START" }],
    message: "Invalid WaitOptions for the given action."
  },
  {
    name: "WAIT CANCEL on unknown",
    before: [],
    batch: [{ ...wait("w", 1), Action: "CANCEL" }],
    message: "Cannot cancel a WAIT that does not exist or has already completed."
  },
  {
    name: "WAIT CANCEL after it elapsed",
    before: [[wait("w", 1)], "fire"],
    batch: [{ ...wait("w", 1), Action: "CANCEL" }],
    message: "Cannot cancel a WAIT that does not exist or has already completed."
  },
  {
    name: "CALLBACK START on existing",
    before: [[callback("cb")]],
    batch: [callback("cb")],
    message: "Cannot start a CALLBACK that already exists."
  },
  {
    name: "CALLBACK CANCEL on unknown",
    before: [],
    batch: [{ ...callback("cb"), Action: "CANCEL" }],
    message: "Cannot cancel a CALLBACK that does not exist or has already completed."
  },
  {
    name: "CHAINED_INVOKE START on existing",
    before: [[invoke("i", "START", { ChainedInvokeOptions: { FunctionName: "f" } })]],
    batch: [invoke("i", "START", { ChainedInvokeOptions: { FunctionName: "f" } })],
    message: "Cannot start a CHAINED_INVOKE that already exists."
  },
  {
    name: "CHAINED_INVOKE START without FunctionName",
    before: [],
    batch: [invoke("i", "START")],
    message: "FunctionName is required for CHAINED_INVOKE updates"
  },
  {
    name: "CHAINED_INVOKE CANCEL on unknown",
    before: [],
    batch: [invoke("i", "CANCEL")],
    message: "Cannot cancel a CHAINED_INVOKE that does not exist or has already completed."
  },
  // EXECUTION payload rules
  {
    name: "EXECUTION SUCCEED with Error",
    before: [],
    batch: [execution("SUCCEED", { Error: { ErrorMessage: "x" } })],
    message: "Cannot provide an Error for SUCCEED action."
  },
  {
    name: "EXECUTION FAIL with Payload",
    before: [],
    batch: [execution("FAIL", { Payload: "1" })],
    message: "Cannot provide a Payload for FAIL action."
  }
]

describe("ServiceState validation", () => {
  it.effect.each(cases)("checkpoint: rejects $name", ({ before, batch, message }) =>
    Effect.sync(() => {
      const error = rejects(before, batch)
      assert.strictEqual(error.code, "InvalidParameterValueException")
      assert.strictEqual(error.httpStatus, 400)
      assert.strictEqual(error.message, message)
      assert.strictEqual(error.reason._tag, "InvalidParameter")
    })
  )

  it.effect("checkpoint: accepts an error object of exactly 32768 bytes", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      // {"ErrorMessage":"…"} is 19 bytes of JSON around the message
      exec.checkpoint([step("a", "FAIL", { Error: { ErrorMessage: "x".repeat(32749) } })])
      assert.strictEqual(exec.op("a").Status, "FAILED")
    })
  )

  it.effect("checkpoint: whole-request rules run before per-update rules", () =>
    Effect.sync(() => {
      const error = rejects([], [step("a", "SUCCEED", { Error: {} }), step("b", "START", { ParentId: "zz" })])
      assert.strictEqual(error.message, "Invalid parent operation id.")
    })
  )

  it.effect("checkpoint: validates against the pre-request state, so START+SUCCEED of a new STEP is legal", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.checkpoint([
        context("c", "START"),
        step("a", "START", { ParentId: "c" }),
        step("a", "SUCCEED", { ParentId: "c", Payload: "1" }),
        context("c", "SUCCEED", { Payload: "2" })
      ])
      assert.strictEqual(exec.op("a").Status, "SUCCEEDED")
      assert.strictEqual(exec.op("c").Status, "SUCCEEDED")
    })
  )

  it.effect("checkpoint: a rejected request applies none of its updates", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      exec.reject([step("a", "START"), step("b", "FAIL", { Payload: "x" })])
      assert.strictEqual(state.operation(exec.arn, "a"), undefined)
    })
  )

  it.effect("checkpoint: model constraints fail with a ValidationException listing every violation", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      const error = exec.reject([
        step("a", "START", { SubType: "Not Valid!" }),
        wait("w", 0),
        step("b", "RETRY", { StepOptions: { NextAttemptDelaySeconds: 31622401 } })
      ])
      assert.strictEqual(error.code, "ValidationException")
      assert.strictEqual(error.httpStatus, 400)
      assert.strictEqual(error.reason._tag, "InvalidParameter")
      assert.strictEqual(
        error.message,
        "3 validation errors detected: " +
          "Value 'Not Valid!' at 'updates.1.member.subType' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+; " +
          "Value '0' at 'updates.2.member.waitOptions.waitSeconds' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
          "Value '31622401' at 'updates.3.member.stepOptions.nextAttemptDelaySeconds' failed to satisfy constraint: Member must have value less than or equal to 31622400"
      )
    })
  )

  it.effect("checkpoint: model constraints cover names, ids, subtype length and the client token", () =>
    Effect.sync(() => {
      const { state } = makeState()
      const exec = start(state)
      const name = exec.reject([step("a", "START", { Name: "tab\there" })])
      assert.strictEqual(
        name.message,
        "1 validation error detected: Value 'tab\there' at 'updates.1.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\x20-\\x7E]+"
      )
      const id = exec.reject([step("a/b", "START")])
      assert.strictEqual(
        id.message,
        "1 validation error detected: Value 'a/b' at 'updates.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+"
      )
      const subType = exec.reject([step("a", "START", { SubType: "x".repeat(33) })])
      assert.strictEqual(
        subType.message,
        `1 validation error detected: Value '${"x".repeat(33)}' at 'updates.1.member.subType' failed to satisfy constraint: Member must have length less than or equal to 32`
      )
      const clientToken = state.checkpoint(exec.arn, exec.token(), [], "t".repeat(65))
      assert.isTrue(clientToken._tag === "Failure" && clientToken.failure.code === "ValidationException")
    })
  )
})
