/**
 * The constructors of context states: the root of an invocation, checkpointed and virtual children, and the
 * scope a step body sees. Engine-internal (not part of the package's public surface).
 */
import type { DurableLogger } from "../../Logger.ts"
import * as OperationId from "../../OperationId.ts"
import type { AttemptSignal } from "../attempt.ts"
import type { Runtime } from "../runtime.ts"
import type { ContextState, Mode } from "../../DurableContext.ts"

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
