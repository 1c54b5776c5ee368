/**
 * The callback algorithms over an allocated id (`createCallback` and `waitForCallback`), shared by the
 * `Callback` module and the async API. Engine-internal (not part of the package's public surface).
 */
import * as Effect from "effect/Effect"
import type { ContextState } from "../../DurableContext.ts"
import type { Allocation } from "./allocation.ts"
import { toSeconds, type Duration } from "../../Duration.ts"
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
} from "../../Errors.ts"
import type { ErrorObject, Operation } from "../../Operation.ts"
import { isTerminal, OperationSubType } from "../../Operation.ts"
import { defaultSerdes, passThroughSerdes, type Serdes } from "../../Serdes.ts"
import * as Lifecycle from "../lifecycle.ts"
import * as SerdesRunner from "../serdesRunner.ts"
import { implementation, type SerdesLike } from "../syncSerdes.ts"
import { executionFailed } from "../termination.ts"
import * as Alloc from "./allocation.ts"
import * as StepEngine from "./step.ts"
import * as ChildContextEngine from "./childContext.ts"
import type {
  Callback,
  CallbackFailure,
  CallbackSerdes,
  CreateCallbackConfig,
  WaitForCallbackConfig
} from "../../Callback.ts"

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
    Alloc.afterReplay(alloc.state)
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
    yield* Alloc.admit(alloc)
    const runtime = alloc.state.runtime
    let record = alloc.record
    if (record === undefined) {
      yield* runtime.checkpoint({ ...Alloc.baseUpdate(alloc), Action: "START", CallbackOptions: options }, true)
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
    if (record.Status === "SUCCEEDED") Alloc.afterReplay(alloc.state)
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
  ChildContextEngine.execute<string | undefined, unknown>(
    alloc,
    (child) =>
      Effect.gen(function* () {
        const callbackAlloc = Alloc.allocate(child, "CALLBACK", OperationSubType.CALLBACK, undefined, "waitForCallback")
        const callback = yield* execute<string | undefined>(callbackAlloc, options, passThroughSerdes)
        const stepAlloc = Alloc.allocate(child, "STEP", OperationSubType.STEP, undefined, "waitForCallback")
        yield* StepEngine.execute<void, never>(stepAlloc, {
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
