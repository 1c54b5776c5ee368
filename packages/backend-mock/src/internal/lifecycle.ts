/**
 * Execution lifecycle helpers of `ServiceState`: creating and closing executions, checkpoint tokens, state
 * pages.
 *
 * @internal
 */
import type { Invocation, Operation } from "@durable-lambda/core"
import { encodeMarker, encodeToken } from "./codec.ts"
import { Errors, type ServiceError } from "./errors.ts"
import { error, type EventType, payload } from "./history.ts"
import {
  appendEvent,
  type ExecutionRecord,
  type ExecutionStatus,
  type OperationRecord,
  toOperation,
  visibleOperations
} from "./model.ts"

/** What `newExecution` needs to know. */
export interface NewExecution {
  readonly sequence: number
  readonly executionId: string
  readonly executionOperationId: string
  readonly region: string
  readonly accountId: string
  readonly functionName: string
  readonly name: string
  readonly input: string
  readonly timeoutSeconds: number
  readonly now: number
}

/** A new RUNNING execution with its STARTED EXECUTION operation and ExecutionStarted (EventId 1). */
export const newExecution = (params: NewExecution): ExecutionRecord => {
  const functionArn = `arn:aws:lambda:${params.region}:${params.accountId}:function:${params.functionName}`
  const executionOperation: OperationRecord = {
    Id: params.executionOperationId,
    ParentId: undefined,
    Name: undefined,
    Type: "EXECUTION",
    SubType: undefined,
    StartTimestamp: params.now,
    EndTimestamp: undefined,
    Status: "STARTED",
    InputPayload: params.input
  }
  const execution: ExecutionRecord = {
    sequence: params.sequence,
    arn: `${functionArn}:$LATEST/durable-execution/${params.name}/${params.executionId}`,
    name: params.name,
    functionName: params.functionName,
    functionArn,
    input: params.input,
    startedAt: params.now,
    timeoutSeconds: params.timeoutSeconds,
    timeoutAt: params.now + params.timeoutSeconds * 1000,
    executionOperationId: executionOperation.Id,
    status: "RUNNING",
    endedAt: undefined,
    result: undefined,
    error: undefined,
    operations: new Map([[executionOperation.Id, executionOperation]]),
    events: [],
    lastEventAt: params.now,
    tokens: new Map(),
    tokenSequence: 0,
    invocation: undefined,
    invocationCount: 0,
    wakeUpPending: false,
    changed: new Set(),
    timerCandidates: new Set(),
    clientTokens: new Map(),
    deferredTerminal: undefined
  }
  appendEvent(
    execution,
    "ExecutionStarted",
    params.now,
    { Id: executionOperation.Id },
    { Input: payload(params.input), ExecutionTimeout: params.timeoutSeconds }
  )
  return execution
}

const terminalEvent = {
  SUCCEEDED: "ExecutionSucceeded",
  FAILED: "ExecutionFailed",
  TIMED_OUT: "ExecutionTimedOut",
  STOPPED: "ExecutionStopped"
} as const satisfies Record<Exclude<ExecutionStatus, "RUNNING">, EventType>

/**
 * Closes an execution: status, result/error, the EXECUTION operation's terminal status and EndTimestamp. The
 * terminal event is recorded at `at`, or — while an invocation runs — right after that invocation's
 * InvocationCompleted (stamped with the clock at that moment), so it is always the last event.
 */
export const closeExecution = (
  execution: ExecutionRecord,
  status: Exclude<ExecutionStatus, "RUNNING">,
  data: { readonly result?: string | undefined; readonly error?: Operation.ErrorObject | undefined },
  at: number,
  now: () => number
): void => {
  execution.status = status
  execution.endedAt = at
  execution.result = data.result
  execution.error = data.error
  execution.wakeUpPending = false
  const record = execution.operations.get(execution.executionOperationId)
  if (record !== undefined) {
    record.Status = status
    record.EndTimestamp = at
  }
  execution.changed.add(execution.executionOperationId)
  const type = terminalEvent[status]
  const subject = { Id: execution.executionOperationId }
  const emit = (timestamp: number) => {
    if (type === "ExecutionSucceeded") {
      appendEvent(execution, type, timestamp, subject, { Result: payload(data.result) })
    } else {
      appendEvent(execution, type, timestamp, subject, { Error: error(data.error) })
    }
  }
  if (execution.invocation === undefined) emit(at)
  else execution.deferredTerminal = { emit: () => emit(now()) }
}

/** Issues the execution's next token, valid for one checkpoint. */
export const issueToken = (execution: ExecutionRecord): string => {
  execution.tokenSequence += 1
  const token = encodeToken(execution.sequence, execution.tokenSequence)
  execution.tokens.set(token, "current")
  return token
}

/** Expires every token issued so far (the invocation that held them has ended). */
export const expireTokens = (execution: ExecutionRecord): void => {
  for (const [token, state] of execution.tokens) {
    if (state !== "expired") execution.tokens.set(token, "expired")
  }
}

/**
 * Checks a presented token: a checkpoint needs the current one; a state read accepts any token of the
 * running invocation.
 */
export const checkToken = (
  execution: ExecutionRecord,
  token: string,
  use: "checkpoint" | "read"
): ServiceError | undefined => {
  if (token === "") return Errors.tokenRequired()
  const state = execution.tokens.get(token)
  if (state === undefined) return Errors.tokenUnknown()
  if (state === "expired") return Errors.tokenExpired()
  if (state === "consumed" && use === "checkpoint") return Errors.tokenConsumed()
  return undefined
}

/** One page of the visible operations from `offset`, with a `NextMarker` unless it is the last. */
export const pageOf = (execution: ExecutionRecord, offset: number, size: number): Invocation.ExecutionStatePage => {
  const visible = visibleOperations(execution)
  const end = Math.min(visible.length, offset + size)
  const operations = visible.slice(offset, end).map(toOperation)
  return end < visible.length
    ? { Operations: operations, NextMarker: encodeMarker(execution.sequence, end) }
    : { Operations: operations }
}
