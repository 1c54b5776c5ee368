/**
 * The production entry points: Lambda handlers bound to the AWS backend. The default `LambdaClient` is built
 * once per cold start and reused by every invocation; pass `client` to use your own (region, credentials,
 * endpoint, retry settings).
 *
 * @since 0.1.0
 */
import type { LambdaClient } from "@aws-sdk/client-lambda"
import { AsyncContext, Handler, type DurableBackend, type Logger } from "@durable-lambda/core"
import { Layer } from "effect"
import * as AwsBackend from "./AwsBackend.ts"
import * as NodeLogging from "./NodeLogging.ts"

/**
 * Options of `withDurableExecution`: the engine settings plus an optional `LambdaClient`.
 *
 * @since 0.1.0
 */
export interface DurableExecutionConfig extends Omit<AsyncContext.DurableExecutionConfig, "client"> {
  /** The client for the durable-execution API calls (default: one shared client per process). */
  readonly client?: LambdaClient
}

const backendFor = (config: DurableExecutionConfig | undefined): Layer.Layer<DurableBackend.DurableBackend, any> =>
  config?.backend ?? (config?.client === undefined ? AwsBackend.layerDefault : AwsBackend.layerClient(config.client))

/**
 * Wraps an async durable handler into the Lambda handler to export (the official SDK's entry point, same
 * signature).
 *
 * **Example**
 * ```ts
 * import { withDurableExecution } from "@durable-lambda/backend-aws"
 *
 * export const handler = withDurableExecution(async (event, context) => {
 *   const order = await context.step("load", async () => loadOrder(event.orderId))
 *   await context.wait({ hours: 1 })
 *   return order.total
 * })
 * ```
 *
 * **Gotchas**: the returned function reads `context.getRemainingTimeInMillis()` and ends the invocation
 * cleanly (checkpoints flushed) a few seconds before Lambda's timeout; the service then invokes again. The
 * default `context.logger` writes whole JSON lines to `process.stdout` / `process.stderr` (`NodeLogging`).
 *
 * @since 0.1.0
 */
export const withDurableExecution = <
  TEvent = any,
  TResult = any,
  L extends Logger.DurableLogger = Logger.DurableLogger
>(
  handler: AsyncContext.DurableExecutionHandler<TEvent, TResult, L>,
  config?: DurableExecutionConfig
): Handler.DurableLambdaHandler =>
  Handler.toLambdaHandler(AsyncContext.toDurableHandler(handler, config), backendFor(config), NodeLogging.layer)

/**
 * Turns an Effect-API durable handler (`Handler.make(program)`) into the Lambda handler to export, on the
 * AWS backend. `services` provides whatever else the program requires.
 *
 * @since 0.1.0
 */
export const toLambdaHandler = <R>(
  handler: Handler.DurableHandler<R>,
  options?: { readonly services?: Layer.Layer<R, any, never>; readonly client?: LambdaClient }
): Handler.DurableLambdaHandler =>
  Handler.toLambdaHandler(
    handler,
    options?.client === undefined ? AwsBackend.layerDefault : AwsBackend.layerClient(options.client),
    // The Node log platform first, so a `LogPlatform` in `services` (e.g. a test's streams) takes precedence.
    (options?.services === undefined
      ? NodeLogging.layer
      : Layer.merge(NodeLogging.layer, options.services)) as Layer.Layer<R, any, never>
  )
