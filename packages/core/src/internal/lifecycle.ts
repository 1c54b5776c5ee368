/**
 * The operation-level plugin hooks, shared by every operation: the plugin view of an allocated operation
 * (the recorded fields, backfilled from the allocation when nothing is recorded yet) and the start, end and
 * attempt notifications.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { Allocation } from "./engine/allocation.ts"
import type {
  AttemptEndInfo,
  AttemptEndInfoOutcome,
  AttemptInfo,
  OperationInfo,
  PluginOperationStatus
} from "../Instrumentation.ts"
import type { StepSemantics } from "../Step.ts"
import { operationInfo } from "./plugins.ts"

/** The plugin view of `alloc`, from its current ledger record. */
export const infoOf = (alloc: Allocation, isReplay: boolean, status?: PluginOperationStatus): OperationInfo => {
  const info = operationInfo(alloc.state.runtime.ledger.get(alloc.id), isReplay)
  if (!info.id) info.id = alloc.id
  if (!info.type) info.type = alloc.type
  if (info.subType === undefined) info.subType = alloc.subType
  if (info.name === undefined && alloc.name !== undefined) info.name = alloc.name
  if (info.parentId === undefined && alloc.state.id !== undefined) info.parentId = alloc.state.id
  if (status !== undefined) info.status = status
  return info
}

/** `onOperationStart` for `alloc`. */
export const started = (alloc: Allocation, isReplay: boolean, status?: PluginOperationStatus): Effect.Effect<void> =>
  alloc.state.runtime.plugins.emit("onOperationStart", () => infoOf(alloc, isReplay, status))

/** `onOperationEnd` for `alloc`. */
export const ended = (
  alloc: Allocation,
  isReplay: boolean,
  status?: PluginOperationStatus,
  error?: unknown
): Effect.Effect<void> =>
  alloc.state.runtime.plugins.emit("onOperationEnd", () => {
    const info = infoOf(alloc, isReplay, status)
    if (error !== undefined) info.error = asError(error)
    return info
  })

/** Whether the service reported `alloc` as changed since the previous invocation. */
export const updatedSincePrevious = (alloc: Allocation): boolean =>
  alloc.state.runtime.updatedOperationIds.has(alloc.id)

/** `onOperationEnd` for a wait, callback or invoke found completed: a replay unless it completed meanwhile. */
export const endedBeforeThisInvocation = (alloc: Allocation): Effect.Effect<void> =>
  ended(alloc, !updatedSincePrevious(alloc))

export const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)))

/** The plugin view of one attempt, stamped with the current time as its start. */
export const attemptInfo = (
  alloc: Allocation,
  attempt: number,
  semantics: StepSemantics | undefined
): Effect.Effect<AttemptInfo> =>
  Effect.map(Clock.currentTimeMillis, (now) => {
    const info: AttemptInfo = { ...infoOf(alloc, false), attempt, startTimestamp: new Date(now) }
    if (semantics !== undefined) info.semantics = semantics
    return info
  })

/** `onOperationAttemptEnd`, then (when the operation is done) `onOperationEnd`, for an attempt that ended. */
export const attemptEnded = (
  alloc: Allocation,
  start: AttemptInfo,
  outcome: AttemptEndInfoOutcome,
  status: PluginOperationStatus,
  error: unknown,
  operationDone: boolean
): Effect.Effect<void> => {
  const plugins = alloc.state.runtime.plugins
  if (!plugins.active) return Effect.void
  return Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const info: AttemptEndInfo = {
      ...infoOf(alloc, false, status),
      attempt: start.attempt,
      ...(start.startTimestamp === undefined ? {} : { startTimestamp: start.startTimestamp }),
      endTimestamp: new Date(now),
      outcome,
      ...(start.semantics === undefined ? {} : { semantics: start.semantics }),
      ...(error === undefined ? {} : { error: asError(error) })
    }
    yield* plugins.emit("onOperationAttemptEnd", () => info)
    if (operationDone) yield* plugins.emit("onOperationEnd", () => info)
  })
}
