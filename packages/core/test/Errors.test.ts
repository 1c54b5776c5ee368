import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Errors } from "@durable-lambda/core"

describe("Errors", () => {
  it("toErrorObject: keeps the original error's name as ErrorType", () => {
    assert.deepStrictEqual(Errors.toErrorObject(new TypeError("bad")), { ErrorType: "TypeError", ErrorMessage: "bad" })
    assert.deepStrictEqual(Errors.toErrorObject("boom"), { ErrorMessage: "boom", ErrorData: '"boom"' })
    assert.deepStrictEqual(Errors.toErrorObject(new Errors.StepError("m", undefined, "d")), {
      ErrorType: "StepError",
      ErrorMessage: "m",
      ErrorData: "d"
    })
  })

  it("fromErrorObject: rebuilds the operation error with the original type as cause", () => {
    const e = Errors.fromErrorObject({ ErrorType: "TypeError", ErrorMessage: "bad", ErrorData: "x" })
    assert.instanceOf(e, Errors.StepError)
    assert.strictEqual(e.message, "bad")
    assert.strictEqual(e.errorData, "x")
    assert.strictEqual((e.cause as Error).name, "TypeError")
    const cb = Errors.fromErrorObject({ ErrorType: "CallbackError", ErrorMessage: "denied" })
    assert.instanceOf(cb, Errors.CallbackError)
    assert.isTrue(cb instanceof Errors.DurableOperationError)
    assert.isFalse(new Error("plain") instanceof Errors.DurableOperationError)
  })

  it("round trip: ErrorObject -> error -> ErrorObject is stable", () => {
    const wire = { ErrorType: "ChildContextError", ErrorMessage: "inner failed", ErrorData: "{}" }
    assert.deepStrictEqual(Errors.toErrorObject(Errors.fromErrorObject(wire)), wire)
  })

  it("every operation error keeps its class, tag, message and data across an ErrorObject", () => {
    const classes = [
      Errors.StepError,
      Errors.CallbackError,
      Errors.CallbackExternalError,
      Errors.CallbackTimeoutError,
      Errors.CallbackHeartbeatTimeoutError,
      Errors.CallbackSubmitterError,
      Errors.InvokeError,
      Errors.InvokeFailedError,
      Errors.InvokeTimedOutError,
      Errors.InvokeStoppedError,
      Errors.ChildContextError,
      Errors.WaitForConditionError,
      Errors.PromiseCombinatorError
    ]
    for (const Class of classes) {
      const original = new Class("m", new RangeError("r"), "d")
      const back = Errors.DurableOperationError.fromErrorObject(original.toErrorObject())
      assert.strictEqual(back.constructor, Class, Class.name)
      assert.strictEqual(back._tag, original._tag)
      assert.strictEqual(back.name, original._tag)
      assert.strictEqual(back.errorType, original.errorType)
      assert.strictEqual(back.message, "m")
      assert.strictEqual(back.errorData, "d")
      assert.isTrue(back instanceof Errors.DurableOperationError)
    }
  })

  it("official constructors, default messages and errorType", () => {
    assert.strictEqual(new Errors.StepError().message, "Step failed")
    assert.strictEqual(new Errors.CallbackSubmitterError().message, "Callback submitter failed")
    assert.strictEqual(new Errors.PromiseCombinatorError("").message, "Promise combinator failed")
    const cause = new TypeError("t")
    const e = new Errors.ChildContextError("x", cause, "data")
    assert.strictEqual(e.cause, cause)
    assert.strictEqual(e.toErrorObject().ErrorData, "data")
    assert.strictEqual(new Errors.InvokeTimedOutError().errorType, "InvokeError")
    assert.instanceOf(new Errors.InvokeTimedOutError(), Errors.InvokeError)
    assert.instanceOf(new Errors.CallbackExternalError(), Errors.CallbackError)
    const batch = new Errors.BatchCompletionError("FAILURE_TOLERANCE_EXCEEDED")
    assert.strictEqual(batch.message, "Batch completed as failed by shouldComplete (FAILURE_TOLERANCE_EXCEEDED)")
    assert.strictEqual(batch.completionReason, "FAILURE_TOLERANCE_EXCEEDED")
    // errorData found down the cause chain, as the official toErrorObject does
    const outer = new Errors.ChildContextError("outer", new Errors.StepError("inner", undefined, "inner-data"))
    assert.strictEqual(outer.toErrorObject().ErrorData, "inner-data")
    // records written with the former name are read as the official class
    assert.instanceOf(
      Errors.fromErrorObject({ ErrorType: "CallbackFailedError", ErrorMessage: "no" }),
      Errors.CallbackExternalError
    )
  })

  it.effect("operation errors are Effect yieldable errors matched by tag", () =>
    Effect.gen(function* () {
      const caught = yield* Effect.gen(function* () {
        return yield* new Errors.InvokeTimedOutError("late")
      }).pipe(Effect.catchTag("InvokeTimedOutError", (e) => Effect.succeed(`${e.errorType}:${e.message}`)))
      assert.strictEqual(caught, "InvokeError:late")
    })
  )

  it("NonDeterministicExecutionError: names the step and both sides", () => {
    const e = Errors.NonDeterministicExecutionError.of("3", "Name", "charge", "refund")
    assert.include(e.message, 'step "3"')
    assert.include(e.message, 'Expected name "charge", but got "refund"')
  })

  it("clampErrorObject: keeps errors under the service limit", () => {
    const big = { ErrorType: "E", ErrorMessage: "x".repeat(100_000), StackTrace: ["a"] }
    const clamped = Errors.clampErrorObject(big)
    assert.isBelow(JSON.stringify(clamped).length, 32_000)
    assert.strictEqual(clamped.ErrorType, "E")
    assert.isUndefined(clamped.StackTrace)
  })
})
