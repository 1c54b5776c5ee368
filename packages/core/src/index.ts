/**
 * @durable-lambda/core: the deterministic replay engine for AWS Lambda durable functions.
 *
 * Effect API: `Handler.make(program)` with `Step.run`, `Wait.wait`, `ChildContext.run`, `Callback.create` /
 * `Callback.waitFor`, `WaitForCondition.run`, `Invoke.run`, `Batch.map` / `Batch.parallel`,
 * `PromiseCombinators.*`, `DurableLog`.
 * Async API (official signatures): `AsyncContext.withDurableExecution`, or flat from `@durable-lambda/core/async`.
 *
 * @since 0.1.0
 */
export * as AsyncContext from "./AsyncContext.ts"
export * as Batch from "./Batch.ts"
export * as Callback from "./Callback.ts"
export * as ChildContext from "./ChildContext.ts"
export * as Config from "./Config.ts"
export * as DurableBackend from "./DurableBackend.ts"
export * as DurableContext from "./DurableContext.ts"
export * as DurableExecutionClient from "./DurableExecutionClient.ts"
export * as DurableLog from "./DurableLog.ts"
export * as DurablePromise from "./DurablePromise.ts"
export * as Duration from "./Duration.ts"
export * as Errors from "./Errors.ts"
export * as Handler from "./Handler.ts"
export * as Instrumentation from "./Instrumentation.ts"
export * as Invocation from "./Invocation.ts"
export * as Invoke from "./Invoke.ts"
export * as Logger from "./Logger.ts"
export * as Operation from "./Operation.ts"
export * as OperationId from "./OperationId.ts"
export * as Preview from "./Preview.ts"
export * as PromiseCombinators from "./PromiseCombinators.ts"
export * as RetryStrategy from "./RetryStrategy.ts"
export * as Serdes from "./Serdes.ts"
export * as Step from "./Step.ts"
export * as Wait from "./Wait.ts"
export * as WaitForCondition from "./WaitForCondition.ts"
export * as Wire from "./Wire.ts"
export * as WithRetry from "./WithRetry.ts"
