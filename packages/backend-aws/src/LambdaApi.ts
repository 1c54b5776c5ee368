/**
 * The two Lambda durable-execution API calls as Effects: `CheckpointDurableExecution` and
 * `GetDurableExecutionState`, sent as SigV4-signed HTTPS requests in the exact form `@aws-sdk/client-lambda`
 * sends them, and parsed as it parses them (errors keep the SDK's `name`, `$fault` and `$metadata`).
 *
 * The AWS SDK is not needed for them: inside Lambda the credentials, region and endpoint come from the
 * environment, and a handler bundle carries no AWS SDK. With your own `LambdaClient`, the calls use its
 * credentials, region, endpoint and HTTP handler. Without either (outside Lambda, no static credentials in
 * the environment), a default `LambdaClient` is built from `@aws-sdk/client-lambda`, loaded on first use.
 *
 * @since 0.1.0
 */
import type {
  CheckpointDurableExecutionCommandInput,
  CheckpointDurableExecutionCommandOutput,
  GetDurableExecutionStateCommandInput,
  GetDurableExecutionStateCommandOutput,
  LambdaClient
} from "@aws-sdk/client-lambda"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { fromClient } from "./internal/clientTarget.ts"
import * as LambdaHttp from "./internal/lambdaHttp.ts"
import * as SdkClient from "./internal/sdkClient.ts"

/**
 * Loads `@aws-sdk/client-lambda` (memoised: one `import()` per process; a failed load is retried on the next
 * call). The specifier is computed, so bundlers do not pull the AWS SDK into a handler's bundle; it resolves
 * from `node_modules` at run time.
 *
 * @since 0.1.0
 */
export const loadClientLambda: () => Promise<typeof import("@aws-sdk/client-lambda")> = SdkClient.loadClientLambda

/**
 * A call rejected. `cause` is what failed, untouched: the service's error response (an `Error` named by its
 * error code, with the AWS SDK's `$fault` and `$metadata`), a network `Error`, a `TimeoutError`, an
 * unparseable body's `SyntaxError`...; `AwsBackend` classifies it.
 *
 * @since 0.1.0
 */
export class LambdaCallError extends Data.TaggedError("LambdaCallError")<{
  readonly command: "CheckpointDurableExecution" | "GetDurableExecutionState"
  readonly cause: unknown
}> {
  override get message(): string {
    const cause = this.cause
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)
    return `${this.command} failed: ${detail}`
  }
}

/**
 * The service shape: the client the calls take their settings from (if any) and one method per API call.
 *
 * @since 0.1.0
 */
export interface LambdaApiShape {
  /** Your client, or the default one when the environment did not describe the target; else `undefined`. */
  readonly client: LambdaClient | undefined
  /** `CheckpointDurableExecution`, sent with the calling fiber's abort signal. */
  readonly checkpointDurableExecution: (
    input: CheckpointDurableExecutionCommandInput
  ) => Effect.Effect<CheckpointDurableExecutionCommandOutput, LambdaCallError>
  /** `GetDurableExecutionState` (one page), sent with the calling fiber's abort signal. */
  readonly getDurableExecutionState: (
    input: GetDurableExecutionStateCommandInput
  ) => Effect.Effect<GetDurableExecutionStateCommandOutput, LambdaCallError>
}

/**
 * The Lambda durable-execution API as a service.
 *
 * **When to use**: normally only through `AwsBackend.layer`; provide `LambdaApi.layer` (the environment's
 * target) or `LambdaApi.layerClient(client)` (your own client) to it. Use it directly to make raw calls.
 *
 * **Details**: interrupting the calling fiber aborts the HTTP request. Failures are `LambdaCallError`;
 * nothing is classified or retried here.
 *
 * @since 0.1.0
 */
export class LambdaApi extends Context.Service<LambdaApi, LambdaApiShape>()("@durable-lambda/backend-aws/LambdaApi") {}

