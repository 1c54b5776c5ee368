/**
 * `step`: run a piece of work once, checkpoint its result, and return the recorded result on every replay.
 * Failed attempts are retried by a retry strategy, with each retry scheduled through the service (the
 * invocation suspends and Lambda invokes again when the delay has passed).
 *
 * **Example**
 * ```ts
 * const program = Effect.gen(function* () {
 *   const user = yield* Step.run("fetch-user", Effect.promise(() => fetchUser(id)))
 *   return user.name
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Random from "effect/Random"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type { Allocation, ContextState } from "./DurableContext.ts"
import * as Ctx from "./DurableContext.ts"
import { DurableContext } from "./DurableContext.ts"
import { toValidSeconds, MAX_SECONDS, type Duration } from "./Duration.ts"
import {
  asError,
  clampErrorObject,
  fromErrorObject,
  PayloadTooLargeError,
  readableThrowable,
  StepInterruptedError,
  StepTimeoutError,
  toErrorObject,
  type StepError
} from "./Errors.ts"
import type { ErrorObject } from "./Operation.ts"
import { OperationSubType } from "./Operation.ts"
import { retryPresets, type RetryStrategy } from "./RetryStrategy.ts"
import { defaultSerdes, type Serdes } from "./Serdes.ts"
import { checkPayload } from "./internal/payload.ts"
import type { AwaitHandle } from "./internal/runtime.ts"
import * as Attempt from "./internal/attempt.ts"
import * as Lifecycle from "./internal/lifecycle.ts"
import * as SerdesRunner from "./internal/serdesRunner.ts"
import * as TypedErrors from "./internal/typedErrorCodec.ts"
import { install as installTypedErrors } from "./internal/typedErrors.ts"
import { parseNamedCall } from "./internal/namedArgs.ts"

/**
 * What a step guarantees about its body when the process dies mid-attempt:
 * - `AT_LEAST_ONCE_PER_RETRY` (default): the body starts at once; after a crash it runs again.
 * - `AT_MOST_ONCE_PER_RETRY`: the body starts only after the service recorded the START; after a crash the
 *   attempt counts as failed (`StepInterruptedError`) and the retry strategy decides. Combine with
 *   `retryPresets.noRetry` for "at most once, ever".
 *
 * @since 0.1.0
 */
export const StepSemantics = {
  AtMostOncePerRetry: "AT_MOST_ONCE_PER_RETRY",
  AtLeastOncePerRetry: "AT_LEAST_ONCE_PER_RETRY"
} as const
/** @since 0.1.0 */
export type StepSemantics = (typeof StepSemantics)[keyof typeof StepSemantics]

/**
 * Step options (the official `StepConfig`, plus `error` for typed errors in the Effect API).
 *
 * @since 0.1.0
 */
export interface StepConfig<A, E = never> {
  /** Default `retryPresets.default` (6 attempts). A strategy returning `undefined` falls back to it. */
  readonly retryStrategy?: RetryStrategy
  readonly semantics?: StepSemantics
  readonly serdes?: Serdes<A>
  /**
   * A schema for the body's typed failures. A failure it accepts is checkpointed with its encoded form and
   * comes back as the same typed error (on the first run and on replay); other failures become `StepError`.
   */
  readonly error?: Schema.Codec<E, any>
  /**
   * How long one attempt may run (this SDK's addition; more than 0 seconds, fractions allowed). When it
   * passes, the attempt fails with `StepTimeoutError`, the body's signal aborts (the Effect API interrupts the
   * body's fiber) and the retry strategy decides as for any failed attempt.
   *
   * **Details**: when the invocation reaches its deadline (`deadlineMarginMillis` before the Lambda timeout)
   * first, the attempt is recorded as interrupted (`StepInterruptedError`) and counted, as an at-most-once
   * step's interrupted attempt is: a body that never finishes exhausts its retries instead of being re-run
   * by every invocation. Without a timeout, an attempt cut off by the deadline is re-run by the next
   * invocation without being counted (the official behaviour).
   *
   * **Gotchas**: the engine stops waiting; it cannot stop work the body does not tie to its signal.
   */
  readonly timeout?: Duration
}

/** @internal the shape shared by both APIs */
export interface StepSpec<A, E> {
  readonly config: StepConfig<A, E> | undefined
  /** Runs one attempt of the body in the given step scope; fails with whatever the body threw. */
  readonly attempt: (scope: ContextState) => Effect.Effect<A, unknown>
  readonly handle: AwaitHandle
  /**
   * Whether an attempt counts as "executing" for the suspension decision (default true). The promise
   * combinators set it to false: their attempt only awaits other durable operations, so the invocation may
   * suspend while it waits (instead of polling until the Lambda timeout).
   */
  readonly executing?: boolean
}

