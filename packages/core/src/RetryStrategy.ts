/**
 * Retry strategies for steps: `createRetryStrategy` (exponential backoff with jitter and error filters) and
 * `retryPresets`, with the official SDK's defaults and semantics.
 *
 * **Details**: a strategy is a plain function `(error, attemptsMade) => RetryDecision`. The engine calls it
 * once per failed attempt and checkpoints the decision, so randomness (jitter) is never recomputed on replay.
 * The engine passes a third argument, a random source drawn from Effect's `Random` service, so jitter is
 * reproducible under a seeded `Random` in tests.
 *
 * @since 0.1.0
 */
import { toSeconds, type Duration } from "./Duration.ts"

/** Whether to retry, and after how long (default 1 second). @since 0.1.0 */
export interface RetryDecision {
  readonly shouldRetry: boolean
  readonly delay?: Duration
}

/** A retry strategy. `attemptsMade` is the 1-based number of the attempt that just failed. @since 0.1.0 */
export type RetryStrategy = (error: Error, attemptsMade: number, random?: () => number) => RetryDecision

/** How the computed delay is randomised. @since 0.1.0 */
export const JitterStrategy = { NONE: "NONE", FULL: "FULL", HALF: "HALF" } as const
/** @since 0.1.0 */
export type JitterStrategy = (typeof JitterStrategy)[keyof typeof JitterStrategy]

/** @since 0.1.0 */
export interface RetryStrategyConfig {
  /** Total attempts including the first (default 3). */
  readonly maxAttempts?: number
  /** Delay before the first retry (default 5 s). */
  readonly initialDelay?: Duration
  /** Upper bound of the delay (default 5 minutes). */
  readonly maxDelay?: Duration
  /** Multiplier per attempt (default 2). */
  readonly backoffRate?: number
  /** Default `FULL`. */
  readonly jitter?: JitterStrategy
  /** Retry only errors whose message contains one of these strings or matches one of these patterns. */
  readonly retryableErrors?: ReadonlyArray<string | RegExp>
  /** Retry only errors that are instances of one of these classes. */
  readonly retryableErrorTypes?: ReadonlyArray<abstract new (...args: any) => Error>
}

/** Which errors a strategy retries (shared by the exponential and linear strategies). */
const retryableFilter = (config: {
  readonly retryableErrors?: ReadonlyArray<string | RegExp> | undefined
  readonly retryableErrorTypes?: ReadonlyArray<abstract new (...args: any) => Error> | undefined
}): ((error: Error) => boolean) => {
  const noFilters = config.retryableErrors === undefined && config.retryableErrorTypes === undefined
  const patterns = noFilters ? [/.*/] : (config.retryableErrors ?? [])
  const types = config.retryableErrorTypes ?? []
  return (error) => {
    const message = error?.message ?? ""
    return (
      patterns.some((p) => (typeof p === "string" ? message.includes(p) : p.test(message))) ||
      types.some((T) => error instanceof T)
    )
  }
}

/** A jittered delay rounded to whole seconds, at least 1 second. */
const finalDelay = (base: number, jitter: JitterStrategy, random: (() => number) | undefined): Duration => {
  const r = random === undefined ? 1 : random()
  const jittered = jitter === "FULL" ? r * base : jitter === "HALF" ? base / 2 + (r * base) / 2 : base
  return { seconds: Math.max(1, Math.round(jittered)) }
}

/**
 * An exponential-backoff strategy: retry until `maxAttempts`, delay `initialDelay × backoffRate^(n−1)`
 * capped at `maxDelay`, jittered, rounded to whole seconds, at least 1 second.
 *
 * **Gotchas**: with neither `retryableErrors` nor `retryableErrorTypes`, every error is retried; with either,
 * only matching errors are. Called outside the engine without a random source, `FULL` and `HALF` jitter use
 * the full delay.
 *
 * @since 0.1.0
 */
export const createRetryStrategy = (config: RetryStrategyConfig = {}): RetryStrategy => {
  const maxAttempts = config.maxAttempts ?? 3
  const initial = toSeconds(config.initialDelay ?? { seconds: 5 })
  const max = toSeconds(config.maxDelay ?? { minutes: 5 })
  const rate = config.backoffRate ?? 2
  const jitter = config.jitter ?? JitterStrategy.FULL
  const retryable = retryableFilter(config)
  return (error, attemptsMade, random) => {
    if (attemptsMade >= maxAttempts || !retryable(error)) return { shouldRetry: false }
    const base = Math.min(initial * Math.pow(rate, attemptsMade - 1), max)
    return { shouldRetry: true, delay: finalDelay(base, jitter, random) }
  }
}

/** Options of `createLinearRetryStrategy`. @since 0.1.0 */
export interface LinearRetryStrategyConfig {
  /** Total attempts including the first (default 6). */
  readonly maxAttempts?: number
  /** Delay before the first retry (default 1 s). */
  readonly initialDelay?: Duration
  /** Added to the delay per further retry (default 1 s). */
  readonly increment?: Duration
  /** Upper bound of the delay (default 5 minutes). */
  readonly maxDelay?: Duration
  /** Default `FULL`. */
  readonly jitter?: JitterStrategy
  /** As in `RetryStrategyConfig`. */
  readonly retryableErrors?: ReadonlyArray<string | RegExp>
  /** As in `RetryStrategyConfig`. */
  readonly retryableErrorTypes?: ReadonlyArray<abstract new (...args: any) => Error>
}

/**
 * A linear-backoff strategy: retry until `maxAttempts`, delay `initialDelay + increment × (n−1)` capped at
 * `maxDelay`, jittered, rounded to whole seconds, at least 1 second (the official SDK's defaults: 6 attempts,
 * 1 s + 1 s per retry, 5 minutes max, full jitter).
 *
 * **Gotchas**: the error filters behave as in `createRetryStrategy`; pass `jitter: JitterStrategy.NONE` for
 * predictable delays.
 *
 * @since 0.1.0
 */
export const createLinearRetryStrategy = (config: LinearRetryStrategyConfig = {}): RetryStrategy => {
  const maxAttempts = config.maxAttempts ?? 6
  const initial = toSeconds(config.initialDelay ?? { seconds: 1 })
  const increment = toSeconds(config.increment ?? { seconds: 1 })
  const max = toSeconds(config.maxDelay ?? { minutes: 5 })
  const jitter = config.jitter ?? JitterStrategy.FULL
  const retryable = retryableFilter(config)
  return (error, attemptsMade, random) => {
    if (attemptsMade >= maxAttempts || !retryable(error)) return { shouldRetry: false }
    const base = Math.min(initial + increment * (attemptsMade - 1), max)
    return { shouldRetry: true, delay: finalDelay(base, jitter, random) }
  }
}

/**
 * Ready-made strategies: `default` (6 attempts, 5 s initial, 60 s max, ×2, full jitter; what a step uses when
 * no strategy is given), `linear` (6 attempts, delays 1, 2, 3, 4, 5 s, no jitter) and `noRetry` (one attempt).
 *
 * @since 0.1.0
 */
export const retryPresets = {
  default: createRetryStrategy({
    maxAttempts: 6,
    initialDelay: { seconds: 5 },
    maxDelay: { seconds: 60 },
    backoffRate: 2,
    jitter: JitterStrategy.FULL
  }),
  linear: createLinearRetryStrategy({
    maxAttempts: 6,
    initialDelay: { seconds: 1 },
    increment: { seconds: 1 },
    jitter: JitterStrategy.NONE
  }),
  noRetry: createRetryStrategy({ maxAttempts: 1 })
} as const
