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
  type CreateCallbackResult,
  type DurableContext,
  type DurableExecutionConfig,
  type DurableExecutionHandler,
  type DurablePromiseCombinators,
  type MapFunc,
  type NamedParallelBranch,
  type ParallelFunc,
  type StepContext,
  type StepFunc,
  type WaitForCallbackContext,
  type WaitForCallbackSubmitterFunc,
  type WaitForConditionCheckFunc,
  type WaitForConditionContext
} from "./AsyncContext.ts"
export {
  BatchItemStatus,
  type BatchItem,
  type BatchResult,
  type CompletionConfig,
  type CompletionReason,
  type MapConfig,
  type ParallelConfig
} from "./Batch.ts"
export type { CallbackSerdes, CreateCallbackConfig, WaitForCallbackConfig } from "./Callback.ts"
export type { ChildConfig } from "./ChildContext.ts"
export { DurablePromise } from "./DurablePromise.ts"
export type { Duration } from "./Duration.ts"
export {
  BatchCompletionError,
  CallbackError,
  CallbackExternalError,
  CallbackFailedError,
  CallbackHeartbeatTimeoutError,
  CallbackSubmitterError,
  CallbackTimeoutError,
  ChildContextError,
  DurableOperationError,
  InvokeError,
  InvokeFailedError,
  InvokeStoppedError,
  InvokeTimedOutError,
  NonDeterministicExecutionError,
  PayloadTooLargeError,
  PromiseCombinatorError,
  StepError,
  StepInterruptedError,
  WaitForConditionError
} from "./Errors.ts"
export {
  DurableExecutionClientError,
  DurableExecutionClientErrorScope,
  isDurableExecutionClientError,
  type CheckpointDurableExecutionRequest,
  type CheckpointDurableExecutionResponse,
  type DurableExecutionClient,
  type DurableExecutionClientErrorOptions,
  type GetDurableExecutionStateRequest,
  type GetDurableExecutionStateResponse
} from "./DurableExecutionClient.ts"
export type { DurableLambdaHandler } from "./Handler.ts"
export type {
  InvocationInput as DurableExecutionInvocationInput,
  InvocationOutput as DurableExecutionInvocationOutput
} from "./Invocation.ts"
export type {
  DurableContextLogger,
  DurableLogData,
  DurableLogger,
  DurableLoggingContext,
  DurableLogLevel,
  LoggerConfig
} from "./Logger.ts"
export type { InvokeConfig } from "./Invoke.ts"
export {
  AttemptEndInfoOutcome,
  DURABLE_INSTRUMENTATION_PLUGIN_API_VERSION,
  PluginInvocationStatus,
  PluginLoadError,
  PluginOperationStatus,
  type AttemptEndInfo,
  type AttemptInfo,
  type DurableInstrumentationPlugin,
  type DurableInstrumentationPluginProvider,
  type DurableInstrumentationPluginType,
  type InvocationEndInfo,
  type InvocationInfo,
  type OperationChangeInfo,
  type OperationEndInfo,
  type OperationInfo
} from "./Instrumentation.ts"
export type { ErrorObject } from "./Operation.ts"
export { OperationSubType } from "./Operation.ts"
export {
  createRetryStrategy,
  JitterStrategy,
  retryPresets,
  type RetryDecision,
  type RetryStrategyConfig
} from "./RetryStrategy.ts"
export {
  createClassSerdes,
  createClassSerdesWithDates,
  defaultSerdes,
  withOffloading,
  type OffloadingOptions,
  type PayloadStore,
  type Serdes,
  type SerdesContext
} from "./Serdes.ts"
export { StepSemantics, type StepConfig } from "./Step.ts"
export {
  createWaitStrategy,
  type WaitForConditionConfig,
  type WaitForConditionDecision,
  type WaitForConditionWaitStrategyFunc,
  type WaitStrategyConfig
} from "./WaitForCondition.ts"

/** Statuses of an invocation output. @since 0.1.0 */
export const InvocationStatus = { SUCCEEDED: "SUCCEEDED", FAILED: "FAILED", PENDING: "PENDING" } as const