const awaitedHandle: AwaitHandle = { awaited: true }

/** The error a failed step surfaces: the typed error if its schema reads the data, else `StepError`. */
const surfaced = <E>(schema: Schema.Codec<E, any> | undefined, o: ErrorObject | undefined): StepError | E =>
  TypedErrors.decode<E>(schema, o) ?? (fromErrorObject(o) as StepError)

const retryDelaySeconds = (strategy: RetryStrategy, error: unknown, attempt: number, random: number) => {
  const err = asError(error)
  const decision = strategy(err, attempt, () => random) ?? retryPresets.default(err, attempt, () => random)
  if (!decision.shouldRetry) return undefined
  if (decision.delay === undefined) return 1
  const seconds = Math.round(toSecondsLoose(decision.delay))
  return Math.min(MAX_SECONDS, Math.max(1, seconds))
}
const toSecondsLoose = (d: Parameters<typeof toValidSeconds>[0]) => {
  const { days = 0, hours = 0, minutes = 0, seconds = 0 } = d as Record<string, number | undefined>
  const total = days * 86400 + hours * 3600 + minutes * 60 + seconds
  return Number.isFinite(total) ? total : 1
}

/**
 * Replays a completed step without running anything, when that can be done synchronously: a SUCCEEDED step
 * with the default (JSON) serdes, or a FAILED step. Returns `undefined` when the full algorithm is needed.
 * Both APIs go through it, so a replayed step costs no fiber.
 *
 * @internal
 */
export const replayCompleted = <A, E>(
  alloc: Allocation,
  config: StepConfig<A, E> | undefined
): Exit.Exit<A, StepError | E> | undefined => {
  const record = alloc.record
  if (record === undefined || alloc.violation !== undefined) return undefined
  if (record.Status === "SUCCEEDED") {
    const serdes = config?.serdes ?? alloc.state.serdesDefaults?.defaultSerdes
    if (serdes !== undefined && serdes !== defaultSerdes) return undefined
    const data = record.StepDetails?.Result
    let value: A
    try {
      value = (data === undefined ? undefined : JSON.parse(data)) as A
    } catch {
      return undefined // the full path reports the deserialization failure
    }
    Ctx.afterReplay(alloc.state)
    return Exit.succeed(value)
  }
  if (record.Status === "FAILED") {
    Ctx.afterReplay(alloc.state)
    return Exit.fail(surfaced(config?.error, record.StepDetails?.Error))
  }
  return undefined
}

/**
 * The step algorithm over an allocated id (shared by the Effect and async APIs).
 *
 * @internal
 */
