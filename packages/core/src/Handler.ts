/**
 * The engine entry: turns a durable program into something that handles one invocation. It validates the
 * event, loads every page of state, replays, runs new work, and maps the outcome onto the service's output:
 * `SUCCEEDED` with the result, `FAILED` with an error, `PENDING` when suspended, or a typed invocation error
 * (which the Lambda adapter throws so the service invokes again).
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Random from "effect/Random"
import * as Scope from "effect/Scope"
import * as Config from "./Config.ts"
import type { DurableConfig } from "./Config.ts"
import { DurableContext } from "./DurableContext.ts"
import { DurableBackend } from "./DurableBackend.ts"
import {
  CheckpointUnrecoverableInvocationError,
  clampErrorObject,
  fromErrorObject,
  InvalidInvocationEventError,
  InvocationDeadlineError,
  InvocationEndedError,
  PayloadTooLargeError,
  SerdesFailedError,
  toErrorObject
} from "./Errors.ts"
import { decodeInvocationInput, type ExecutionStatePage, type InvocationInput } from "./Invocation.ts"
import type { DurableExecutionInvocationOutput as InvocationOutput, ErrorObject as WireErrorObject } from "./Wire.ts"
import * as Logger from "./Logger.ts"
import { isTerminal, type Operation } from "./Operation.ts"
import { utf8Length } from "./internal/bytes.ts"
import { Ledger } from "./internal/ledger.ts"
import { Runtime } from "./internal/runtime.ts"
import { backendFailed, type Termination } from "./internal/termination.ts"
import { asError } from "./internal/lifecycle.ts"
import * as Plugins from "./internal/invocationPlugins.ts"
import { operationInfoMap } from "./internal/plugins.ts"
import type { InvocationEndInfo } from "./Instrumentation.ts"
import * as ContextStates from "./internal/engine/contextState.ts"
import { executionScoped } from "./internal/executionScoped.ts"
import { resolveConfig } from "./internal/resolvedConfig.ts"

/**
 * Why an invocation could not produce an output: Lambda should report a function error so the service
 * invokes again (`CheckpointUnrecoverableInvocationError`, `SerdesFailedError`), or the event was not a
 * durable invocation (`InvalidInvocationEventError`).
 *
 * @since 0.1.0
 */
export type InvocationError =
  InvalidInvocationEventError | CheckpointUnrecoverableInvocationError | SerdesFailedError | InvocationDeadlineError

/** What the Lambda runtime passes as the second handler argument (only these fields are read). @since 0.1.0 */
export interface LambdaContextLike {
  readonly awsRequestId?: string
  readonly tenantId?: string
  getRemainingTimeInMillis?(): number
}

/**
 * A durable program ready to handle invocations, independent of any backend.
 *
 * @since 0.1.0
 */
export interface DurableHandler<R = never> {
  readonly config: Config.ResolvedConfig
  /** Handles one invocation event. Provide a `DurableBackend` (and `R`) to run it. */
  readonly invoke: (
    event: unknown,
    lambdaContext?: LambdaContextLike
  ) => Effect.Effect<InvocationOutput, InvocationError, DurableBackend | R>
}

const invalidEvent = (details?: string) =>
  new InvalidInvocationEventError({
    message:
      "Unexpected payload provided to start the durable execution. Check your resource configurations to confirm the durability is set.",
    ...(details === undefined ? {} : { details })
  })

/**
 * A nonce naming this invocation instance (about 106 random bits from Effect's `Random`): two deliveries of
 * the same invocation event draw different nonces, so their checkpoint requests never share a ClientToken.
 */
const drawInvocationNonce = Effect.map(
  Effect.all([Random.nextInt, Random.nextInt]),
  ([a, b]) => `${a.toString(36)}.${b.toString(36)}`
)

/**
 * Loads every page of state: the event's operations, then GetDurableExecutionState while a marker remains. A
 * failed call is classified like a failed checkpoint (`backendFailed`).
 */
const loadState = (input: InvocationInput) =>
  Effect.gen(function* () {
    const operations: Array<Operation> = [...(input.InitialExecutionState?.Operations ?? [])]
    let marker = input.InitialExecutionState?.NextMarker
    if (!marker) return operations
    const backend = yield* DurableBackend
    while (marker) {
      const page: ExecutionStatePage = yield* backend.getExecutionState({
        durableExecutionArn: input.DurableExecutionArn,
        checkpointToken: input.CheckpointToken,
        marker,
        maxItems: 1000
      })
      for (const op of page.Operations ?? []) operations.push(op)
      marker = page.NextMarker
    }
    return operations
  })

