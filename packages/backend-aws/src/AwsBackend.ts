/**
 * `DurableBackend` over the real Lambda durable-execution API: checkpoints and state pages through
 * `LambdaApi`, AWS errors classified into `BackendError` reasons, transient failures retried in-process with
 * an idempotent `ClientToken`.
 *
 * @since 0.1.0
 */
import type { LambdaClient } from "@aws-sdk/client-lambda"
import * as DurableBackend from "@durable-lambda/core/DurableBackend"
import * as Invocation from "@durable-lambda/core/Invocation"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { createHash } from "node:crypto"
import { classifyReason } from "./internal/classifyError.ts"
import * as LambdaApi from "./LambdaApi.ts"

type Call = DurableBackend.BackendError["call"]

/**
 * Options of {@link make} / {@link layerWith}.
 *
 * @since 0.1.0
 */
export interface Options {
  /**
   * How failed calls are retried inside one invocation; it only sees failures whose reason
   * {@link isRetriedInProcess} accepts. Default: {@link defaultRetrySchedule}. Pass `Schedule.recurs(0)` to
   * turn in-process retries off (the service then retries by re-invoking).
   */
  readonly retrySchedule?: Schedule.Schedule<unknown, DurableBackend.BackendError>
}

/**
 * The default in-process retry policy: 3 attempts in all, with jittered exponential backoff from 100 ms
 * (about 100 ms, then 200 ms, before the second and third attempt).
 *
 * @since 0.1.0
 */
export const defaultRetrySchedule: Schedule.Schedule<unknown, DurableBackend.BackendError> = Schedule.exponential(
  "100 millis"
).pipe(Schedule.jittered, Schedule.upTo({ times: 2 }))

/**
 * Whether a failure is retried inside the invocation: `Throttled` and `ServiceUnavailable` are. A stale
 * `InvalidCheckpointToken`, though retryable by re-invocation, is not: the same token never becomes valid
 * again. Every other reason fails the execution and is never retried.
 *
 * @since 0.1.0
 */
export const isRetriedInProcess = (reason: DurableBackend.BackendErrorReason): boolean =>
  reason._tag === "Throttled" || reason._tag === "ServiceUnavailable"

/**
 * Classifies anything a Lambda call threw (protocol.md §2.4), reading `$metadata.httpStatusCode`, `name`,
 * `message` and `$fault`, first match wins:
 *
 * | condition | reason |
 * | --- | --- |
 * | `KMS*Exception` (502) | `KmsError` |
 * | `InvalidParameterValueException`, message starts with "Invalid Checkpoint Token" (any case) | `InvalidCheckpointToken` |
 * | 429 / `TooManyRequestsException` | `Throttled` |
 * | 413 / `RequestTooLargeException` / a 4xx message about a size limit | `PayloadTooLarge` |
 * | 404 / `ResourceNotFoundException` | `ExecutionNotFound` |
 * | 5xx / `$fault: "server"` / `ServiceException` | `ServiceUnavailable` |
 * | other 4xx / `$fault: "client"` | `InvalidParameter` |
 * | no status: network errors, timeouts, aborts, unparseable responses | `ServiceUnavailable` |
 *
 * @since 0.1.0
 */
export const classifyError = (call: Call, error: unknown): DurableBackend.BackendError =>
  DurableBackend.BackendError.of(call, classifyReason(error))

/**
 * The `ClientToken` sent when the caller gives none: the SHA-256 (64 hex characters, the service's maximum
 * length) of the ARN, the checkpoint token and the updates. Retries of one request (in-process, or a later
 * invocation re-sending the same updates with the same token) share it, so the service applies the
 * checkpoint once and answers repeats with the original response.
 *
 * @since 0.1.0
 */
export const clientTokenFor = (request: DurableBackend.CheckpointRequest): string =>
  createHash("sha256")
    .update(JSON.stringify([request.durableExecutionArn, request.checkpointToken, request.updates]))
    .digest("hex")

const decodePage = (u: unknown) => Effect.fromResult(Invocation.decodeExecutionStatePage(u))

const malformed = (call: Call, what: string) => (error: Invocation.WireDecodeError) =>
  DurableBackend.BackendError.of(
    call,
    new DurableBackend.ServiceUnavailable({ message: `Malformed ${what} response: ${error.message}`, statusCode: 200 })
  )

