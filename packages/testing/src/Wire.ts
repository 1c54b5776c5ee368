/**
 * The service's operation shapes as the official testing library exports them (`Operation`, with `Date`
 * timestamps, and `WireOperation`, as it arrives on the wire, timestamps as `Date` or ISO string), so code
 * typed against `@aws/durable-execution-sdk-js-testing` keeps compiling.
 *
 * @since 0.1.0
 */
import type { Wire as CoreWire } from "@durable-lambda/core"

/**
 * An operation's error, as the service stores it.
 *
 * @since 0.1.0
 */
export interface ErrorObject {
  ErrorMessage?: string | undefined
  ErrorType?: string | undefined
  ErrorData?: string | undefined
  StackTrace?: Array<string> | undefined
}

/**
 * A timestamp as it may arrive on the wire.
 *
 * @since 0.1.0
 */
export type WireTimestamp = Date | string

/**
 * One operation of an execution (official `Operation`): what `DurableOperation.getOperationData()` returns.
 *
 * @since 0.1.0
 */
export interface Operation {
  Id: string | undefined
  ParentId?: string | undefined
  Name?: string | undefined
  Type: CoreWire.OperationType | undefined
  SubType?: string | undefined
  StartTimestamp: Date | undefined
  EndTimestamp?: Date | undefined
  Status: CoreWire.OperationStatus | undefined
  ExecutionDetails?: { InputPayload?: string | undefined } | undefined
  ContextDetails?:
    { ReplayChildren?: boolean | undefined; Result?: string | undefined; Error?: ErrorObject | undefined } | undefined
  StepDetails?:
    | {
        Attempt?: number | undefined
        NextAttemptTimestamp?: Date | undefined
        Result?: string | undefined
        Error?: ErrorObject | undefined
      }
    | undefined
  WaitDetails?: { ScheduledEndTimestamp?: Date | undefined } | undefined
  CallbackDetails?:
    { CallbackId?: string | undefined; Result?: string | undefined; Error?: ErrorObject | undefined } | undefined
  ChainedInvokeDetails?: { Result?: string | undefined; Error?: ErrorObject | undefined } | undefined
}

/**
 * An operation as it arrives on the wire (official `WireOperation`): timestamps may be ISO strings.
 *
 * @since 0.1.0
 */
export interface WireOperation extends Omit<
  Operation,
  "StartTimestamp" | "EndTimestamp" | "StepDetails" | "WaitDetails"
> {
  StartTimestamp: WireTimestamp | undefined
  EndTimestamp?: WireTimestamp | undefined
  StepDetails?:
    | {
        Attempt?: number | undefined
        NextAttemptTimestamp?: WireTimestamp | undefined
        Result?: string | undefined
        Error?: ErrorObject | undefined
      }
    | undefined
  WaitDetails?: { ScheduledEndTimestamp?: WireTimestamp | undefined } | undefined
}