const parseInput = (operations: ReadonlyArray<Operation>) => {
  const execution = operations.find((op) => op.Type === "EXECUTION")
  if (execution === undefined) return Effect.fail(invalidEvent("the execution state has no EXECUTION operation"))
  const payload = execution.ExecutionDetails?.InputPayload
  if (payload === undefined || payload === "") return Effect.succeed({} as unknown)
  try {
    return Effect.succeed(JSON.parse(payload) as unknown)
  } catch (cause) {
    return Effect.fail(invalidEvent(`the execution input is not JSON: ${String(cause)}`))
  }
}

type Outcome<A> =
  | { readonly _tag: "Done"; readonly exit: Exit.Exit<A, unknown> }
  | { readonly _tag: "Terminated"; readonly termination: Termination }

/**
 * The FAILED output for `error`: its ErrorObject, clamped to 32 KB (so it always fits in the response and is
 * always returned, as the official SDK does), with a mutable `StackTrace` as in the official type.
 */
const failedOutput = (error: unknown): InvocationOutput => {
  const { StackTrace, ...rest } = clampErrorObject(toErrorObject(error))
  const wire: WireErrorObject = StackTrace === undefined ? rest : { ...rest, StackTrace: [...StackTrace] }
  return { Status: "FAILED", Error: wire }
}

/**
 * Builds a durable handler from a program. The program receives the execution input and runs with the root
 * `DurableContext`.
 *
 * **When to use**: the Effect API's entry. Export `toLambdaHandler(handler, layer)` from
 * `@durable-lambda/backend-aws` for Lambda, and give the same handler to `@durable-lambda/testing` in tests.
 *
 * @since 0.1.0
 */
export const make = <In, A, E, R>(
  program: (input: In) => Effect.Effect<A, E, R | DurableContext>,
  config?: DurableConfig
): DurableHandler<Exclude<R, DurableContext>> => {
  const resolved = resolveConfig(config)
  return {
    config: resolved,
    invoke: (event, lambdaContext) =>
      Effect.gen(function* () {
        const input = yield* Effect.mapError(Effect.fromResult(decodeInvocationInput(event)), (e) =>
          invalidEvent(e.message)
        )
        const plugins = yield* Effect.result(Plugins.collect(resolved))
        if (plugins._tag === "Failure") return failedOutput(plugins.failure)
        const loaded = yield* Effect.result(loadState(input))
        if (loaded._tag === "Failure") {
          // A transport that states the failure is fatal for the execution is believed (official semantics).
          const fatal = executionScoped(loaded.failure)
          if (fatal !== undefined) return failedOutput(fatal)
          return yield* endWith(backendFailed(loaded.failure, "Failed to load execution state"))
        }
        const operations = loaded.success
        const userInput = yield* parseInput(operations)
        const backend = yield* DurableBackend
        const scope = yield* Scope.make()
        const termination = yield* Deferred.make<Termination>()
        const clock = yield* Clock.Clock
        const logger =
          resolved.logger ??
          Logger.makeDefaultLogger({
            platform: yield* Logger.LogPlatform,
            now: () => new Date(clock.currentTimeMillisUnsafe()),
            enrich: () => runner.enrichLogContext()
          })
        // The engine's own warnings (plugin failures, unawaited operations) carry the execution's log data, so a
        // logger that needs a durable logging context (the default one) can write them.
        const engineLogger: Logger.DurableLogger = Logger.bind(logger, () => ({
          requestId: lambdaContext?.awsRequestId ?? "",
          executionArn: input.DurableExecutionArn,
          ...(lambdaContext?.tenantId === undefined ? {} : { tenantId: lambdaContext.tenantId })
        }))
        const runner = Plugins.runner(plugins.success.plugins, engineLogger)
        const runtime = new Runtime({
          arn: input.DurableExecutionArn,
          token: input.CheckpointToken,
          invocationNonce: yield* drawInvocationNonce,
          ledger: new Ledger(operations),
          backend,
          config: resolved,
          scope,
          termination,
          logger: engineLogger,
          requestId: lambdaContext?.awsRequestId,
          tenantId: lambdaContext?.tenantId,
          lambdaContext,
          plugins: runner,
          updatedOperationIds: new Set(input.UpdatedOperationIds ?? []),
          childOperationsDepth: plugins.success.childOperationsDepth ?? 0
        })
        const base = Plugins.invocationBase(runtime, userInput)
        const info = Plugins.invocationInfo(runtime, base)
        yield* runner.emit("onInvocationStart", () => info)
        if (plugins.success.configError !== undefined) {
          const error = new Error(plugins.success.configError)
          yield* runner.emit("onInvocationEnd", () => ({ ...base, status: "FAILED", executionError: error }))
          return failedOutput(error)
        }
        const run = Effect.gen(function* () {
          const root = ContextStates.makeRoot(runtime, logger)
          const remaining = lambdaContext?.getRemainingTimeInMillis?.()
          if (remaining !== undefined && Number.isFinite(remaining)) {
            yield* Effect.forkIn(deadlineGuard(runtime, remaining, resolved.deadlineMarginMillis), scope)
          }
          const outcome: Outcome<A> = yield* Effect.raceFirst(
            Effect.exit(program(userInput as In).pipe(Effect.provideService(DurableContext, root))).pipe(
              Effect.map((exit): Outcome<A> => ({ _tag: "Done", exit }))
            ),
            Deferred.await(termination).pipe(Effect.map((t): Outcome<A> => ({ _tag: "Terminated", termination: t })))
          ).pipe(
            Effect.ensuring(
              Effect.suspend(() => {
                runtime.abort(invocationEnded)
                return Effect.andThen(runtime.interruptLaunched(), Scope.close(scope, Exit.void))
              })
            )
          )
          const output = yield* Effect.exit(finish(runtime, outcome)).pipe(
            Effect.ensuring(Effect.sync(() => runtime.close(invocationEnded)))
          )
          if (runner.active) {
            yield* runner.emit("onInvocationEnd", () => ({
              ...base,
              operations: operationInfoMap(runtime.ledger.all()),
              ...invocationEnd(outcome, output)
            }))
          }
          return yield* output
        })
        return yield* runner.wrap("wrapInvocation", info, run)
      }) as Effect.Effect<InvocationOutput, InvocationError, DurableBackend | Exclude<R, DurableContext>>
  }
}

