/** Handler builders and output readers shared by the engine tests. */
import { Effect, Exit } from "effect"
import { AsyncContext, Handler, OperationId } from "@durable-lambda/core"
import type { Config, DurableContext, Invocation, Operation } from "@durable-lambda/core"
import type { AnyHandler, FakeDurableService, Outcome } from "./service.ts"

/** A logger that keeps what it is given (tests stay quiet). */
export const memoryLogger = () => {
  const lines: Array<string> = []
  const at =
    (level: string) =>
    (...params: ReadonlyArray<unknown>) => {
      lines.push(`${level} ${params.map(String).join(" ")}`)
    }
  return { lines, logger: { error: at("ERROR"), warn: at("WARN"), info: at("INFO"), debug: at("DEBUG") } }
}

/** An async-API handler as the engine runs it (quiet logger unless the config gives one). */
export const asyncHandler = <TEvent = any, TResult = any>(
  fn: AsyncContext.DurableExecutionHandler<TEvent, TResult>,
  config?: Config.DurableConfig
): Handler.DurableHandler<never> => AsyncContext.toDurableHandler(fn, { logger: memoryLogger().logger, ...config })

/** An Effect-API handler (quiet logger unless the config gives one). */
export const effectHandler = <In, A, E>(
  program: (input: In) => Effect.Effect<A, E, DurableContext.DurableContext>,
  config?: Config.DurableConfig
): Handler.DurableHandler<never> => Handler.make(program, { logger: memoryLogger().logger, ...config })

/** The wire id of a raw step id. */
export const id = (rawId: string): string => OperationId.hash(rawId)

/** The output of one invocation, failing the test on an invocation error. */
export const outputOf = (exit: Exit.Exit<Invocation.InvocationOutput, unknown>): Invocation.InvocationOutput => {
  if (Exit.isFailure(exit)) throw new Error(`invocation failed: ${String(exit.cause)}`)
  return exit.value
}

/** Runs one invocation and returns its output. */
export const invokeOnce = (service: FakeDurableService, handler: AnyHandler) =>
  Effect.map(service.invoke(handler), outputOf)

/** The parsed JSON result of a SUCCEEDED output. */
export const resultOf = (output: Outcome | undefined): unknown => {
  if (output === undefined || !("Status" in output) || output.Status !== "SUCCEEDED") {
    throw new Error(`expected SUCCEEDED, got ${JSON.stringify(output)}`)
  }
  return output.Result === undefined ? undefined : JSON.parse(output.Result)
}

/** The error of a FAILED output. */
export const errorOf = (output: Outcome | undefined): Operation.ErrorObject => {
  if (output === undefined || !("Status" in output) || output.Status !== "FAILED") {
    throw new Error(`expected FAILED, got ${JSON.stringify(output)}`)
  }
  return output.Error ?? {}
}

/** A promise with its resolver, to release async-API code from a test at a chosen point. */
export const deferred = <T = void>() => {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

/** A plain summary of a thrown value (undefined fields left out), to compare first runs and replays. */
export const describeError = (e: unknown): Record<string, unknown> => {
  const err = e as {
    name?: string
    _tag?: string
    message?: string
    errorData?: string
    cause?: { name?: string; message?: string }
  }
  const all = {
    name: err?.name,
    tag: err?._tag,
    message: err?.message,
    errorData: err?.errorData,
    causeName: err?.cause?.name,
    causeMessage: err?.cause?.message
  }
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined))
}