const over = (target: LambdaHttp.HttpTarget, client: LambdaClient | undefined): LambdaApiShape =>
  LambdaApi.of({
    client,
    checkpointDurableExecution: (input) =>
      Effect.tryPromise({
        try: (signal) => LambdaHttp.checkpointDurableExecution(target, input, signal),
        catch: (cause) => new LambdaCallError({ command: "CheckpointDurableExecution", cause })
      }),
    getDurableExecutionState: (input) =>
      Effect.tryPromise({
        try: (signal) => LambdaHttp.getDurableExecutionState(target, input, signal),
        catch: (cause) => new LambdaCallError({ command: "GetDurableExecutionState", cause })
      })
  })

/**
 * Builds the service over `client`: the calls use its credential provider, region, endpoint (configured, or
 * from its endpoint rules with its FIPS / dual-stack settings) and HTTP handler.
 *
 * **Gotchas**: the client's middleware stack is not run (custom middleware, its retry strategy, its logger);
 * `AwsBackend` retries by itself. See `packages/compat/DIFFERENCES.md`, `[lambda-client]`.
 *
 * @since 0.1.0
 */
export const make = (client: LambdaClient): LambdaApiShape => over(fromClient(client), client)

/**
 * The configuration of the default client, exported so a custom client can start from it
 * (`new LambdaClient({ ...LambdaApi.defaultClientConfig, region, endpoint })`).
 *
 * **Details**
 * - `requestHandler`: connection timeout 5 s, request timeout 55 s with `throwOnRequestTimeout` (a stuck call
 *   fails with a `TimeoutError` instead of only logging a warning), as the official durable SDK configures it.
 *   The environment's target uses the same two timeouts.
 * - `maxAttempts: 1`: the AWS SDK's own retries are **off** for any other call you send with the client. The two
 *   durable-execution calls never run the client's retry strategy: `AwsBackend` retries them itself with one
 *   bounded `Schedule` (3 attempts by default) that re-sends the same `ClientToken`.
 *
 * @since 0.1.0
 */
export const defaultClientConfig = SdkClient.defaultClientConfig

/**
 * The process-wide default `LambdaClient`, created on first use with {@link defaultClientConfig} (region and
 * credentials from the AWS SDK's default provider chain; the endpoint honours `AWS_ENDPOINT_URL_LAMBDA` /
 * `AWS_ENDPOINT_URL`). Loads `@aws-sdk/client-lambda`. `LambdaApi.layer` uses it only when the environment
 * does not describe the target by itself.
 *
 * @since 0.1.0
 */
export const defaultClient: () => Promise<LambdaClient> = SdkClient.defaultClient

/**
 * `LambdaApi` as a Lambda function needs it. Inside Lambda: credentials (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), region (`AWS_REGION`) and endpoint (`AWS_ENDPOINT_URL_LAMBDA`
 * / `AWS_ENDPOINT_URL`, else the region's public endpoint) come from the environment, and the AWS SDK is never
 * loaded. Elsewhere (no static credentials, FIPS or dual-stack endpoints, other partitions) it uses
 * {@link defaultClient}. Decided once per process.
 *
 * **Gotchas**: outside Lambda, in a bundle without `node_modules`, `@aws-sdk/client-lambda` cannot be loaded:
 * set the environment variables above or use {@link layerClient}.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<LambdaApi> = Layer.effect(
  LambdaApi,
  Effect.promise(async () => {
    const target = await SdkClient.defaultTarget()
    return over(target.target, target.client)
  })
)

/**
 * `LambdaApi` over your own client: choose region, credentials, endpoint and HTTP handler.
 *
 * **Gotchas**: only the client's configuration is used, not its middleware stack or retry strategy
 * ({@link make}). The client is not destroyed when the layer is released: you own it.
 *
 * **Example**
 *
 * ```ts
 * import { LambdaClient } from "@aws-sdk/client-lambda"
 * import { LambdaApi } from "@durable-lambda/backend-aws"
 *
 * const api = LambdaApi.layerClient(new LambdaClient({ region: "eu-west-1" }))
 * ```
 *
 * @since 0.1.0
 */
export const layerClient = (client: LambdaClient): Layer.Layer<LambdaApi> => Layer.succeed(LambdaApi, make(client))