/** The status, result and error `onInvocationEnd` reports for an outcome and the output it produced. */
const invocationEnd = <A>(
  outcome: Outcome<A>,
  output: Exit.Exit<InvocationOutput, InvocationError>
): Pick<InvocationEndInfo, "status" | "executionResult" | "executionError"> => {
  if (Exit.isFailure(output)) return { status: "RETRYING", executionError: asError(exitError(output)) }
  const out = output.value
  if (out.Status === "PENDING") return { status: "PENDING" }
  if (out.Status === "SUCCEEDED") {
    const exit = outcome._tag === "Done" ? outcome.exit : undefined
    return { status: "SUCCEEDED", executionResult: exit !== undefined && Exit.isSuccess(exit) ? exit.value : undefined }
  }
  const cause =
    outcome._tag === "Done" && Exit.isFailure(outcome.exit)
      ? exitError(outcome.exit)
      : outcome._tag === "Terminated" && outcome.termination._tag === "ExecutionFailed"
        ? outcome.termination.error
        : fromErrorObject(out.Error)
  return { status: "FAILED", executionError: asError(cause) }
}

/** Ends the invocation (after a flush) shortly before Lambda would kill it. */
const deadlineGuard = (runtime: Runtime, remainingMillis: number, marginMillis: number) =>
  Effect.sleep(Math.max(0, remainingMillis - marginMillis)).pipe(
    Effect.andThen(
      // built only when the deadline is reached: an error captures a stack trace, which costs on every invocation
      Effect.suspend(() => {
        const error = new InvocationDeadlineError({
          message: `Less than ${marginMillis} ms of the Lambda invocation remained: checkpoints were flushed and the invocation ended so the service invokes again.`,
          remainingMillis: marginMillis
        })
        // step bodies see their signal abort; attempts with a timeout record themselves as interrupted
        return runtime
          .reachDeadline(error, Math.floor(marginMillis / 2))
          .pipe(Effect.andThen(runtime.flush()), Effect.andThen(runtime.terminate({ _tag: "InvocationFailed", error })))
      })
    )
  )

/** The reason an attempt's signal aborts when its invocation ends otherwise than by its deadline. */
const invocationEnded = () =>
  new InvocationEndedError({ message: "The invocation ended before the step body finished." })

