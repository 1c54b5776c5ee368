/**
 * `waitForCondition`: poll until a condition holds, durably. Each check runs once as a checkpointed attempt
 * that receives the state the previous check returned; between checks the invocation suspends for the delay
 * the wait strategy picks, so a poll that lasts days costs only the checks.
 *
 * **Example**
 * ```ts
 * const job = yield* WaitForCondition.run(
 *   "job-done",
 *   (state: { status: string }) => Effect.promise(() => getJobStatus(jobId)).pipe(Effect.map((status) => ({ status }))),
 *   {
 *     initialState: { status: "PENDING" },
 *     waitStrategy: WaitForCondition.createWaitStrategy({
 *       shouldContinuePolling: (s) => s.status === "PENDING",
 *       initialDelay: { seconds: 10 },
 *       maxAttempts: 30
 *     })
 *   }
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import type { Allocation, ContextState } from "./DurableContext.ts"
import * as Ctx from "./DurableContext.ts"
import { DurableContext } from "./DurableContext.ts"
import { MAX_SECONDS, toSeconds, type Duration } from "./Duration.ts"
import {
  clampErrorObject,
  fromErrorObject,
  StepTimeoutError,
  toErrorObject,
  WaitForConditionError,
  type StepError
} from "./Errors.ts"
import type { AttemptInfo } from "./Instrumentation.ts"
import type { ErrorObject } from "./Operation.ts"
import { OperationSubType } from "./Operation.ts"
import { JitterStrategy } from "./RetryStrategy.ts"
import type { Serdes } from "./Serdes.ts"
import type { AwaitHandle } from "./internal/runtime.ts"
import { checkPayload } from "./internal/payload.ts"
import * as Attempt from "./internal/attempt.ts"
import * as Lifecycle from "./internal/lifecycle.ts"
import * as SerdesRunner from "./internal/serdesRunner.ts"
import { isFunction, parseNamedCall, type NamedCall } from "./internal/namedArgs.ts"

/**
 * What a wait strategy decides after a check: stop (the condition holds) or check again after `delay`.
 *
 * @since 0.1.0
 */
export type WaitForConditionDecision =
  { readonly shouldContinue: true; readonly delay: Duration } | { readonly shouldContinue: false }

/**
 * Decides after each check. `attempt` is the 1-based number of the check that just ran. The engine passes a
 * third argument, a random source drawn from Effect's `Random`, for jitter.
 *
 * @since 0.1.0
 */
export type WaitForConditionWaitStrategyFunc<T> = (
  state: T,
  attempt: number,
  random?: () => number
) => WaitForConditionDecision

/**
 * Options of `waitForCondition` (the official `WaitForConditionConfig`).
 *
 * @since 0.1.0
 */
export interface WaitForConditionConfig<T> {
  readonly waitStrategy: WaitForConditionWaitStrategyFunc<T>
  /** The state the first check receives. Must not be `undefined`. */
  readonly initialState: T
  /** How the state is checkpointed between checks (default JSON). */
  readonly serdes?: Serdes<T>
  /**
   * How long one check may run (this SDK's addition; more than 0 seconds). When it passes, the check fails
   * with `StepTimeoutError` (its signal aborts; the Effect API interrupts its fiber), which fails the
   * operation as any failed check does.
   *
   * **Details**: when the invocation reaches its deadline first, the check counts as one that returned the
   * state it was given: the wait strategy decides (so `maxAttempts` bounds a check that never finishes)
   * instead of the next invocation running it again uncounted.
   */
  readonly timeout?: Duration
}

/**
 * Options of `createWaitStrategy` (the official `WaitStrategyConfig`).
 *
 * @since 0.1.0
 */
export interface WaitStrategyConfig<T> {
  /** `true` to check again, `false` when the condition holds. */
  readonly shouldContinuePolling: (result: T) => boolean
  /** Checks in total, the first included (default 60). */
  readonly maxAttempts?: number
  /** Delay after the first check (default 5 s). */
  readonly initialDelay?: Duration
  /** Upper bound of the delay (default 300 s). */
  readonly maxDelay?: Duration
  /** Multiplier per check (default 1.5). */
  readonly backoffRate?: number
  /** Default `FULL`. */
  readonly jitter?: JitterStrategy
  /** Accepted for compatibility and ignored, as in the official SDK: bound the total time with `maxAttempts`. */
  readonly timeoutSeconds?: number
}

