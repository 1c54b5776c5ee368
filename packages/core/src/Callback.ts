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
import * as ChildContext from "./ChildContext.ts"
import type { Allocation, ContextState } from "./DurableContext.ts"
import * as Ctx from "./DurableContext.ts"
import { DurableContext } from "./DurableContext.ts"
import { toSeconds, type Duration } from "./Duration.ts"
import {
  CallbackError,
  CallbackExternalError,
  CallbackHeartbeatTimeoutError,
  CallbackSubmitterError,
  CallbackTimeoutError,
  causeFromErrorObject,
  ChildContextError,
  type DurableOperationError,
  StepError
} from "./Errors.ts"
import type { ErrorObject, Operation } from "./Operation.ts"
import { isTerminal, OperationSubType } from "./Operation.ts"
import type { RetryStrategy } from "./RetryStrategy.ts"
import { defaultSerdes, passThroughSerdes, type Serdes } from "./Serdes.ts"
import * as Step from "./Step.ts"
import * as Lifecycle from "./internal/lifecycle.ts"
import * as SerdesRunner from "./internal/serdesRunner.ts"
import { implementation, type SerdesLike } from "./internal/syncSerdes.ts"
import { withName } from "./internal/namedArgs.ts"
import { executionFailed } from "./internal/termination.ts"

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

const MAX_CALLBACK_SECONDS = 99_999_999

const callbackSeconds = (d: Duration | undefined, what: string): number | undefined => {
  if (d === undefined) return undefined
  if (typeof d !== "object" || d === null)
    throw new TypeError(`${what}: expected a duration object such as { hours: 1 }`)
  const seconds = toSeconds(d)
  if (!Number.isFinite(seconds) || !Number.isInteger(seconds) || seconds < 0 || seconds > MAX_CALLBACK_SECONDS) {
    throw new TypeError(
      `${what}: duration must be a whole number of seconds between 0 and ${MAX_CALLBACK_SECONDS}, got ${JSON.stringify(d)} (${seconds} s)`
    )
  }
  return seconds
}

/**
 * The validated `CallbackOptions` of a config (throws a `TypeError` for an invalid duration).
 *
 * @internal
 */
export const callbackOptions = (
  config: Pick<CreateCallbackConfig<unknown>, "timeout" | "heartbeatTimeout"> | undefined,
  method: string
): { readonly TimeoutSeconds?: number; readonly HeartbeatTimeoutSeconds?: number } => {
  const timeout = callbackSeconds(config?.timeout, `${method}: timeout`)
  const heartbeat = callbackSeconds(config?.heartbeatTimeout, `${method}: heartbeatTimeout`)
  return {
    ...(timeout === undefined ? {} : { TimeoutSeconds: timeout }),
    ...(heartbeat === undefined ? {} : { HeartbeatTimeoutSeconds: heartbeat })
  }
}

const withData = (message: string, error: ErrorObject | undefined) =>
  [message, error === undefined ? undefined : causeFromErrorObject(error), error?.ErrorData] as const

/** The precise failure a terminal, unsuccessful callback record stands for. */
const failureOf = (record: Operation): CallbackFailure => {
  const error = record.CallbackDetails?.Error
  if (record.Status === "TIMED_OUT") {
    return error?.ErrorType === "Callback.Heartbeat"
      ? new CallbackHeartbeatTimeoutError(...withData(error.ErrorMessage || "Callback heartbeat timed out", error))
      : new CallbackTimeoutError(...withData(error?.ErrorMessage || "Callback timed out", error))
  }
  if (record.Status === "FAILED")
    return new CallbackExternalError(...withData(error?.ErrorMessage || "Callback failed", error))
  return new CallbackExternalError(...withData(error?.ErrorMessage || `Callback ${record.Status.toLowerCase()}`, error))
}

const asSerdes = <T>(serdes: CallbackSerdes<T> | undefined): SerdesLike<T> => {
  const impl = implementation((serdes ?? passThroughSerdes) as SerdesLike<T>)
  return {
    serialize: (value) => value as unknown as string | undefined,
    deserialize: (data, context) => impl.deserialize(data, context)
  }
}

/** Waits until the callback's record is terminal (checking the current status first), then reads it. */
const awaitResult = <T>(alloc: Allocation, serdes: CallbackSerdes<T> | undefined): Effect.Effect<T, CallbackFailure> =>
  Effect.gen(function* () {
    const runtime = alloc.state.runtime
    const handle = { awaited: true }
    let record = runtime.ledger.get(alloc.id)
    const completedHere = record === undefined || !isTerminal(record.Status)
    while (record === undefined || !isTerminal(record.Status)) {
      yield* runtime.awaitStatusChange(alloc.id, handle, undefined, record?.Status ?? "absent")
      record = runtime.ledger.get(alloc.id)
    }
    const failure = record.Status === "SUCCEEDED" ? undefined : failureOf(record)
    if (completedHere) yield* Lifecycle.ended(alloc, false, undefined, failure)
    if (failure !== undefined) return yield* Effect.fail(failure)
    Ctx.afterReplay(alloc.state)
    return yield* SerdesRunner.deserialize<T>(alloc, asSerdes(serdes), record.CallbackDetails?.Result).pipe(
      Effect.catch((e) => runtime.terminate({ _tag: "InvocationFailed", error: e }))
    )
  })