export const execute = <A, E>(alloc: Allocation, spec: StepSpec<A, E>): Effect.Effect<A, StepError | E> =>
  Effect.gen(function* () {
    const replayed = replayCompleted(alloc, spec.config)
    if (replayed !== undefined) return yield* replayed
    yield* Ctx.admit(alloc)
    const { state, id } = alloc
    const runtime = state.runtime
    const config = spec.config
    const serdes = config?.serdes
    const semantics = config?.semantics ?? StepSemantics.AtLeastOncePerRetry
    const strategy = config?.retryStrategy ?? retryPresets.default
    const timeout = Attempt.timeoutMillis(config?.timeout, "step")
    const eager = runtime.config.checkpointing === "eager"
    const optimistic = runtime.config.checkpointing === "optimistic"
    const base = Ctx.baseUpdate(alloc)
    const fail = (o: ErrorObject) =>
      runtime
        .checkpoint({ ...base, Action: "FAIL", Error: o }, !optimistic && eager)
        .pipe(Effect.andThen(Effect.fail(surfaced(config?.error, o))))
    const retryOrFail = (error: unknown, attempt: number, typedData: string | undefined) =>
      Effect.gen(function* () {
        const o = clampErrorObject(toErrorObject(error, typedData))
        const random = yield* Random.next
        const delay =
          error instanceof PayloadTooLargeError ? undefined : retryDelaySeconds(strategy, error, attempt, random)
        if (delay === undefined) return yield* fail(o)
        yield* runtime.checkpoint(
          { ...base, Action: "RETRY", Error: o, StepOptions: { NextAttemptDelaySeconds: delay } },
          true
        )
        return undefined
      })

    let record = alloc.record
    for (;;) {
      if (record?.Status === "SUCCEEDED") {
        Ctx.afterReplay(state)
        return yield* SerdesRunner.deserialize<A>(alloc, serdes, record.StepDetails?.Result).pipe(
          Effect.catch((e) => runtime.terminate({ _tag: "InvocationFailed", error: e }))
        )
      }
      if (record?.Status === "FAILED") {
        Ctx.afterReplay(state)
        return yield* Effect.fail(surfaced(config?.error, record.StepDetails?.Error))
      }
      if (record?.Status === "PENDING") {
        const wakeAt = record.StepDetails?.NextAttemptTimestamp?.getTime()
        yield* runtime.awaitStatusChange(id, spec.handle, wakeAt, "PENDING")
        record = runtime.ledger.get(id)
        continue
      }
      if (record?.Status === "STARTED" && semantics === StepSemantics.AtMostOncePerRetry) {
        const attempt = (record.StepDetails?.Attempt ?? 0) + 1
        const outcome = yield* retryOrFail(StepInterruptedError.of(alloc.rawId, alloc.name), attempt, undefined)
        if (outcome === undefined) {
          record = runtime.ledger.get(id)
          continue
        }
      }
      // One attempt.
      const retrying = (record?.StepDetails?.Attempt ?? 0) >= 1
      if (record?.Status !== "STARTED") {
        const atMostOnce = semantics === StepSemantics.AtMostOncePerRetry
        yield* runtime.checkpoint({ ...base, Action: "START" }, atMostOnce)
        record = runtime.ledger.get(id) ?? record
        yield* Lifecycle.started(alloc, retrying, "STARTED")
      } else {
        yield* Lifecycle.started(alloc, true)
      }
      const attempt = (record?.StepDetails?.Attempt ?? 0) + 1
      // Past the deadline nothing new starts: the invocation is ending, the next one replays.
      if (runtime.pastDeadline) return yield* Effect.never
      const signal = new Attempt.AttemptSignal(runtime)
      const scope = Ctx.makeStepScope(state, alloc.rawId, attempt, alloc.name, signal)
      const plugins = runtime.plugins
      const info = plugins.active ? yield* Lifecycle.attemptInfo(alloc, attempt, semantics) : undefined
      if (info !== undefined) yield* plugins.emit("onOperationAttemptStart", () => info)
      const body =
        info === undefined ? spec.attempt(scope) : plugins.wrap("wrapOperationAttemptFn", info, spec.attempt(scope))
      const ended = (outcome: "SUCCEEDED" | "FAILED", status: "SUCCEEDED" | "FAILED" | "PENDING", error?: unknown) =>
        info === undefined
          ? Effect.void
          : Lifecycle.attemptEnded(alloc, info, outcome, status, error, status !== "PENDING")
      const raced = Attempt.race(runtime, signal, body, timeout, () =>
        StepTimeoutError.of(alloc.rawId, alloc.name, timeout ?? 0)
      )
      const attemptRun = Effect.gen(function* () {
        const outcome = yield* spec.executing === false ? raced : runtime.executingScope(raced)
        // (a body that gave up on its aborted signal at the deadline counts as interrupted too)
        if (outcome._tag === "Success" || (outcome._tag === "Failure" && !runtime.pastDeadline)) return outcome
        // The deadline came before the timeout: the attempt counts as interrupted, recorded before the
        // deadline guard flushes and ends the invocation (it waits for timed attempts).
        const interrupted = StepInterruptedError.of(alloc.rawId, alloc.name)
        const retried = yield* Effect.result(retryOrFail(interrupted, attempt, undefined))
        yield* ended("FAILED", retried._tag === "Success" ? "PENDING" : "FAILED", interrupted)
        return { _tag: "Interrupted", retried } as const
      })
      const outcome =
        timeout === undefined
          ? yield* spec.executing === false ? raced : runtime.executingScope(raced)
          : yield* runtime.timedAttempt(attemptRun)
      if (outcome._tag === "Interrupted") {
        if (outcome.retried._tag === "Failure") return yield* Effect.fail(outcome.retried.failure)
        record = runtime.ledger.get(id)
        continue
      }
      if (outcome._tag === "DeadlineReached") return yield* Effect.never // only raced with a timeout
      const result = outcome
      // A failure after the deadline (a body giving up on its aborted signal) is not recorded: as when
      // Lambda cuts an attempt off, the next invocation runs it again.
      if (result._tag === "Failure" && timeout === undefined && runtime.pastDeadline) return yield* Effect.never
      if (result._tag === "Success") {
        const serialized = yield* Effect.result(SerdesRunner.serialize(alloc, serdes, result.success))
        if (serialized._tag === "Failure") {
          yield* ended("FAILED", "FAILED", serialized.failure)
          return yield* fail(clampErrorObject(toErrorObject(serialized.failure)))
        }
        const payload = serialized.success
        const tooLarge = checkPayload(alloc, "result of step", payload)
        if (tooLarge !== undefined) {
          yield* ended("FAILED", "FAILED", tooLarge)
          return yield* fail(clampErrorObject(toErrorObject(tooLarge)))
        }
        yield* runtime.checkpoint(
          payload === undefined ? { ...base, Action: "SUCCEED" } : { ...base, Action: "SUCCEED", Payload: payload },
          eager
        )
        yield* ended("SUCCEEDED", "SUCCEEDED")
        return yield* SerdesRunner.deserialize<A>(alloc, serdes, payload).pipe(
          Effect.catch((e) => runtime.terminate({ _tag: "InvocationFailed", error: e }))
        )
      }
      const error = readableThrowable(result.failure)
      const typed = TypedErrors.encode(alloc, config?.error, error)
      if (Result.isFailure(typed)) {
        yield* ended("FAILED", "FAILED", typed.failure)
        return yield* fail(clampErrorObject(toErrorObject(typed.failure)))
      }
      const retried = yield* Effect.result(retryOrFail(error, attempt, typed.success))
      yield* ended("FAILED", retried._tag === "Success" ? "PENDING" : "FAILED", error)
      if (retried._tag === "Failure") return yield* Effect.fail(retried.failure)
      record = runtime.ledger.get(id)
    }
  })

