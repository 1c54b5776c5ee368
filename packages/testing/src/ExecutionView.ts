/**
 * What results and operation handles read: one execution as seen through a runner. The local runner's view
 * reads the in-memory service; `CloudDurableTestRunner`'s reads what it polled from the Lambda API. Handles
 * and results never reach into either directly.
 *
 * @internal
 */
import type { Operation } from "@durable-lambda/core"
import type { HistoryEvent } from "./History.ts"
import { realmCopy, realmCopyOfClone } from "./internal/realmCopy.ts"
import type { Simulation } from "./internal/simulation.ts"
import type { InvocationRecord, RejectedCallbackAnswer } from "./internal/simulation/records.ts"

/** The execution's description (`GetDurableExecution`). */
export interface Description {
  readonly Status: "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "STOPPED" | "RUNNING"
  readonly Result?: string | undefined
  readonly Error?: Operation.ErrorObject | undefined
}

/** A callback API call. */
export type CallbackCall =
  | { readonly _tag: "success"; readonly result: string | undefined }
  | { readonly _tag: "failure"; readonly error: Operation.ErrorObject | undefined }
  | { readonly _tag: "heartbeat" }

/** A child execution started by a chained invoke. */
export interface ChildView {
  readonly arn: string
  readonly description: Description | undefined
  readonly history: ReadonlyArray<HistoryEvent>
  readonly operations: ReadonlyArray<Operation.Operation>
}

/** One execution as a runner sees it. */
export interface ExecutionView {
  readonly arn: string
  /** Every operation, EXECUTION first, first-seen order. */
  operations(): ReadonlyArray<Operation.Operation>
  /** Every history event, EventId order. */
  history(): ReadonlyArray<HistoryEvent>
  description(): Description | undefined
  /** Invocation records (local runs only; empty otherwise). */
  invocations(): ReadonlyArray<InvocationRecord>
  duplicates(): ReadonlyArray<InvocationRecord>
  child(operationId: string): ChildView | undefined
  /** Whether the run is over (no more changes will come). */
  finished(): boolean
  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: () => void): () => void
  /** Sends a callback API call; rejects with the service's error (its `name` is the error code). */
  sendCallback(callbackId: string, call: CallbackCall): Promise<void>
  /** What only a local run records (timeline, cost, rejected callback answers); undefined for a cloud run. */
  readonly local: LocalRun | undefined
}

/** What a local run records beyond the service's view. */
export interface LocalRun {
  /** Whether the run was on virtual time. */
  readonly virtual: boolean
  /** The memory size of the Lambda context (for GB-seconds). */
  readonly memoryMB: number
  /** The invocation whose checkpoint produced history event `eventId`. */
  eventOwner(eventId: number): InvocationRecord | undefined
  /** Scripted callback answers the service rejected, in order. */
  rejectedCallbackAnswers(): ReadonlyArray<RejectedCallbackAnswer>
}

const unwrap = <A>(result: { readonly _tag: "Success"; readonly success: A } | { readonly _tag: "Failure" }) =>
  result._tag === "Success" ? result.success : undefined

/** The view of execution `arn` of a local simulation. */
export const ofSimulation = (sim: Simulation, arn: string): ExecutionView => ({
  arn,
  local: {
    virtual: sim.clock !== undefined,
    memoryMB: sim.options.memoryMB,
    eventOwner: (eventId) => sim.eventOwner(arn, eventId),
    rejectedCallbackAnswers: () => sim.rejectedCallbackAnswers.slice()
  },
  operations: () => realmCopy(sim.state.operations(arn)),
  history: () => realmCopyOfClone(unwrap(sim.state.getHistory(arn)) ?? []),
  description: () => realmCopy(unwrap(sim.state.getExecution(arn))),
  invocations: () => sim.invocationsOf(arn),
  duplicates: () => sim.duplicatesOf(arn),
  child: (operationId) => {
    const child = sim.childrenOf(arn).get(operationId)
    if (child === undefined) return undefined
    return {
      arn: child,
      description: realmCopy(unwrap(sim.state.getExecution(child))),
      history: realmCopyOfClone(unwrap(sim.state.getHistory(child)) ?? []),
      operations: realmCopy(sim.state.operations(child))
    }
  },
  finished: () => sim.finished,
  onChange: (listener) => sim.onChange(listener),
  sendCallback: (callbackId, call) => {
    const result = sim.external(() =>
      call._tag === "success"
        ? sim.state.sendCallbackSuccess(callbackId, call.result)
        : call._tag === "failure"
          ? sim.state.sendCallbackFailure(callbackId, call.error)
          : sim.state.sendCallbackHeartbeat(callbackId)
    )
    if (result._tag === "Failure") {
      const error = new Error(result.failure.message)
      error.name = result.failure.code
      return Promise.reject(error)
    }
    return Promise.resolve()
  }
})