/**
 * A polling strategy: continue while `shouldContinuePolling(state)`, with a delay of
 * `initialDelay × backoffRate^(attempt−1)` capped at `maxDelay`, jittered, rounded to whole seconds (at least
 * 1).
 *
 * **Gotchas**: when the condition still does not hold after `maxAttempts` checks, the strategy *throws*
 * `Error("waitForCondition exceeded maximum attempts (<n>)")` (as the official SDK does), which fails the
 * operation with a `StepError` carrying that message; it does not return the last state. `timeoutSeconds` is
 * ignored.
 *
 * @since 0.1.0
 */
export const createWaitStrategy = <T>(config: WaitStrategyConfig<T>): WaitForConditionWaitStrategyFunc<T> => {
  const maxAttempts = config.maxAttempts ?? 60
  const initial = toSeconds(config.initialDelay ?? { seconds: 5 })
  const max = toSeconds(config.maxDelay ?? { seconds: 300 })
  const rate = config.backoffRate ?? 1.5
  const jitter = config.jitter ?? JitterStrategy.FULL
  return (state, attemptsMade, random) => {
    if (!config.shouldContinuePolling(state)) return { shouldContinue: false }
    if (attemptsMade >= maxAttempts) throw new Error(`waitForCondition exceeded maximum attempts (${maxAttempts})`)
    const base = Math.min(initial * Math.pow(rate, attemptsMade - 1), max)
    const r = random === undefined ? 1 : random()
    const jittered = jitter === "FULL" ? r * base : jitter === "HALF" ? base / 2 + (r * base) / 2 : base
    return { shouldContinue: true, delay: { seconds: Math.max(1, Math.round(jittered)) } }
  }
}

/** @internal the shape shared by both APIs */
export interface WaitForConditionSpec<T> {
  readonly config: WaitForConditionConfig<T>
  /** Runs one check in the given step scope; fails with whatever the check threw. */
  readonly check: (state: T, scope: ContextState) => Effect.Effect<T, unknown>
  readonly handle: AwaitHandle
}

/** Throws the official error for a config without strategy or initial state (before any id is taken). @internal */
export const validateConfig: (
  config: WaitForConditionConfig<any> | undefined
) => asserts config is WaitForConditionConfig<any> = (config) => {
  if (config === undefined || typeof config.waitStrategy !== "function" || config.initialState === undefined) {
    throw new TypeError("waitForCondition requires config with waitStrategy and initialState")
  }
}

/**
 * Parses `([name], check, config)` for both faces (the check is a function in both) and validates the config.
 *
 * @internal
 */
export const parseArguments = <F>(
  args: ReadonlyArray<unknown>
): NamedCall<F, WaitForConditionConfig<any>> & { readonly config: WaitForConditionConfig<any> } => {
  const call = parseNamedCall<F, WaitForConditionConfig<any>>(
    args,
    isFunction as (u: unknown) => u is F,
    "waitForCondition requires a check function"
  )
  const config = call.config
  validateConfig(config)
  return { ...call, config }
}

const delaySeconds = (d: Duration | undefined): number => {
  const seconds = d === undefined ? 1 : Math.round(toSeconds(d))
  return Number.isFinite(seconds) ? Math.min(MAX_SECONDS, Math.max(1, seconds)) : 1
}

/**
 * The waitForCondition algorithm over an allocated id (shared by the Effect and async APIs).
 *
 * @internal
 */