/** The body of a step failed with an interrupt or defect: treat the defect as the thrown error. */
const attemptOf =
  <A, E, R>(body: Effect.Effect<A, E, R>) =>
  (scope: ContextState): Effect.Effect<A, unknown, R> =>
    body.pipe(
      Effect.provideService(DurableContext, scope),
      Effect.catchDefect((defect) => Effect.fail(defect))
    ) as Effect.Effect<A, unknown, R>

/**
 * Runs `body` as a durable step named `name` (optional).
 *
 * **Details**: on replay the recorded result is returned without running `body`; a recorded failure fails
 * again with the same error. The value returned on the first run is the serialized-then-deserialized
 * result, identical to what a replay returns.
 *
 * **Cancellation**: the body's fiber is interrupted when its `timeout` passes (the attempt fails with
 * `StepTimeoutError`), when a timed attempt reaches the invocation's deadline, and when the invocation ends
 * (returns, fails, suspends, or its deadline guard fires). `Effect.tryPromise((signal) => fetch(url, { signal }))`
 * passes that interruption on to promise work as an `AbortSignal`.
 *
 * **Gotchas**: `body` must not call durable operations (it fails the execution with `ContextUsageError`);
 * use `ChildContext.run` for composite work. Its requirements `R` are provided by the handler's layer.
 *
 * @since 0.1.0
 */
export const run: {
  <A, E, R, E2 = never>(
    name: string | undefined,
    body: Effect.Effect<A, E, R>,
    config?: StepConfig<A, E2>
  ): Effect.Effect<A, StepError | E2, R | DurableContext>
  <A, E, R, E2 = never>(
    body: Effect.Effect<A, E, R>,
    config?: StepConfig<A, E2>
  ): Effect.Effect<A, StepError | E2, R | DurableContext>
} = (...args: ReadonlyArray<unknown>): Effect.Effect<any, any, any> =>
  Effect.gen(function* () {
    const { name, body, config } = parseNamedCall<Effect.Effect<any, any, any>, StepConfig<any, any>>(
      args,
      Effect.isEffect,
      "step: expected an Effect as the step body"
    )
    Attempt.timeoutMillis(config?.timeout, "step") // a bad timeout throws before an id is taken
    if (config?.error !== undefined) installTypedErrors()
    const state = yield* DurableContext
    const context = yield* Effect.context<any>()
    const alloc = Ctx.allocate(state, "STEP", OperationSubType.STEP, name, "step")
    return yield* execute(alloc, {
      config,
      handle: awaitedHandle,
      attempt: (scope) => attemptOf(body)(scope).pipe(Effect.provideContext(context))
    })
  })
