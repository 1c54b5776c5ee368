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
  const noFilters = config.retryableErrors === undefined && config.retryableErrorTypes === undefined
  const patterns = noFilters ? [/.*/] : (config.retryableErrors ?? [])
  const types = config.retryableErrorTypes ?? []
  return (error, attemptsMade, random) => {
    if (attemptsMade >= maxAttempts) return { shouldRetry: false }
    const message = error?.message ?? ""
    const retryable =
      patterns.some((p) => (typeof p === "string" ? message.includes(p) : p.test(message))) ||
      types.some((T) => error instanceof T)
    if (!retryable) return { shouldRetry: false }
    const base = Math.min(initial * Math.pow(rate, attemptsMade - 1), max)
    const r = random === undefined ? 1 : random()
    const jittered = jitter === "FULL" ? r * base : jitter === "HALF" ? base / 2 + (r * base) / 2 : base
    return { shouldRetry: true, delay: { seconds: Math.max(1, Math.round(jittered)) } }
  }
}

/**
 * Ready-made strategies: `default` (6 attempts, 5 s initial, 60 s max, ×2, full jitter; what a step uses when
 * no strategy is given) and `noRetry` (one attempt).
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
  noRetry: createRetryStrategy({ maxAttempts: 1 })
} as const
