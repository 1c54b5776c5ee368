/**
 * Shared plumbing of the runners: turning a handler into a simulation target, options into a simulation,
 * a payload into the execution input.
 *
 * @internal
 */
import { Handler } from "@durable-lambda/core"
import type { Context } from "effect"
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { Simulation, type Target } from "./simulation.ts"
import type { RunnableHandler, RunnerOptions } from "./runnerOptions.ts"

const DEFAULT_START = Date.UTC(2025, 0, 1)

/** The simulation target of a handler. */
export const resolveTarget = (
  handler: RunnableHandler,
  options: RunnerOptions,
  context?: Context.Context<any>
): Target => {
  if (options.isolation === "worker") {
    if (options.handlerModule === undefined) {
      throw new TypeError(
        'isolation: "worker" needs handlerModule: the module (path or file URL) that exports the handler'
      )
    }
    const module =
      options.handlerModule instanceof URL
        ? options.handlerModule.href
        : options.handlerModule.startsWith("file:")
          ? options.handlerModule
          : pathToFileURL(resolve(options.handlerModule)).href
    return { _tag: "Worker", module, exportName: options.handlerExport ?? "handler" }
  }
  const info = Handler.lambdaHandlerInfo(handler)
  if (info !== undefined) return { _tag: "InProcess", handler: info.handler, services: info.services, context }
  if (
    typeof handler === "object" &&
    handler !== null &&
    typeof (handler as Handler.DurableHandler).invoke === "function"
  ) {
    return { _tag: "InProcess", handler: handler as Handler.DurableHandler<any>, services: undefined, context }
  }
  throw new TypeError(
    "Not a durable handler: pass the handler built by withDurableExecution / Handler.toLambdaHandler, or a Handler.make(...) handler"
  )
}

/** A simulation configured from runner options. */
export const makeSimulation = (
  options: RunnerOptions & { readonly recordSnapshots?: boolean; readonly recordStepAttempts?: boolean }
): Simulation => {
  const start = options.startTime === undefined ? DEFAULT_START : new Date(options.startTime).getTime()
  return new Simulation({
    time: options.time ?? "virtual",
    startTime: start,
    seed: String(options.seed ?? "durable-lambda"),
    functionName: options.functionName ?? "durable-function",
    executionTimeoutSeconds: options.executionTimeoutSeconds,
    invocationTimeoutMillis: (options.invocationTimeoutSeconds ?? 900) * 1000,
    maxInvocations: options.maxInvocations ?? 1000,
    maxConsecutiveFunctionErrors: options.maxConsecutiveFunctionErrors ?? 10,
    invocationRetryDelayMillis: options.invocationRetryDelayMillis ?? 0,
    memoryMB: options.memoryMB ?? 1024,
    faults: options.faults ?? [],
    functions: options.functions ?? new Map(),
    callbackActions: options.callbackActions ?? [],
    pageSize: options.pageSize,
    newExecutionState: options.newExecutionState,
    settleTurns: options.settleTurns ?? 5,
    checkpointDelayMillis: options.checkpointDelayMillis,
    recordSnapshots: options.recordSnapshots ?? false,
    recordStepAttempts: options.recordStepAttempts ?? false
  })
}

/** The largest execution input the service accepts (a synchronous Lambda invoke's payload limit). */
export const maxInputBytes = 6_291_456

/** The service's answer to an execution input over its limit. */
export class RequestEntityTooLargeException extends Error {
  override readonly name = "RequestEntityTooLargeException"
}

/**
 * The execution input of a payload (absent: the service's default `{}`). Throws
 * `RequestEntityTooLargeException`, as the service answers, when it is over `maxInputBytes`.
 */
export const encodeInput = (payload: unknown): string | undefined => {
  if (payload === undefined) return undefined
  const input = JSON.stringify(payload)
  const bytes = Buffer.byteLength(input, "utf8")
  if (bytes > maxInputBytes) {
    throw new RequestEntityTooLargeException(
      `Request must be smaller than ${maxInputBytes} bytes for the Invoke operation (the input is ${bytes} bytes)`
    )
  }
  return input
}
