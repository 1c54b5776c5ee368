/**
 * What the loopback endpoint reports as an execution progresses: executions started and closed, invocations
 * begun and ended, every history event as the service records it, and virtual-time jumps.
 *
 * @internal
 */
import type { Operation } from "@durable-lambda/core"
import type { ServiceState } from "@durable-lambda/backend-mock"

/**
 * One entry of the endpoint's timeline.
 *
 * @since 0.1.0
 */
export type TimelineEvent =
  | {
      readonly _tag: "ExecutionStarted"
      readonly durableExecutionArn: string
      readonly functionName: string
      readonly input: string
    }
  | {
      readonly _tag: "InvocationStarted"
      readonly durableExecutionArn: string
      /** 1-based number of the invocation within its execution. */
      readonly invocation: number
      readonly requestId: string
    }
  | {
      readonly _tag: "InvocationEnded"
      readonly durableExecutionArn: string
      readonly invocation: number
      readonly requestId: string
      /** The handler's output status, or `"FunctionError"` when it threw (the service invokes again). */
      readonly status: "SUCCEEDED" | "FAILED" | "PENDING" | "FunctionError"
      readonly error?: Operation.ErrorObject | undefined
      /** When a function error ended the execution because the invocation attempts ran out. */
      readonly gaveUp?: boolean | undefined
    }
  | {
      readonly _tag: "History"
      readonly durableExecutionArn: string
      readonly event: ServiceState.HistoryEvent
    }
  | {
      readonly _tag: "ExecutionClosed"
      readonly durableExecutionArn: string
      readonly status: Exclude<ServiceState.ExecutionStatus, "RUNNING">
      readonly result?: string | undefined
      readonly error?: Operation.ErrorObject | undefined
    }
  | {
      /** The virtual clock moved (virtual time only). */
      readonly _tag: "TimeAdvanced"
      readonly from: number
      readonly to: number
    }

/** A timeline subscriber. @since 0.1.0 */
export type TimelineListener = (event: TimelineEvent) => void