export const execute = <T>(
  alloc: Allocation,
  spec: WaitForConditionSpec<T>
): Effect.Effect<T, StepError | WaitForConditionError> =>
  Effect.gen(function* () {
    yield* Ctx.admit(alloc)
    const { state, id } = alloc
    const runtime = state.runtime
    const { config } = spec
    const serdes = config.serdes
    const timeout = Attempt.timeoutMillis(config.timeout, "waitForCondition")
    const base = Ctx.baseUpdate(alloc)
    const eager = runtime.config.checkpointing === "eager"
    const plugins = runtime.plugins
    let info: AttemptInfo | undefined
    const ended = (outcome: "SUCCEEDED" | "FAILED", status: "SUCCEEDED" | "FAILED" | "PENDING", error?: unknown) =>
      info === undefined
        ? Effect.void
        : Lifecycle.attemptEnded(alloc, info, outcome, status, error, status !== "PENDING")
    const fail = (o: ErrorObject) =>
      runtime
        .checkpoint({ ...base, Action: "FAIL", Error: o }, eager)
        .pipe(
          Effect.andThen(ended("FAILED", "FAILED", fromErrorObject(o))),
          Effect.andThen(Effect.fail(fromErrorObject(o) as StepError))
        )

    let record = alloc.record
    for (;;) {
      if (record?.Status === "SUCCEEDED") {
        Ctx.afterReplay(state)
        return yield* SerdesRunner.deserialize<T>(alloc, serdes, record.StepDetails?.Result).pipe(
          Effect.catch((e) => runtime.terminate({ _tag: "InvocationFailed", error: e }))
        )
      }
      if (record?.Status === "FAILED") {
        Ctx.afterReplay(state)
        const error = record.StepDetails?.Error
        return yield* Effect.fail(
          error === undefined
            ? new WaitForConditionError("waitForCondition failed")
            : (fromErrorObject(error) as StepError)
        )
      }
      if (record?.Status === "PENDING") {
        yield* runtime.awaitStatusChange(
          id,
          spec.handle,
          record.StepDetails?.NextAttemptTimestamp?.getTime(),
          "PENDING"
        )
        record = runtime.ledger.get(id)
        continue
      }
      // One check. The state the previous check returned travels in the RETRY payload (StepDetails.Result).
      let current = config.initialState
      const stored = record?.StepDetails?.Result
      if ((record?.Status === "STARTED" || record?.Status === "READY") && stored !== undefined && stored !== "") {
        const read = yield* Effect.result(SerdesRunner.deserialize<T>(alloc, serdes, stored))
        if (read._tag === "Success") current = read.success as T
      }
      const attempt = (record?.StepDetails?.Attempt ?? 0) + 1
      if (record?.Status !== "STARTED") {
        const retrying = (record?.StepDetails?.Attempt ?? 0) >= 1
        yield* runtime.checkpoint({ ...base, Action: "START" }, false)
        record = runtime.ledger.get(id) ?? record
        yield* Lifecycle.started(alloc, retrying, "STARTED")
      } else {
        yield* Lifecycle.started(alloc, true)
      }
      if (runtime.pastDeadline) return yield* Effect.never // the invocation is ending
      const signal = new Attempt.AttemptSignal(runtime)
      const scope = Ctx.makeStepScope(state, alloc.rawId, attempt, alloc.name, signal)
      info = plugins.active ? yield* Lifecycle.attemptInfo(alloc, attempt, undefined) : undefined
      if (info !== undefined) {
        const start = info
        yield* plugins.emit("onOperationAttemptStart", () => start)
      }
      const check =
        info === undefined
          ? spec.check(current, scope)
          : plugins.wrap("wrapOperationAttemptFn", info, spec.check(current, scope))
      /** Records the state a check returned: SUCCEED when the strategy stops, else RETRY after its delay. */
      const settle = (checked: T) =>
        Effect.gen(function* () {
          const serialized = yield* Effect.result(SerdesRunner.serialize(alloc, serdes, checked))
          if (serialized._tag === "Failure") return yield* fail(clampErrorObject(toErrorObject(serialized.failure)))
          const payload = serialized.success
          const tooLarge = checkPayload(alloc, "state of waitForCondition", payload)
          if (tooLarge !== undefined) return yield* fail(clampErrorObject(toErrorObject(tooLarge)))
          const roundTrip = yield* Effect.result(SerdesRunner.deserialize<T>(alloc, serdes, payload))
          if (roundTrip._tag === "Failure") return yield* fail(clampErrorObject(toErrorObject(roundTrip.failure)))
          const next = roundTrip.success as T
          const random = yield* Random.next
          let decision: WaitForConditionDecision
          try {
            decision = config.waitStrategy(next, attempt, () => random)
          } catch (error) {
            return yield* fail(clampErrorObject(toErrorObject(error)))
          }
          if (!decision.shouldContinue) {
            yield* runtime.checkpoint(
              payload === undefined ? { ...base, Action: "SUCCEED" } : { ...base, Action: "SUCCEED", Payload: payload },
              eager
            )
            yield* ended("SUCCEEDED", "SUCCEEDED")
            return { done: true, value: next } as const
          }
          const delay = delaySeconds((decision as { delay?: Duration }).delay)
          yield* runtime.checkpoint(
            {
              ...base,
              Action: "RETRY",
              ...(payload === undefined ? {} : { Payload: payload }),
              StepOptions: { NextAttemptDelaySeconds: delay }
            },
            true
          )
          yield* ended("SUCCEEDED", "PENDING")
          return { done: false } as const
        })
      const raced = runtime.executingScope(
        Attempt.race(runtime, signal, check, timeout, () => StepTimeoutError.of(alloc.rawId, alloc.name, timeout ?? 0))
      )
      // A timed check cut off by the deadline counts as a check that returned the state it was given, recorded
      // before the deadline guard ends the invocation (it waits for timed attempts); an untimed one is re-run
      // by the next invocation, uncounted.
      const attemptRun = Effect.flatMap(raced, (outcome) => {
        if (outcome._tag === "Success") return settle(outcome.success)
        const interrupted = outcome._tag === "DeadlineReached" || runtime.pastDeadline
        if (!interrupted) return fail(clampErrorObject(toErrorObject(outcome.failure)))
        return timeout === undefined ? Effect.never : settle(current)
      })
      const settled = yield* timeout === undefined ? attemptRun : runtime.timedAttempt(attemptRun)
      if (settled.done) return settled.value
      record = runtime.ledger.get(id)
    }
  })

