/**
 * What results and operation handles read: one execution as seen through a runner. The local runner's view
 * reads the in-memory service; `CloudDurableTestRunner`'s reads what it polled from the Lambda API. Handles
 * and results never reach into either directly.
 *
 * @internal
 */
import type { Operation } from "@durable-lambda/core"
import type { HistoryEvent } from "./History.ts"
import { realmCopy } from "./internal/realmCopy.ts"
import type { InvocationRecord, Simulation } from "./internal/simulation.ts"

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
  /** The simulation behind a local run (timeline and cost), if any. */
  readonly simulation: Simulation | undefined
}

const unwrap = <A>(result: { readonly _tag: "Success"; readonly success: A } | { readonly _tag: "Failure" }) =>
  result._tag === "Success" ? result.success : undefined

/** The view of execution `arn` of a local simulation. */
export const ofSimulation = (sim: Simulation, arn: string): ExecutionView => ({
  arn,
  simulation: sim,
  operations: () => realmCopy(sim.state.operations(arn)),
  history: () => realmCopy(unwrap(sim.state.getHistory(arn)) ?? []),
  description: () => realmCopy(unwrap(sim.state.getExecution(arn))),
  invocations: () => sim.invocationsOf(arn),
  duplicates: () => sim.duplicatesOf(arn),
  child: (operationId) => {
    const child = sim.childrenOf(arn).get(operationId)
    if (child === undefined) return undefined
    return {
      arn: child,
      description: realmCopy(unwrap(sim.state.getExecution(child))),
      history: realmCopy(unwrap(sim.state.getHistory(child)) ?? []),
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
