/**
 * The official SDK's public wire model: the plain shapes of the Lambda durable-execution API (operations,
 * updates, state and checkpoint requests) and of the invocation event and result, as
 * `@aws/durable-execution-sdk-js` 2.4.0 exports them. The engine decodes the same data with the schemas of
 * `Operation` and `Invocation`; these types are for code that builds or inspects it (tests, custom clients).
 *
 * @since 0.1.0
 */

/** Kinds of operation. @since 0.1.0 */
export const OperationType = {
  CALLBACK: "CALLBACK",
  CHAINED_INVOKE: "CHAINED_INVOKE",
  CONTEXT: "CONTEXT",
  EXECUTION: "EXECUTION",
  STEP: "STEP",
  WAIT: "WAIT"
} as const
/** @since 0.1.0 */
export type OperationType = (typeof OperationType)[keyof typeof OperationType]

/** Statuses of an operation. @since 0.1.0 */
export const OperationStatus = {
  CANCELLED: "CANCELLED",
  FAILED: "FAILED",
  PENDING: "PENDING",
  READY: "READY",
  STARTED: "STARTED",
  STOPPED: "STOPPED",
  SUCCEEDED: "SUCCEEDED",
  TIMED_OUT: "TIMED_OUT"
} as const
/** @since 0.1.0 */
export type OperationStatus = (typeof OperationStatus)[keyof typeof OperationStatus]

/** Actions of an operation update. @since 0.1.0 */
export const OperationAction = {
  CANCEL: "CANCEL",
  FAIL: "FAIL",
  RETRY: "RETRY",
  START: "START",
  SUCCEED: "SUCCEED"
} as const
/** @since 0.1.0 */
export type OperationAction = (typeof OperationAction)[keyof typeof OperationAction]

/** A timestamp as it travels: a `Date` from the AWS SDK, an ISO-8601 string from JSON. @since 0.1.0 */
export type WireTimestamp = Date | string

/** An error as the service stores it. @since 0.1.0 */
export interface ErrorObject {
  ErrorMessage?: string | undefined
  ErrorType?: string | undefined
  ErrorData?: string | undefined
  StackTrace?: string[] | undefined
}

/** @since 0.1.0 */
export interface ExecutionDetails {
  InputPayload?: string | undefined
}
/** @since 0.1.0 */
export interface ContextDetails {
  ReplayChildren?: boolean | undefined
  Result?: string | undefined
  Error?: ErrorObject | undefined
}
/** @since 0.1.0 */
export interface StepDetails {
  Attempt?: number | undefined
  NextAttemptTimestamp?: Date | undefined
  Result?: string | undefined
  Error?: ErrorObject | undefined
}
/** `StepDetails` as received over JSON. @since 0.1.0 */
export interface WireStepDetails extends Omit<StepDetails, "NextAttemptTimestamp"> {
  NextAttemptTimestamp?: WireTimestamp | undefined
}
/** @since 0.1.0 */
export interface WaitDetails {
  ScheduledEndTimestamp?: Date | undefined
}
/** `WaitDetails` as received over JSON. @since 0.1.0 */
export interface WireWaitDetails {
  ScheduledEndTimestamp?: WireTimestamp | undefined
}
/** @since 0.1.0 */
export interface CallbackDetails {
  CallbackId?: string | undefined
  Result?: string | undefined
  Error?: ErrorObject | undefined
}
/** @since 0.1.0 */
export interface ChainedInvokeDetails {
  Result?: string | undefined
  Error?: ErrorObject | undefined
}

/** One operation of an execution's state. @since 0.1.0 */
export interface Operation {
  Id: string | undefined
  ParentId?: string | undefined
  Name?: string | undefined
  Type: OperationType | undefined
  SubType?: string | undefined
  StartTimestamp: Date | undefined
  EndTimestamp?: Date | undefined
  Status: OperationStatus | undefined
  ExecutionDetails?: ExecutionDetails | undefined
  ContextDetails?: ContextDetails | undefined
  StepDetails?: StepDetails | undefined
  WaitDetails?: WaitDetails | undefined
  CallbackDetails?: CallbackDetails | undefined
  ChainedInvokeDetails?: ChainedInvokeDetails | undefined
}

