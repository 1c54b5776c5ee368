/**
 * Callbacks: pause the workflow until an external system answers. `create` registers a callback with the
 * service and returns its id (hand it to the external system) and an effect that waits for the answer;
 * `waitFor` does both in one operation, running a submitter step that sends the id out.
 *
 * The external system answers with `SendDurableExecutionCallbackSuccess` / `...Failure` (and keeps a
 * heartbeat-limited callback alive with `...Heartbeat`). While the workflow waits, the invocation suspends:
 * no compute is billed, and the service invokes the function again once the answer arrives.
 *
 * **Example**
 * ```ts
 * const approval = Effect.gen(function* () {
 *   const answer = yield* Callback.waitFor(
 *     "approval",
 *     (callbackId) => Effect.promise(() => sendApprovalEmail(callbackId)),
 *     { timeout: { hours: 24 } }
 *   )
 *   return answer === "approved"
 * }).pipe(Effect.catchTag("CallbackTimeoutError", () => Effect.succeed(false)))
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { DurableContext } from "./DurableContext.ts"
import type { Duration } from "./Duration.ts"
import {
  CallbackError,
  CallbackExternalError,
  CallbackHeartbeatTimeoutError,
  CallbackTimeoutError,
  ChildContextError,
  StepError
} from "./Errors.ts"
import { OperationSubType } from "./Operation.ts"
import type { RetryStrategy } from "./RetryStrategy.ts"
import type { Serdes } from "./Serdes.ts"
import { withName } from "./internal/namedArgs.ts"
import * as Alloc from "./internal/engine/allocation.ts"
import * as CallbackEngine from "./internal/engine/callback.ts"

/**
 * How a callback's raw result (the string the external system sent) becomes the value the workflow sees. Only
 * `deserialize` is used; any full `Serdes` fits.
 *
 * @since 0.1.0
 */
export interface CallbackSerdes<T> {
  readonly deserialize: Serdes<T>["deserialize"]
}

/**
 * Options of `createCallback` (the official `CreateCallbackConfig`).
 *
 * **Gotchas**: timeouts are whole seconds (0 to 99 999 999); `{ seconds: 0 }` means "no timeout", as in the
 * official SDK. A fractional or negative duration is rejected with a `TypeError` before anything is
 * checkpointed.
 *
 * @since 0.1.0
 */
export interface CreateCallbackConfig<T = string> {
  /** How long the service waits for an answer before failing with `CallbackTimeoutError` (default: no limit). */
  readonly timeout?: Duration
  /**
   * How long the service waits between heartbeats (`SendDurableExecutionCallbackHeartbeat`) before failing
   * with `CallbackHeartbeatTimeoutError` (default: no heartbeat required).
   */
  readonly heartbeatTimeout?: Duration
  /** Turns the raw result string into `T` (default: the string itself, unchanged). */
  readonly serdes?: CallbackSerdes<T>
}

/**
 * Options of `waitForCallback` (the official `WaitForCallbackConfig`): the callback's options plus the
 * submitter step's retry strategy (default `retryPresets.default`).
 *
 * @since 0.1.0
 */
export interface WaitForCallbackConfig<T = string> extends CreateCallbackConfig<T> {
  readonly retryStrategy?: RetryStrategy
}

/**
 * The failures a callback can end with, told apart by `_tag` (Effect) or `instanceof` (async): all three are
 * `CallbackError`s.
 *
 * @since 0.1.0
 */
export type CallbackFailure = CallbackExternalError | CallbackTimeoutError | CallbackHeartbeatTimeoutError

/**
 * A created callback: its id, for the external system, and the effect that waits for the answer.
 *
 * @since 0.1.0
 */
export interface Callback<T> {
  /** The id the external system passes to `SendDurableExecutionCallbackSuccess` / `...Failure`. */
  readonly callbackId: string
  /**
   * Waits for the answer (the invocation suspends meanwhile) and returns it deserialized, or fails with the
   * precise `CallbackFailure`. Running it again returns the same outcome.
   */
  readonly result: Effect.Effect<T, CallbackFailure>
}

const parseNamed = (args: ReadonlyArray<any>): [string | undefined, any, any] =>
  withName(args) as [string | undefined, any, any]

