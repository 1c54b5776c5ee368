/**
 * Compiles only when the types of `@durable-lambda/backend-aws` can stand in for those of
 * `@aws/durable-execution-sdk-js` 2.4.0 where a user's code needs it:
 * - `In<Official, Ours>`: what users write and pass in (configs, handlers, serdes, strategies, loggers) must be
 *   accepted by ours, so an official value is assignable to our type;
 * - `Out<Ours, Official>`: what users get back and pass on (contexts, results, errors, promises) must be usable
 *   where the official type is expected, so our value is assignable to the official type;
 * - `[In<A, B>, In<B, A>]`: plain data (wire model, enums' string values) goes both ways.
 *
 * A line marked `@ts-expect-error` is a known difference: it must be listed in `../DIFFERENCES.md` (deliberate,
 * with its reason) or in the pending lists of `sdk-names.ts` (other branches), and the marker fails the check as
 * soon as the difference is gone, so the list shrinks with it.
 */
import type * as O from "@aws/durable-execution-sdk-js"
import type * as U from "@durable-lambda/backend-aws"

/** Compiles when an official `Theirs` is accepted where ours expects `Mine`. */
export type In<Theirs extends Mine, Mine> = [Theirs, Mine]
/** Compiles when our `Mine` is accepted where the official code expects `Theirs`. */
export type Out<Mine extends Theirs, Theirs> = [Mine, Theirs]

/**
 * The official type with its TypeScript `enum`s replaced by their string values, to check everything else of a
 * type whose enum-typed fields cannot be compared (see [enum] in DIFFERENCES.md).
 */
export type Loosen<T> = T extends string
  ? `${T}`
  : T extends (...args: any) => any
    ? T
    : T extends object
      ? { [K in keyof T]: Loosen<T[K]> }
      : T

interface Item {
  readonly id: string
  readonly n: number
}
type L = O.DurableLogger

// ---- entry point and handler ---------------------------------------------------------------------------------
// @ts-expect-error [durable-promise]
export type Handler = In<O.DurableExecutionHandler<Item, number>, U.DurableExecutionHandler<Item, number>>
// @ts-expect-error [durable-promise]
export type HandlerAny = In<O.DurableExecutionHandler, U.DurableExecutionHandler>
export type ExecutionConfig = In<O.DurableExecutionConfig, U.DurableExecutionConfig>
// @ts-expect-error [enum]
export type LambdaHandler = Out<U.DurableLambdaHandler, O.DurableLambdaHandler>
/** What our Lambda handler resolves to, and the official output modulo the enum of `Status`. */
type OurOutput = Awaited<ReturnType<U.DurableLambdaHandler>>
type OfficialOutput = Loosen<O.DurableExecutionInvocationOutput>
export type LambdaHandlerOutput = Out<OurOutput, OfficialOutput>
/** What the official Lambda handler is called with is accepted by ours. */
export type LambdaHandlerEvent = In<Parameters<O.DurableLambdaHandler>[0], Parameters<U.DurableLambdaHandler>[0]>
// @ts-expect-error [durable-promise]
export type WithDurableExecution = Out<typeof U.withDurableExecution, typeof O.withDurableExecution>
export type InvocationInput = [
  In<O.DurableExecutionInvocationInput, U.DurableExecutionInvocationInput>,
  In<U.DurableExecutionInvocationInput, O.DurableExecutionInvocationInput>
]
export type InvocationOutput = [
  In<O.DurableExecutionInvocationOutput, U.DurableExecutionInvocationOutput>,
  // @ts-expect-error [enum]
  In<U.DurableExecutionInvocationOutput, O.DurableExecutionInvocationOutput>
]
// @ts-expect-error [enum]
export type InvocationStatus = [In<O.InvocationStatus, U.InvocationStatus>, In<U.InvocationStatus, O.InvocationStatus>]

