/**
 * The durable context as an Effect service: which context (root or child) the running code belongs to, its
 * operation counter, and whether it is replaying. Every durable operation reads it, so child contexts need no
 * manual threading: `ChildContext.run` provides the child's context to its body.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { ContextUsageError, NonDeterministicExecutionError } from "./Errors.ts"
import type { DurableLogData, DurableLogger } from "./Logger.ts"
import * as Logger from "./Logger.ts"
import type { Operation, OperationType } from "./Operation.ts"
import { isTerminal } from "./Operation.ts"
import * as OperationId from "./OperationId.ts"
import type { Serdes } from "./Serdes.ts"
import type { AttemptSignal } from "./internal/attempt.ts"
import type { Runtime } from "./internal/runtime.ts"
import { executionFailed } from "./internal/termination.ts"

/**
 * `replay`: operations found are completed ones being replayed (logs suppressed); `execute`: new work;
 * `replaySucceeded`: re-running a completed child whose result was too large to store (never runs new work).
 *
 * @internal
 */
export type Mode = "replay" | "execute" | "replaySucceeded"

/**
 * The state of one context. Created by the engine; user code reaches it through the `DurableContext` service
 * and treats it as opaque (its members are the engine's).
 *
 * @since 0.1.0
 */
export interface ContextState {
  /** @internal */
  readonly runtime: Runtime
  /** Raw id of this child context (its operations are numbered `<rawId>-1`, ...); undefined at the root. @internal */
  readonly rawId: string | undefined
  /** Wire id of this child context (the `ParentId` of its operations). @internal */
  readonly id: string | undefined
  /** Name of this child context, if it has one (the `operationName` of its log records). @internal */
  readonly name?: string | undefined
  /** Operations started so far in this context. @internal */
  counter: number
  /** @internal */
  mode: Mode
  /** Set while a step body runs: durable operations are not allowed there. @internal */
  readonly insideStep:
    | {
        readonly rawId: string
        readonly attempt: number
        readonly name?: string | undefined
        /** The attempt's cancellation (its `AbortSignal`). */
        readonly signal?: AttemptSignal | undefined
      }
    | undefined
  /** @internal */
  logger: DurableLogger
  /** @internal */
  modeAware: boolean
  /** Set by `configureSerdes`; inherited by child contexts created afterwards. @internal */
  serdesDefaults: SerdesDefaults | undefined
  /** The wire id of operation `counter + 1`, when replay already computed it (saves hashing it twice). @internal */
  peeked?: { readonly counter: number; readonly id: string } | undefined
  /**
   * How many virtual contexts (never checkpointed: `virtualContext`, FLAT map items) enclose this one: their
   * segments of `rawId` are not levels of the recorded operation tree. @internal
   */
  readonly virtualDepth: number
}

/** A serdes of any value. @since 0.1.0 */
export type AnySerdes = Serdes<any>
/** The reading half of a serdes (what a callback result needs). @since 0.1.0 */
export type AnySerdesDeserializer = Pick<AnySerdes, "deserialize">

/**
 * The serdes a context uses when an operation names none (the official `SerdesConfig`).
 *
 * @since 0.1.0
 */
export interface SerdesDefaults {
  /** For step, child context, map / parallel, invoke and waitForCondition payloads (default JSON). */
  readonly defaultSerdes?: AnySerdes | undefined
  /** For callback results (default: the raw string). */
  readonly defaultCallbackDeserializer?: AnySerdesDeserializer | undefined
}

/**
 * The durable context service.
 *
 * **Gotchas**: operations must be started in the same order on every replay. To run operations
 * concurrently, give each concurrent path its own child context (each has its own counter).
 *
 * @since 0.1.0
 */
export class DurableContext extends Context.Service<DurableContext, ContextState>()(
  "@durable-lambda/core/DurableContext"
) {}

/** @internal */
export const makeRoot = (runtime: Runtime, logger: DurableLogger): ContextState => ({
  runtime,
  rawId: undefined,
  id: undefined,
  counter: 0,
  mode: runtime.ledger.initialCount > 1 ? "replay" : "execute",
  insideStep: undefined,
  logger,
  modeAware: runtime.config.modeAwareLogging,
  serdesDefaults: undefined,
  virtualDepth: 0
})

const childState = (
  parent: ContextState,
  rawId: string,
  id: string | undefined,
  mode: Mode,
  name: string | undefined,
  virtualDepth: number
): ContextState => ({
  runtime: parent.runtime,
  rawId,
  id,
  name,
  counter: 0,
  mode,
  insideStep: undefined,
  logger: parent.logger,
  modeAware: parent.runtime.config.modeAwareLogging,
  serdesDefaults: parent.serdesDefaults,
  virtualDepth
})

/** @internal */
export const makeChild = (parent: ContextState, rawId: string, mode: Mode, name?: string): ContextState =>
  childState(parent, rawId, OperationId.hash(rawId), mode, name, parent.virtualDepth)

/**
 * The state of a virtual child context: its operations are numbered under `rawId` (`<rawId>-1`, ...) but
 * belong to the parent's context on the wire (their `ParentId` is the parent's), since a virtual context is
 * never checkpointed.
 *
 * @internal
 */
export const makeVirtualChild = (parent: ContextState, rawId: string, mode: Mode, name?: string): ContextState =>
  childState(parent, rawId, parent.id, mode, name, parent.virtualDepth + 1)

