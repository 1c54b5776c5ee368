/**
 * Errors a durable handler sees. Operation errors (`StepError`, `ChildContextError`, ...) are the official
 * SDK's classes (same names, constructors, fields and messages) and Effect yieldable errors with a `_tag`:
 * they are checkpointed as the service's `ErrorObject` and rebuilt as the same class on replay, so first
 * execution and replay throw the same thing. They need no `Schema`.
 * Engine errors (`NonDeterministicExecutionError`, `InvalidInvocationEventError`, ...) explain why an
 * execution or invocation could not go on.
 *
 * **When to use**: match with `Effect.catchTag("StepError", ...)` in the Effect API, or
 * `err instanceof StepError` / `err.errorType` in the async API. `err.cause.name` is the original error's
 * name (for example `"TypeError"`).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type { CompletionReason } from "./Batch.ts"
import type { ErrorObject } from "./Operation.ts"
import * as Thrown from "./internal/thrown.ts"

const callbackTags = [
  "CallbackError",
  "CallbackExternalError",
  "CallbackTimeoutError",
  "CallbackSubmitterError",
  "CallbackHeartbeatTimeoutError"
] as const
const invokeTags = ["InvokeError", "InvokeFailedError", "InvokeTimedOutError", "InvokeStoppedError"] as const

/**
 * The base of every operation error (the official SDK's abstract `DurableOperationError`): an `Error` that
 * is also an Effect yieldable error with a `_tag`, built with the official constructor
 * `(message?, cause?, errorData?)`.
 *
 * **Details**: `errorType` is the official class's type (`"StepError"`, `"InvokeError"`, ...); `_tag` names
 * the precise class, including this SDK's subclasses (`InvokeTimedOutError` has `errorType` `"InvokeError"`
 * and `_tag` `"InvokeTimedOutError"`). The checkpointed `ErrorType` is the `_tag`, so an error keeps its
 * class across a checkpoint (`fromErrorObject(e.toErrorObject())` is an instance of the same class).
 */
abstract class OperationErrorBase extends Data.Error {
  abstract readonly _tag: string
  abstract readonly errorType: string
  /** The error the operation's body threw (or the service reported), rebuilt as an `Error`. */
  declare readonly cause?: Error
  /** Data the operation recorded with the error (a typed error's encoding, a callback failure's data). */
  errorData?: string
  /** The stack trace lines recorded with the error, if any (the engine does not send stack traces). */
  stackTrace?: Array<string>
  constructor(message: string, cause?: Error, errorData?: string) {
    super()
    this.message = message
    if (cause !== undefined) Object.defineProperty(this, "cause", { value: cause, writable: true, configurable: true })
    if (errorData !== undefined) this.errorData = errorData
  }
  /**
   * The service's `ErrorObject` for this error (`ErrorType` is the `_tag`). Without `errorData` of its own,
   * the first `errorData` found down the `cause` chain is used, as the official SDK does. (Typed with a mutable
   * `StackTrace`, as the official `ErrorObject`, though the engine never sends one.)
   */
  toErrorObject(): ErrorObject & { readonly StackTrace?: Array<string> | undefined } {
    const data = this.errorData ?? causeChainData(this.cause)
    return data === undefined
      ? { ErrorType: this._tag, ErrorMessage: this.message }
      : { ErrorType: this._tag, ErrorMessage: this.message, ErrorData: data }
  }
  /** Rebuilds the operation error a checkpointed `ErrorObject` stands for (see the module's `fromErrorObject`). */
  static fromErrorObject(errorObject: ErrorObject): DurableOperationError {
    return fromErrorObject(errorObject)
  }
}

const causeChainData = (cause: unknown): string | undefined => {
  let node = cause
  for (let i = 0; i < 10 && node !== undefined && node !== null; i++) {
    if (node instanceof OperationErrorBase && typeof node.errorData === "string") return node.errorData
    node = node instanceof Error ? node.cause : undefined
  }
  return undefined
}