// ---- the context and what its operations return -----------------------------------------------------------------
// @ts-expect-error [durable-promise]
export type Context = Out<U.DurableContext, O.DurableContext>
export type ContextLogger = Out<U.DurableContext<L>["logger"], O.DurableContext<L>["logger"]>
export type ContextLoggerType = Out<U.DurableContextLogger<L>, O.DurableContextLogger<L>>
// @ts-expect-error [durable-promise]
export type Promise_ = Out<U.DurablePromise<Item>, O.DurablePromise<Item>>
// @ts-expect-error [enum]
export type BatchResult = Out<U.BatchResult<Item>, O.BatchResult<Item>>
// @ts-expect-error [enum]
export type BatchItem = Out<U.BatchItem<Item>, O.BatchItem<Item>>
export type BatchItemStatus = [
  In<`${O.BatchItemStatus}`, `${U.BatchItemStatus}`>,
  In<`${U.BatchItemStatus}`, `${O.BatchItemStatus}`>
]
export type CompletionReason = [In<O.CompletionReason, U.CompletionReason>, In<U.CompletionReason, O.CompletionReason>]
// @ts-expect-error [enum]
export type CompletionStatus = Out<U.CompletionStatus, O.CompletionStatus>
// @ts-expect-error [enum]
export type CompletionItemStatus = Out<U.CompletionItemStatus, O.CompletionItemStatus>
export type CompletionItemStatusModuloEnums = Out<U.CompletionItemStatus, Loosen<O.CompletionItemStatus>>
export type CompletionStatusModuloEnums = Out<U.CompletionStatus, Loosen<O.CompletionStatus>>
export type CompletionDecisionModuloEnums = Out<U.CompletionDecision, Loosen<O.CompletionDecision>>
export type InvocationOutputModuloEnums = Out<
  U.DurableExecutionInvocationOutput,
  Loosen<O.DurableExecutionInvocationOutput>
>
export type ErrorObject = [In<O.ErrorObject, U.ErrorObject>, In<U.ErrorObject, O.ErrorObject>]
export type StepContext = Out<U.StepContext<L>, Parameters<O.StepFunc<Item, L>>[0]>
export type WaitForConditionContext = Out<
  U.WaitForConditionContext<L>,
  Parameters<O.WaitForConditionCheckFunc<Item, L>>[1]
>
export type ConcurrentExecutionItem = [
  In<O.ConcurrentExecutionItem<Item>, U.ConcurrentExecutionItem<Item>>,
  In<U.ConcurrentExecutionItem<Item>, O.ConcurrentExecutionItem<Item>>
]

// ---- what users pass in ----------------------------------------------------------------------------------------
export type StepFunc = In<O.StepFunc<Item>, U.StepFunc<Item>>
export type StepConfig = In<O.StepConfig<Item>, U.StepConfig<Item>>
export type StepSemantics = [
  In<`${O.StepSemantics}`, `${U.StepSemantics}`>,
  In<`${U.StepSemantics}`, `${O.StepSemantics}`>
]
export type ChildConfig = In<O.ChildConfig<Item>, U.ChildConfig<Item>>
// @ts-expect-error [durable-promise]
export type MapFunc = In<O.MapFunc<string, Item, L>, U.MapFunc<string, Item, L>>
// @ts-expect-error [enum]
export type MapConfig = In<O.MapConfig<string, Item>, U.MapConfig<string, Item>>
// @ts-expect-error [enum]
export type ConcurrencyConfig = In<O.ConcurrencyConfig<Item>, U.ConcurrencyConfig<Item>>
// @ts-expect-error [durable-promise]
export type ConcurrentExecutor = In<O.ConcurrentExecutor<string, Item, L>, U.ConcurrentExecutor<string, Item, L>>
// @ts-expect-error [enum]
export type CompletionConfig = In<O.CompletionConfig, U.CompletionConfig>
export type ThresholdCompletionConfig = In<O.ThresholdCompletionConfig, U.ThresholdCompletionConfig>
// @ts-expect-error [enum]
export type CustomCompletionConfig = In<O.CustomCompletionConfig, U.CustomCompletionConfig>
export type CompletionDecision = In<O.CompletionDecision, U.CompletionDecision>
export type CompletionOutcome = [
  In<`${O.CompletionOutcome}`, `${U.CompletionOutcome}`>,
  In<`${U.CompletionOutcome}`, `${O.CompletionOutcome}`>
]
export type WaitForConditionCheckFunc = In<O.WaitForConditionCheckFunc<Item>, U.WaitForConditionCheckFunc<Item>>
export type WaitForConditionConfig = In<O.WaitForConditionConfig<Item>, U.WaitForConditionConfig<Item>>
export type WaitForConditionDecision = In<O.WaitForConditionDecision, U.WaitForConditionDecision>
export type WaitStrategyFunc = In<O.WaitForConditionWaitStrategyFunc<Item>, U.WaitForConditionWaitStrategyFunc<Item>>
export type WaitStrategyConfig = In<O.WaitStrategyConfig<Item>, U.WaitStrategyConfig<Item>>
export type InvokeConfig = In<O.InvokeConfig<Item, Item>, U.InvokeConfig<Item, Item>>
export type Duration = In<O.Duration, U.Duration>
export type RetryDecision = In<O.RetryDecision, U.RetryDecision>
export type RetryStrategyConfig = In<O.RetryStrategyConfig, U.RetryStrategyConfig>
export type LinearRetryStrategyConfig = In<O.LinearRetryStrategyConfig, U.LinearRetryStrategyConfig>
export type JitterStrategy = [
  In<`${O.JitterStrategy}`, `${U.JitterStrategy}`>,
  In<`${U.JitterStrategy}`, `${O.JitterStrategy}`>
]
export type WithRetryConfig = In<O.WithRetryConfig<Item>, U.WithRetryConfig<Item>>
// @ts-expect-error [durable-promise]
export type RetryableFunc = In<O.RetryableFunc<Item>, U.RetryableFunc<Item>>
export type NestingType = [In<`${O.NestingType}`, `${U.NestingType}`>, In<`${U.NestingType}`, `${O.NestingType}`>]
export type Serdes = In<O.Serdes<Item>, U.Serdes<Item>>
export type SerdesOut = Out<U.Serdes<Item>, O.Serdes<Item>>
export type AnySerdes = [In<O.AnySerdes, U.AnySerdes>, In<U.AnySerdes, O.AnySerdes>]
export type AnySerdesDeserializer = [
  In<O.AnySerdesDeserializer, U.AnySerdesDeserializer>,
  In<U.AnySerdesDeserializer, O.AnySerdesDeserializer>
]
export type SerdesConfig = In<O.SerdesConfig, U.SerdesConfig>
export type SerdesContext = Out<U.SerdesContext, O.SerdesContext>
export type FileSystemSerdesConfig = In<O.FileSystemSerdesConfig, U.FileSystemSerdesConfig>
export type FileSystemSerdesMode = [
  In<`${O.FileSystemSerdesMode}`, `${U.FileSystemSerdesMode}`>,
  In<`${U.FileSystemSerdesMode}`, `${O.FileSystemSerdesMode}`>
]
export type FileSystemPathEncoding = [
  In<`${O.FileSystemPathEncoding}`, `${U.FileSystemPathEncoding}`>,
  In<`${U.FileSystemPathEncoding}`, `${O.FileSystemPathEncoding}`>
]
export type PreviewConfig = In<O.PreviewConfig, U.PreviewConfig>
export type PreviewField = In<O.PreviewField, U.PreviewField>
export type PreviewMode = [In<`${O.PreviewMode}`, `${U.PreviewMode}`>, In<`${U.PreviewMode}`, `${O.PreviewMode}`>]
export type FieldMatchMode = [
  In<`${O.FieldMatchMode}`, `${U.FieldMatchMode}`>,
  In<`${U.FieldMatchMode}`, `${O.FieldMatchMode}`>
]
export type DurableLogger = In<O.DurableLogger, U.DurableLogger>
export type DurableLogData = Out<U.DurableLogData, O.DurableLogData>
export type DurableLoggingContext = Out<U.DurableLoggingContext, O.DurableLoggingContext>
export type OperationSubType = [
  In<`${O.OperationSubType}`, `${U.OperationSubType}`>,
  In<`${U.OperationSubType}`, `${O.OperationSubType}`>
]

