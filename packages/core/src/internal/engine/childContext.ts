/**
 * The child-context algorithms (checkpointed and virtual) over an allocated id, shared by `ChildContext.run`,
 * the async API, callbacks and batches. Engine-internal (not part of the package's public surface).
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { Limits } from "../../Config.ts"
import type { ContextState } from "../../DurableContext.ts"
import type { Allocation } from "./allocation.ts"
import * as Ctx from "../../DurableContext.ts"
import { ChildContextError, clampErrorObject, fromErrorObject, toErrorObject } from "../../Errors.ts"
import { readableThrowable } from "../readableThrowable.ts"
import { type ErrorObject, isTerminal } from "../../Operation.ts"
import * as OperationId from "../../OperationId.ts"
import { utf8Length } from "../bytes.ts"
import { checkPayload } from "../payload.ts"
import * as Lifecycle from "../lifecycle.ts"
import * as Ticks from "../ticks.ts"
import * as SerdesRunner from "../serdesRunner.ts"
import * as TypedErrors from "../typedErrorCodec.ts"
import * as Alloc from "./allocation.ts"
import * as ContextStates from "./contextState.ts"
import type { ChildConfig } from "../../ChildContext.ts"

/**
 * Validates the options both faces share (before any id is taken).
 *
 * @internal
 */
export const validateConfig = (
  config: ChildConfig<any, any> | undefined,
  what: string,
  face: "effect" | "async"
): void => {
  if (face === "effect" && config?.errorMapper !== undefined) {
    throw new TypeError(`${what}: errorMapper is for the async API; in the Effect API use Effect.mapError`)
  }
  if (config?.errorMapper !== undefined && typeof config.errorMapper !== "function") {
    throw new TypeError(`${what}: errorMapper must be a function`)
  }
}

const wrap = (error: unknown): ChildContextError => {
  const inner = fromErrorObject(clampErrorObject(toErrorObject(error)))
  return new ChildContextError(inner.message, inner)
}

const failedFromRecord = (alloc: Allocation): ChildContextError => {
  const error = alloc.record?.ContextDetails?.Error
  if (error === undefined) return new ChildContextError("Child context failed")
  const inner = fromErrorObject(error)
  return new ChildContextError(inner.message, inner)
}

/**
 * What a child that failed with `cause` stores (its ErrorObject, in the encoded form when the `error` schema
 * accepts it) and the error it fails with (the typed error, else a `ChildContextError`).
 */
const failed = <E2>(
  alloc: Allocation,
  config: ChildConfig<any, E2> | undefined,
  cause: unknown
): { readonly stored: ErrorObject; readonly error: ChildContextError | E2 } => {
  const failure = readableThrowable(cause)
  const typed = TypedErrors.encode(alloc, config?.error, failure)
  const stored = Result.isFailure(typed)
    ? clampErrorObject(toErrorObject(typed.failure))
    : clampErrorObject(toErrorObject(failure, typed.success))
  return {
    stored,
    error: TypedErrors.decode<E2>(config?.error, stored) ?? wrap(Result.isFailure(typed) ? typed.failure : failure)
  }
}

/**
 * `deserialize(serialize(value))` with the child's serdes: what a child returns in every mode (a serdes failure
 * ends the invocation, as when reading a stored result).
 */
const roundTrip = <A>(alloc: Allocation, serdes: ChildConfig<A, any>["serdes"], value: A): Effect.Effect<A> =>
  SerdesRunner.serialize(alloc, serdes, value).pipe(
    Effect.flatMap((payload) => SerdesRunner.deserialize<A>(alloc, serdes, payload)),
    Effect.catch((e) => alloc.state.runtime.terminate({ _tag: "InvocationFailed", error: e }))
  )

/**
 * How many microtasks after its SUCCEED (FAIL) the official SDK's child context hands its outcome to the code
 * that awaits it (internal/ticks.ts).
 */
const SUCCEEDED_TICKS = 7
const FAILED_TICKS = 5
/** The body starts a tick after the START is queued; the SUCCEED is queued two ticks after its value is known. */
const BODY_TICKS = 1
const SERIALIZE_TICKS = 2

/**
 * The child-context algorithm over an allocated id; `body` runs with the child's state.
 *
 * @internal
 */