/** Flushes what is queued and maps the outcome to the service's output. */
const finish = <A>(runtime: Runtime, outcome: Outcome<A>): Effect.Effect<InvocationOutput, InvocationError> =>
  Effect.gen(function* () {
    if (outcome._tag === "Terminated" && outcome.termination._tag === "InvocationFailed") {
      return yield* Effect.fail(outcome.termination.error as InvocationError)
    }
    const flushed = yield* Effect.result(runtime.checkpointer.flushAll())
    if (flushed._tag === "Failure" && outcome._tag === "Done") {
      return yield* endWith(backendFailed(flushed.failure, "Final checkpoint flush failed"))
    }
    if (outcome._tag === "Done") warnUnfinished(runtime)
    if (outcome._tag === "Terminated") {
      const t = outcome.termination
      if (t._tag === "Suspended") return { Status: "PENDING" } as const
      if (t._tag === "ExecutionFailed") return failedOutput(t.error)
      return yield* Effect.fail(t.error as InvocationError)
    }
    const exit = outcome.exit
    if (Exit.isFailure(exit)) {
      const error = exitError(exit)
      return yield* largeAware(runtime, failedOutput(error))
    }
    let serialized: string | undefined
    try {
      serialized = JSON.stringify(exit.value)
    } catch (cause) {
      return failedOutput(
        new SerdesFailedError({
          message: `The handler's result cannot be serialized as JSON: ${cause instanceof Error ? cause.message : String(cause)}`,
          direction: "serialize",
          stepId: "execution"
        })
      )
    }
    if (serialized === undefined) return { Status: "SUCCEEDED" } as const
    return yield* largeAware(runtime, { Status: "SUCCEEDED", Result: serialized })
  })

/**
 * Warns (through the durable logger) about operations still running when the handler returned: started but
 * never awaited, they stay STARTED forever once the execution closes. Operations under a finished context (items
 * a map/parallel abandoned after its completion policy) are left out: abandoning them is by design.
 */
const warnUnfinished = (runtime: Runtime): void => {
  const unfinished: Array<Operation> = []
  for (const op of runtime.ledger.all()) {
    if (op.Type !== "EXECUTION" && !isTerminal(op.Status) && !underFinishedContext(runtime, op)) unfinished.push(op)
  }
  if (unfinished.length === 0) return
  const names = unfinished.map(
    (op) => `${op.Name === undefined ? "" : `"${op.Name}" `}(${op.Type} ${op.Id}, ${op.Status})`
  )
  runtime.logger.warn(
    `The handler returned while ${unfinished.length} operation${unfinished.length === 1 ? " it never awaited was" : "s it never awaited were"} still running; they stay unfinished: ${names.join(", ")}. Await every operation (or Promise.all them) before returning.`
  )
}

const underFinishedContext = (runtime: Runtime, op: Operation): boolean => {
  let parent = op.ParentId
  for (let depth = 0; parent !== undefined && depth < 10_000; depth++) {
    const record = runtime.ledger.get(parent)
    if (record === undefined) return false
    if (record.Type === "CONTEXT" && isTerminal(record.Status)) return true
    parent = record.ParentId
  }
  return false
}

const exitError = (exit: Exit.Exit<unknown, unknown>): unknown => {
  if (Exit.isSuccess(exit)) return undefined
  const reasons = exit.cause.reasons
  for (const r of reasons) if (r._tag === "Fail") return r.error
  for (const r of reasons) if (r._tag === "Die") return r.defect
  return new Error("The handler was interrupted")
}

/**
 * Results over Lambda's response limit are checkpointed on the EXECUTION operation instead (the response then
 * carries `Result: ""`). Errors need no such path: `failedOutput` clamps them far below the limit.
 */
const largeAware = (runtime: Runtime, output: InvocationOutput): Effect.Effect<InvocationOutput, InvocationError> =>
  Effect.gen(function* () {
    const id = runtime.ledger.execution()?.Id ?? "execution"
    if (output.Status === "SUCCEEDED" && output.Result !== undefined) {
      const size = utf8Length(output.Result)
      if (size <= Config.Limits.responseBytes) return output
      if (size > Config.Limits.executionPayloadBytes) {
        return failedOutput(
          new PayloadTooLargeError({
            message: `The handler's result is ${size} bytes; the service accepts at most ${Config.Limits.executionPayloadBytes}. Return a reference to data stored elsewhere.`,
            stepId: "execution",
            sizeBytes: size,
            limitBytes: Config.Limits.executionPayloadBytes
          })
        )
      }
      return yield* sendExecutionUpdate(
        runtime,
        { Id: id, Type: "EXECUTION", Action: "SUCCEED", Payload: output.Result },
        {
          Status: "SUCCEEDED",
          Result: ""
        }
      )
    }
    return output
  })