/**
 * Polls `check` until the wait strategy stops, optionally named. Returns the last state.
 *
 * **Details**: each check is an attempt of one STEP operation (subtype `WaitForCondition`): the state it
 * returns is checkpointed (a RETRY carrying the state, or the final SUCCEED), and the next check receives it,
 * also after a suspension. A check that fails, or a strategy that throws (for example `createWaitStrategy`'s
 * max attempts), fails the operation at once with a `StepError` (checks are not retried).
 *
 * **Cancellation**: the check's fiber is interrupted when its `timeout` passes and when the invocation ends.
 *
 * **Gotchas**: `check` runs as a step body: it cannot call durable operations. The state must survive the
 * serdes round trip (JSON by default): the strategy and the next check see the deserialized value.
 *
 * @since 0.1.0
 */
export const run: {
  <S, E = never, R = never>(
    name: string | undefined,
    check: (state: S) => Effect.Effect<S, E, R>,
    config: WaitForConditionConfig<S>
  ): Effect.Effect<S, StepError | WaitForConditionError, R | DurableContext>
  <S, E = never, R = never>(
    check: (state: S) => Effect.Effect<S, E, R>,
    config: WaitForConditionConfig<S>
  ): Effect.Effect<S, StepError | WaitForConditionError, R | DurableContext>
} = (...args: ReadonlyArray<any>): Effect.Effect<any, any, any> => {
  return Effect.gen(function* () {
    const { name, body: check, config } = parseArguments<(state: any) => Effect.Effect<any, any, any>>(args)
    const state = yield* DurableContext
    const context = yield* Effect.context<any>()
    const alloc = Ctx.allocate(state, "STEP", OperationSubType.WAIT_FOR_CONDITION, name, "waitForCondition")
    return yield* execute(alloc, {
      config,
      handle: { awaited: true },
      check: (s, scope) =>
        (check(s) as Effect.Effect<any, unknown, any>).pipe(
          Effect.provideService(DurableContext, scope),
          Effect.catchDefect((defect) => Effect.fail(defect)),
          Effect.provideContext(context)
        ) as Effect.Effect<any, unknown>
    })
  })
}

/** Alias of `run`, with the official name. @since 0.1.0 */
export const waitForCondition = run
