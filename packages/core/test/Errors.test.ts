import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { Errors } from "@durable-lambda/core"

describe("Errors", () => {
  it("toErrorObject: keeps the original error's name as ErrorType", () => {
    assert.deepStrictEqual(Errors.toErrorObject(new TypeError("bad")), { ErrorType: "TypeError", ErrorMessage: "bad" })
    assert.deepStrictEqual(Errors.toErrorObject("boom"), { ErrorMessage: "boom", ErrorData: '"boom"' })
    assert.deepStrictEqual(Errors.toErrorObject(new Errors.StepError({ message: "m", errorData: "d" })), {
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

  it("Schema round trip: tag, message, data and cause survive JSON", () => {
    const original = new Errors.StepError({ message: "m", errorData: "d", cause: new RangeError("r") })
    const json = JSON.parse(JSON.stringify(Schema.encodeSync(Errors.StepError)(original)))
    const back = Schema.decodeUnknownSync(Errors.StepError)(json)
    assert.instanceOf(back, Errors.StepError)
    assert.strictEqual(back._tag, "StepError")
    assert.strictEqual(back.errorData, "d")
    assert.strictEqual((back.cause as Error).name, "RangeError")
  })

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
