/**
 * `wait`: pause the workflow for a duration without paying for the time. The service keeps the timer; the
 * invocation suspends and Lambda invokes again when it elapses.
 *
 * **Example**
 * ```ts
 * yield* Wait.for("cool-off", { hours: 1 })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { DurableContext } from "./DurableContext.ts"
import { toValidSeconds, type Duration } from "./Duration.ts"
import { OperationSubType } from "./Operation.ts"
import * as Alloc from "./internal/engine/allocation.ts"
import * as WaitEngine from "./internal/engine/wait.ts"

/**
 * Waits `duration` (at least 1 second, whole seconds, at most 366 days), optionally named.
 *
 * **Gotchas**: an invalid duration is rejected with a `TypeError` before anything is checkpointed.
 *
 * @since 0.1.0
 */
export const wait: {
  (name: string, duration: Duration): Effect.Effect<void, never, DurableContext>
  (duration: Duration): Effect.Effect<void, never, DurableContext>
} = (...args: [string, Duration] | [Duration]): Effect.Effect<void, never, DurableContext> => {
  const [name, duration] = typeof args[0] === "string" ? (args as [string, Duration]) : [undefined, args[0] as Duration]
  return Effect.gen(function* () {
    const state = yield* DurableContext
    const seconds = toValidSeconds(duration, "wait")
    const alloc = Alloc.allocate(state, "WAIT", OperationSubType.WAIT, name, "wait")
    return yield* WaitEngine.execute(alloc, seconds, { awaited: true })
  })
}

/** Alias of `wait`, reading well as `Wait.for(...)`. @since 0.1.0 */
export { wait as for }
