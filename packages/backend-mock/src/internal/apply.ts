/**
 * How each validated update changes the stored operations and which history events it appends — the real
 * service's semantics, including the corrections to the official TS emulator listed in emulator.md §1.7 and
 * Appendix A (START on READY → STARTED, `Attempt` = finished attempts, `CurrentAttempt` = the attempt just
 * finished, EndTimestamp on every terminal status, WAIT CANCEL → CANCELLED + WaitCancelled, Result/Error kept
 * across a STEP START).
 *
 * EXECUTION updates are not handled here: closing an execution is `ServiceState`'s job.
 *
 * @internal
 */
import { dateOf, error, payload } from "./history.ts"
import { appendEvent, type ExecutionRecord, type OperationRecord, subjectOf } from "./model.ts"
import type { ValidUpdate } from "./validation.ts"

/** Service-assigned data the apply step needs. */
export interface ApplyContext {
  readonly now: number
  /** A new callback id for a CALLBACK START. */
  readonly newCallbackId: (execution: ExecutionRecord, operationId: string) => string
  /** The ARN of the child execution a CHAINED_INVOKE START targets. */
  readonly childExecutionArn: (functionName: string) => { readonly arn: string; readonly version: string }
}

const create = (execution: ExecutionRecord, update: ValidUpdate, now: number): OperationRecord => {
  const record: OperationRecord = {
    Id: update.Id,
    ParentId: update.ParentId,
    Name: update.Name,
    Type: update.Type,
    SubType: update.SubType,
    StartTimestamp: now,
    EndTimestamp: undefined,
    Status: "STARTED"
  }
  execution.operations.set(record.Id, record)
  if (record.Type === "WAIT" || record.Type === "STEP" || record.Type === "CALLBACK")
    execution.timerCandidates.add(record)
  return record
}

const existingOrCreate = (execution: ExecutionRecord, update: ValidUpdate, now: number): OperationRecord =>
  execution.operations.get(update.Id) ?? create(execution, update, now)

const applyStep = (execution: ExecutionRecord, update: ValidUpdate, now: number): void => {
  switch (update.Action) {
    case "START": {
      const record = execution.operations.get(update.Id) ?? create(execution, update, now)
      record.Status = "STARTED"
      appendEvent(execution, "StepStarted", now, subjectOf(record), {})
      return
    }
    case "SUCCEED":
    case "FAIL": {
      const record = existingOrCreate(execution, update, now)
      record.Status = update.Action === "SUCCEED" ? "SUCCEEDED" : "FAILED"
      record.EndTimestamp = now
      record.Attempt = (record.Attempt ?? 0) + 1
      record.Result = update.Payload
      record.Error = update.Error
      const RetryDetails = { CurrentAttempt: record.Attempt }
      if (update.Action === "SUCCEED") {
        appendEvent(execution, "StepSucceeded", now, subjectOf(record), {
          Result: payload(update.Payload),
          RetryDetails
        })
      } else {
        appendEvent(execution, "StepFailed", now, subjectOf(record), { Error: error(update.Error), RetryDetails })
      }
      return
    }
    case "RETRY": {
      const record = existingOrCreate(execution, update, now)
      const delay = update.StepOptions?.NextAttemptDelaySeconds ?? 0
      record.Status = "PENDING"
      record.Attempt = (record.Attempt ?? 0) + 1
      record.NextAttemptTimestamp = now + delay * 1000
      record.Result = update.Payload
      record.Error = update.Error
      const RetryDetails = { CurrentAttempt: record.Attempt, NextAttemptDelaySeconds: delay }
      if (update.Error !== undefined) {
        appendEvent(execution, "StepFailed", now, subjectOf(record), { Error: error(update.Error), RetryDetails })
      } else {
        appendEvent(execution, "StepSucceeded", now, subjectOf(record), {
          Result: payload(update.Payload),
          RetryDetails
        })
      }
      return
    }
  }
}

const applyContext = (execution: ExecutionRecord, update: ValidUpdate, now: number): void => {
  if (update.Action === "START") {
    const record = create(execution, update, now)
    record.ReplayChildren = update.ContextOptions?.ReplayChildren
    appendEvent(execution, "ContextStarted", now, subjectOf(record), {})
    return
  }
  const record = existingOrCreate(execution, update, now)
  record.Status = update.Action === "SUCCEED" ? "SUCCEEDED" : "FAILED"
  record.EndTimestamp = now
  record.Result = update.Payload
  record.Error = update.Error
  record.ReplayChildren = update.ContextOptions?.ReplayChildren ?? record.ReplayChildren
  if (update.Action === "SUCCEED") {
    appendEvent(execution, "ContextSucceeded", now, subjectOf(record), { Result: payload(update.Payload) })
  } else {
    appendEvent(execution, "ContextFailed", now, subjectOf(record), { Error: error(update.Error) })
  }
}

