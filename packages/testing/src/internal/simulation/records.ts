/**
 * The simulation's records: what runs (targets, registrations, scripted callback answers), its options,
 * and what it records (invocation records, snapshots, rejected callback answers), plus the per-execution and
 * per-invocation bookkeeping the other parts of the simulation share.
 *
 * @internal
 */
import type { ServiceState } from "@durable-lambda/backend-mock"
import type { Handler, Invocation, Operation } from "@durable-lambda/core"
import type { Context, Layer } from "effect"
import type { Fault } from "../faultPlan.ts"

/** How the handler of an execution is run. */
export type Target =
  | {
      readonly _tag: "InProcess"
      readonly handler: Handler.DurableHandler<any>
      readonly services: Layer.Layer<any, any, never> | undefined
      /** Services from the caller (Effect API), provided to every invocation. */
      readonly context?: Context.Context<any> | undefined
    }
  | { readonly _tag: "Worker"; readonly module: string; readonly exportName: string }

/** A chained-invoke target. */
export type Registered =
  | {
      readonly _tag: "Durable"
      readonly target: Target
      /** The target execution's `ExecutionTimeout` (default: the service maximum). */
      readonly executionTimeoutSeconds?: number | undefined
    }
  | { readonly _tag: "Plain"; readonly fn: (event: any, context: any) => unknown }

/** A scripted reaction to a callback: what an external system does once the callback exists. */
export interface CallbackAction {
  /** Callback operation name to react to; `"*"` or undefined for any. */
  readonly name?: string | undefined
  readonly operation: "success" | "failure" | "heartbeat"
  /** Result text (success) or error object (failure). */
  readonly payload?: string | Operation.ErrorObject | undefined
  /** Virtual (or real) milliseconds after the previous action of this responder (or the CallbackStarted). */
  readonly delayMillis?: number | undefined
}

/** Options of a simulation. */
export interface SimulationOptions {
  readonly time: "virtual" | "real"
  readonly startTime: number
  readonly seed: string
  readonly functionName: string
  readonly executionTimeoutSeconds: number | undefined
  readonly invocationTimeoutMillis: number
  readonly maxInvocations: number
  readonly maxConsecutiveFunctionErrors: number
  readonly invocationRetryDelayMillis: number
  readonly memoryMB: number
  readonly faults: ReadonlyArray<Fault>
  readonly functions: ReadonlyMap<string, Registered>
  readonly callbackActions: ReadonlyArray<ReadonlyArray<CallbackAction>>
  readonly pageSize: number | undefined
  readonly newExecutionState: "delta" | "full" | undefined
  /** Event-loop turns without activity before virtual time moves (default 5). */
  readonly settleTurns: number
  /** Virtual milliseconds the service takes to answer each checkpoint call (official `checkpointDelay`). */
  readonly checkpointDelayMillis?: number | undefined
  /** Record the root execution's state before every checkpoint call (for the determinism check). */
  readonly recordSnapshots?: boolean
  /**
   * Record every step attempt (`Kernel.stepAttempts`, for the fault checker's at-most-once check). It costs an
   * instrumentation plugin in every invocation, so only the runs that read the attempts ask for it.
   */
  readonly recordStepAttempts?: boolean
}

/** The root execution's state just before a checkpoint call, and what that call sent. */
export interface Snapshot {
  /** 1-based checkpoint boundary. */
  readonly boundary: number
  /** Virtual time of the call. */
  readonly at: number
  /** Operations a new invocation would have been given at that moment (EXECUTION first, visible only). */
  readonly operations: ReadonlyArray<Operation.Operation>
  readonly updates: ReadonlyArray<Operation.OperationUpdate>
  /** Request id of the invocation that sent it. */
  readonly requestId: string
}

/** What happened in one invocation. */
export interface InvocationRecord {
  readonly executionArn: string
  /** 1-based index within its execution. */
  readonly index: number
  readonly requestId: string
  readonly startTimestamp: Date
  endTimestamp: Date | undefined
  /** `RUNNING`, the output status, `ERROR` (thrown invocation error) or `CRASHED` (process died / timed out). */
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "PENDING" | "ERROR" | "CRASHED"
  /** The output's or the function error's ErrorObject. */
  error: Operation.ErrorObject | undefined
  /** Operations visible in the invocation event (EXECUTION excluded): what it replayed from. */
  readonly operationsAtStart: number
  /** Operation ids first created by this invocation, in order. */
  readonly newOperationIds: Array<string>
  checkpointCalls: number
  checkpointBytes: number
  getStateCalls: number
  /** Real milliseconds the invocation took (harness overhead included). */
  realDurationMillis: number
  /** A fault injected into this invocation, if any. */
  fault: string | undefined
  /** A duplicate delivery (not recorded by the service). */
  readonly duplicate: boolean
  /** Range of history EventIds this invocation's checkpoints produced. */
  firstEventId: number | undefined
  lastEventId: number | undefined
}

