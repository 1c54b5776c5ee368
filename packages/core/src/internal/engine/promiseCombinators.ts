/**
 * The combinator step over an allocated id, and the JavaScript combinators the async API uses. Engine-internal
 * (not part of the package's public surface).
 */
import * as Effect from "effect/Effect"
import type { Allocation } from "./allocation.ts"
import type { DurableOperationError } from "../../Errors.ts"
import type { Serdes } from "../../Serdes.ts"
import * as StepEngine from "./step.ts"
import type { Combinator } from "../../PromiseCombinators.ts"

/**
 * The combinator step over an allocated id: a STEP (subtype `Step`, no retries) whose attempt awaits
 * `combine`. The attempt does not count as executing, so the invocation may suspend while it waits (the
 * official SDK keeps the invocation alive polling instead).
 *
 * @internal
 */
export const execute = <A>(
  alloc: Allocation,
  combine: Effect.Effect<A, unknown>,
  serdes?: Serdes<A>
): Effect.Effect<A, DurableOperationError> =>
  StepEngine.execute<A, never>(alloc, {
    config: { retryStrategy: () => ({ shouldRetry: false }), ...(serdes === undefined ? {} : { serdes }) },
    handle: { awaited: true },
    executing: false,
    attempt: () => combine
  }) as Effect.Effect<A, DurableOperationError>

/**
 * Combines promises the way the JavaScript combinator does (for the async API).
 *
 * @internal
 */
export const combinePromises = (
  kind: Combinator,
  promises: ReadonlyArray<PromiseLike<unknown>>
): Effect.Effect<unknown, unknown> =>
  Effect.tryPromise({
    try: () =>
      kind === "all"
        ? Promise.all(promises)
        : kind === "allSettled"
          ? Promise.allSettled(promises)
          : kind === "any"
            ? Promise.any(promises)
            : Promise.race(promises),
    catch: (e) => e
  })
