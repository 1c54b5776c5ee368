/**
 * The production entry points: Lambda handlers bound to the AWS backend. The transport is set up once per cold
 * start from the environment (no AWS SDK) and reused by every invocation; pass `client` to take the settings
 * from your own `LambdaClient` (region, credentials, endpoint, HTTP handler). Plugins listed in `DURABLE_EXECUTION_PLUGINS` are loaded at cold start and run
 * after those of the config.
 *
 * @since 0.1.0
 */
import type { LambdaClient } from "@aws-sdk/client-lambda"
import { AsyncContext, DurableExecutionClient, Handler, type DurableBackend, type Logger } from "@durable-lambda/core"
import * as Layer from "effect/Layer"
import * as AwsBackend from "./AwsBackend.ts"
import { classifyReason } from "./internal/classifyError.ts"
import * as PluginLoader from "./PluginLoader.ts"
import * as NodeLogging from "./NodeLogging.ts"

/**
 * Options of `withDurableExecution`: the engine settings plus an optional `LambdaClient`.
 *
 * @since 0.1.0
 */
export interface DurableExecutionConfig extends Omit<AsyncContext.DurableExecutionConfig, "client"> {
  /**
   * The client whose configuration (credentials, region, endpoint, HTTP handler; not its middleware) the
   * durable-execution API calls use (default: the environment's, without the AWS SDK).
   *
   * @deprecated as in the official SDK: pass `durableExecutionClient: new DurableExecutionApiClient(client)`.
   */
  readonly client?: LambdaClient
  /**
   * The transport for the two durable-execution calls, replacing the AWS backend (see
   * `DurableExecutionClient`). Its `DurableExecutionClientError`s say whether a failure ends the invocation or
   * fails the execution; other errors are classified by their AWS shape. Giving both this and `client` fails
   * every invocation before the handler runs.
   */
  readonly durableExecutionClient?: DurableExecutionClient.DurableExecutionClient
}

/** The official message for a config giving both `client` and `durableExecutionClient`. */
const bothTransports =
  "Both `client` and `durableExecutionClient` were provided, but they configure the same thing in incompatible ways: `client` supplies a Lambda client for the SDK's Lambda transport, while `durableExecutionClient` replaces the transport. Provide only `durableExecutionClient` — to keep the Lambda transport with your own client, pass it to DurableExecutionApiClient: `{ durableExecutionClient: new DurableExecutionApiClient(myLambdaClient) }`."

const backendFor = (config: DurableExecutionConfig | undefined): Layer.Layer<DurableBackend.DurableBackend, any> =>
  config?.backend ??
  (config?.durableExecutionClient !== undefined
    ? DurableExecutionClient.layer(config.durableExecutionClient, { classify: classifyReason })
    : config?.client === undefined
      ? AwsBackend.layerDefault
      : AwsBackend.layerClient(config.client))

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
): Handler.DurableLambdaHandler => {
  const build = (transport: DurableExecutionConfig | undefined) =>
    Handler.toLambdaHandler(
      transport?.client !== undefined && transport.durableExecutionClient !== undefined
        ? AsyncContext.toDurableHandler(() => Promise.reject(new Error(bothTransports)), transport)
        : AsyncContext.toDurableHandler(handler, transport),
      backendFor(transport),
      Layer.merge(NodeLogging.layer, PluginLoader.layerEnvironment())
    )
  const configured = build(config)
  // An event carrying its own transport (a harness's) overrides the configured one, for that invocation only.
  const injected = new WeakMap<DurableExecutionClient.DurableExecutionClient, Handler.DurableLambdaHandler>()
  const viaEvent = (client: DurableExecutionClient.DurableExecutionClient) => {
    let built = injected.get(client)
    if (built === undefined) {
      const { client: _lambda, ...rest } = config ?? {}
      built = build({ ...rest, durableExecutionClient: client })
      injected.set(client, built)
    }
    return built
  }
  const fn = (event: unknown, context?: Parameters<Handler.DurableLambdaHandler>[1]) => {
    if (!DurableExecutionClient.DurableExecutionInvocationInputWithClient.isInstance(event)) {
      return configured(event, context)
    }
    const { durableExecutionClient, ...plain } = { ...event }
    return viaEvent(durableExecutionClient)(plain, context)
  }
  return Object.assign(fn, { [Handler.LambdaHandlerTypeId]: configured[Handler.LambdaHandlerTypeId] })
}

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
      ? Layer.merge(NodeLogging.layer, PluginLoader.layerEnvironment())
      : Layer.mergeAll(NodeLogging.layer, options.services, PluginLoader.layerEnvironment())) as Layer.Layer<
      R,
      any,
      never
    >
  )