// ---- functions users call ----------------------------------------------------------------------------------------
export type CreateRetryStrategy = Out<typeof U.createRetryStrategy, typeof O.createRetryStrategy>
export type CreateLinearRetryStrategy = Out<typeof U.createLinearRetryStrategy, typeof O.createLinearRetryStrategy>
export type RetryPresets = Out<typeof U.retryPresets, typeof O.retryPresets>
// @ts-expect-error [durable-promise]
export type WithRetry = Out<typeof U.withRetry, typeof O.withRetry>
export type CreateWaitStrategy = Out<typeof U.createWaitStrategy, typeof O.createWaitStrategy>
export type DefaultSerdes = Out<typeof U.defaultSerdes, typeof O.defaultSerdes>
export type CreateClassSerdes = Out<typeof U.createClassSerdes, typeof O.createClassSerdes>
export type CreateClassSerdesWithDates = Out<typeof U.createClassSerdesWithDates, typeof O.createClassSerdesWithDates>
export type CreateFileSystemSerdes = Out<typeof U.createFileSystemSerdes, typeof O.createFileSystemSerdes>
export type BuildPreview = Out<typeof U.buildPreview, typeof O.buildPreview>
// @ts-expect-error [enum]
export type CompleteBatch = Out<typeof U.completeBatch, typeof O.completeBatch>
// @ts-expect-error [enum]
export type ContinueBatch = Out<typeof U.continueBatch, typeof O.continueBatch>
export type RefreshLogConfig = Out<typeof U.refreshLogConfig, typeof O.refreshLogConfig>
export type SdkVersion = Out<typeof U.SDK_VERSION, typeof O.SDK_VERSION>

