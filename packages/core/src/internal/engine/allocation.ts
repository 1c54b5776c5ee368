/**
 * Operation identity: `allocate` takes the next id of a context for an operation and checks it against the
 * recorded history; `admit` fails the execution on a violation; `afterReplay` and `baseUpdate` are what every
 * operation does with its allocation. Engine-internal (not part of the package's public surface).
 */
import * as Effect from "effect/Effect"
import { ContextUsageError, NonDeterministicExecutionError } from "../../Errors.ts"
import type { Operation, OperationType } from "../../Operation.ts"
import { isTerminal } from "../../Operation.ts"
import * as OperationId from "../../OperationId.ts"
import { executionFailed } from "../termination.ts"
import type { ContextState } from "../../DurableContext.ts"

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
