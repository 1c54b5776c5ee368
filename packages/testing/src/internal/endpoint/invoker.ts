/**
 * Runs one registered handler for one invocation event. A handler built by this SDK runs its
 * backend-independent program with the REAL `AwsBackend` over a `LambdaClient` pointed at the endpoint
 * itself, so every checkpoint travels through `@aws-sdk/client-lambda` and HTTP; any other function is called
 * as a plain Lambda handler (it must reach the endpoint on its own, e.g. with `AWS_ENDPOINT_URL_LAMBDA`).
 *
 * @internal
 */
import type { LambdaClient } from "@aws-sdk/client-lambda"
import { AwsBackend } from "@durable-lambda/backend-aws"
import type { ServiceState } from "@durable-lambda/backend-mock"
import { Handler, Invocation } from "@durable-lambda/core"
import { Cause, Exit, Layer, ManagedRuntime, Schema } from "effect"
import { errorObjectOf } from "./wire.ts"

/** The Lambda context handed to a handler (the fields the Node.js runtime provides). */
export interface LocalLambdaContext {
  readonly callbackWaitsForEmptyEventLoop: boolean
  readonly functionName: string
  readonly functionVersion: string
  readonly invokedFunctionArn: string
  readonly memoryLimitInMB: string
  readonly awsRequestId: string
  readonly logGroupName: string
  readonly logStreamName: string
  getRemainingTimeInMillis(): number
  done(): void
  fail(): void
  succeed(): void
}

/** Builds the Lambda context of one invocation; the deadline is real time (`timeoutMillis` from now). */
export const lambdaContext = (options: {
  readonly functionName: string
  readonly functionArn: string
  readonly requestId: string
  readonly timeoutMillis: number
}): LocalLambdaContext => {
  const deadline = Date.now() + options.timeoutMillis
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: options.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: options.functionArn,
    memoryLimitInMB: "128",
    awsRequestId: options.requestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `local/[$LATEST]${options.requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {}
  }
}

/** One registered function, ready to be invoked. */
export interface Invoker {
  /** `"sdk"`: built by this SDK, run over the real `AwsBackend`; `"lambda"`: a plain Lambda handler. */
  readonly kind: "sdk" | "lambda"
  readonly invoke: (
    event: unknown,
    context: LocalLambdaContext,
    signal: AbortSignal
  ) => Promise<ServiceState.InvocationOutcome>
  /** Releases the function's runtime (its "cold start" resources). */
  readonly dispose: () => Promise<void>
}

const isDurableHandler = (u: unknown): u is Handler.DurableHandler<never> =>
  typeof u === "object" && u !== null && "invoke" in u && typeof u.invoke === "function" && "config" in u

const decodeOutput = Schema.decodeUnknownExit(Invocation.InvocationOutput)

const outcomeOfExit = (exit: Exit.Exit<Invocation.InvocationOutput, unknown>): ServiceState.InvocationOutcome => {
  if (Exit.isSuccess(exit)) return exit.value
  if (Cause.hasInterruptsOnly(exit.cause)) {
    return { functionError: { ErrorType: "Runtime.Interrupted", ErrorMessage: "The invocation was interrupted" } }
  }
  return { functionError: errorObjectOf(Cause.squash(exit.cause)) }
}

/**
 * Builds the invoker of `handler`: a `withDurableExecution` / `toLambdaHandler` export or a
 * `Handler.DurableHandler` runs on `AwsBackend.layerClient(client)` in a runtime built once (the function's
 * cold start); any other function is called as `handler(event, context)`.
 */
export const makeInvoker = (
  handler: unknown,
  client: LambdaClient,
  backendOptions: AwsBackend.Options | undefined
): Invoker => {
  const info = Handler.lambdaHandlerInfo(handler)
  const durable = info?.handler ?? (isDurableHandler(handler) ? handler : undefined)
  if (durable !== undefined) {
    const backend = AwsBackend.layerClient(client, backendOptions)
    const services = info?.services
    let runtime: ManagedRuntime.ManagedRuntime<any, any> | undefined
    return {
      kind: "sdk",
      invoke: async (event, context, signal) => {
        runtime ??= ManagedRuntime.make(services === undefined ? backend : Layer.mergeAll(backend, services))
        const exit = await runtime.runPromiseExit(durable.invoke(event, context) as any, { signal })
        return outcomeOfExit(exit as Exit.Exit<Invocation.InvocationOutput, unknown>)
      },
      dispose: async () => {
        await runtime?.dispose()
      }
    }
  }
  if (typeof handler === "function") {
    return {
      kind: "lambda",
      invoke: async (event, context) => {
        try {
          const output: unknown = await handler(event, context)
          const decoded = decodeOutput(output)
          if (Exit.isSuccess(decoded)) return decoded.value
          return {
            functionError: {
              ErrorType: "Runtime.InvalidOutput",
              ErrorMessage: `The handler returned ${JSON.stringify(output)}, not a durable invocation output ({ Status: "SUCCEEDED" | "FAILED" | "PENDING", ... })`
            }
          }
        } catch (error) {
          return { functionError: errorObjectOf(error) }
        }
      },
      dispose: async () => {}
    }
  }
  throw new TypeError(
    "Not a durable handler: register a function exported with withDurableExecution / toLambdaHandler, a Handler.make(...) handler, or a Lambda handler function"
  )
}
