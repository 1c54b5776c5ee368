/**
 * The `BatchResult` implementation and the item errors it holds (with the `ErrorObject` each was built from),
 * shared by the public `Batch.makeResult` / `Batch.restoreResult` and the batch engine. Engine-internal (not
 * part of the package's public surface).
 */
import {
  BatchCompletionError,
  ChildContextError,
  clampErrorObject,
  fromErrorObject,
  toErrorObject
} from "../../Errors.ts"
import type { ErrorObject } from "../../Operation.ts"
import {
  BatchItemStatus,
  type BatchItem,
  type BatchResult,
  type BatchResultJson,
  type CompletionReason
} from "../../Batch.ts"

/** The ErrorObject of the error an item threw, kept for each item error the engine builds or rebuilds. */
const innerErrors = new WeakMap<ChildContextError, ErrorObject>()

/** The item error for the ErrorObject of what the item threw (as a child context rebuilds it). */
export const itemError = (inner: ErrorObject | undefined, fallback?: ChildContextError): ChildContextError => {
  if (inner === undefined) return fallback ?? new ChildContextError("Child context failed")
  const cause = fromErrorObject(inner)
  const error = new ChildContextError(cause.message, cause)
  innerErrors.set(error, inner)
  return error
}

/** An `ErrorObject` with the official SDK's `Cause` (how it stores a batch item's error and its causes). */
interface OfficialItemError extends ErrorObject {
  readonly Cause?: OfficialItemError | undefined
}

/**
 * The ErrorObject an item failed with, from a stored item error: ours stores it as is; the official SDK stores
 * the item's `ChildContextError` with the error it wraps under `Cause` (a `StepError` for an error that is not a
 * durable one, itself with the original type under `Cause`), which is unwrapped to the same ErrorObject.
 */
export const storedItemError = (stored: unknown): ErrorObject | undefined => {
  if (stored === null || typeof stored !== "object") return undefined
  const outer = stored as OfficialItemError
  const wrapped = outer.Cause
  if (outer.ErrorType !== "ChildContextError" || wrapped === null || typeof wrapped !== "object") return outer
  const original = wrapped.ErrorType === "StepError" ? wrapped.Cause?.ErrorType : undefined
  const errorType = original ?? wrapped.ErrorType
  const errorMessage = wrapped.ErrorMessage ?? outer.ErrorMessage
  const errorData = wrapped.ErrorData ?? outer.ErrorData
  return {
    ...(errorType === undefined ? {} : { ErrorType: errorType }),
    ...(errorMessage === undefined ? {} : { ErrorMessage: errorMessage }),
    ...(errorData === undefined ? {} : { ErrorData: errorData })
  }
}

const innerOf = (error: ChildContextError): ErrorObject => {
  const known = innerErrors.get(error)
  if (known !== undefined) return known
  const cause = error.cause
  return cause === undefined ? toErrorObject(error) : clampErrorObject(toErrorObject(cause))
}

export class BatchResultImpl<T> implements BatchResult<T> {
  readonly all: Array<BatchItem<T>>
  readonly completionReason: CompletionReason
  constructor(all: ReadonlyArray<BatchItem<T>>, completionReason: CompletionReason) {
    this.all = [...all]
    this.completionReason = completionReason
  }
  get status(): "SUCCEEDED" | "FAILED" {
    if (this.completionReason === "CUSTOM_COMPLETION_FAILED") return "FAILED"
    if (this.completionReason === "CUSTOM_COMPLETION_SUCCEEDED") return "SUCCEEDED"
    return this.hasFailure ? "FAILED" : "SUCCEEDED"
  }
  get hasFailure(): boolean {
    return this.all.some((i) => i.status === BatchItemStatus.FAILED)
  }
  get successCount(): number {
    return this.all.filter((i) => i.status === BatchItemStatus.SUCCEEDED).length
  }
  get failureCount(): number {
    return this.all.filter((i) => i.status === BatchItemStatus.FAILED).length
  }
  get startedCount(): number {
    return this.all.filter((i) => i.status === BatchItemStatus.STARTED).length
  }
  get totalCount(): number {
    return this.all.length
  }
  succeeded(): Array<BatchItem<T> & { readonly result: T }> {
    return this.all.filter(
      (i): i is BatchItem<T> & { readonly result: T } =>
        i.status === BatchItemStatus.SUCCEEDED && i.result !== undefined
    )
  }
  failed(): Array<BatchItem<T> & { readonly error: ChildContextError }> {
    return this.all.filter(
      (i): i is BatchItem<T> & { readonly error: ChildContextError } =>
        i.status === BatchItemStatus.FAILED && i.error !== undefined
    )
  }
  started(): Array<BatchItem<T>> {
    return this.all.filter((i) => i.status === BatchItemStatus.STARTED)
  }
  getResults(): Array<T> {
    return this.succeeded().map((i) => i.result)
  }
  getErrors(): Array<ChildContextError> {
    return this.failed().map((i) => i.error)
  }
  throwIfError(): void {
    const first = this.failed()[0]
    if (first !== undefined) throw first.error
    // A completion decision failed the batch although no item failed (a quorum that cannot be met).
    if (this.status === "FAILED") throw new BatchCompletionError(this.completionReason)
  }
  toJSON(): BatchResultJson {
    return {
      all: this.all.map((i) =>
        i.status === BatchItemStatus.FAILED
          ? { index: i.index, status: i.status, ...(i.error === undefined ? {} : { error: innerOf(i.error) }) }
          : i.status === BatchItemStatus.SUCCEEDED
            ? { result: i.result, index: i.index, status: i.status }
            : { index: i.index, status: i.status }
      ),
      completionReason: this.completionReason
    }
  }
}