const named = <C extends { prototype: { name: string } }>(cls: C, name: string): C => {
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true })
  return cls
}

/**
 * A step (or waitForCondition, or promise combinator) failed for good: its retries are exhausted or its retry
 * strategy declined. `cause.name` / `cause.message` are those of the error the step body threw.
 *
 * @since 0.1.0
 */
export class StepError extends OperationErrorBase {
  readonly _tag = "StepError" as const
  readonly errorType = "StepError" as const
  constructor(message?: string, cause?: Error, errorData?: string) {
    super(message || "Step failed", cause, errorData)
  }
}
named(StepError, "StepError")

/**
 * A callback did not deliver a result: the official SDK's `CallbackError`, and the base class of the
 * precise errors, which a handler tells apart without parsing messages:
 * - `CallbackExternalError`: the external system reported a failure (`SendDurableExecutionCallbackFailure`);
 * - `CallbackTimeoutError`: the callback's `timeout` elapsed;
 * - `CallbackHeartbeatTimeoutError`: no heartbeat arrived within `heartbeatTimeout` (this SDK's addition);
 * - `CallbackSubmitterError`: `waitForCallback`'s submitter failed.
 *
 * **Details**: real subclasses (`err instanceof CallbackError` holds for all of them, as in the official
 * SDK), each with its own `_tag` (`Effect.catchTag("CallbackTimeoutError", ...)`) and `errorType`.
 * `cause.name` is the service's error type (`"Callback.Timeout"`, `"Callback.Heartbeat"`, or the type the
 * external caller sent).
 *
 * **Gotchas**: in an Effect error channel, name the subclasses (catching the base tag matches only a bare
 * `CallbackError`).
 *
 * @since 0.1.0
 */
export class CallbackError extends OperationErrorBase {
  readonly _tag: (typeof callbackTags)[number] = "CallbackError"
  readonly errorType: string = "CallbackError"
  constructor(message?: string, cause?: Error, errorData?: string) {
    super(message || "Callback failed", cause, errorData)
  }
}
named(CallbackError, "CallbackError")

/**
 * The external system failed the callback (`SendDurableExecutionCallbackFailure`). `cause.name` /
 * `cause.message` are the `ErrorType` / `ErrorMessage` it sent; `errorData` its `ErrorData`.
 *
 * @since 0.2.0
 */
export class CallbackExternalError extends CallbackError {
  override readonly _tag = "CallbackExternalError" as const
  override readonly errorType = "CallbackExternalError" as const
  constructor(message?: string, cause?: Error, errorData?: string) {
    super(message || "Callback failed", cause, errorData)
  }
}
named(CallbackExternalError, "CallbackExternalError")

/**
 * Former name of `CallbackExternalError` (the official SDK's name).
 *
 * @deprecated use `CallbackExternalError`; records written with the old name are still read as it.
 * @since 0.1.0
 */
export const CallbackFailedError = CallbackExternalError
/** @deprecated use `CallbackExternalError`. @since 0.1.0 */
export type CallbackFailedError = CallbackExternalError

/**
 * The callback's `timeout` elapsed before any result arrived (service error type `Callback.Timeout`).
 *
 * @since 0.1.0
 */
export class CallbackTimeoutError extends CallbackError {
  override readonly _tag = "CallbackTimeoutError" as const
  override readonly errorType = "CallbackTimeoutError" as const
  constructor(message?: string, cause?: Error, errorData?: string) {
    super(message || "Callback timed out", cause, errorData)
  }
}
named(CallbackTimeoutError, "CallbackTimeoutError")

/**
 * No heartbeat arrived within the callback's `heartbeatTimeout` (service error type `Callback.Heartbeat`).
 * The official SDK reports this as a `CallbackTimeoutError`.
 *
 * @since 0.1.0
 */