/** One execution the simulation drives (the root or a chained-invoke target). */
export interface ExecutionRun {
  readonly arn: string
  readonly target: Target
  readonly parent: { readonly arn: string; readonly operationId: string } | undefined
  readonly invocations: Array<InvocationRecord>
  readonly duplicates: Array<InvocationRecord>
  running: RunningInvocation | undefined
  checkpointCount: number
  consecutiveErrors: number
  notBefore: number
  scannedEvents: number
  readonly knownOperations: Set<string>
  closed: boolean
  /** Outcomes of this execution's chained invokes, held until its running invocation ends. */
  readonly heldInvokeOutcomes: Array<{
    readonly operationId: string
    readonly outcome: ServiceState.ChainedInvokeOutcome
  }>
}

/** An invocation in flight (a duplicate delivery included). */
export class RunningInvocation {
  readonly exec: ExecutionRun
  readonly record: InvocationRecord
  readonly event: Invocation.InvocationInput
  readonly deadline: number
  /**
   * Backend calls of this invocation the harness is holding (an injected lost or delayed answer): while
   * any is held, the invocation cannot make durable progress until the harness answers or time passes.
   */
  held = 0
  killed: Operation.ErrorObject | undefined
  #onKill: Array<() => void> = []
  constructor(exec: ExecutionRun, record: InvocationRecord, event: Invocation.InvocationInput, deadline: number) {
    this.exec = exec
    this.record = record
    this.event = event
    this.deadline = deadline
  }
  kill(error: Operation.ErrorObject): void {
    if (this.killed !== undefined) return
    this.killed = error
    for (const f of this.#onKill) f()
  }
  onKill(f: () => void): void {
    if (this.killed !== undefined) f()
    else this.#onKill.push(f)
  }
  /** In worker mode: the worker reported it is idle and waiting for time to reach `stuckUntil`. */
  workerStuck: number | undefined = undefined
}

/** The run failed for a reason outside the execution (budget, harness misuse, a bug). */
export class SimulationError extends Error {
  override readonly name = "SimulationError"
}

/** A scripted callback answer the service rejected (the callback had already completed or timed out, ...). */
export interface RejectedCallbackAnswer {
  readonly callbackId: string
  /** The script's callback name (`"*"` for any). */
  readonly name: string | undefined
  readonly operation: CallbackAction["operation"]
  /** Virtual (or real) time of the attempt. */
  readonly at: Date
  /** The service's error code (`CallbackTimeoutException`, `RequestTooLargeException`, ...). */
  readonly errorCode: string
  readonly errorMessage: string
}

/** A scheduled external action (a callback answer, ...), at a virtual (or real) time. */
export interface ExternalAction {
  readonly at: number
  readonly seq: number
  readonly run: () => void
}

const CHECKPOINT_EVENTS: ReadonlySet<string> = new Set([
  "ContextStarted",
  "ContextSucceeded",
  "ContextFailed",
  "WaitStarted",
  "WaitCancelled",
  "StepStarted",
  "StepSucceeded",
  "StepFailed",
  "ChainedInvokeStarted",
  "CallbackStarted"
])

/** Whether an event type is produced by a checkpoint of the handler (rather than by the service). */
export const isCheckpointEvent = (type: string): boolean => CHECKPOINT_EVENTS.has(type)

/** `my-fn:$LATEST` / an ARN → `my-fn`. */
export const bareName = (functionName: string): string => {
  if (functionName.startsWith("arn:")) return functionName.split(":")[6] ?? functionName
  return functionName.split(":")[0] ?? functionName
}

/** A new record of invocation `index` of `arn`, begun at `now`. */
export const newRecord = (
  arn: string,
  begun: ServiceState.InvocationStarted,
  index: number,
  duplicate: boolean,
  now: number
): InvocationRecord => {
  const ops = begun.invocationInput.InitialExecutionState?.Operations ?? []
  return {
    executionArn: arn,
    index,
    requestId: begun.requestId,
    startTimestamp: new Date(now),
    endTimestamp: undefined,
    status: "RUNNING",
    error: undefined,
    operationsAtStart: ops.filter((op) => op.Type !== "EXECUTION").length,
    newOperationIds: [],
    checkpointCalls: 0,
    checkpointBytes: 0,
    getStateCalls: 0,
    realDurationMillis: 0,
    fault: undefined,
    duplicate,
    firstEventId: undefined,
    lastEventId: undefined
  }
}

/** Records how `inv` ended at `now`: its output's status, or `ERROR` / `CRASHED` (killed by the harness). */
export const recordEnd = (inv: RunningInvocation, outcome: ServiceState.InvocationOutcome, now: number): void => {
  const record = inv.record
  record.endTimestamp = new Date(now)
  if ("functionError" in outcome) {
    record.status = inv.killed !== undefined ? "CRASHED" : "ERROR"
    record.error = outcome.functionError
  } else {
    record.status = outcome.Status
    if (outcome.Status === "FAILED") record.error = outcome.Error
  }
}

/** Error object of an invocation killed by the harness (`signal` or exit `code`). */
export const exitError = (
  inv: RunningInvocation,
  how: { readonly signal: string } | { readonly code: number }
): Operation.ErrorObject => {
  const rid = inv.record.requestId
  return "signal" in how
    ? {
        ErrorType: "Runtime.ExitError",
        ErrorMessage: `RequestId: ${rid} Error: Runtime exited with signal: ${how.signal}`
      }
    : {
        ErrorType: "Runtime.ExitError",
        ErrorMessage: `RequestId: ${rid} Error: Runtime exited with error: exit status ${how.code}`
      }
}