/** Checkpoints the execution's own outcome; rejected (non-retryable) updates fail the execution. */
const sendExecutionUpdate = (
  runtime: Runtime,
  update: Parameters<Runtime["checkpointer"]["enqueue"]>[0],
  onSuccess: InvocationOutput
): Effect.Effect<InvocationOutput, InvocationError> =>
  Effect.suspend(() => runtime.checkpointer.flushThrough(runtime.checkpointer.enqueue(update))).pipe(
    Effect.as(onSuccess),
    Effect.catch((error) => endWith(backendFailed(error, "Checkpoint failed")))
  )

/** The output of an invocation ended by `t`: FAILED for an execution failure, a thrown invocation error else. */
const endWith = (t: Termination): Effect.Effect<InvocationOutput, InvocationError> => {
  switch (t._tag) {
    case "Suspended":
      return Effect.succeed({ Status: "PENDING" })
    case "ExecutionFailed":
      return Effect.succeed(failedOutput(t.error))
    case "InvocationFailed":
      return Effect.fail(t.error as InvocationError)
  }
}

/** Marks a Lambda handler function built by this SDK, so tools can run it against another backend. @since 0.1.0 */
export const LambdaHandlerTypeId: unique symbol = Symbol.for("@durable-lambda/core/LambdaHandler") as any

/**
 * What a durable Lambda handler carries besides being callable: the backend-independent handler and the
 * layer of services it needs. `@durable-lambda/testing` uses it to run the exported handler unchanged against
 * its in-memory service.
 *
 * @since 0.1.0
 */
export interface LambdaHandlerInfo {
  readonly handler: DurableHandler<any>
  /** Services the program needs besides the backend (none for the async API). */
  readonly services: Layer.Layer<any, any, never> | undefined
}

/**
 * A Lambda handler for a durable function: `(event, context) => Promise<output>`, where the output is the
 * official `DurableExecutionInvocationOutput` (a `FAILED` output always carries `Error`).
 *
 * **Gotchas**: invocation errors (stale token, throttling, 5xx, an invalid event) are thrown, so Lambda
 * records a function error and the service invokes again.
 *
 * @since 0.1.0
 */
export interface DurableLambdaHandler {
  (event: unknown, context?: LambdaContextLike): Promise<InvocationOutput>
  readonly [LambdaHandlerTypeId]: LambdaHandlerInfo
}

/** The handler information of a function built by this SDK, if it is one. @since 0.1.0 */
export const lambdaHandlerInfo = (u: unknown): LambdaHandlerInfo | undefined =>
  typeof u === "function" && LambdaHandlerTypeId in u ? (u as DurableLambdaHandler)[LambdaHandlerTypeId] : undefined

/**
 * Turns a durable handler into a Lambda handler running on `backend` (and `services`, if the program needs
 * any). The layers are built once per process (cold start) and reused by every invocation.
 *
 * @since 0.1.0
 */
export const toLambdaHandler = <R>(
  handler: DurableHandler<R>,
  backend: Layer.Layer<DurableBackend, any, never> | undefined,
  services?: Layer.Layer<R, any, never>
): DurableLambdaHandler => {
  let runtime: ManagedRuntime.ManagedRuntime<any, any> | undefined
  const fn = async (event: unknown, context?: LambdaContextLike): Promise<InvocationOutput> => {
    if (backend === undefined) {
      throw new Error(
        "No durable backend configured: export the handler from @durable-lambda/backend-aws (or pass a backend layer), or run it with @durable-lambda/testing."
      )
    }
    runtime ??= ManagedRuntime.make(services === undefined ? backend : Layer.mergeAll(backend, services))
    const exit = await runtime.runPromiseExit(
      handler.invoke(event, context) as Effect.Effect<InvocationOutput, InvocationError, any>
    )
    if (Exit.isSuccess(exit)) return exit.value
    throw exitError(exit)
  }
  return Object.assign(fn, { [LambdaHandlerTypeId]: { handler, services } }) as DurableLambdaHandler
}

/**
 * Handles one invocation with a Lambda handler built by this SDK, on whatever `DurableBackend` the caller
 * provides (the handler's own services are provided from its info). This is how test harnesses and dev
 * servers run the exact function production exports.
 *
 * @since 0.1.0
 */
export const invokeWith = (
  fn: DurableLambdaHandler,
  event: unknown,
  context?: LambdaContextLike
): Effect.Effect<InvocationOutput, InvocationError, DurableBackend> => {
  const info = fn[LambdaHandlerTypeId]
  const effect = info.handler.invoke(event, context) as Effect.Effect<InvocationOutput, InvocationError, any>
  return info.services === undefined ? effect : effect.pipe(Effect.provide(Layer.orDie(info.services)))
}