export class CallbackHeartbeatTimeoutError extends CallbackError {
  override readonly _tag = "CallbackHeartbeatTimeoutError" as const
  override readonly errorType = "CallbackHeartbeatTimeoutError" as const
  constructor(message?: string, cause?: Error, errorData?: string) {
    super(message || "Callback heartbeat timed out", cause, errorData)
  }
}
named(CallbackHeartbeatTimeoutError, "CallbackHeartbeatTimeoutError")

/**
 * `waitForCallback`'s submitter failed (its step exhausted its retries): `cause` is the submitter's
 * `StepError`.
 *
 * @since 0.2.0
 */
export class CallbackSubmitterError extends CallbackError {
  override readonly _tag = "CallbackSubmitterError" as const
  override readonly errorType = "CallbackSubmitterError" as const
  constructor(message?: string, cause?: Error, errorData?: string) {
    super(message || "Callback submitter failed", cause, errorData)
  }
}
named(CallbackSubmitterError, "CallbackSubmitterError")

/**
 * A chained invoke did not return a result: the official SDK's `InvokeError`, and the base class of the
 * precise errors the engine raises: `InvokeFailedError` (the target function failed), `InvokeTimedOutError`
 * (it timed out) and `InvokeStoppedError` (its execution was stopped).
 *
 * **Details**: real subclasses (`err instanceof InvokeError` holds for all), each with its own `_tag`; their
 * `errorType` is `"InvokeError"`, as the official SDK reports them. `cause.name` / `cause.message` are the
 * target's `ErrorType` / `ErrorMessage` (the official SDK drops the type).
 *
 * @since 0.1.0
 */
export class InvokeError extends OperationErrorBase {
  readonly _tag: (typeof invokeTags)[number] = "InvokeError"
  readonly errorType = "InvokeError" as const
  constructor(message?: string, cause?: Error, errorData?: string) {
    super(message || "Invoke failed", cause, errorData)
  }
}
named(InvokeError, "InvokeError")

/** The invoked function failed. @since 0.1.0 */
export class InvokeFailedError extends InvokeError {
  override readonly _tag = "InvokeFailedError" as const
}
named(InvokeFailedError, "InvokeFailedError")

/** The invoked function (or its durable execution) timed out. @since 0.1.0 */
export class InvokeTimedOutError extends InvokeError {
  override readonly _tag = "InvokeTimedOutError" as const
  constructor(message?: string, cause?: Error, errorData?: string) {
    super(message || "Invoke timed out", cause, errorData)
  }
}
named(InvokeTimedOutError, "InvokeTimedOutError")

/** The invoked durable execution was stopped (`StopDurableExecution`) before it finished. @since 0.1.0 */
export class InvokeStoppedError extends InvokeError {
  override readonly _tag = "InvokeStoppedError" as const
  constructor(message?: string, cause?: Error, errorData?: string) {
    super(message || "Invoke stopped", cause, errorData)
  }
}
named(InvokeStoppedError, "InvokeStoppedError")

/** A child context's body failed; `cause` is the rebuilt inner error. @since 0.1.0 */
export class ChildContextError extends OperationErrorBase {
  readonly _tag = "ChildContextError" as const
  readonly errorType = "ChildContextError" as const
  constructor(message?: string, cause?: Error, errorData?: string) {
    super(message || "Child context failed", cause, errorData)
  }
}
named(ChildContextError, "ChildContextError")

/** A waitForCondition failed without a more specific error. @since 0.1.0 */
export class WaitForConditionError extends OperationErrorBase {
  readonly _tag = "WaitForConditionError" as const
  readonly errorType = "WaitForConditionError" as const
  constructor(message?: string, cause?: Error, errorData?: string) {
    super(message || "Wait for condition failed", cause, errorData)
  }
}
named(WaitForConditionError, "WaitForConditionError")

