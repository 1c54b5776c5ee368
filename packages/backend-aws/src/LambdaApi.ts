/**
 * The two Lambda durable-execution API calls as Effects, over a `LambdaClient` from the modular
 * `@aws-sdk/client-lambda` (only `LambdaClient` and the two command classes are used, so bundles stay small).
 *
 * The AWS SDK is loaded lazily: this module imports only its types, and `import("@aws-sdk/client-lambda")` runs
 * (once per process) when the default client is first built or the first command is sent. Importing a handler
 * module therefore does not evaluate the AWS SDK; its cost moves to the first invocation, as with the official
 * SDK.
 *
 * @since 0.1.0
 */
import type {
  CheckpointDurableExecutionCommandInput,
  CheckpointDurableExecutionCommandOutput,
  GetDurableExecutionStateCommandInput,
  GetDurableExecutionStateCommandOutput,
  LambdaClient,
  LambdaClientConfig
} from "@aws-sdk/client-lambda"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/** The `@aws-sdk/client-lambda` module. */
type ClientLambdaModule = typeof import("@aws-sdk/client-lambda")

let sdkModule: ClientLambdaModule | undefined
let sdkLoading: Promise<ClientLambdaModule> | undefined

/**
 * Loads `@aws-sdk/client-lambda` (memoised: one `import()` per process; a failed load is retried on the next
 * call).
 *
 * @since 0.1.0
 */
export const loadClientLambda = (): Promise<ClientLambdaModule> =>
  sdkModule !== undefined
    ? Promise.resolve(sdkModule)
    : (sdkLoading ??= import("@aws-sdk/client-lambda").then(
        (module) => (sdkModule = module),
        (error: unknown) => {
          sdkLoading = undefined
          throw error
        }
      ))

/** Runs `f` with the loaded module: at once when it is loaded (no extra tick), else after loading it. */
const withClientLambda = <A>(f: (sdk: ClientLambdaModule) => Promise<A>): Promise<A> =>
  sdkModule !== undefined ? f(sdkModule) : loadClientLambda().then(f)

/**
 * A `LambdaClient.send` call rejected. `cause` is what the AWS SDK threw (a `LambdaServiceException`
 * subclass, a network `Error`, a deserialization `SyntaxError`, ...), untouched; `AwsBackend` classifies it.
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
 * The service shape: the underlying client and one method per API call.
 *
 * @since 0.1.0
 */
export interface LambdaApiShape {
  /** The client every call is sent with. */
  readonly client: LambdaClient
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
 * **When to use**: normally only through `AwsBackend.layer`; provide `LambdaApi.layer` (default client) or
 * `LambdaApi.layerClient(client)` (your own client) to it. Use it directly to make raw calls.
 *
 * **Details**: each call is `Effect.tryPromise` around `client.send(command, { abortSignal })`, so
 * interrupting the fiber aborts the HTTP request. Failures are `LambdaCallError` with the SDK's error as
 * `cause`; nothing is classified or retried here.
 *
 * @since 0.1.0
 */
export class LambdaApi extends Context.Service<LambdaApi, LambdaApiShape>()("@durable-lambda/backend-aws/LambdaApi") {}

/**
 * Builds the service over `client`.
 *
 * @since 0.1.0
 */
export const make = (client: LambdaClient): LambdaApiShape =>
  LambdaApi.of({
    client,
    checkpointDurableExecution: (input) =>
      Effect.tryPromise({
        try: (signal) =>
          withClientLambda((sdk) =>
            client.send(new sdk.CheckpointDurableExecutionCommand(input), { abortSignal: signal })
          ),
        catch: (cause) => new LambdaCallError({ command: "CheckpointDurableExecution", cause })
      }),
    getDurableExecutionState: (input) =>
      Effect.tryPromise({
        try: (signal) =>
          withClientLambda((sdk) =>
            client.send(new sdk.GetDurableExecutionStateCommand(input), { abortSignal: signal })
          ),
        catch: (cause) => new LambdaCallError({ command: "GetDurableExecutionState", cause })
      })
  })

/**
 * The configuration of the default client, exported so a custom client can start from it
 * (`new LambdaClient({ ...LambdaApi.defaultClientConfig, region, endpoint })`).
 *
 * **Details**
 * - `requestHandler`: connection timeout 5 s, request timeout 55 s with `throwOnRequestTimeout` (a stuck call
 *   fails with a `TimeoutError` instead of only logging a warning), as the official durable SDK configures it.
 * - `maxAttempts: 1`: the AWS SDK's own retries are **off**. `AwsBackend` retries retryable failures itself with
 *   one bounded `Schedule` (3 attempts by default) that re-sends the same `ClientToken` and never retries a
 *   stale checkpoint token. Leaving the SDK's standard mode on (3 attempts) would multiply that to 9.
 * - Region and credentials come from the default provider chain (`AWS_REGION` and the execution role inside
 *   Lambda); the endpoint honours `AWS_ENDPOINT_URL_LAMBDA` / `AWS_ENDPOINT_URL`.
 *
 * @since 0.1.0
 */
export const defaultClientConfig = {
  maxAttempts: 1,
  requestHandler: { connectionTimeout: 5_000, requestTimeout: 55_000, throwOnRequestTimeout: true }
} as const satisfies LambdaClientConfig

let sharedClient: Promise<LambdaClient> | undefined

/**
 * The process-wide default `LambdaClient`, created on first use with {@link defaultClientConfig} and reused by
 * every later call (one client per Lambda cold start: connections and credentials are kept warm). Asynchronous
 * because the first call loads `@aws-sdk/client-lambda`.
 *
 * @since 0.1.0
 */
export const defaultClient = (): Promise<LambdaClient> =>
  (sharedClient ??= loadClientLambda().then(
    (sdk) => new sdk.LambdaClient(defaultClientConfig),
    (error: unknown) => {
      sharedClient = undefined
      throw error
    }
  ))

/**
 * `LambdaApi` over the process-wide {@link defaultClient}. Building the layer again (another runtime, another
 * test) reuses the same client. Building it the first time loads `@aws-sdk/client-lambda` (a defect if the
 * module cannot be loaded: the deployment is broken).
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<LambdaApi> = Layer.effect(
  LambdaApi,
  Effect.map(
    Effect.promise(() => defaultClient()),
    make
  )
)

/**
 * `LambdaApi` over your own client: choose region, credentials, endpoint, HTTP handler and retry settings.
 *
 * **Details**: your client is used as given; the two command classes are still loaded from
 * `@aws-sdk/client-lambda` on the first call (usually the module your client came from, already loaded).
 *
 * **Gotchas**: the client's own retries (`maxAttempts`, default 3 in the AWS SDK) multiply with
 * `AwsBackend`'s retry schedule; set `maxAttempts: 1` (or spread {@link defaultClientConfig}) unless you want
 * both. The client is not destroyed when the layer is released: you own it.
 *
 * **Example**
 *
 * ```ts
 * import { LambdaClient } from "@aws-sdk/client-lambda"
 * import { LambdaApi } from "@durable-lambda/backend-aws"
 *
 * const api = LambdaApi.layerClient(
 *   new LambdaClient({ ...LambdaApi.defaultClientConfig, region: "eu-west-1" })
 * )
 * ```
 *
 * @since 0.1.0
 */
export const layerClient = (client: LambdaClient): Layer.Layer<LambdaApi> => Layer.succeed(LambdaApi, make(client))