/** An operation as received over JSON (timestamps may be strings). @since 0.1.0 */
export interface WireOperation extends Omit<
  Operation,
  "StartTimestamp" | "EndTimestamp" | "StepDetails" | "WaitDetails"
> {
  StartTimestamp: WireTimestamp | undefined
  EndTimestamp?: WireTimestamp | undefined
  StepDetails?: WireStepDetails | undefined
  WaitDetails?: WireWaitDetails | undefined
}

/** @since 0.1.0 */
export interface ContextOptions {
  ReplayChildren?: boolean | undefined
}
/** @since 0.1.0 */
export interface StepOptions {
  NextAttemptDelaySeconds?: number | undefined
}
/** @since 0.1.0 */
export interface WaitOptions {
  WaitSeconds?: number | undefined
}
/** @since 0.1.0 */
export interface CallbackOptions {
  TimeoutSeconds?: number | undefined
  HeartbeatTimeoutSeconds?: number | undefined
}
/** @since 0.1.0 */
export interface ChainedInvokeOptions {
  FunctionName: string | undefined
  TenantId?: string | undefined
}

/** One change a checkpoint asks for. @since 0.1.0 */
export interface OperationUpdate {
  Id: string | undefined
  ParentId?: string | undefined
  Name?: string | undefined
  Type: OperationType | undefined
  SubType?: string | undefined
  Action: OperationAction | undefined
  Payload?: string | undefined
  Error?: ErrorObject | undefined
  ContextOptions?: ContextOptions | undefined
  StepOptions?: StepOptions | undefined
  WaitOptions?: WaitOptions | undefined
  CallbackOptions?: CallbackOptions | undefined
  ChainedInvokeOptions?: ChainedInvokeOptions | undefined
}

/** The operations a checkpoint changed (one page). @since 0.1.0 */
export interface CheckpointUpdatedExecutionState {
  Operations?: WireOperation[] | undefined
  NextMarker?: string | undefined
}
/** @since 0.1.0 */
export interface CheckpointDurableExecutionRequest {
  DurableExecutionArn: string | undefined
  CheckpointToken: string | undefined
  Updates?: OperationUpdate[] | undefined
  ClientToken?: string | undefined
}
/** @since 0.1.0 */
export interface CheckpointDurableExecutionResponse {
  CheckpointToken?: string | undefined
  NewExecutionState: CheckpointUpdatedExecutionState | undefined
}
/** @since 0.1.0 */
export interface GetDurableExecutionStateRequest {
  DurableExecutionArn: string | undefined
  CheckpointToken: string | undefined
  Marker?: string | undefined
  MaxItems?: number | undefined
}
/** @since 0.1.0 */
export interface GetDurableExecutionStateResponse {
  Operations: WireOperation[] | undefined
  NextMarker?: string | undefined
}

/**
 * The event a durable function receives. `UpdatedOperationIds` lists the operations the service changed since
 * the previous invocation.
 *
 * @since 0.1.0
 */
export interface DurableExecutionInvocationInput {
  DurableExecutionArn: string
  CheckpointToken: string
  UpdatedOperationIds?: string[]
  InitialExecutionState: {
    Operations: WireOperation[]
    NextMarker?: string | undefined
  }
}

/** Statuses of an invocation's result. @since 0.1.0 */
export const InvocationStatus = { SUCCEEDED: "SUCCEEDED", FAILED: "FAILED", PENDING: "PENDING" } as const
/** @since 0.1.0 */
export type InvocationStatus = (typeof InvocationStatus)[keyof typeof InvocationStatus]

/**
 * What a durable function returns to the service: the result, the error, or "pending" (it suspended).
 *
 * @since 0.1.0
 */
export type DurableExecutionInvocationOutput =
  { Status: "SUCCEEDED"; Result?: string } | { Status: "FAILED"; Error: ErrorObject } | { Status: "PENDING" }