/** A promise combinator (`all`, `allSettled`, `any`, `race`) failed; `cause` is the failure. @since 0.2.0 */
export class PromiseCombinatorError extends OperationErrorBase {
  readonly _tag = "PromiseCombinatorError" as const
  readonly errorType = "PromiseCombinatorError" as const
  constructor(message?: string, cause?: Error, errorData?: string) {
    super(message || "Promise combinator failed", cause, errorData)
  }
}
named(PromiseCombinatorError, "PromiseCombinatorError")

/**
 * Thrown by `BatchResult.throwIfError` when a map/parallel completed as failed by its completion decision
 * although no item failed (for example a required quorum could not be met).
 *
 * @since 0.2.0
 */
export class BatchCompletionError extends OperationErrorBase {
  readonly _tag = "BatchCompletionError" as const
  readonly errorType = "BatchCompletionError" as const
  /** The completion reason that made the batch count as failed. */
  readonly completionReason: CompletionReason
  constructor(completionReason: CompletionReason, message?: string, cause?: Error, errorData?: string) {
    super(message || `Batch completed as failed by shouldComplete (${completionReason})`, cause, errorData)
    this.completionReason = completionReason
  }
}
named(BatchCompletionError, "BatchCompletionError")

/** Any of the operation errors. @since 0.1.0 */
export type DurableOperationError =
  | StepError
  | CallbackError
  | InvokeError
  | ChildContextError
  | WaitForConditionError
  | PromiseCombinatorError
  | BatchCompletionError

const operationErrorTags = new Set<string>([
  "StepError",
  ...callbackTags,
  ...invokeTags,
  "ChildContextError",
  "WaitForConditionError",
  "PromiseCombinatorError",
  "BatchCompletionError"
])

/**
 * Whether a value is one of the operation errors. Also usable as `err instanceof DurableOperationError`, as in the
 * official SDK.
 *
 * @since 0.1.0
 */
export const isDurableOperationError = (u: unknown): u is DurableOperationError => {
  if (typeof u !== "object" || u === null) return false
  try {
    return u instanceof OperationErrorBase && operationErrorTags.has((u as { _tag?: unknown })._tag as string)
  } catch {
    return false // a revoked Proxy or a throwing getter is no operation error
  }
}

/**
 * The base class of the operation errors, as the official SDK's abstract `DurableOperationError`:
 * `err instanceof DurableOperationError`, `DurableOperationError.fromErrorObject(o)`, and `extends` for an
 * error class of your own (give it a `_tag` and an `errorType`).
 *
 * @since 0.1.0
 */
export const DurableOperationError = OperationErrorBase

/**
 * The error given to a retry strategy when an at-most-once step was interrupted (its START is recorded but
 * no result): the process died during the attempt.
 *
 * @since 0.1.0
 */
export class StepInterruptedError extends Data.TaggedError("StepInterruptedError")<{
  readonly message: string
  readonly stepId: string
  readonly stepName?: string
}> {
  static of(stepId: string, stepName?: string): StepInterruptedError {
    const message = "The step execution process was initiated but failed to reach completion due to an interruption."
    return stepName === undefined
      ? new StepInterruptedError({ message, stepId })
      : new StepInterruptedError({ message, stepId, stepName })
  }
}

/**
 * Replay found a different operation at an id than the recorded history: the workflow's control flow changed
 * (a renamed step, a reordered call, a branch on non-durable data). The execution fails with this error,
 * naming the operation and both sides, instead of silently consuming the wrong result.
 *
 * **Gotchas**: the fix is in the workflow code (make it deterministic, or version it), not a retry.
 *
 * @since 0.1.0
 */