export const execute = <A, E, E2 = never>(
  alloc: Allocation,
  body: (child: ContextState) => Effect.Effect<A, E>,
  config: ChildConfig<A, E2> | undefined
): Effect.Effect<A, ChildContextError | E2> =>
  Effect.gen(function* () {
    yield* Alloc.admit(alloc)
    const { state, record } = alloc
    const runtime = state.runtime
    const serdes = config?.serdes
    if (record?.Status === "FAILED") {
      Alloc.afterReplay(state)
      return yield* Effect.fail(
        TypedErrors.decode<E2>(config?.error, record.ContextDetails?.Error) ?? failedFromRecord(alloc)
      )
    }
    if (record?.Status === "SUCCEEDED") {
      Alloc.afterReplay(state)
      if (record.ContextDetails?.ReplayChildren === true) {
        // The result was too large to store: rebuild it from the children, then give it the serdes round trip
        // the first run gave it (as the official SDK does), so both runs return the same value.
        const rebuilt = yield* body(ContextStates.makeChild(state, alloc.rawId, "replaySucceeded", alloc.name)).pipe(
          Effect.mapError(wrap)
        )
        return yield* roundTrip(alloc, serdes, rebuilt)
      }
      return yield* SerdesRunner.deserialize<A>(alloc, serdes, record.ContextDetails?.Result).pipe(
        Effect.catch((e) => runtime.terminate({ _tag: "InvocationFailed", error: e }))
      )
    }
    const base = Alloc.baseUpdate(alloc)
    if (record === undefined) {
      yield* runtime.checkpoint({ ...base, Action: "START" }, false)
      yield* Lifecycle.started(alloc, false, "STARTED")
    } else {
      yield* Lifecycle.started(alloc, true)
    }
    yield* Ticks.ticks(BODY_TICKS)
    const child = ContextStates.makeChild(state, alloc.rawId, record === undefined ? "execute" : "replay", alloc.name)
    const plugins = runtime.plugins
    const run = plugins.has("wrapChildContextFn")
      ? plugins.wrap("wrapChildContextFn", Lifecycle.infoOf(alloc, child.mode !== "execute"), body(child))
      : body(child)
    const outcome = yield* Effect.result(run)
    // pluginsConfig.childOperationsDepth: keep this context's children in the state of later invocations. The
    // depth counts checkpointed contexts only (virtual ones add a segment to the id but no level to the tree).
    const preserve = runtime.childOperationsDepth >= alloc.rawId.split("-").length - state.virtualDepth
    const preserved = preserve ? { ContextOptions: { ReplayChildren: true } } : {}
    // A child's completion rides with the next update that needs an answer (or the flush before suspending or
    // returning): its operations are already durable, so a crash before then only re-runs the child's own code.
    const awaitCompletion = false
    if (outcome._tag === "Failure") {
      const { stored, error } = failed(alloc, config, outcome.failure)
      yield* runtime.checkpoint({ ...base, Action: "FAIL", Error: stored, ...preserved }, awaitCompletion)
      yield* Lifecycle.ended(alloc, false, "FAILED", fromErrorObject(stored))
      yield* Ticks.ticks(FAILED_TICKS)
      return yield* Effect.fail(error)
    }
    const value = outcome.success
    yield* Ticks.ticks(SERIALIZE_TICKS)
    const serialized = yield* Effect.result(SerdesRunner.serialize(alloc, serdes, value))
    if (serialized._tag === "Failure") {
      yield* runtime.checkpoint({ ...base, Action: "FAIL", Error: toErrorObject(serialized.failure) }, awaitCompletion)
      yield* Lifecycle.ended(alloc, false, "FAILED", serialized.failure)
      return yield* Effect.fail(wrap(serialized.failure))
    }
    const payload = serialized.success
    if (payload !== undefined && utf8Length(payload) > Limits.childResultBytes) {
      const summary = config?.summaryGenerator?.(value) ?? ""
      const tooLarge = checkPayload(alloc, "summary of child context", summary)
      if (tooLarge !== undefined) {
        yield* runtime.checkpoint(
          { ...base, Action: "FAIL", Error: clampErrorObject(toErrorObject(tooLarge)) },
          awaitCompletion
        )
        yield* Lifecycle.ended(alloc, false, "FAILED", tooLarge)
        return yield* Effect.fail(wrap(tooLarge))
      }
      yield* runtime.checkpoint(
        { ...base, Action: "SUCCEED", Payload: summary, ContextOptions: { ReplayChildren: true } },
        awaitCompletion
      )
      yield* Lifecycle.ended(alloc, false, "SUCCEEDED")
      yield* Ticks.ticks(SUCCEEDED_TICKS)
      return yield* SerdesRunner.deserialize<A>(alloc, serdes, payload).pipe(
        Effect.catch((e) => runtime.terminate({ _tag: "InvocationFailed", error: e }))
      )
    }
    yield* runtime.checkpoint(
      payload === undefined
        ? { ...base, Action: "SUCCEED", ...preserved }
        : { ...base, Action: "SUCCEED", Payload: payload, ...preserved },
      awaitCompletion
    )
    yield* Lifecycle.ended(alloc, false, "SUCCEEDED")
    yield* Ticks.ticks(SUCCEEDED_TICKS)
    return yield* SerdesRunner.deserialize<A>(alloc, serdes, payload).pipe(
      Effect.catch((e) => runtime.terminate({ _tag: "InvocationFailed", error: e }))
    )
  })

