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
import { DurableContext } from "./DurableContext.ts"
import { toSeconds, type Duration } from "./Duration.ts"
import { WaitForConditionError, type StepError } from "./Errors.ts"
import { OperationSubType } from "./Operation.ts"
import { JitterStrategy } from "./RetryStrategy.ts"
import type { Serdes } from "./Serdes.ts"
import * as Alloc from "./internal/engine/allocation.ts"
import * as WaitForConditionEngine from "./internal/engine/waitForCondition.ts"

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
    const {
      name,
      body: check,
      config
    } = WaitForConditionEngine.parseArguments<(state: any) => Effect.Effect<any, any, any>>(args)
    const state = yield* DurableContext
    const context = yield* Effect.context<any>()
    const alloc = Alloc.allocate(state, "STEP", OperationSubType.WAIT_FOR_CONDITION, name, "waitForCondition")
    return yield* WaitForConditionEngine.execute(alloc, {
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
