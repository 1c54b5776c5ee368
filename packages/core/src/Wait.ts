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
import * as Exit from "effect/Exit"
import type { Allocation } from "./DurableContext.ts"
import * as Ctx from "./DurableContext.ts"
import { DurableContext } from "./DurableContext.ts"
import { toValidSeconds, type Duration } from "./Duration.ts"
import { isTerminal, OperationSubType } from "./Operation.ts"
import * as Lifecycle from "./internal/lifecycle.ts"
import type { AwaitHandle } from "./internal/runtime.ts"

/**
 * Replays a completed wait synchronously; `undefined` when the full algorithm is needed.
 *
 * @internal
 */
export const replayCompleted = (alloc: Allocation): Exit.Exit<void> | undefined => {
  const record = alloc.record
  if (record === undefined || alloc.violation !== undefined || !isTerminal(record.Status)) return undefined
  if (alloc.state.runtime.plugins.has("onOperationEnd")) return undefined
  Ctx.afterReplay(alloc.state)
  return Exit.void
}

/**
 * The wait algorithm over an allocated id. `seconds` must already be validated.
 *
 * @internal
 */
export const execute = (alloc: Allocation, seconds: number, handle: AwaitHandle): Effect.Effect<void> =>
  Effect.gen(function* () {
    const replayed = replayCompleted(alloc)
    if (replayed !== undefined) return yield* replayed
    yield* Ctx.admit(alloc)
    const runtime = alloc.state.runtime
    let record = alloc.record
    if (record !== undefined && isTerminal(record.Status)) {
      yield* Lifecycle.endedBeforeThisInvocation(alloc)
      Ctx.afterReplay(alloc.state)
      return
    }
    if (record === undefined) {
      yield* runtime.checkpoint(
        { ...Ctx.baseUpdate(alloc), Action: "START", WaitOptions: { WaitSeconds: seconds } },
        runtime.config.checkpointing !== "optimistic"
      )
      record = runtime.ledger.get(alloc.id)
      yield* Lifecycle.started(alloc, false)
    } else {
      yield* Lifecycle.started(alloc, true)
    }
    while (record === undefined || !isTerminal(record.Status)) {
      yield* runtime.awaitStatusChange(
        alloc.id,
        handle,
        record?.WaitDetails?.ScheduledEndTimestamp?.getTime(),
        record?.Status ?? "absent"
      )
      record = runtime.ledger.get(alloc.id)
    }
    yield* Lifecycle.ended(alloc, false)
    Ctx.afterReplay(alloc.state)
  })

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
    const alloc = Ctx.allocate(state, "WAIT", OperationSubType.WAIT, name, "wait")
    return yield* execute(alloc, seconds, { awaited: true })
  })
}

/** Alias of `wait`, reading well as `Wait.for(...)`. @since 0.1.0 */
export { wait as for }
