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
import { ServiceDriver, type ServiceState } from "@durable-lambda/backend-mock"
import { Handler, Invocation } from "@durable-lambda/core"
import { Exit, Layer, ManagedRuntime, Schema } from "effect"

/** The Lambda context handed to a handler (backend-mock's `ServiceDriver.LambdaContext`). */
export type LocalLambdaContext = ServiceDriver.LambdaContext

/** Builds the Lambda context of one invocation; the deadline is real time (`timeoutMillis` from now). */
export const lambdaContext = (options: {
  readonly functionName: string
  readonly functionArn: string
  readonly requestId: string
  readonly timeoutMillis: number
}): LocalLambdaContext => {
  const deadline = Date.now() + options.timeoutMillis
  return ServiceDriver.lambdaContext({
    functionName: options.functionName,
    functionArn: options.functionArn,
    requestId: options.requestId,
    remainingMillis: () => deadline - Date.now()
  })
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

/** An interrupted invocation (the endpoint closing): not a crash of the function. */
const INTERRUPTED = { ErrorType: "Runtime.Interrupted", ErrorMessage: "The invocation was interrupted" }

const outcomeOfExit = (exit: Exit.Exit<Invocation.InvocationOutput, unknown>): ServiceState.InvocationOutcome =>
  ServiceDriver.outcomeOfExit(exit, INTERRUPTED)

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
          return { functionError: ServiceDriver.errorObjectOf(error) }
        }
      },
      dispose: async () => {}
    }
  }
  throw new TypeError(
    "Not a durable handler: register a function exported with withDurableExecution / toLambdaHandler, a Handler.make(...) handler, or a Lambda handler function"
  )
}