/**
 * Creates a callback named `name` (optional). Succeeds, without suspending, with the callback id and an
 * effect that waits for the answer.
 *
 * **When to use**: when the id must go out in a way a single submitter step does not fit (several messages,
 * a step whose result you also need), or when you wait for several callbacks at once. Otherwise prefer
 * `waitFor`.
 *
 * **Gotchas**: the callback exists from the moment `create` runs: an answer that arrives before `result` is
 * awaited is kept. The result is the raw string unless `serdes` is given (a JSON answer needs
 * `{ deserialize: (s) => s === undefined ? undefined : JSON.parse(s) }`).
 *
 * @since 0.1.0
 */
export const create: {
  <T = string>(
    name: string | undefined,
    config?: CreateCallbackConfig<T>
  ): Effect.Effect<Callback<T>, never, DurableContext>
  <T = string>(config?: CreateCallbackConfig<T>): Effect.Effect<Callback<T>, never, DurableContext>
} = (...args: ReadonlyArray<any>): Effect.Effect<Callback<any>, never, DurableContext> => {
  const [name, config] = parseNamed(args) as [string | undefined, CreateCallbackConfig<any> | undefined, unknown]
  return Effect.gen(function* () {
    const state = yield* DurableContext
    const options = CallbackEngine.callbackOptions(config, "createCallback")
    const alloc = Alloc.allocate(state, "CALLBACK", OperationSubType.CALLBACK, name, "createCallback")
    return yield* CallbackEngine.execute(alloc, options, config?.serdes)
  })
}

/** Alias of `create`, with the official name. @since 0.1.0 */
export const createCallback = create

/** The failure of a waitForCallback child, unwrapped for the Effect API. */
const unwrap = (error: ChildContextError): CallbackFailure | StepError => {
  const cause = error.cause
  if (
    cause instanceof CallbackExternalError ||
    cause instanceof CallbackTimeoutError ||
    cause instanceof CallbackHeartbeatTimeoutError
  ) {
    return cause
  }
  if (cause instanceof CallbackError) {
    return new CallbackExternalError(cause.message, cause.cause, cause.errorData)
  }
  if (cause instanceof StepError) return cause
  return new StepError(error.message, error)
}

/**
 * Creates a callback, runs `submitter` with its id as a durable step, and waits for the answer.
 *
 * **Details**: one CONTEXT operation (subtype `WaitForCallback`) holding the callback (`<id>-1`) and the
 * submitter step (`<id>-2`, retried by `retryStrategy`). The effect fails with the callback's precise
 * `CallbackFailure`, or with the submitter step's `StepError` when its retries are exhausted.
 *
 * **Gotchas**: the submitter runs as a step body: it cannot call durable operations, and it may run again
 * (retries, or a crash before its result was recorded): make sending the id idempotent. The async API's
 * `context.waitForCallback` rejects as the official one does (`asyncFailure`): the callback's error as is, the
 * submitter's as `CallbackSubmitterError`.
 *
 * @since 0.1.0
 */
export const waitFor: {
  <T = string, E = never, R = never>(
    name: string | undefined,
    submitter: (callbackId: string) => Effect.Effect<void, E, R>,
    config?: WaitForCallbackConfig<T>
  ): Effect.Effect<T, CallbackFailure | StepError, R | DurableContext>
  <T = string, E = never, R = never>(
    submitter: (callbackId: string) => Effect.Effect<void, E, R>,
    config?: WaitForCallbackConfig<T>
  ): Effect.Effect<T, CallbackFailure | StepError, R | DurableContext>
} = (...args: ReadonlyArray<any>): Effect.Effect<any, any, any> => {
  const [name, submitter, config] = parseNamed(args) as [
    string | undefined,
    (callbackId: string) => Effect.Effect<void, unknown, unknown>,
    WaitForCallbackConfig<any> | undefined
  ]
  return Effect.gen(function* () {
    if (typeof submitter !== "function") throw new TypeError("waitForCallback requires a submitter function")
    const state = yield* DurableContext
    const context = yield* Effect.context<any>()
    const options = CallbackEngine.callbackOptions(config, "waitForCallback")
    const alloc = Alloc.allocate(state, "CONTEXT", OperationSubType.WAIT_FOR_CALLBACK, name, "waitForCallback")
    return yield* CallbackEngine.executeWaitFor(
      alloc,
      (callbackId, scope) =>
        submitter(callbackId).pipe(
          Effect.provideService(DurableContext, scope),
          Effect.catchDefect((defect) => Effect.fail(defect)),
          Effect.provideContext(context)
        ) as Effect.Effect<void, unknown>,
      options,
      config
    ).pipe(Effect.mapError(unwrap))
  })
}

/** Alias of `waitFor`, with the official name. @since 0.1.0 */
export const waitForCallback = waitFor
