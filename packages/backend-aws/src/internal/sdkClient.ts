/**
 * The AWS SDK, loaded only where it is needed: for a `LambdaClient` when the environment does not describe
 * the target by itself (`envTarget.fromEnvironment`), or when asked for explicitly (`LambdaApi.defaultClient`).
 *
 * The module specifier is not a literal, so bundlers leave `@aws-sdk/client-lambda` out of a handler's bundle:
 * inside Lambda the environment always describes the target, and elsewhere the package resolves from
 * `node_modules` (it is a dependency of `@durable-lambda/backend-aws`).
 */
import type { LambdaClient, LambdaClientConfig } from "@aws-sdk/client-lambda"
import { fromEnvironment } from "./envTarget.ts"
import { fromClient } from "./clientTarget.ts"
import type { HttpTarget } from "./lambdaHttp.ts"

/** The `@aws-sdk/client-lambda` module. */
export type ClientLambdaModule = typeof import("@aws-sdk/client-lambda")

const specifier: string = ["@aws-sdk", "client-lambda"].join("/")

let sdkModule: ClientLambdaModule | undefined
let sdkLoading: Promise<ClientLambdaModule> | undefined

/** Loads `@aws-sdk/client-lambda` (memoised; a failed load is retried on the next call). */
export const loadClientLambda = (): Promise<ClientLambdaModule> =>
  sdkModule !== undefined
    ? Promise.resolve(sdkModule)
    : (sdkLoading ??= (import(specifier) as Promise<ClientLambdaModule>).then(
        (module) => (sdkModule = module),
        (error: unknown) => {
          sdkLoading = undefined
          throw new Error(
            "The environment does not name AWS credentials and a region (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION), and @aws-sdk/client-lambda cannot be loaded to find them: install it, or pass your own LambdaClient as `client`.",
            { cause: error }
          )
        }
      ))

/** The configuration of the default client: the AWS SDK's own retries off, the official SDK's timeouts. */
export const defaultClientConfig = {
  maxAttempts: 1,
  requestHandler: { connectionTimeout: 5_000, requestTimeout: 55_000, throwOnRequestTimeout: true }
} as const satisfies LambdaClientConfig

let sharedClient: Promise<LambdaClient> | undefined

/** The process-wide default `LambdaClient`, created on first use. */
export const defaultClient = (): Promise<LambdaClient> =>
  (sharedClient ??= loadClientLambda().then(
    (sdk) => new sdk.LambdaClient(defaultClientConfig),
    (error: unknown) => {
      sharedClient = undefined
      throw error
    }
  ))

/** The default target and the client it came from, if any. */
export interface DefaultTarget {
  readonly target: HttpTarget
  readonly client: LambdaClient | undefined
}

let sharedTarget: Promise<DefaultTarget> | undefined

/**
 * The default target: the environment's when it names one (no AWS SDK loaded), else the default client's.
 * Decided once per process (a failure to load the AWS SDK is retried on the next call).
 */
export const defaultTarget = (): Promise<DefaultTarget> => {
  if (sharedTarget !== undefined) return sharedTarget
  const fromEnv = fromEnvironment()
  const decided: Promise<DefaultTarget> =
    fromEnv !== undefined
      ? Promise.resolve({ target: fromEnv, client: undefined })
      : defaultClient().then((client) => ({ target: fromClient(client), client }))
  sharedTarget = decided
  decided.catch(() => (sharedTarget = undefined))
  return decided
}