export class NonDeterministicExecutionError extends Data.TaggedError("NonDeterministicExecutionError")<{
  readonly message: string
  readonly stepId: string
  readonly field: "Type" | "Name" | "SubType"
  readonly expected?: string
  readonly actual?: string
}> {
  static of(
    stepId: string,
    field: "Type" | "Name" | "SubType",
    expected: string | undefined,
    actual: string | undefined
  ): NonDeterministicExecutionError {
    const kind = field === "SubType" ? "subtype" : field.toLowerCase()
    const message =
      `Non-deterministic execution detected: Operation ${kind} mismatch for step "${stepId}". ` +
      `Expected ${kind} "${expected}", but got "${actual}". ` +
      "This indicates non-deterministic control flow in your workflow code."
    return new NonDeterministicExecutionError({
      message,
      stepId,
      field,
      ...(expected === undefined ? {} : { expected }),
      ...(actual === undefined ? {} : { actual })
    })
  }
}

/**
 * The Lambda event is not a durable-execution invocation (missing ARN or token, malformed state, unreadable
 * input). Nothing is checkpointed.
 *
 * @since 0.1.0
 */
export class InvalidInvocationEventError extends Data.TaggedError("InvalidInvocationEventError")<{
  readonly message: string
  readonly details?: string
}> {}

/**
 * A value could not be serialized or deserialized by its serdes. `operation` names the step (raw id and
 * name) so the failing value can be found.
 *
 * @since 0.1.0
 */
export class SerdesFailedError extends Data.TaggedError("SerdesFailedError")<{
  readonly message: string
  readonly direction: "serialize" | "deserialize"
  readonly stepId: string
  readonly stepName?: string
}> {}

/**
 * A payload is larger than the service accepts for that operation. Raised before any checkpoint is attempted,
 * naming the operation; it is never retried (it would fail the same way every time).
 *
 * **Details**: checked for every payload the engine checkpoints: step and waitForCondition results/states,
 * child-context, map and parallel results (or their summaries), and chained-invoke inputs. Where the
 * operation can record a failure (steps, waitForCondition, child contexts) it fails with this error as the
 * cause; a chained invoke fails with it directly (nothing was started).
 *
 * **Gotchas**: offload large values through a custom serdes (store the value elsewhere, checkpoint a key):
 * `Serdes.withOffloading(store)` does it for values over a threshold.
 *
 * @since 0.1.0
 */
export class PayloadTooLargeError extends Data.TaggedError("PayloadTooLargeError")<{
  readonly message: string
  readonly stepId: string
  readonly stepName?: string
  readonly sizeBytes: number
  readonly limitBytes: number
}> {}

/**
 * A durable operation was called where it cannot be: from inside a step body, or on a parent context from
 * inside a child. The execution fails.
 *
 * @since 0.1.0
 */
export class ContextUsageError extends Data.TaggedError("ContextUsageError")<{
  readonly message: string
}> {}

/**
 * A checkpoint call failed with an error that retrying cannot fix (an update the service rejected, a KMS
 * problem): the execution fails.
 *
 * @since 0.1.0
 */
export class CheckpointUnrecoverableExecutionError extends Data.TaggedError("CheckpointUnrecoverableExecutionError")<{
  readonly message: string
  readonly reason: string
}> {}

/**
 * A checkpoint or state call failed transiently (stale token, throttling, 5xx, network): the invocation ends
 * with a Lambda function error so the service invokes again and replays from the last durable checkpoint.
 *
 * @since 0.1.0
 */
export class CheckpointUnrecoverableInvocationError extends Data.TaggedError("CheckpointUnrecoverableInvocationError")<{
  readonly message: string
  readonly reason: string
}> {}

/**
 * The invocation was about to reach Lambda's timeout while work was still running: the engine flushed its
 * checkpoints and ended the invocation so the service invokes again and replays from them.
 *
 * @since 0.1.0
 */
export class InvocationDeadlineError extends Data.TaggedError("InvocationDeadlineError")<{
  readonly message: string
  readonly remainingMillis: number
}> {}