/**
 * The createCallback algorithm over an allocated id: START (awaited: the service assigns the id), then the
 * callback id and the result effect.
 *
 * @internal
 */
export const execute = <T>(
  alloc: Allocation,
  options: ReturnType<typeof callbackOptions>,
  serdes: CallbackSerdes<T> | undefined
): Effect.Effect<Callback<T>> =>
  Effect.gen(function* () {
    yield* Ctx.admit(alloc)
    const runtime = alloc.state.runtime
    let record = alloc.record
    if (record === undefined) {
      yield* runtime.checkpoint({ ...Ctx.baseUpdate(alloc), Action: "START", CallbackOptions: options }, true)
      record = runtime.ledger.get(alloc.id)
      yield* Lifecycle.started(alloc, false)
    } else if (isTerminal(record.Status)) {
      yield* Lifecycle.endedBeforeThisInvocation(alloc)
    } else {
      yield* Lifecycle.started(alloc, true)
    }
    const callbackId = record?.CallbackDetails?.CallbackId
    if (record === undefined || callbackId === undefined) {
      return yield* runtime.terminate(
        executionFailed(new CallbackError(`No callback ID found for callback: ${alloc.rawId}`))
      )
    }
    if (record.Status === "SUCCEEDED") Ctx.afterReplay(alloc.state)
    return {
      callbackId,
      result: awaitResult(alloc, serdes ?? alloc.state.serdesDefaults?.defaultCallbackDeserializer)
    }
  })

/**
 * The waitForCallback algorithm over an allocated outer CONTEXT (subtype `WaitForCallback`): callback
 * `<outer>-1`, submitter step `<outer>-2`, then the answer. The child stores the raw answer (JSON-encoded, as
 * the official SDK does); `serdes` is applied when reading it back.
 *
 * @internal
 */
export const executeWaitFor = <T>(
  alloc: Allocation,
  submitter: (callbackId: string, scope: ContextState) => Effect.Effect<void, unknown>,
  options: ReturnType<typeof callbackOptions>,
  config: WaitForCallbackConfig<T> | undefined
): Effect.Effect<T, ChildContextError> =>
  ChildContext.execute<string | undefined, unknown>(
    alloc,
    (child) =>
      Effect.gen(function* () {
        const callbackAlloc = Ctx.allocate(child, "CALLBACK", OperationSubType.CALLBACK, undefined, "waitForCallback")
        const callback = yield* execute<string | undefined>(callbackAlloc, options, passThroughSerdes)
        const stepAlloc = Ctx.allocate(child, "STEP", OperationSubType.STEP, undefined, "waitForCallback")
        yield* Step.execute<void, never>(stepAlloc, {
          config: config?.retryStrategy === undefined ? undefined : { retryStrategy: config.retryStrategy },
          handle: { awaited: true },
          attempt: (scope) => submitter(callback.callbackId, scope)
        })
        return yield* callback.result
      }),
    // The raw answer, JSON-encoded whatever default serdes the context has.
    { serdes: defaultSerdes as Serdes<string | undefined> }
  ).pipe(
    Effect.flatMap((raw) => {
      const serdes = config?.serdes ?? alloc.state.serdesDefaults?.defaultCallbackDeserializer
      return serdes === undefined
        ? Effect.succeed(raw as T)
        : SerdesRunner.deserialize<T>(alloc, asSerdes(serdes), raw).pipe(
            Effect.catch((e) => alloc.state.runtime.terminate({ _tag: "InvocationFailed", error: e }))
          )
    })
  )

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
    const options = callbackOptions(config, "createCallback")
    const alloc = Ctx.allocate(state, "CALLBACK", OperationSubType.CALLBACK, name, "createCallback")
    return yield* execute(alloc, options, config?.serdes)
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
 * The failure of a waitForCallback child as the official async API rejects with it (2.4.0): the callback's own
 * error as is, the submitter's exhausted `StepError` as `CallbackSubmitterError` (cause: that `StepError`), and
 * anything else as the `ChildContextError`.
 *
 * @internal
 */
export const asyncFailure = (error: ChildContextError): DurableOperationError => {
  const cause = error.cause
  if (cause instanceof CallbackError && !(cause instanceof CallbackSubmitterError)) return cause
  if (cause instanceof StepError) return new CallbackSubmitterError(cause.message, cause, cause.errorData)
  return error
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
    const options = callbackOptions(config, "waitForCallback")
    const alloc = Ctx.allocate(state, "CONTEXT", OperationSubType.WAIT_FOR_CALLBACK, name, "waitForCallback")
    return yield* executeWaitFor(
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
