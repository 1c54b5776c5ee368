/**
 * The mutable records behind `ServiceState`, and their conversion to the wire `Operation` shape.
 *
 * @internal
 */
import type { Operation } from "@durable-lambda/core"
import {
  dateOf,
  type EventDetails,
  type EventSubject,
  type EventType,
  type HistoryEvent,
  makeEvent
} from "./history.ts"

/** `GetDurableExecution`'s status of a whole execution. @since 0.1.0 */
export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "STOPPED"

/** One stored operation. Timestamps are epoch milliseconds; `toOperation` turns them into `Date`s. */
export interface OperationRecord {
  readonly Id: string
  readonly ParentId: string | undefined
  readonly Name: string | undefined
  readonly Type: Operation.OperationType
  readonly SubType: string | undefined
  readonly StartTimestamp: number
  EndTimestamp: number | undefined
  Status: Operation.OperationStatus
  // EXECUTION
  InputPayload?: string | undefined
  // CONTEXT
  ReplayChildren?: boolean | undefined
  // STEP
  Attempt?: number | undefined
  NextAttemptTimestamp?: number | undefined
  // STEP / CONTEXT / CALLBACK / CHAINED_INVOKE
  Result?: string | undefined
  Error?: Operation.ErrorObject | undefined
  // WAIT
  ScheduledEndTimestamp?: number | undefined
  WaitSeconds?: number | undefined
  // CALLBACK
  CallbackId?: string | undefined
  callbackTimeoutAt?: number | undefined
  heartbeatTimeoutSeconds?: number | undefined
  heartbeatTimeoutAt?: number | undefined
  // CHAINED_INVOKE
  functionName?: string | undefined
  childExecutionArn?: string | undefined
}

/** The invocation currently running for an execution. */
export interface ActiveInvocation {
  readonly requestId: string
  readonly startedAt: number
}

/** A stored ClientToken response (idempotency window of 15 minutes). */
export interface IdempotencyEntry {
  readonly checkpointToken: string
  readonly storedAt: number
  readonly response: CheckpointResponse
}

/** What a successful checkpoint returns (`CheckpointDurableExecution` response, wire field names). @since 0.1.0 */
export interface CheckpointResponse {
  readonly CheckpointToken: string
  readonly NewExecutionState: {
    readonly Operations: ReadonlyArray<Operation.Operation>
    readonly NextMarker?: string
  }
}

/** A terminal execution event waiting for the active invocation's InvocationCompleted. */
export interface DeferredTerminal {
  readonly emit: () => void
}

/** One stored execution. */
export interface ExecutionRecord {
  readonly sequence: number
  readonly arn: string
  readonly name: string
  readonly functionName: string
  readonly functionArn: string
  readonly input: string
  readonly startedAt: number
  readonly timeoutSeconds: number
  readonly timeoutAt: number
  readonly executionOperationId: string
  status: ExecutionStatus
  endedAt: number | undefined
  result: string | undefined
  error: Operation.ErrorObject | undefined
  readonly operations: Map<string, OperationRecord>
  readonly events: Array<HistoryEvent>
  lastEventAt: number
  /** Token state: every token issued for this execution. */
  readonly tokens: Map<string, "current" | "consumed" | "expired">
  tokenSequence: number
  invocation: ActiveInvocation | undefined
  invocationCount: number
  /** A re-invocation trigger happened since the last invocation began. */
  wakeUpPending: boolean
  /**
   * Operations that can carry a timer (waits, steps, callbacks), in start order. Finished ones are pruned when
   * timers are listed, so listing timers stays proportional to what is still running.
   */
  readonly timerCandidates: Set<OperationRecord>
  /** Operations changed by the service since the last checkpoint response (delta `NewExecutionState`). */
  readonly changed: Set<string>
  readonly clientTokens: Map<string, IdempotencyEntry>
  deferredTerminal: DeferredTerminal | undefined
}

/** Whether an execution no longer accepts work. */
export const isClosed = (execution: ExecutionRecord): boolean => execution.status !== "RUNNING"

const date = dateOf

