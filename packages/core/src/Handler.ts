/**
 * The engine entry: turns a durable program into something that handles one invocation. It validates the
 * event, loads every page of state, replays, runs new work, and maps the outcome onto the service's output:
 * `SUCCEEDED` with the result, `FAILED` with an error, `PENDING` when suspended, or a typed invocation error
 * (which the Lambda adapter throws so the service invokes again).
 *
 * @since 0.1.0
 */
import { Clock, Deferred, Effect, Exit, Layer, ManagedRuntime, Schema, Scope } from "effect"
import * as Config from "./Config.ts"
import type { DurableConfig } from "./Config.ts"
import * as Ctx from "./DurableContext.ts"
import { DurableContext } from "./DurableContext.ts"
import { DurableBackend, type BackendError } from "./DurableBackend.ts"
import {
  CheckpointUnrecoverableInvocationError,
  clampErrorObject,
  CheckpointUnrecoverableExecutionError,
  InvalidInvocationEventError,
  InvocationDeadlineError,
  PayloadTooLargeError,
  SerdesFailedError,
  toErrorObject
} from "./Errors.ts"
import { InvocationInput, type ExecutionStatePage, type InvocationOutput } from "./Invocation.ts"
import * as Logger from "./Logger.ts"
import type { Operation } from "./Operation.ts"
import { utf8Length } from "./internal/bytes.ts"
import { Ledger } from "./internal/ledger.ts"
import { Runtime } from "./internal/runtime.ts"
import type { Termination } from "./internal/termination.ts"

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

const decodeEvent = Schema.decodeUnknownEffect(InvocationInput)

const invalidEvent = (details?: string) =>
  new InvalidInvocationEventError({
    message:
      "Unexpected payload provided to start the durable execution. Check your resource configurations to confirm the durability is set.",
    ...(details === undefined ? {} : { details })
  })

const classifyStateError = (error: BackendError) =>
  new CheckpointUnrecoverableInvocationError({
    message: `[Unrecoverable Invocation] Failed to load execution state: ${error.reason.message}`,
    reason: `${error.reason._tag}: ${error.reason.message}`
  })