const applyWait = (execution: ExecutionRecord, update: ValidUpdate, now: number): void => {
  if (update.Action === "START") {
    const record = create(execution, update, now)
    const seconds = update.WaitOptions?.WaitSeconds ?? 0
    record.WaitSeconds = seconds
    record.ScheduledEndTimestamp = now + seconds * 1000
    appendEvent(execution, "WaitStarted", now, subjectOf(record), {
      Duration: seconds,
      ScheduledEndTimestamp: dateOf(record.ScheduledEndTimestamp)
    })
    return
  }
  const record = existingOrCreate(execution, update, now)
  record.Status = "CANCELLED"
  record.EndTimestamp = now
  appendEvent(execution, "WaitCancelled", now, subjectOf(record), { Error: error(update.Error) })
}

const applyCallback = (execution: ExecutionRecord, update: ValidUpdate, context: ApplyContext): void => {
  const now = context.now
  if (update.Action === "START") {
    const record = create(execution, update, now)
    record.CallbackId = context.newCallbackId(execution, record.Id)
    const timeout = update.CallbackOptions?.TimeoutSeconds ?? 0
    const heartbeat = update.CallbackOptions?.HeartbeatTimeoutSeconds ?? 0
    if (timeout > 0) record.callbackTimeoutAt = now + timeout * 1000
    if (heartbeat > 0) {
      record.heartbeatTimeoutSeconds = heartbeat
      record.heartbeatTimeoutAt = now + heartbeat * 1000
    }
    appendEvent(execution, "CallbackStarted", now, subjectOf(record), {
      CallbackId: record.CallbackId,
      ...(heartbeat > 0 ? { HeartbeatTimeout: heartbeat } : {}),
      ...(timeout > 0 ? { Timeout: timeout } : {})
    })
    return
  }
  // CANCEL: the model has no CallbackCancelled event; the callback is closed and its timers disarmed.
  const record = existingOrCreate(execution, update, now)
  record.Status = "CANCELLED"
  record.EndTimestamp = now
  record.callbackTimeoutAt = undefined
  record.heartbeatTimeoutAt = undefined
}

const applyChainedInvoke = (execution: ExecutionRecord, update: ValidUpdate, context: ApplyContext): void => {
  const now = context.now
  if (update.Action === "START") {
    const record = create(execution, update, now)
    const functionName = update.ChainedInvokeOptions?.FunctionName ?? ""
    const child = context.childExecutionArn(functionName)
    record.functionName = functionName
    record.childExecutionArn = child.arn
    const tenantId = update.ChainedInvokeOptions?.TenantId
    appendEvent(execution, "ChainedInvokeStarted", now, subjectOf(record), {
      FunctionName: functionName,
      ...(tenantId !== undefined ? { TenantId: tenantId } : {}),
      Input: payload(update.Payload),
      ExecutedVersion: child.version,
      DurableExecutionArn: child.arn
    })
    return
  }
  // CANCEL: the target execution is stopped (the model has ChainedInvokeStopped, no "cancelled" event).
  const record = existingOrCreate(execution, update, now)
  record.Status = "STOPPED"
  record.EndTimestamp = now
  record.Error = update.Error
  appendEvent(execution, "ChainedInvokeStopped", now, subjectOf(record), { Error: error(update.Error) })
}

/**
 * Applies one validated, non-EXECUTION update and appends its events. Returns the Id of the operation it
 * touched (always `update.Id`).
 */
export const applyUpdate = (execution: ExecutionRecord, update: ValidUpdate, context: ApplyContext): string => {
  switch (update.Type) {
    case "STEP":
      applyStep(execution, update, context.now)
      break
    case "CONTEXT":
      applyContext(execution, update, context.now)
      break
    case "WAIT":
      applyWait(execution, update, context.now)
      break
    case "CALLBACK":
      applyCallback(execution, update, context)
      break
    case "CHAINED_INVOKE":
      applyChainedInvoke(execution, update, context)
      break
    case "EXECUTION":
      throw new Error("EXECUTION updates are applied by ServiceState")
  }
  return update.Id
}
