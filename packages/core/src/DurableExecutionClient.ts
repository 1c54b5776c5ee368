/**
 * The public transport of the official SDK: a `DurableExecutionClient` (two calls, `getExecutionState` and
 * `checkpoint`, in the service's wire shapes) and the `DurableExecutionClientError` a transport throws to say
 * how far a failure reaches. `layer(client)` turns any such client into the engine's `DurableBackend`.
 *
 * **When to use**: talk to a backend other than the Lambda API (a proxy, a recorder, a test double) by
 * passing `durableExecutionClient` to `withDurableExecution`; `@durable-lambda/backend-aws` provides
 * `DurableExecutionApiClient`, the Lambda transport over your own `LambdaClient`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import {
  BackendError,
  DurableBackend,
  InvalidParameter,
  ServiceUnavailable,
  type BackendErrorReason,
  type CheckpointRequest,
  type GetExecutionStateRequest
} from "./DurableBackend.ts"
import { decodeExecutionStatePage, type WireDecodeError } from "./Invocation.ts"
import type { DurableLogger } from "./Logger.ts"
import type * as Wire from "./Wire.ts"
import type {
  CheckpointDurableExecutionRequest,
  CheckpointDurableExecutionResponse,
  GetDurableExecutionStateRequest,
  GetDurableExecutionStateResponse
} from "./Wire.ts"

/**
 * A transport for the two calls the engine makes. Throw `DurableExecutionClientError` to classify a
 * failure; any other error ends the invocation (the service invokes again), unless the platform recognizes
 * its shape (the Lambda transport's AWS errors).
 *
 * @since 0.1.0
 */
export interface DurableExecutionClient {
  getExecutionState(
    params: GetDurableExecutionStateRequest,
    logger?: DurableLogger
  ): Promise<GetDurableExecutionStateResponse>
  checkpoint(
    params: CheckpointDurableExecutionRequest,
    logger?: DurableLogger
  ): Promise<CheckpointDurableExecutionResponse>
}

/**
 * How far a transport failure reaches: `INVOCATION` ends this invocation (the service invokes again and the
 * execution resumes), `EXECUTION` fails the execution.
 *
 * @since 0.1.0
 */
export const DurableExecutionClientErrorScope = {
  INVOCATION: "INVOCATION",
  EXECUTION: "EXECUTION"
} as const
/** @since 0.1.0 */
export type DurableExecutionClientErrorScope =
  (typeof DurableExecutionClientErrorScope)[keyof typeof DurableExecutionClientErrorScope]

/** Options of `DurableExecutionClientError`. @since 0.1.0 */
export interface DurableExecutionClientErrorOptions {
  /** Default `INVOCATION`: an unknown failure is assumed transient. */
  scope?: DurableExecutionClientErrorScope
  cause?: unknown
}

/**
 * The error a `DurableExecutionClient` throws to state how far a failure reaches. Recognized by shape
 * (`isDurableExecutionClientError`), so a transport bundled with another copy of this class still works.
 *
 * **Gotchas**: a stated scope is believed: wrapping an AWS error as `INVOCATION` hides what its shape would
 * have told (a permanent failure is then retried until the execution times out).
 *
 * @since 0.1.0
 */
export class DurableExecutionClientError extends Error {
  readonly isDurableExecutionClientError = true as const
  readonly scope: DurableExecutionClientErrorScope
  constructor(message: string, options?: DurableExecutionClientErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = "DurableExecutionClientError"
    this.scope = options?.scope ?? DurableExecutionClientErrorScope.INVOCATION
  }
}

/**
 * Whether `error` is a `DurableExecutionClientError` (by shape: an `Error` with the marker and a known scope).
 *
 * @since 0.1.0
 */
export const isDurableExecutionClientError = (error: unknown): error is DurableExecutionClientError => {
  if (!(error instanceof Error) || !("isDurableExecutionClientError" in error)) return false
  const candidate = error as { isDurableExecutionClientError?: unknown; scope?: unknown }
  return (
    candidate.isDurableExecutionClientError === true &&
    (candidate.scope === DurableExecutionClientErrorScope.INVOCATION ||
      candidate.scope === DurableExecutionClientErrorScope.EXECUTION)
  )
}

type Call = BackendError["call"]

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * The engine's failure for a `DurableExecutionClientError`: `INVOCATION` is a retryable `ServiceUnavailable`,
 * `EXECUTION` a non-retryable `InvalidParameter` (error code `DurableExecutionClientError`).
 *
 * @since 0.1.0
 */
export const fromClientError = (call: Call, error: DurableExecutionClientError): BackendError =>
  error.scope === DurableExecutionClientErrorScope.EXECUTION
    ? new BackendError({
        call,
        reason: new InvalidParameter({ message: error.message, errorCode: "DurableExecutionClientError" }),
        retryable: false
      })
    : new BackendError({ call, reason: new ServiceUnavailable({ message: error.message }), retryable: true })

