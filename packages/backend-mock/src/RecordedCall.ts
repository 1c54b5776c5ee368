/**
 * What `MockBackend` records for every `DurableBackend` call: the arguments, the token used, the response or
 * the error, and a sequence number. A Schema tagged union, so recordings encode to JSON for golden files.
 *
 * @since 0.1.0
 */
import { DurableBackend, Invocation, Operation } from "@durable-lambda/core"
import { Schema } from "effect"

/**
 * The successful answer of a checkpoint call, as core's `DurableBackend.CheckpointResult`.
 *
 * @since 0.1.0
 */
export const CheckpointResponse = Schema.Struct({
  checkpointToken: Schema.String,
  newExecutionState: Schema.optionalKey(Invocation.ExecutionStatePage)
})
/** @since 0.1.0 */
export type CheckpointResponse = typeof CheckpointResponse.Type

/**
 * One `getExecutionState` call. Exactly one of `response` / `error` is set.
 *
 * @since 0.1.0
 */
export class GetExecutionState extends Schema.TaggedClass<GetExecutionState>()("GetExecutionState", {
  /** 1-based position among all recorded calls of the backend. */
  sequence: Schema.Number,
  durableExecutionArn: Schema.String,
  checkpointToken: Schema.String,
  marker: Schema.optionalKey(Schema.String),
  maxItems: Schema.optionalKey(Schema.Number),
  response: Schema.optionalKey(Invocation.ExecutionStatePage),
  error: Schema.optionalKey(DurableBackend.BackendErrorSchema),
  /** The error was injected by `failNext` rather than answered by the service state. */
  injected: Schema.Boolean
}) {}

/**
 * One `checkpoint` call. Exactly one of `response` / `error` is set.
 *
 * @since 0.1.0
 */
export class Checkpoint extends Schema.TaggedClass<Checkpoint>()("Checkpoint", {
  /** 1-based position among all recorded calls of the backend. */
  sequence: Schema.Number,
  durableExecutionArn: Schema.String,
  checkpointToken: Schema.String,
  clientToken: Schema.optionalKey(Schema.String),
  updates: Schema.Array(Operation.OperationUpdate),
  response: Schema.optionalKey(CheckpointResponse),
  error: Schema.optionalKey(DurableBackend.BackendErrorSchema),
  /** The error was injected by `failNext` rather than answered by the service state. */
  injected: Schema.Boolean,
  /**
   * The service state applied the updates: false for rejected calls, injected failures before applying and
   * ClientToken replays; true for a successful call and for a `failNext(..., { afterApply: true })` fault.
   */
  applied: Schema.Boolean
}) {}

/**
 * A recorded `DurableBackend` call.
 *
 * **Example**
 *
 * ```ts
 * const calls = yield* mock.calls
 * const json = Schema.encodeSync(Schema.Array(RecordedCall.RecordedCall))(calls)
 * ```
 *
 * @since 0.1.0
 */
export const RecordedCall = Schema.Union([GetExecutionState, Checkpoint])
/** @since 0.1.0 */
export type RecordedCall = typeof RecordedCall.Type

/**
 * The two kinds of `DurableBackend` call, as named in `BackendError.call`.
 *
 * @since 0.1.0
 */
export type Kind = "checkpoint" | "getExecutionState"

/**
 * The kind of a recorded call.
 *
 * @since 0.1.0
 */
export const kindOf = (call: RecordedCall): Kind => (call._tag === "Checkpoint" ? "checkpoint" : "getExecutionState")

/**
 * Whether a recorded call failed.
 *
 * @since 0.1.0
 */
export const isFailure = (call: RecordedCall): boolean => call.error !== undefined
