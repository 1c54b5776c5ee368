/**
 * `withRetry`: retry a whole block of durable operations (not just one step), with durable waits between
 * attempts. The official SDK's helper, on the async API.
 *
 * @since 0.1.0
 */
import type { DurableContext } from "./AsyncContext.ts"
import type { ChildConfig } from "./ChildContext.ts"
import type { RetryDecision } from "./RetryStrategy.ts"
import { withName } from "./internal/namedArgs.ts"

/** Options of `withRetry`. @since 0.1.0 */
export interface WithRetryConfig<T> {
  /** Decides after each failed attempt (`attemptCount` is 1-based); `delay` defaults to 1 second. */
  retryStrategy: (error: Error, attemptCount: number) => RetryDecision
  /** Run the attempts inside one child context named after the call (default `true`). */
  wrapWithRunInChildContext?: boolean
  /** Options of that child context. */
  childContextConfig?: ChildConfig<T>
}

/** One attempt: the context to run durable operations on, and the 1-based attempt number. @since 0.1.0 */
export type RetryableFunc<T> = (context: DurableContext, attempt: number) => Promise<T>

/**
 * Runs `func` until it succeeds or `retryStrategy` says stop (then rethrows the last error). Between attempts it
 * waits durably (`context.wait`, named `<name>-backoff-<attempt>` when the call is named), so a long backoff
 * suspends the invocation instead of sleeping.
 *
 * **Gotchas**: every attempt's durable operations are new operations (attempt 2's step is not attempt 1's
 * step), so keep attempts deterministic in the operations they start. Without the child context
 * (`wrapWithRunInChildContext: false`) the attempts' operations are numbered in the caller's context.
 *
 * @since 0.1.0
 */
export function withRetry<T>(
  context: DurableContext,
  name: string,
  func: RetryableFunc<T>,
  config: WithRetryConfig<T>
): Promise<T>
export function withRetry<T>(context: DurableContext, func: RetryableFunc<T>, config: WithRetryConfig<T>): Promise<T>
export async function withRetry<T>(context: DurableContext, ...args: ReadonlyArray<unknown>): Promise<T> {
  const [name, func, config] = withName(args) as [string | undefined, RetryableFunc<T>, WithRetryConfig<T> | undefined]
  if (!config) throw new TypeError("withRetry: config is required")
  if (typeof func !== "function") throw new TypeError("withRetry: expected a function to retry")
  const { retryStrategy, wrapWithRunInChildContext = true, childContextConfig } = config
  const runLoop = async (ctx: DurableContext): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await func(ctx, attempt)
      } catch (error) {
        const decision = retryStrategy(error as Error, attempt)
        if (!decision.shouldRetry) throw error
        const delay = decision.delay ?? { seconds: 1 }
        await (name === undefined ? ctx.wait(delay) : ctx.wait(`${name}-backoff-${attempt}`, delay))
      }
    }
  }
  if (!wrapWithRunInChildContext) return runLoop(context)
  return name === undefined
    ? context.runInChildContext(runLoop, childContextConfig)
    : context.runInChildContext(name, runLoop, childContextConfig)
}