/** Options of `make` / `layer`. @since 0.1.0 */
export interface Options {
  /**
   * Classifies a thrown value that is not a `DurableExecutionClientError` (default: a retryable
   * `ServiceUnavailable`, so the invocation ends and the execution resumes).
   */
  readonly classify?: (error: unknown) => BackendErrorReason
}

const decodePage = (u: unknown) => Effect.fromResult(decodeExecutionStatePage(u))

/**
 * The `DurableBackend` over `client`.
 *
 * @since 0.1.0
 */
export const make = (client: DurableExecutionClient, options?: Options): DurableBackend["Service"] => {
  const failure = (call: Call) => (error: unknown) =>
    isDurableExecutionClientError(error)
      ? fromClientError(call, error)
      : BackendError.of(call, options?.classify?.(error) ?? new ServiceUnavailable({ message: describe(error) }))
  const malformed = (call: Call) => (error: WireDecodeError) =>
    BackendError.of(call, new ServiceUnavailable({ message: `Malformed ${call} response: ${error.message}` }))
  return DurableBackend.of({
    checkpoint: (request: CheckpointRequest) =>
      Effect.gen(function* () {
        const response = yield* Effect.tryPromise({
          try: () =>
            client.checkpoint({
              DurableExecutionArn: request.durableExecutionArn,
              CheckpointToken: request.checkpointToken,
              // The wire type is mutable; the client only reads the updates.
              Updates: [...request.updates] as CheckpointDurableExecutionRequest["Updates"],
              ...(request.clientToken === undefined ? {} : { ClientToken: request.clientToken })
            }),
          catch: failure("checkpoint")
        })
        const state = response?.NewExecutionState
        const newExecutionState =
          state === undefined || state === null
            ? undefined
            : yield* decodePage(state).pipe(Effect.mapError(malformed("checkpoint")))
        return { checkpointToken: response?.CheckpointToken ?? request.checkpointToken, newExecutionState }
      }),
    getExecutionState: (request: GetExecutionStateRequest) =>
      Effect.gen(function* () {
        const response = yield* Effect.tryPromise({
          try: () =>
            client.getExecutionState({
              DurableExecutionArn: request.durableExecutionArn,
              CheckpointToken: request.checkpointToken,
              ...(request.marker === undefined ? {} : { Marker: request.marker }),
              ...(request.maxItems === undefined ? {} : { MaxItems: request.maxItems })
            }),
          catch: failure("getExecutionState")
        })
        return yield* decodePage({
          Operations: response?.Operations ?? [],
          ...(response?.NextMarker === undefined ? {} : { NextMarker: response.NextMarker })
        }).pipe(Effect.mapError(malformed("getExecutionState")))
      })
  })
}

/**
 * The `DurableBackend` layer over `client`.
 *
 * @since 0.1.0
 */
export const layer = (client: DurableExecutionClient, options?: Options): Layer.Layer<DurableBackend> =>
  Layer.succeed(DurableBackend, make(client, options))

/**
 * An invocation event that carries its own transport: a harness that wraps an already-built handler cannot
 * change its config, so it injects the transport through the event instead (the official
 * `DurableExecutionInvocationInputWithClient`). The event's transport wins over
 * `config.durableExecutionClient`.
 *
 * **When to use**: test harnesses and local runners; production events are plain JSON.
 *
 * **Gotchas**: recognized by `isInstance`, which also accepts an instance from another copy of this class (another
 * realm or package copy) by its `Symbol.toStringTag` and constructor name.
 *
 * @since 0.1.0
 */
export class DurableExecutionInvocationInputWithClient implements Wire.DurableExecutionInvocationInput {
  readonly durableExecutionClient: DurableExecutionClient
  readonly InitialExecutionState: { Operations: Array<Wire.WireOperation>; NextMarker?: string | undefined }
  readonly DurableExecutionArn: string
  readonly CheckpointToken: string
  readonly UpdatedOperationIds?: Array<string>

  constructor(params: Wire.DurableExecutionInvocationInput, durableExecutionClient: DurableExecutionClient) {
    this.durableExecutionClient = durableExecutionClient
    this.InitialExecutionState = params.InitialExecutionState
    this.DurableExecutionArn = params.DurableExecutionArn
    this.CheckpointToken = params.CheckpointToken
    if (params.UpdatedOperationIds !== undefined) this.UpdatedOperationIds = params.UpdatedOperationIds
  }

  /** Whether `event` is an event with its own transport. */
  static isInstance(event: unknown): event is DurableExecutionInvocationInputWithClient {
    if (event instanceof DurableExecutionInvocationInputWithClient) return true
    return (
      typeof event === "object" &&
      event !== null &&
      Object.prototype.toString.call(event) === "[object DurableExecutionInvocationInputWithClient]" &&
      "durableExecutionClient" in event &&
      event.constructor?.name === "DurableExecutionInvocationInputWithClient"
    )
  }

  get [Symbol.toStringTag](): string {
    return "DurableExecutionInvocationInputWithClient"
  }
}
