/**
 * Error-class parity with @aws/durable-execution-sdk-js 2.4.0, checked by the compiler (`pnpm check`) and at
 * run time: our errors are assignable to the official ones (what a handler catches and passes on), the
 * official ones fit ours on every official member, the constructors take the same arguments, and an
 * `ErrorObject` written by either SDK is read back as the same class by the other.
 *
 * Deliberate difference: ours add `_tag` and the Effect yieldable-error members (so `Effect.catchTag`
 * works), which an official instance does not have; official → ours is therefore checked on the official
 * members (`Official<...>` below).
 */
import * as Official from "@aws/durable-execution-sdk-js"
import * as Ours from "@durable-lambda/backend-aws"
import { describe, expect, it } from "vitest"

/** Our class restricted to the official class's members. */
type Official<Theirs, Mine> = Pick<Mine, keyof Theirs & keyof Mine>
type Ctor<T> = new (message?: string, cause?: Error, errorData?: string) => T

// ours → official (instances)
export const oursToOfficial = {
  durable: (e: Ours.DurableOperationError): Official.DurableOperationError => e,
  step: (e: Ours.StepError): Official.StepError => e,
  callback: (e: Ours.CallbackError): Official.CallbackError => e,
  callbackExternal: (e: Ours.CallbackExternalError): Official.CallbackExternalError => e,
  callbackTimeout: (e: Ours.CallbackTimeoutError): Official.CallbackTimeoutError => e,
  callbackSubmitter: (e: Ours.CallbackSubmitterError): Official.CallbackSubmitterError => e,
  invoke: (e: Ours.InvokeError): Official.InvokeError => e,
  invokeTimedOut: (e: Ours.InvokeTimedOutError): Official.InvokeError => e,
  childContext: (e: Ours.ChildContextError): Official.ChildContextError => e,
  waitForCondition: (e: Ours.WaitForConditionError): Official.WaitForConditionError => e,
  promiseCombinator: (e: Ours.PromiseCombinatorError): Official.PromiseCombinatorError => e,
  batchCompletion: (e: Ours.BatchCompletionError): Official.BatchCompletionError => e
}

// official → ours (instances, on the official members)
export const officialToOurs = {
  step: (e: Official.StepError): Official<Official.StepError, Ours.StepError> => e,
  callback: (e: Official.CallbackError): Official<Official.CallbackError, Ours.CallbackError> => e,
  callbackExternal: (
    e: Official.CallbackExternalError
  ): Official<Official.CallbackExternalError, Ours.CallbackExternalError> => e,
  callbackTimeout: (
    e: Official.CallbackTimeoutError
  ): Official<Official.CallbackTimeoutError, Ours.CallbackTimeoutError> => e,
  callbackSubmitter: (
    e: Official.CallbackSubmitterError
  ): Official<Official.CallbackSubmitterError, Ours.CallbackSubmitterError> => e,
  invoke: (e: Official.InvokeError): Official<Official.InvokeError, Ours.InvokeError> => e,
  childContext: (e: Official.ChildContextError): Official<Official.ChildContextError, Ours.ChildContextError> => e,
  waitForCondition: (
    e: Official.WaitForConditionError
  ): Official<Official.WaitForConditionError, Ours.WaitForConditionError> => e,
  promiseCombinator: (
    e: Official.PromiseCombinatorError
  ): Official<Official.PromiseCombinatorError, Ours.PromiseCombinatorError> => e
  // BatchCompletionError: official → ours waits for our `CompletionReason` to gain the official
  // "CUSTOM_COMPLETION_*" reasons (the custom completion predicate of issue 10)
}