// ---- errors users catch and inspect ------------------------------------------------------------------------------
export type DurableOperationError = Out<U.DurableOperationError, O.DurableOperationError>
export type StepError = Out<U.StepError, O.StepError>
export type StepInterruptedError = Out<U.StepInterruptedError, O.StepInterruptedError>
export type CallbackError = Out<U.CallbackError, O.CallbackError>
export type CallbackTimeoutError = Out<U.CallbackTimeoutError, O.CallbackTimeoutError>
export type InvokeError = Out<U.InvokeError, O.InvokeError>
export type ChildContextError = Out<U.ChildContextError, O.ChildContextError>
export type WaitForConditionError = Out<U.WaitForConditionError, O.WaitForConditionError>

// ---- the wire model (plain data) ---------------------------------------------------------------------------------
export type OperationType = [In<O.OperationType, U.OperationType>, In<U.OperationType, O.OperationType>]
export type OperationStatus = [In<O.OperationStatus, U.OperationStatus>, In<U.OperationStatus, O.OperationStatus>]
export type OperationAction = [In<O.OperationAction, U.OperationAction>, In<U.OperationAction, O.OperationAction>]
export type WireTimestamp = [In<O.WireTimestamp, U.WireTimestamp>, In<U.WireTimestamp, O.WireTimestamp>]
export type Operation = [In<O.Operation, U.Operation>, In<U.Operation, O.Operation>]
export type WireOperation = [In<O.WireOperation, U.WireOperation>, In<U.WireOperation, O.WireOperation>]
export type OperationUpdate = [In<O.OperationUpdate, U.OperationUpdate>, In<U.OperationUpdate, O.OperationUpdate>]
export type ExecutionDetails = [In<O.ExecutionDetails, U.ExecutionDetails>, In<U.ExecutionDetails, O.ExecutionDetails>]
export type ContextDetails = [In<O.ContextDetails, U.ContextDetails>, In<U.ContextDetails, O.ContextDetails>]
export type StepDetails = [In<O.StepDetails, U.StepDetails>, In<U.StepDetails, O.StepDetails>]
export type WireStepDetails = [In<O.WireStepDetails, U.WireStepDetails>, In<U.WireStepDetails, O.WireStepDetails>]
export type WaitDetails = [In<O.WaitDetails, U.WaitDetails>, In<U.WaitDetails, O.WaitDetails>]
export type WireWaitDetails = [In<O.WireWaitDetails, U.WireWaitDetails>, In<U.WireWaitDetails, O.WireWaitDetails>]
export type CallbackDetails = [In<O.CallbackDetails, U.CallbackDetails>, In<U.CallbackDetails, O.CallbackDetails>]
export type ChainedInvokeDetails = [
  In<O.ChainedInvokeDetails, U.ChainedInvokeDetails>,
  In<U.ChainedInvokeDetails, O.ChainedInvokeDetails>
]
export type ContextOptions = [In<O.ContextOptions, U.ContextOptions>, In<U.ContextOptions, O.ContextOptions>]
export type StepOptions = [In<O.StepOptions, U.StepOptions>, In<U.StepOptions, O.StepOptions>]
export type WaitOptions = [In<O.WaitOptions, U.WaitOptions>, In<U.WaitOptions, O.WaitOptions>]
export type CallbackOptions = [In<O.CallbackOptions, U.CallbackOptions>, In<U.CallbackOptions, O.CallbackOptions>]
export type ChainedInvokeOptions = [
  In<O.ChainedInvokeOptions, U.ChainedInvokeOptions>,
  In<U.ChainedInvokeOptions, O.ChainedInvokeOptions>
]
export type CheckpointUpdatedExecutionState = [
  In<O.CheckpointUpdatedExecutionState, U.CheckpointUpdatedExecutionState>,
  In<U.CheckpointUpdatedExecutionState, O.CheckpointUpdatedExecutionState>
]
export type CheckpointRequest = [
  In<O.CheckpointDurableExecutionRequest, U.CheckpointDurableExecutionRequest>,
  In<U.CheckpointDurableExecutionRequest, O.CheckpointDurableExecutionRequest>
]
export type CheckpointResponse = [
  In<O.CheckpointDurableExecutionResponse, U.CheckpointDurableExecutionResponse>,
  In<U.CheckpointDurableExecutionResponse, O.CheckpointDurableExecutionResponse>
]
export type GetStateRequest = [
  In<O.GetDurableExecutionStateRequest, U.GetDurableExecutionStateRequest>,
  In<U.GetDurableExecutionStateRequest, O.GetDurableExecutionStateRequest>
]
export type GetStateResponse = [
  In<O.GetDurableExecutionStateResponse, U.GetDurableExecutionStateResponse>,
  In<U.GetDurableExecutionStateResponse, O.GetDurableExecutionStateResponse>
]