/**
 * Takes the id of a virtual child context. A virtual context has no record, so the parent stays in replay when
 * the first operation inside it is recorded (otherwise logs after it would be written again on replay).
 *
 * @internal
 */
export const allocateVirtual = (
  state: ContextState,
  subType: string,
  name: string | undefined,
  method: string
): Allocation => {
  const before = state.mode
  const alloc = Alloc.allocate(state, "CONTEXT", subType, name, method)
  if (before === "replay" && alloc.record === undefined && firstInside(alloc) !== undefined) state.mode = "replay"
  return alloc
}

const firstInside = (alloc: Allocation) =>
  alloc.state.runtime.ledger.get(OperationId.hash(OperationId.child(alloc.rawId, 1)))

/**
 * The virtual child-context algorithm (`virtualContext: true`, FLAT map items and parallel branches): the body
 * runs with a child state numbered under the allocated id whose operations keep the parent's `ParentId`;
 * nothing is checkpointed for the context itself, and the result goes through the serdes round trip (as a
 * checkpointed child's does). A context recorded as a checkpointed one completes from its record.
 *
 * @internal
 */
export const executeVirtual = <A, E, E2 = never>(
  alloc: Allocation,
  body: (child: ContextState) => Effect.Effect<A, E>,
  config: ChildConfig<A, E2> | undefined
): Effect.Effect<A, ChildContextError | E2> =>
  Effect.gen(function* () {
    if (alloc.violation !== undefined) yield* Alloc.admit(alloc)
    if (alloc.record !== undefined && isTerminal(alloc.record.Status)) return yield* execute(alloc, body, config)
    const { state } = alloc
    const runtime = state.runtime
    const mode: Ctx.Mode =
      state.mode === "replaySucceeded" ? "replaySucceeded" : firstInside(alloc) === undefined ? "execute" : "replay"
    yield* Lifecycle.started(alloc, true)
    yield* Ticks.ticks(BODY_TICKS)
    const child = ContextStates.makeVirtualChild(state, alloc.rawId, mode, alloc.name)
    const plugins = runtime.plugins
    const run = plugins.has("wrapChildContextFn")
      ? plugins.wrap("wrapChildContextFn", Lifecycle.infoOf(alloc, false), body(child))
      : body(child)
    const outcome = yield* Effect.result(run)
    Alloc.afterReplay(state)
    if (outcome._tag === "Failure") {
      const { stored, error } = failed(alloc, config, outcome.failure)
      yield* Lifecycle.ended(alloc, true, "FAILED", fromErrorObject(stored))
      yield* Ticks.ticks(FAILED_TICKS)
      return yield* Effect.fail(error)
    }
    yield* Ticks.ticks(SERIALIZE_TICKS)
    const serialized = yield* Effect.result(SerdesRunner.serialize(alloc, config?.serdes, outcome.success))
    if (serialized._tag === "Failure") {
      yield* Lifecycle.ended(alloc, true, "FAILED", serialized.failure)
      return yield* Effect.fail(wrap(serialized.failure))
    }
    yield* Lifecycle.ended(alloc, true, "SUCCEEDED")
    yield* Ticks.ticks(SUCCEEDED_TICKS)
    return yield* SerdesRunner.deserialize<A>(alloc, config?.serdes, serialized.success).pipe(
      Effect.catch((e) => runtime.terminate({ _tag: "InvocationFailed", error: e }))
    )
  })
