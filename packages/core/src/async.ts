/**
 * The official-SDK-compatible API as flat named exports, so a handler written for
 * `@aws/durable-execution-sdk-js` ports by changing its import. `@durable-lambda/backend-aws` re-exports this
 * with the Lambda backend bound to `withDurableExecution`.
 *
 * @since 0.1.0
 */
export {
  withDurableExecution,
  type ChildFunc,
  type DurableContext,
  type DurableExecutionConfig,
  type DurableExecutionHandler,
  type StepContext,
  type StepFunc
} from "./AsyncContext.ts"
export type { ChildConfig } from "./ChildContext.ts"
export { DurablePromise } from "./DurablePromise.ts"
export type { Duration } from "./Duration.ts"
export {
  CallbackError,
  ChildContextError,
  DurableOperationError,
  InvokeError,
  NonDeterministicExecutionError,
  StepError,
  StepInterruptedError,
  WaitForConditionError
} from "./Errors.ts"
export type { DurableLambdaHandler } from "./Handler.ts"
export type { InvocationInput as DurableExecutionInvocationInput, InvocationOutput as DurableExecutionInvocationOutput } from "./Invocation.ts"
export type {
  DurableContextLogger,
  DurableLogData,
  DurableLogger,
  DurableLoggingContext,
  DurableLogLevel,
  LoggerConfig
} from "./Logger.ts"
export type { ErrorObject } from "./Operation.ts"
export { OperationSubType } from "./Operation.ts"
export {
  createRetryStrategy,
  JitterStrategy,
  retryPresets,
  type RetryDecision,
  type RetryStrategyConfig
} from "./RetryStrategy.ts"
export { createClassSerdes, createClassSerdesWithDates, defaultSerdes, type Serdes, type SerdesContext } from "./Serdes.ts"
export { StepSemantics, type StepConfig } from "./Step.ts"

/** Statuses of an invocation output. @since 0.1.0 */
export const InvocationStatus = { SUCCEEDED: "SUCCEEDED", FAILED: "FAILED", PENDING: "PENDING" } as const
