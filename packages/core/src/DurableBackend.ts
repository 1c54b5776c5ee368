/**
 * The only boundary between the replay engine and the outside world: the two service calls a durable
 * execution needs. `@durable-lambda/backend-aws` implements it over the Lambda API,
 * `@durable-lambda/backend-mock` in memory.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import { declare } from "./internal/lazySchema.ts"
import type { ExecutionStatePage } from "./Invocation.ts"
import type { OperationUpdate } from "./Operation.ts"

/**
 * The checkpoint token was already consumed or is unknown (`InvalidParameterValueException`,
 * "Invalid Checkpoint Token"). Retryable by re-invocation: the service hands out a fresh token.
 *
 * @since 0.1.0
 */
export class InvalidCheckpointToken extends Data.TaggedError("InvalidCheckpointToken")<{ readonly message: string }> {}

/** The service throttled the call (HTTP 429, `TooManyRequestsException`). Retryable. @since 0.1.0 */
export class Throttled extends Data.TaggedError("Throttled")<{ readonly message: string }> {}

/**
 * The service failed or could not be reached (HTTP 5xx, `ServiceException`, network error, timeout). Retryable.
 *
 * @since 0.1.0
 */
export class ServiceUnavailable extends Data.TaggedError("ServiceUnavailable")<{
  readonly message: string
  readonly statusCode?: number
}> {}

/**
 * The request was rejected as invalid (HTTP 4xx other than 429 and stale tokens): an update the service does
 * not accept. Not retryable: the execution fails.
 *
 * @since 0.1.0
 */
export class InvalidParameter extends Data.TaggedError("InvalidParameter")<{
  readonly message: string
  readonly errorCode?: string
}> {}

/** The request or one payload exceeds a service limit (HTTP 413 or a size validation). Not retryable. @since 0.1.0 */
export class PayloadTooLarge extends Data.TaggedError("PayloadTooLarge")<{ readonly message: string }> {}

/**
 * The execution's KMS key cannot be used (`KMS*Exception`, HTTP 502). Not retryable: treated as an execution
 * failure, as the newer official SDKs do.
 *
 * @since 0.1.0
 */
export class KmsError extends Data.TaggedError("KmsError")<{ readonly message: string; readonly errorCode: string }> {}

/** The execution does not exist or is no longer running (stopped, timed out, completed). @since 0.1.0 */
export class ExecutionNotFound extends Data.TaggedError("ExecutionNotFound")<{ readonly message: string }> {}

/** @since 0.1.0 */
export type BackendErrorReason =
  | InvalidCheckpointToken
  | Throttled
  | ServiceUnavailable
  | InvalidParameter
  | PayloadTooLarge
  | KmsError
  | ExecutionNotFound
/**
 * A schema of the reasons (instance checks: the reasons are `Data.TaggedError`s, not schema classes, so the
 * engine does not load `effect/Schema`).
 *
 * @since 0.1.0
 */
export const BackendErrorReason: Schema.Codec<BackendErrorReason> = /* @__PURE__ */ declare(() =>
  Schema.Union([
    Schema.instanceOf(InvalidCheckpointToken),
    Schema.instanceOf(Throttled),
    Schema.instanceOf(ServiceUnavailable),
    Schema.instanceOf(InvalidParameter),
    Schema.instanceOf(PayloadTooLarge),
    Schema.instanceOf(KmsError),
    Schema.instanceOf(ExecutionNotFound)
  ])
)

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
export class BackendError extends Data.TaggedError("BackendError")<{
  readonly call: "checkpoint" | "getExecutionState"
  readonly reason: BackendErrorReason
  readonly retryable: boolean
}> {
  /** Builds a `BackendError` whose `retryable` flag follows the reason's classification. */
  static of(call: "checkpoint" | "getExecutionState", reason: BackendErrorReason): BackendError {
    return new BackendError({ call, reason, retryable: retryableReasons.has(reason._tag) })
  }
  override get message(): string {
    return `${this.call} failed (${this.reason._tag}): ${this.reason.message}`
  }
}

const reasonSchemas = () => {
  const message = { message: Schema.String }
  const reason = <C extends new (fields: any) => BackendErrorReason>(
    tag: BackendErrorReason["_tag"],
    ctor: C,
    fields: Schema.Struct.Fields
  ) =>
    Schema.Struct({ _tag: Schema.tag(tag), ...fields }).pipe(
      Schema.decodeTo(Schema.instanceOf(ctor), {
        decode: SchemaGetter.transform(({ _tag, ...rest }: any): any => new ctor(rest)),
        encode: SchemaGetter.transform((r: any) => ({ ...r, _tag: r._tag, message: r.message }))
      })
    )
  return Schema.Union([
    reason("InvalidCheckpointToken", InvalidCheckpointToken, message),
    reason("Throttled", Throttled, message),
    reason("ServiceUnavailable", ServiceUnavailable, { ...message, statusCode: Schema.optionalKey(Schema.Number) }),
    reason("InvalidParameter", InvalidParameter, { ...message, errorCode: Schema.optionalKey(Schema.String) }),
    reason("PayloadTooLarge", PayloadTooLarge, message),
    reason("KmsError", KmsError, { ...message, errorCode: Schema.String }),
    reason("ExecutionNotFound", ExecutionNotFound, message)
  ])
}

/**
 * The codec of `BackendError` (for recordings, golden files and worker messages): encodes to
 * `{ _tag: "BackendError", call, reason: { _tag, message, ... }, retryable }` and decodes back to the same
 * classes.
 *
 * **Details**: `BackendError` and its reasons are `Data.TaggedError`s rather than `Schema.TaggedError`s, so that
 * a deployed handler does not load `effect/Schema` (see `bench/README.md`, cold start); use this schema
 * where the class itself served as one (`Schema.optionalKey(DurableBackend.BackendErrorSchema)`).
 *
 * @since 0.1.0
 */
export const BackendErrorSchema: Schema.Codec<BackendError, BackendErrorEncoded> = /* @__PURE__ */ declare(
  () =>
    Schema.Struct({
      _tag: Schema.tag("BackendError"),
      call: Schema.Literals(["checkpoint", "getExecutionState"]),
      reason: reasonSchemas(),
      retryable: Schema.Boolean
    }).pipe(
      Schema.decodeTo(Schema.instanceOf(BackendError), {
        decode: SchemaGetter.transform(
          ({ call, reason, retryable }: any) => new BackendError({ call, reason, retryable })
        ),
        encode: SchemaGetter.transform((e: BackendError) => ({
          _tag: "BackendError" as const,
          call: e.call,
          reason: e.reason,
          retryable: e.retryable
        }))
      })
    ) as unknown as Schema.Codec<BackendError, BackendErrorEncoded>
)

/** The JSON form of a `BackendError` (see `BackendErrorSchema`). @since 0.1.0 */
export interface BackendErrorEncoded {
  readonly _tag: "BackendError"
  readonly call: "checkpoint" | "getExecutionState"
  readonly reason: {
    readonly _tag: BackendErrorReason["_tag"]
    readonly message: string
    readonly statusCode?: number
    readonly errorCode?: string
  }
  readonly retryable: boolean
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