/**
 * A thrown value could not be read: its `message` or `name` getter threw, or it is a revoked Proxy. The
 * engine records this error in its place, so the attempt is checkpointed as failed, the retry strategy is
 * consulted (it receives this error) and an execution fails instead of looping on function errors.
 *
 * **Details**: `message` names the access that failed and what it threw. The unreadable value itself is not
 * kept (nothing about it can be read safely).
 *
 * @since 0.2.0
 */
export class UnreadableThrowableError extends Data.TaggedError("UnreadableThrowableError")<{
  readonly message: string
}> {
  /** The error for an unreadable value, naming what failed. */
  static of(reading: { readonly access: string; readonly detail: string }): UnreadableThrowableError {
    return new UnreadableThrowableError({
      message: `A thrown value could not be read: reading ${reading.access} threw ${reading.detail}`
    })
  }
}

const unreadableObject = (
  reading: { readonly access: string; readonly detail: string },
  errorData: string | undefined
): ErrorObject => {
  const base = { ErrorType: "UnreadableThrowableError", ErrorMessage: UnreadableThrowableError.of(reading).message }
  return errorData === undefined ? base : { ...base, ErrorData: errorData }
}

const unsafeToErrorObject = (error: unknown, errorData: string | undefined): ErrorObject => {
  const reading = Thrown.read(error)
  if (reading._tag === "Unreadable") return unreadableObject(reading, errorData)
  if (reading._tag === "Value") {
    const data = errorData ?? reading.data
    return data === undefined ? { ErrorMessage: reading.message } : { ErrorMessage: reading.message, ErrorData: data }
  }
  if (isDurableOperationError(error)) {
    const data = errorData ?? error.errorData
    return data === undefined
      ? { ErrorType: error._tag, ErrorMessage: error.message }
      : { ErrorType: error._tag, ErrorMessage: error.message, ErrorData: data }
  }
  const base = { ErrorType: reading.tag ?? reading.name, ErrorMessage: reading.message }
  return errorData === undefined ? base : { ...base, ErrorData: errorData }
}

/**
 * The service `ErrorObject` for any thrown value, as the official SDK builds it: operation errors keep their
 * type and data; other errors report `name` as `ErrorType` (a tagged error its `_tag`). Stack traces are not
 * sent. It never throws:
 * - a value that is not an error (a string, a number, `null`, a plain object) keeps a readable message (the
 *   string itself, `String(n)`, `"null"`, a JSON preview) and its JSON form as `ErrorData` when that is at
 *   most 16 KiB (the official SDK writes `"Unknown error"` and drops the value);
 * - a value that cannot be read (a throwing `message`/`name` getter, a revoked Proxy) becomes an
 *   `UnreadableThrowableError`.
 *
 * @since 0.1.0
 */
export const toErrorObject = (error: unknown, errorData?: string): ErrorObject => {
  try {
    return unsafeToErrorObject(error, errorData)
  } catch (e) {
    return unreadableObject({ access: "it", detail: Thrown.describe(e) }, errorData)
  }
}

/**
 * The `cause` the official SDK attaches to a rebuilt error: an `Error` whose `name` is the object's
 * `ErrorType` (default `"Error"`) and whose message is its `ErrorMessage`.
 *
 * @since 0.1.0
 */
export const causeFromErrorObject = (o: ErrorObject): Error => causeOf(o)

const causeOf = (o: ErrorObject): Error => {
  const cause = new Error(o.ErrorMessage ?? "")
  cause.name = o.ErrorType || "Error"
  if (o.StackTrace !== undefined) cause.stack = o.StackTrace.join("\n")
  return cause
}

type OperationErrorClass = new (message?: string, cause?: Error, errorData?: string) => DurableOperationError

/** The class each checkpointed `ErrorType` stands for (older records' `CallbackFailedError` included). */
const classOfType: Readonly<Record<string, OperationErrorClass>> = {
  StepError,
  CallbackError,
  CallbackExternalError,
  CallbackFailedError: CallbackExternalError,
  CallbackTimeoutError,
  CallbackHeartbeatTimeoutError,
  CallbackSubmitterError,
  InvokeError,
  InvokeFailedError,
  InvokeTimedOutError,
  InvokeStoppedError,
  ChildContextError,
  WaitForConditionError,
  PromiseCombinatorError
}