/** @internal The context a step body sees: same numbering, but durable operations are refused. */
export const makeStepScope = (
  parent: ContextState,
  rawId: string,
  attempt: number,
  name?: string,
  signal?: AttemptSignal
): ContextState => ({
  ...parent,
  insideStep: { rawId, attempt, name, signal },
  mode: "execute"
})

/** Log data of a context: execution, request, the active operation (id and name) and attempt. @since 0.1.0 */
export const logData = (state: ContextState): DurableLogData => {
  const r = state.runtime
  const step = state.insideStep
  const operationRaw = step?.rawId ?? state.rawId
  const operationName = step === undefined ? state.name : step.name
  return {
    requestId: r.requestId ?? "",
    executionArn: r.arn,
    ...(r.tenantId === undefined ? {} : { tenantId: r.tenantId }),
    ...(operationRaw === undefined ? {} : { operationId: OperationId.hash(operationRaw) }),
    ...(operationRaw === undefined || operationName === undefined ? {} : { operationName }),
    ...(step === undefined ? {} : { attempt: step.attempt }),
    // Plugins' fields (e.g. a trace id) reach custom loggers too; the official SDK gives them to its default
    // logger only (see packages/compat/DIFFERENCES.md, [log-enrichment]).
    ...r.plugins.enrichLogContext()
  }
}

/** The context's logger: replay-aware outside steps, always on inside step bodies. @since 0.1.0 */
export const loggerOf = (state: ContextState) =>
  Logger.bind(
    state.logger,
    () => logData(state),
    () => !state.modeAware || state.insideStep !== undefined || state.mode === "execute"
  )

const namePattern = /^[\x20-\x7E]{1,256}$/

/** @internal Throws a TypeError for a name the service would reject. */
export const validateName = (name: string | undefined, what: string): void => {
  if (name !== undefined && !namePattern.test(name)) {
    throw new TypeError(
      `${what}: name ${JSON.stringify(name)} is invalid: names must be 1 to 256 printable ASCII characters`
    )
  }
}

/**
 * An operation's identity, taken synchronously when the operation is called.
 *
 * @internal
 */
export interface Allocation {
  readonly state: ContextState
  readonly rawId: string
  readonly id: string
  readonly type: OperationType
  readonly subType: string
  readonly name: string | undefined
  /** The recorded operation at this id, if any (replay). */
  readonly record: Operation | undefined
  /** Why the execution must fail instead of running this operation (misuse or non-determinism). */
  readonly violation: unknown
}

/**
 * Takes the next id of `state` for an operation and checks it against the recorded history: same type, name
 * and subtype, or a `NonDeterministicExecutionError` naming both sides.
 *
 * @internal
 */
export const allocate = (
  state: ContextState,
  type: OperationType,
  subType: string,
  name: string | undefined,
  method: string
): Allocation => {
  validateName(name, method)
  if (state.insideStep !== undefined) {
    return {
      state,
      rawId: "",
      id: "",
      type,
      subType,
      name,
      record: undefined,
      violation: new ContextUsageError({
        message: `Context usage error in "${method}": durable operations cannot run inside a step body (step "${state.insideStep.rawId}"). Use a child context for composite work.`
      })
    }
  }
  const rawId = OperationId.child(state.rawId, ++state.counter)
  const peeked = state.peeked
  const id = peeked !== undefined && peeked.counter === state.counter ? peeked.id : OperationId.hash(rawId)
  const record = state.runtime.ledger.get(id)
  if (record === undefined || !isTerminal(record.Status)) {
    if (state.mode === "replay") state.mode = "execute"
  }
  let violation: unknown = undefined
  if (record !== undefined) {
    if (record.Type !== type) violation = NonDeterministicExecutionError.of(rawId, "Type", record.Type, type)
    else if (record.Name !== name) violation = NonDeterministicExecutionError.of(rawId, "Name", record.Name, name)
    else if ((record.SubType ?? undefined) !== subType)
      violation = NonDeterministicExecutionError.of(rawId, "SubType", record.SubType, subType)
  }
  return { state, rawId, id, type, subType, name, record, violation }
}

/**
 * Fails the execution if the allocation found a violation; otherwise succeeds with it.
 *
 * @internal
 */
export const admit = (alloc: Allocation): Effect.Effect<Allocation> => {
  if (alloc.violation !== undefined) return alloc.state.runtime.terminate(executionFailed(alloc.violation))
  // Rebuilding a completed child from its children: anything unfinished there was abandoned; never run it.
  if (alloc.state.mode === "replaySucceeded" && (alloc.record === undefined || !isTerminal(alloc.record.Status))) {
    return Effect.never
  }
  return Effect.succeed(alloc)
}

/**
 * After an operation replayed from a completed record: switch the context to `execute` when nothing further
 * is recorded, so logs after the resumption point are written.
 *
 * @internal
 */
export const afterReplay = (state: ContextState): void => {
  if (state.mode !== "replay") return
  const counter = state.counter + 1
  const next = OperationId.hash(OperationId.child(state.rawId, counter))
  state.peeked = { counter, id: next }
  if (state.runtime.ledger.get(next) === undefined) state.mode = "execute"
}

/** @internal The common update fields of an allocated operation (repeated on every update, as the service requires). */
export const baseUpdate = (alloc: Allocation) => ({
  Id: alloc.id,
  ...(alloc.state.id === undefined ? {} : { ParentId: alloc.state.id }),
  ...(alloc.name === undefined ? {} : { Name: alloc.name }),
  Type: alloc.type,
  SubType: alloc.subType
})
