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
  type ConcurrentExecutionItem,
  type ConcurrentExecutor,
  type CreateCallbackResult,
  type DurableContext,
  type DurableExecutionConfig,
  type DurableExecutionHandler,
  type DurablePromiseCombinators,
  type ExecutionContext,
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
  completeBatch,
  CompletionOutcome,
  continueBatch,
  NestingType,
  type BatchItem,
  type BatchResult,
  type CompletionConfig,
  type ConcurrencyConfig,
  type CompletionDecision,
  type CompletionItemStatus,
  type CompletionReason,
  type CompletionStatus,
  type CustomCompletionConfig,
  type MapConfig,
  type ParallelConfig,
  type ThresholdCompletionConfig
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
  InvocationDeadlineError,
  InvocationEndedError,
  InvokeError,
  InvokeFailedError,
  InvokeStoppedError,
  InvokeTimedOutError,
  NonDeterministicExecutionError,
  PayloadTooLargeError,
  PromiseCombinatorError,
  StepError,
  StepInterruptedError,
  StepTimeoutError,
  WaitForConditionError
} from "./Errors.ts"
export {
  DurableExecutionClientError,
  DurableExecutionClientErrorScope,
  DurableExecutionInvocationInputWithClient,
  isDurableExecutionClientError,
  type DurableExecutionClient,
  type DurableExecutionClientErrorOptions
} from "./DurableExecutionClient.ts"
export type { DurableLambdaHandler } from "./Handler.ts"
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
export { OperationSubType } from "./Operation.ts"
export {
  createLinearRetryStrategy,
  createRetryStrategy,
  JitterStrategy,
  retryPresets,
  type LinearRetryStrategyConfig,
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
export {
  InvocationStatus,
  OperationAction,
  OperationStatus,
  OperationType,
  type CallbackDetails,
  type CallbackOptions,
  type ChainedInvokeDetails,
  type ChainedInvokeOptions,
  type CheckpointDurableExecutionRequest,
  type CheckpointDurableExecutionResponse,
  type CheckpointUpdatedExecutionState,
  type ContextDetails,
  type ContextOptions,
  type DurableExecutionInvocationInput,
  type DurableExecutionInvocationOutput,
  type ErrorObject,
  type ExecutionDetails,
  type GetDurableExecutionStateRequest,
  type GetDurableExecutionStateResponse,
  type Operation,
  type OperationUpdate,
  type StepDetails,
  type StepOptions,
  type WaitDetails,
  type WaitOptions,
  type WireOperation,
  type WireStepDetails,
  type WireTimestamp,
  type WireWaitDetails
} from "./Wire.ts"
export { buildPreview, FieldMatchMode, PreviewMode, type PreviewConfig, type PreviewField } from "./Preview.ts"
export { withRetry, type RetryableFunc, type WithRetryConfig } from "./WithRetry.ts"
export type { AnySerdes, AnySerdesDeserializer, SerdesDefaults as SerdesConfig } from "./DurableContext.ts"