/** A fresh wire snapshot of an operation, with only the members that apply to its type. */
export const toOperation = (record: OperationRecord): Operation.Operation => {
  const op: {
    -readonly [K in keyof Operation.Operation]: Operation.Operation[K]
  } = { Id: record.Id, Type: record.Type, Status: record.Status }
  if (record.ParentId !== undefined) op.ParentId = record.ParentId
  if (record.Name !== undefined) op.Name = record.Name
  if (record.SubType !== undefined) op.SubType = record.SubType
  op.StartTimestamp = date(record.StartTimestamp)
  if (record.EndTimestamp !== undefined) op.EndTimestamp = date(record.EndTimestamp)
  switch (record.Type) {
    case "EXECUTION":
      op.ExecutionDetails = record.InputPayload === undefined ? {} : { InputPayload: record.InputPayload }
      break
    case "CONTEXT":
      if (record.ReplayChildren !== undefined || record.Result !== undefined || record.Error !== undefined) {
        op.ContextDetails = {
          ...(record.ReplayChildren !== undefined ? { ReplayChildren: record.ReplayChildren } : {}),
          ...(record.Result !== undefined ? { Result: record.Result } : {}),
          ...(record.Error !== undefined ? { Error: structuredClone(record.Error) } : {})
        }
      }
      break
    case "STEP":
      if (record.Attempt !== undefined || record.Result !== undefined || record.Error !== undefined) {
        op.StepDetails = {
          ...(record.Attempt !== undefined ? { Attempt: record.Attempt } : {}),
          ...(record.NextAttemptTimestamp !== undefined
            ? { NextAttemptTimestamp: date(record.NextAttemptTimestamp) }
            : {}),
          ...(record.Result !== undefined ? { Result: record.Result } : {}),
          ...(record.Error !== undefined ? { Error: structuredClone(record.Error) } : {})
        }
      }
      break
    case "WAIT":
      if (record.ScheduledEndTimestamp !== undefined) {
        op.WaitDetails = { ScheduledEndTimestamp: date(record.ScheduledEndTimestamp) }
      }
      break
    case "CALLBACK":
      op.CallbackDetails = {
        ...(record.CallbackId !== undefined ? { CallbackId: record.CallbackId } : {}),
        ...(record.Result !== undefined ? { Result: record.Result } : {}),
        ...(record.Error !== undefined ? { Error: structuredClone(record.Error) } : {})
      }
      break
    case "CHAINED_INVOKE":
      if (record.Result !== undefined || record.Error !== undefined) {
        op.ChainedInvokeDetails = {
          ...(record.Result !== undefined ? { Result: record.Result } : {}),
          ...(record.Error !== undefined ? { Error: structuredClone(record.Error) } : {})
        }
      }
      break
  }
  return op
}

/**
 * The operations a client may see, in start order: descendants of a completed (SUCCEEDED/FAILED) CONTEXT are
 * hidden unless it completed with `ReplayChildren: true`, transitively.
 */
export const visibleOperations = (execution: ExecutionRecord): Array<OperationRecord> => {
  const hidden = new Map<string, boolean>()
  const isHidden = (record: OperationRecord): boolean => {
    const cached = hidden.get(record.Id)
    if (cached !== undefined) return cached
    hidden.set(record.Id, false) // guards against (impossible) parent cycles
    let result = false
    const parent = record.ParentId === undefined ? undefined : execution.operations.get(record.ParentId)
    if (parent !== undefined) {
      const parentClosed =
        (parent.Status === "SUCCEEDED" || parent.Status === "FAILED") && parent.ReplayChildren !== true
      result = parentClosed || isHidden(parent)
    }
    hidden.set(record.Id, result)
    return result
  }
  return [...execution.operations.values()].filter((record) => !isHidden(record))
}

/** The envelope fields an operation contributes to its events. */
export const subjectOf = (record: OperationRecord): EventSubject => ({
  Id: record.Id,
  Name: record.Name,
  SubType: record.SubType,
  ParentId: record.ParentId
})

/**
 * Appends an event with the next EventId. Timestamps never go backwards within one history (a timer fired
 * late is stamped with its due time, but not before the previous event).
 */
export const appendEvent = <T extends EventType>(
  execution: ExecutionRecord,
  type: T,
  timestamp: number,
  subject: EventSubject,
  details: EventDetails[T]
): void => {
  const at = Math.max(timestamp, execution.lastEventAt)
  execution.events.push(makeEvent(type, execution.events.length + 1, at, subject, details) as HistoryEvent)
  execution.lastEventAt = at
}
