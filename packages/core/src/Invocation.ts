/**
 * The invocation contract between the Lambda durable-execution service and a handler: the event the service
 * sends, and the output the handler returns.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { ErrorObject, Operation } from "./Operation.ts"

/**
 * One page of execution state: operations in start order plus the marker of the next page (`""` or absent
 * when this is the last page).
 *
 * @since 0.1.0
 */
export const ExecutionStatePage = Schema.Struct({
  Operations: Schema.optional(Schema.Array(Operation)),
  NextMarker: Schema.optional(Schema.String)
})
/** @since 0.1.0 */
export type ExecutionStatePage = typeof ExecutionStatePage.Type

/**
 * The event Lambda passes to a durable handler. Unknown extra fields (for example `LocalRunner`) are ignored.
 *
 * **Gotchas**: `DurableExecutionArn` and `CheckpointToken` must be non-empty; an event without them means
 * the function was invoked without durability configured.
 *
 * @since 0.1.0
 */
export const InvocationInput = Schema.Struct({
  DurableExecutionArn: Schema.NonEmptyString,
  CheckpointToken: Schema.NonEmptyString,
  UpdatedOperationIds: Schema.optional(Schema.Array(Schema.String)),
  InitialExecutionState: Schema.optional(ExecutionStatePage)
})
/** @since 0.1.0 */
export type InvocationInput = typeof InvocationInput.Type
/** The event as it travels on the wire (timestamps as strings or numbers). @since 0.1.0 */
export type InvocationInputEncoded = typeof InvocationInput.Encoded

/** @since 0.1.0 */
export const InvocationStatus = Schema.Literals(["SUCCEEDED", "FAILED", "PENDING"])
/** @since 0.1.0 */
export type InvocationStatus = typeof InvocationStatus.Type

/**
 * What the handler returns to the service: `SUCCEEDED` with the JSON result (omitted for `undefined`),
 * `FAILED` with an `ErrorObject`, or `PENDING` when the execution suspended.
 *
 * @since 0.1.0
 */
export const InvocationOutput = Schema.Union([
  Schema.Struct({ Status: Schema.Literal("SUCCEEDED"), Result: Schema.optionalKey(Schema.String) }),
  Schema.Struct({ Status: Schema.Literal("FAILED"), Error: Schema.optionalKey(ErrorObject) }),
  Schema.Struct({ Status: Schema.Literal("PENDING") })
])
/** @since 0.1.0 */
export type InvocationOutput = typeof InvocationOutput.Type