/** Loads every page of state: the event's operations, then GetDurableExecutionState while a marker remains. */
const loadState = (input: InvocationInput) =>
  Effect.gen(function* () {
    const operations: Array<Operation> = [...(input.InitialExecutionState?.Operations ?? [])]
    let marker = input.InitialExecutionState?.NextMarker
    if (!marker) return operations
    const backend = yield* DurableBackend
    while (marker) {
      const page: ExecutionStatePage = yield* backend
        .getExecutionState({
          durableExecutionArn: input.DurableExecutionArn,
          checkpointToken: input.CheckpointToken,
          marker,
          maxItems: 1000
        })
        .pipe(Effect.mapError(classifyStateError))
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

const failedOutput = (error: unknown): InvocationOutput => ({
  Status: "FAILED",
  Error: clampErrorObject(toErrorObject(error))
})

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
  const resolved = Config.resolve(config)
  return {
    config: resolved,
    invoke: (event, lambdaContext) =>
      Effect.gen(function* () {
        const input = yield* decodeEvent(event).pipe(Effect.mapError((e) => invalidEvent(e.message)))
        const operations = yield* loadState(input)
        const userInput = yield* parseInput(operations)
        const backend = yield* DurableBackend
        const scope = yield* Scope.make()
        const termination = yield* Deferred.make<Termination>()
        const clock = yield* Clock.Clock
        const logger =
          resolved.logger ??
          Logger.makeDefaultLogger({
            platform: yield* Logger.LogPlatform,
            now: () => new Date(clock.currentTimeMillisUnsafe())
          })
        const runtime = new Runtime({
          arn: input.DurableExecutionArn,
          token: input.CheckpointToken,
          ledger: new Ledger(operations),
          backend,
          config: resolved,
          scope,
          termination,
          logger,
          requestId: lambdaContext?.awsRequestId,
          tenantId: lambdaContext?.tenantId,
          lambdaContext
        })
        const root = Ctx.makeRoot(runtime, logger)
        const remaining = lambdaContext?.getRemainingTimeInMillis?.()
        if (remaining !== undefined && Number.isFinite(remaining)) {
          yield* Effect.forkIn(deadlineGuard(runtime, remaining, resolved.deadlineMarginMillis), scope)
        }
        const outcome: Outcome<A> = yield* Effect.raceFirst(
          Effect.exit(program(userInput as In).pipe(Effect.provideService(DurableContext, root))).pipe(
            Effect.map((exit): Outcome<A> => ({ _tag: "Done", exit }))
          ),
          Deferred.await(termination).pipe(Effect.map((t): Outcome<A> => ({ _tag: "Terminated", termination: t })))
        ).pipe(Effect.ensuring(Effect.andThen(runtime.interruptLaunched(), Scope.close(scope, Exit.void))))
        return yield* finish(runtime, outcome)
      }) as Effect.Effect<InvocationOutput, InvocationError, DurableBackend | Exclude<R, DurableContext>>
  }
}

/** Ends the invocation (after a flush) shortly before Lambda would kill it. */
const deadlineGuard = (runtime: Runtime, remainingMillis: number, marginMillis: number) =>
  Effect.sleep(Math.max(0, remainingMillis - marginMillis)).pipe(
    Effect.andThen(runtime.flush()),
    Effect.andThen(
      runtime.terminate({
        _tag: "InvocationFailed",
        error: new InvocationDeadlineError({
          message: `Less than ${marginMillis} ms of the Lambda invocation remained: checkpoints were flushed and the invocation ended so the service invokes again.`,
          remainingMillis: marginMillis
        })
      })
    )
  )

/** Flushes what is queued and maps the outcome to the service's output. */
const finish = <A>(runtime: Runtime, outcome: Outcome<A>): Effect.Effect<InvocationOutput, InvocationError> =>
  Effect.gen(function* () {
    if (outcome._tag === "Terminated" && outcome.termination._tag === "InvocationFailed") {
      return yield* Effect.fail(outcome.termination.error as InvocationError)
    }
    const flushed = yield* Effect.result(runtime.checkpointer.flushAll())
    if (flushed._tag === "Failure" && outcome._tag === "Done") {
      const error = flushed.failure
      if (error.retryable) return yield* Effect.fail(classifyStateError(error))
      return failedOutput(
        new CheckpointUnrecoverableExecutionError({
          message: `[Unrecoverable Execution] Checkpoint failed: ${error.reason.message}`,
          reason: `${error.reason._tag}: ${error.reason.message}`
        })
      )
    }
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

const exitError = (exit: Exit.Exit<unknown, unknown>): unknown => {
  if (Exit.isSuccess(exit)) return undefined
  const reasons = exit.cause.reasons
  for (const r of reasons) if (r._tag === "Fail") return r.error
  for (const r of reasons) if (r._tag === "Die") return r.defect
  return new Error("The handler was interrupted")
}

/** Outputs over Lambda's response limit are checkpointed on the EXECUTION operation instead. */
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
    if (output.Status === "FAILED" && output.Error !== undefined) {
      if (utf8Length(JSON.stringify(output.Error)) <= Config.Limits.responseBytes) return output
      return yield* sendExecutionUpdate(
        runtime,
        { Id: id, Type: "EXECUTION", Action: "FAIL", Error: output.Error },
        { Status: "FAILED" }
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
    Effect.catch((error) =>
      error.retryable
        ? Effect.fail(classifyStateError(error))
        : Effect.succeed(
            failedOutput(
              new CheckpointUnrecoverableExecutionError({
                message: `[Unrecoverable Execution] Checkpoint failed: ${error.reason.message}`,
                reason: `${error.reason._tag}: ${error.reason.message}`
              })
            )
          )
    )
  )

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
 * A Lambda handler for a durable function: `(event, context) => Promise<output>`.
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