/**
 * Builds the backend over the `LambdaApi` in context.
 *
 * **Details**
 * - `checkpoint` sends `Updates` and `ClientToken` (the caller's, else {@link clientTokenFor}); every retry
 *   re-sends the same token. A response without `CheckpointToken` keeps the token that was sent, as the
 *   official SDK does; a response without `NewExecutionState` yields `newExecutionState: undefined`.
 * - `getExecutionState` sends `Marker` / `MaxItems` only when given.
 * - Operations are decoded with core's schemas (`Date` timestamps as the SDK delivers them); a response that
 *   does not decode is a `ServiceUnavailable` failure.
 *
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function* (options?: Options) {
  const api = yield* LambdaApi.LambdaApi
  const schedule = options?.retrySchedule ?? defaultRetrySchedule
  const retrying = <A>(self: Effect.Effect<A, DurableBackend.BackendError>) =>
    Effect.retry(self, { schedule, while: (error) => isRetriedInProcess(error.reason) })

  const checkpoint = Effect.fn("AwsBackend.checkpoint")(function* (request: DurableBackend.CheckpointRequest) {
    const clientToken = request.clientToken ?? clientTokenFor(request)
    const output = yield* api
      .checkpointDurableExecution({
        DurableExecutionArn: request.durableExecutionArn,
        CheckpointToken: request.checkpointToken,
        Updates: request.updates.map(toAwsUpdate),
        ClientToken: clientToken
      })
      .pipe(
        Effect.mapError((error) => classifyError("checkpoint", error.cause)),
        retrying
      )
    const state = output.NewExecutionState
    const newExecutionState =
      state === undefined
        ? undefined
        : yield* decodePage(state).pipe(Effect.mapError(malformed("checkpoint", "CheckpointDurableExecution")))
    return {
      checkpointToken: output.CheckpointToken ?? request.checkpointToken,
      newExecutionState
    } satisfies DurableBackend.CheckpointResult
  })

  const getExecutionState = Effect.fn("AwsBackend.getExecutionState")(function* (
    request: DurableBackend.GetExecutionStateRequest
  ) {
    const output = yield* api
      .getDurableExecutionState({
        DurableExecutionArn: request.durableExecutionArn,
        CheckpointToken: request.checkpointToken,
        ...(request.marker === undefined ? {} : { Marker: request.marker }),
        ...(request.maxItems === undefined ? {} : { MaxItems: request.maxItems })
      })
      .pipe(
        Effect.mapError((error) => classifyError("getExecutionState", error.cause)),
        retrying
      )
    return yield* decodePage({
      Operations: output.Operations ?? [],
      ...(output.NextMarker === undefined ? {} : { NextMarker: output.NextMarker })
    }).pipe(Effect.mapError(malformed("getExecutionState", "GetDurableExecutionState")))
  })

  return DurableBackend.DurableBackend.of({ checkpoint, getExecutionState })
})

type AwsUpdate = NonNullable<Parameters<LambdaApi.LambdaApiShape["checkpointDurableExecution"]>[0]["Updates"]>[number]

const toAwsUpdate = (update: DurableBackend.CheckpointRequest["updates"][number]): AwsUpdate => {
  const { Error: error, ...rest } = update
  if (error === undefined) return rest
  const { StackTrace: stackTrace, ...errorRest } = error
  return { ...rest, Error: stackTrace === undefined ? errorRest : { ...errorRest, StackTrace: [...stackTrace] } }
}

/**
 * `DurableBackend` over the `LambdaApi` in context, with the {@link defaultRetrySchedule}.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<DurableBackend.DurableBackend, never, LambdaApi.LambdaApi> = Layer.effect(
  DurableBackend.DurableBackend,
  make()
)

/**
 * `DurableBackend` over the `LambdaApi` in context, with custom {@link Options}.
 *
 * @since 0.1.0
 */
export const layerWith = (options: Options): Layer.Layer<DurableBackend.DurableBackend, never, LambdaApi.LambdaApi> =>
  Layer.effect(DurableBackend.DurableBackend, make(options))

/**
 * `DurableBackend` over the process-wide default client (`LambdaApi.layer`): what a Lambda function needs.
 *
 * @since 0.1.0
 */
export const layerDefault: Layer.Layer<DurableBackend.DurableBackend> = layer.pipe(Layer.provide(LambdaApi.layer))

/**
 * `DurableBackend` over your own `LambdaClient` (`LambdaApi.layerClient`), e.g. one pointed at a local
 * endpoint.
 *
 * **Gotchas**: only the client's configuration is used (credentials, region, endpoint, HTTP handler), not its
 * middleware stack or retry strategy: `retrySchedule` is the one retry layer.
 *
 * @since 0.1.0
 */
export const layerClient = (client: LambdaClient, options?: Options): Layer.Layer<DurableBackend.DurableBackend> =>
  layerWith(options ?? {}).pipe(Layer.provide(LambdaApi.layerClient(client)))