// constructors: the same arguments, both ways
export const constructors = {
  step: [
    Ours.StepError satisfies Ctor<Official.StepError>,
    Official.StepError satisfies Ctor<Official<Official.StepError, Ours.StepError>>
  ],
  callback: [
    Ours.CallbackError satisfies Ctor<Official.CallbackError>,
    Official.CallbackError satisfies Ctor<Official<Official.CallbackError, Ours.CallbackError>>
  ],
  callbackExternal: [
    Ours.CallbackExternalError satisfies Ctor<Official.CallbackExternalError>,
    Official.CallbackExternalError satisfies Ctor<Official<Official.CallbackExternalError, Ours.CallbackExternalError>>
  ],
  callbackTimeout: [
    Ours.CallbackTimeoutError satisfies Ctor<Official.CallbackTimeoutError>,
    Official.CallbackTimeoutError satisfies Ctor<Official<Official.CallbackTimeoutError, Ours.CallbackTimeoutError>>
  ],
  callbackSubmitter: [
    Ours.CallbackSubmitterError satisfies Ctor<Official.CallbackSubmitterError>,
    Official.CallbackSubmitterError satisfies Ctor<
      Official<Official.CallbackSubmitterError, Ours.CallbackSubmitterError>
    >
  ],
  invoke: [
    Ours.InvokeError satisfies Ctor<Official.InvokeError>,
    Official.InvokeError satisfies Ctor<Official<Official.InvokeError, Ours.InvokeError>>
  ],
  childContext: [
    Ours.ChildContextError satisfies Ctor<Official.ChildContextError>,
    Official.ChildContextError satisfies Ctor<Official<Official.ChildContextError, Ours.ChildContextError>>
  ],
  waitForCondition: [
    Ours.WaitForConditionError satisfies Ctor<Official.WaitForConditionError>,
    Official.WaitForConditionError satisfies Ctor<Official<Official.WaitForConditionError, Ours.WaitForConditionError>>
  ],
  promiseCombinator: [
    Ours.PromiseCombinatorError satisfies Ctor<Official.PromiseCombinatorError>,
    Official.PromiseCombinatorError satisfies Ctor<
      Official<Official.PromiseCombinatorError, Ours.PromiseCombinatorError>
    >
  ],
  batchCompletion: Ours.BatchCompletionError satisfies new (
    reason: Ours.BatchCompletionError["completionReason"],
    message?: string,
    cause?: Error,
    errorData?: string
  ) => Official.BatchCompletionError,
  fromErrorObject: Ours.DurableOperationError.fromErrorObject satisfies (
    o: Official.ErrorObject
  ) => Official.DurableOperationError
}

const pairs = [
  ["StepError", Ours.StepError, Official.StepError],
  ["CallbackError", Ours.CallbackError, Official.CallbackError],
  ["CallbackExternalError", Ours.CallbackExternalError, Official.CallbackExternalError],
  ["CallbackTimeoutError", Ours.CallbackTimeoutError, Official.CallbackTimeoutError],
  ["CallbackSubmitterError", Ours.CallbackSubmitterError, Official.CallbackSubmitterError],
  ["InvokeError", Ours.InvokeError, Official.InvokeError],
  ["ChildContextError", Ours.ChildContextError, Official.ChildContextError],
  ["WaitForConditionError", Ours.WaitForConditionError, Official.WaitForConditionError],
  ["PromiseCombinatorError", Ours.PromiseCombinatorError, Official.PromiseCombinatorError]
] as const

describe("error classes", () => {
  it.each(pairs)(
    "%s: same name, errorType, default message and ErrorObject as the official class",
    (_, Mine, Theirs) => {
      const mine = new Mine()
      const theirs = new Theirs()
      expect([mine.name, mine.errorType, mine.message]).toEqual([theirs.name, theirs.errorType, theirs.message])
      const cause = new RangeError("r")
      const o = new Mine("m", cause, "d").toErrorObject()
      const official = new Theirs("m", cause, "d").toErrorObject()
      expect({ ...o, StackTrace: undefined }).toEqual({ ...official, StackTrace: undefined })
    }
  )

  it.each(pairs)("%s: fromErrorObject round-trips to the same class, in both SDKs", (name, Mine, Theirs) => {
    const mine = Ours.DurableOperationError.fromErrorObject(new Mine("m", new TypeError("t"), "d").toErrorObject())
    expect(mine).toBeInstanceOf(Mine)
    expect(mine.constructor).toBe(Mine)
    expect([mine.message, mine.errorData, mine.cause?.name]).toEqual(["m", "d", name])
    // an ErrorObject written by the official SDK reads back as our class, and ours as the official one
    expect(Ours.DurableOperationError.fromErrorObject(new Theirs("m").toErrorObject()).constructor).toBe(Mine)
    expect(Official.DurableOperationError.fromErrorObject(new Mine("m").toErrorObject()).constructor).toBe(Theirs)
  })

  it("BatchCompletionError carries its completion reason and the official message", () => {
    const mine = new Ours.BatchCompletionError("FAILURE_TOLERANCE_EXCEEDED")
    const theirs = new Official.BatchCompletionError("FAILURE_TOLERANCE_EXCEEDED")
    expect([mine.name, mine.errorType, mine.message, mine.completionReason]).toEqual([
      theirs.name,
      theirs.errorType,
      theirs.message,
      theirs.completionReason
    ])
  })

  it("our precise subclasses are instances of the official family's class and report its errorType", () => {
    const timedOut = new Ours.InvokeTimedOutError("late")
    expect(timedOut).toBeInstanceOf(Ours.InvokeError)
    expect(timedOut.errorType).toBe("InvokeError")
    expect(Ours.DurableOperationError.fromErrorObject(timedOut.toErrorObject())).toBeInstanceOf(
      Ours.InvokeTimedOutError
    )
  })
})
