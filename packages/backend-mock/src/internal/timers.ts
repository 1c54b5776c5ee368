/**
 * Service-side timers, derived from the stored state (nothing is scheduled on a real clock): wait expiry, step
 * retry readiness, callback timeout and heartbeat timeout, execution timeout.
 *
 * @internal
 */
import { error } from "./history.ts"
import { appendEvent, type ExecutionRecord, isClosed, type OperationRecord, subjectOf } from "./model.ts"

/** What a timer does when it fires. @since 0.1.0 */
export type TimerKind =
  "WaitSucceeded" | "StepReady" | "CallbackTimeout" | "CallbackHeartbeatTimeout" | "ExecutionTimeout"

/**
 * One scheduled service-side transition.
 *
 * @since 0.1.0
 */
export interface Timer {
  readonly durableExecutionArn: string
  readonly kind: TimerKind
  /** The operation the timer belongs to; absent for `ExecutionTimeout`. */
  readonly operationId?: string
  /** When it is due, epoch milliseconds of the state's clock. */
  readonly at: number
}

/** The error stored on a callback whose `TimeoutSeconds` elapsed. @since 0.1.0 */
export const CALLBACK_TIMEOUT_ERROR = { ErrorType: "Callback.Timeout", ErrorMessage: "Callback timed out" } as const
/** The error stored on a callback whose `HeartbeatTimeoutSeconds` elapsed without a heartbeat. @since 0.1.0 */
export const CALLBACK_HEARTBEAT_ERROR = {
  ErrorType: "Callback.Heartbeat",
  ErrorMessage: "Callback timed out on heartbeat"
} as const

const operationTimers = (arn: string, record: OperationRecord): Array<Timer> => {
  const timers: Array<Timer> = []
  const push = (kind: TimerKind, at: number | undefined) => {
    if (at !== undefined) timers.push({ durableExecutionArn: arn, kind, operationId: record.Id, at })
  }
  if (record.Type === "WAIT" && record.Status === "STARTED") push("WaitSucceeded", record.ScheduledEndTimestamp)
  if (record.Type === "STEP" && record.Status === "PENDING") push("StepReady", record.NextAttemptTimestamp)
  if (record.Type === "CALLBACK" && record.Status === "STARTED") {
    push("CallbackTimeout", record.callbackTimeoutAt)
    push("CallbackHeartbeatTimeout", record.heartbeatTimeoutAt)
  }
  return timers
}

const finished: ReadonlySet<string> = new Set(["SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT", "STOPPED"])

/**
 * Orders timers by due time, an execution timeout after operation timers due at the same instant. Used with
 * the stable `Array.prototype.sort`, so equal keys keep operation start order.
 */
export const compareTimers = (a: Timer, b: Timer): number =>
  a.at - b.at || Number(a.kind === "ExecutionTimeout") - Number(b.kind === "ExecutionTimeout")

/**
 * The pending timers of a running execution, in firing order: by due time, then operation start order (the
 * execution timeout after every operation timer due at the same instant), then callback timeout before
 * heartbeat timeout.
 */
export const timersOf = (execution: ExecutionRecord): Array<Timer> => {
  if (isClosed(execution)) return []
  const timers: Array<Timer> = []
  for (const record of execution.timerCandidates) {
    if (finished.has(record.Status)) execution.timerCandidates.delete(record)
    else for (const timer of operationTimers(execution.arn, record)) timers.push(timer)
  }
  timers.push({ durableExecutionArn: execution.arn, kind: "ExecutionTimeout", at: execution.timeoutAt })
  return timers.sort(compareTimers)
}

/**
 * Applies one operation timer (not the execution timeout, which `ServiceState` handles): the transition, its
 * event, and the bookkeeping that makes the change visible (`changed`) and asks for an invocation.
 */
export const fireOperationTimer = (execution: ExecutionRecord, timer: Timer): void => {
  const record = timer.operationId === undefined ? undefined : execution.operations.get(timer.operationId)
  if (record === undefined) return
  switch (timer.kind) {
    case "WaitSucceeded":
      record.Status = "SUCCEEDED"
      record.EndTimestamp = timer.at
      appendEvent(execution, "WaitSucceeded", timer.at, subjectOf(record), { Duration: record.WaitSeconds ?? 0 })
      break
    case "StepReady":
      // PENDING → READY produces no history event; the next attempt shows a fresh StepStarted.
      record.Status = "READY"
      break
    case "CallbackTimeout":
    case "CallbackHeartbeatTimeout": {
      const payload = timer.kind === "CallbackTimeout" ? CALLBACK_TIMEOUT_ERROR : CALLBACK_HEARTBEAT_ERROR
      record.Status = "TIMED_OUT"
      record.EndTimestamp = timer.at
      record.Error = { ...payload }
      record.callbackTimeoutAt = undefined
      record.heartbeatTimeoutAt = undefined
      appendEvent(execution, "CallbackTimedOut", timer.at, subjectOf(record), { Error: error({ ...payload }) })
      break
    }
    case "ExecutionTimeout":
      return
  }
  execution.changed.add(record.Id)
  execution.wakeUpPending = true
}
