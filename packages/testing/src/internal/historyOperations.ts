/**
 * Operations rebuilt from history events, for runners that only see the history (the cloud runner): each
 * event with an `Id` creates or updates its operation, in event order.
 *
 * @internal
 */
import type { Operation } from "@durable-lambda/core"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
type Op = Mutable<Operation.Operation>

const TYPES: ReadonlyArray<readonly [string, Operation.OperationType]> = [
  ["Execution", "EXECUTION"],
  ["Context", "CONTEXT"],
  ["Step", "STEP"],
  ["Wait", "WAIT"],
  ["Callback", "CALLBACK"],
  ["ChainedInvoke", "CHAINED_INVOKE"]
]

const STATUSES: Readonly<Record<string, Operation.OperationStatus>> = {
  Started: "STARTED",
  Succeeded: "SUCCEEDED",
  Failed: "FAILED",
  TimedOut: "TIMED_OUT",
  Stopped: "STOPPED",
  Cancelled: "CANCELLED"
}

interface AnyEvent {
  readonly EventType?: string | undefined
  readonly Id?: string | undefined
  readonly Name?: string | undefined
  readonly ParentId?: string | undefined
  readonly SubType?: string | undefined
  readonly EventTimestamp?: Date | undefined
  readonly [details: string]: unknown
}

const asDate = (value: unknown): Date | undefined =>
  value instanceof Date ? value : typeof value === "string" || typeof value === "number" ? new Date(value) : undefined

/** The operations a history describes, first-seen order (EXECUTION first). */
export const fromHistory = (events: ReadonlyArray<AnyEvent>): Array<Operation.Operation> => {
  const ops = new Map<string, Op>()
  for (const event of events) {
    const type = event.EventType
    if (type === undefined || type === "InvocationCompleted") continue
    const match = TYPES.find(([prefix]) => type.startsWith(prefix) && STATUSES[type.slice(prefix.length)] !== undefined)
    if (match === undefined) continue
    const [prefix, opType] = match
    const outcome = type.slice(prefix.length)
    const details = (event[`${type}Details`] ?? {}) as Record<string, any>
    const id = event.Id ?? (opType === "EXECUTION" ? "execution" : undefined)
    if (id === undefined) continue
    let op = ops.get(id)
    if (op === undefined) {
      op = { Id: id, Type: opType, Status: "STARTED" } as Op
      if (event.ParentId !== undefined) op.ParentId = event.ParentId
      if (event.Name !== undefined) op.Name = event.Name
      if (event.SubType !== undefined) op.SubType = event.SubType
      const start = asDate(event.EventTimestamp)
      if (start !== undefined) op.StartTimestamp = start
      ops.set(id, op)
    }
    const status = STATUSES[outcome]!
    // A step's failed attempt that will be retried is PENDING, not FAILED.
    op.Status =
      opType === "STEP" && outcome === "Failed" && details.RetryDetails?.NextAttemptDelaySeconds !== undefined
        ? "PENDING"
        : status
    if (status !== "STARTED" && op.Status !== "PENDING") {
      const end = asDate(event.EventTimestamp)
      if (end !== undefined) op.EndTimestamp = end
    }
    const result: string | undefined = details.Result?.Payload
    const error: Operation.ErrorObject | undefined = details.Error?.Payload
    switch (opType) {
      case "EXECUTION":
        if (outcome === "Started") op.ExecutionDetails = { InputPayload: details.Input?.Payload }
        break
      case "CONTEXT":
        if (result !== undefined || error !== undefined)
          op.ContextDetails = {
            ...(result !== undefined ? { Result: result } : {}),
            ...(error ? { Error: error } : {})
          }
        break
      case "STEP": {
        const attempt: number | undefined = details.RetryDetails?.CurrentAttempt
        const delay: number | undefined = details.RetryDetails?.NextAttemptDelaySeconds
        const at = asDate(event.EventTimestamp)
        op.StepDetails = {
          ...(attempt !== undefined ? { Attempt: attempt } : {}),
          ...(delay !== undefined && at !== undefined
            ? { NextAttemptTimestamp: new Date(at.getTime() + delay * 1000) }
            : {}),
          ...(result !== undefined ? { Result: result } : {}),
          ...(error !== undefined ? { Error: error } : {})
        }
        break
      }
      case "WAIT": {
        const end = asDate(details.ScheduledEndTimestamp)
        if (end !== undefined) op.WaitDetails = { ScheduledEndTimestamp: end }
        break
      }
      case "CALLBACK":
        op.CallbackDetails = {
          ...op.CallbackDetails,
          ...(details.CallbackId !== undefined ? { CallbackId: details.CallbackId } : {}),
          ...(result !== undefined ? { Result: result } : {}),
          ...(error !== undefined ? { Error: error } : {})
        }
        break
      case "CHAINED_INVOKE":
        if (result !== undefined || error !== undefined)
          op.ChainedInvokeDetails = {
            ...(result !== undefined ? { Result: result } : {}),
            ...(error !== undefined ? { Error: error } : {})
          }
        break
    }
  }
  return [...ops.values()]
}
