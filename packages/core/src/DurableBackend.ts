/**
 * The only boundary between the replay engine and the outside world: the two service calls a durable
 * execution needs. `@durable-lambda/backend-aws` implements it over the Lambda API,
 * `@durable-lambda/backend-mock` in memory.
 *
 * @since 0.1.0
 */
import { Context, type Effect, Schema } from "effect"
import type { ExecutionStatePage } from "./Invocation.ts"
import type { OperationUpdate } from "./Operation.ts"

/**
 * The checkpoint token was already consumed or is unknown (`InvalidParameterValueException`,
 * "Invalid Checkpoint Token"). Retryable by re-invocation: the service hands out a fresh token.
 *
 * @since 0.1.0
 */
export class InvalidCheckpointToken extends Schema.TaggedError<InvalidCheckpointToken>()("InvalidCheckpointToken", {
  message: Schema.String
}) {}

/** The service throttled the call (HTTP 429, `TooManyRequestsException`). Retryable. @since 0.1.0 */
export class Throttled extends Schema.TaggedError<Throttled>()("Throttled", { message: Schema.String }) {}

/**
 * The service failed or could not be reached (HTTP 5xx, `ServiceException`, network error, timeout). Retryable.
 *
 * @since 0.1.0
 */
export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()("ServiceUnavailable", {
  message: Schema.String,
  statusCode: Schema.optionalKey(Schema.Number)
}) {}

/**
 * The request was rejected as invalid (HTTP 4xx other than 429 and stale tokens): an update the service does
 * not accept. Not retryable: the execution fails.
 *
 * @since 0.1.0
 */
export class InvalidParameter extends Schema.TaggedError<InvalidParameter>()("InvalidParameter", {
  message: Schema.String,
  errorCode: Schema.optionalKey(Schema.String)
}) {}

/** The request or one payload exceeds a service limit (HTTP 413 or a size validation). Not retryable. @since 0.1.0 */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  message: Schema.String
}) {}

/**
 * The execution's KMS key cannot be used (`KMS*Exception`, HTTP 502). Not retryable: treated as an execution
 * failure, as the newer official SDKs do.
 *
 * @since 0.1.0
 */
export class KmsError extends Schema.TaggedError<KmsError>()("KmsError", {
  message: Schema.String,
  errorCode: Schema.String
}) {}

/** The execution does not exist or is no longer running (stopped, timed out, completed). @since 0.1.0 */
export class ExecutionNotFound extends Schema.TaggedError<ExecutionNotFound>()("ExecutionNotFound", {
  message: Schema.String
}) {}

/** @since 0.1.0 */
export const BackendErrorReason = Schema.Union([
  InvalidCheckpointToken,
  Throttled,
  ServiceUnavailable,
  InvalidParameter,
  PayloadTooLarge,
  KmsError,
  ExecutionNotFound
])
/** @since 0.1.0 */
export type BackendErrorReason = typeof BackendErrorReason.Type

const retryableReasons: ReadonlySet<BackendErrorReason["_tag"]> = new Set([
  "InvalidCheckpointToken",
  "Throttled",
  "ServiceUnavailable"
])

/**
 * The single failure type of every `DurableBackend` call: which call failed, why (`reason`, a tagged union),
 * and whether retrying can help.
 *
 * **Details**: `retryable` follows the service's classification: stale tokens, throttling and 5xx/network
 * errors end the invocation so Lambda invokes again (replaying from the last durable checkpoint); every other
 * reason fails the execution. Handle one reason with `Effect.catchReason("BackendError", "Throttled", ...)`.
 *
 * @since 0.1.0
 */
export class BackendError extends Schema.TaggedError<BackendError>()("BackendError", {
  call: Schema.Literals(["checkpoint", "getExecutionState"]),
  reason: BackendErrorReason,
  retryable: Schema.Boolean
}) {
  /** Builds a `BackendError` whose `retryable` flag follows the reason's classification. */
  static of(call: "checkpoint" | "getExecutionState", reason: BackendErrorReason): BackendError {
    return new BackendError({ call, reason, retryable: retryableReasons.has(reason._tag) })
  }
  override get message(): string {
    return `${this.call} failed (${this.reason._tag}): ${this.reason.message}`
  }
}

/** Whether a reason is retried by re-invocation (true) or fails the execution (false). @since 0.1.0 */
export const isRetryableReason = (reason: BackendErrorReason): boolean => retryableReasons.has(reason._tag)

/** The result of a successful checkpoint call. @since 0.1.0 */
export interface CheckpointResult {
  /** The token to use for the next checkpoint call; the one sent is now consumed. */
  readonly checkpointToken: string
  /** Operations changed since the previous checkpoint (upserts), possibly with a marker to page more. */
  readonly newExecutionState?: ExecutionStatePage | undefined
}

/** Arguments of one `CheckpointDurableExecution` call. @since 0.1.0 */
export interface CheckpointRequest {
  readonly durableExecutionArn: string
  readonly checkpointToken: string
  readonly updates: ReadonlyArray<OperationUpdate>
  /** Idempotency token: a retried request with the same token is applied once. */
  readonly clientToken?: string | undefined
}

/** Arguments of one `GetDurableExecutionState` call (one page). @since 0.1.0 */
export interface GetExecutionStateRequest {
  readonly durableExecutionArn: string
  readonly checkpointToken: string
  readonly marker?: string | undefined
  readonly maxItems?: number | undefined
}

/**
 * The durable-execution service as the engine sees it: `checkpoint` (consumes a token, returns the next one
 * and new state) and `getExecutionState` (one page of operations).
 *
 * **When to use**: provide a layer of it to run a handler: `AwsBackend.layer` in Lambda, `MockBackend.layer`
 * in tests. Implementations must map every failure to a `BackendError`.
 *
 * **Gotchas**: never call `checkpoint` twice concurrently for one execution: tokens chain. The engine's
 * checkpointer guarantees this; direct users must too.
 *
 * @since 0.1.0
 */
export class DurableBackend extends Context.Service<
  DurableBackend,
  {
    readonly checkpoint: (request: CheckpointRequest) => Effect.Effect<CheckpointResult, BackendError>
    readonly getExecutionState: (request: GetExecutionStateRequest) => Effect.Effect<ExecutionStatePage, BackendError>
  }
>()("@durable-lambda/core/DurableBackend") {}