/**
 * Rebuilds the operation error a checkpointed `ErrorObject` stands for, as the official SDK does: an
 * `ErrorType` naming an operation error gives that class (including this SDK's precise callback and invoke
 * subclasses, such as `InvokeTimedOutError`); anything else gives a `StepError` whose `cause` carries the
 * original type and message. Each class's default message applies when `ErrorMessage` is empty.
 *
 * @since 0.1.0
 */
export const fromErrorObject = (o: ErrorObject | undefined): DurableOperationError => {
  if (o === undefined) return new StepError("Unknown error")
  const cause = causeOf(o)
  const type = o.ErrorType
  const known = type !== undefined && Object.hasOwn(classOfType, type) ? classOfType[type] : undefined
  if (known !== undefined) return new known(o.ErrorMessage, cause, o.ErrorData)
  return new StepError(o.ErrorMessage || "Unknown error", cause, o.ErrorData)
}

/** Truncates an `ErrorObject` so it stays under the service's 32 KiB error limit. @since 0.1.0 */
export const clampErrorObject = (o: ErrorObject, limitBytes = 32_000): ErrorObject => {
  const size = (x: ErrorObject) => new TextEncoder().encode(JSON.stringify(x)).length
  if (size(o) <= limitBytes) return o
  const { StackTrace: _dropped, ...rest } = o
  let out: ErrorObject = rest
  const cut = (s: string | undefined, n: number) =>
    s === undefined || s.length <= n ? s : `${s.slice(0, n)}…[truncated]`
  for (let n = 8192; size(out) > limitBytes && n >= 64; n = Math.floor(n / 2)) {
    const message = cut(rest.ErrorMessage, n)
    const data = cut(rest.ErrorData, n)
    out = {
      ...(rest.ErrorType === undefined ? {} : { ErrorType: rest.ErrorType.slice(0, 256) }),
      ...(message === undefined ? {} : { ErrorMessage: message }),
      ...(data === undefined ? {} : { ErrorData: data })
    }
  }
  return out
}

/**
 * A step attempt (or a `waitForCondition` check) ran longer than its `timeout`: the attempt fails with this
 * error, the body's `signal` aborts with it, and (for a step) the retry strategy decides as for any failed
 * attempt. Checkpointed with `ErrorType` `"StepTimeoutError"`, so once the step fails for good its
 * `StepError` has `cause.name === "StepTimeoutError"` (on the first run and on replay), as for
 * `StepInterruptedError`.
 *
 * **Gotchas**: the engine stops waiting for the body, it cannot stop the body's own work: a body that ignores
 * its `signal` keeps running (its result is dropped).
 *
 * @since 0.2.0
 */
export class StepTimeoutError extends Data.TaggedError("StepTimeoutError")<{
  readonly message: string
  readonly stepId: string
  readonly stepName?: string
  readonly timeoutMillis: number
}> {
  static of(stepId: string, stepName: string | undefined, timeoutMillis: number): StepTimeoutError {
    const message = `The step attempt did not finish within its timeout of ${timeoutMillis} ms.`
    return stepName === undefined
      ? new StepTimeoutError({ message, stepId, timeoutMillis })
      : new StepTimeoutError({ message, stepId, stepName, timeoutMillis })
  }
}

/**
 * The `signal.reason` of a step body whose invocation ended before the body did (the handler returned or
 * failed, the invocation suspended, or it could not go on). Reaching the Lambda deadline gives
 * `InvocationDeadlineError` instead; a step timeout gives `StepTimeoutError`.
 *
 * @since 0.2.0
 */
export class InvocationEndedError extends Data.TaggedError("InvocationEndedError")<{
  readonly message: string
}> {}
