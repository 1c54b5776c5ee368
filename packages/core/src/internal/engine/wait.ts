/**
 * The wait algorithm over an allocated id, shared by `Wait.wait` and the async API. Engine-internal (not part
 * of the package's public surface).
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { Allocation } from "./allocation.ts"
import { isTerminal } from "../../Operation.ts"
import * as Lifecycle from "../lifecycle.ts"
import type { AwaitHandle } from "../runtime.ts"
import * as Alloc from "./allocation.ts"

/**
 * Replays a completed wait synchronously; `undefined` when the full algorithm is needed.
 *
 * @internal
 */
export const replayCompleted = (alloc: Allocation): Exit.Exit<void> | undefined => {
  const record = alloc.record
  if (record === undefined || alloc.violation !== undefined || !isTerminal(record.Status)) return undefined
  if (alloc.state.runtime.plugins.has("onOperationEnd")) return undefined
  Alloc.afterReplay(alloc.state)
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
    yield* Alloc.admit(alloc)
    const runtime = alloc.state.runtime
    let record = alloc.record
    if (record !== undefined && isTerminal(record.Status)) {
      yield* Lifecycle.endedBeforeThisInvocation(alloc)
      Alloc.afterReplay(alloc.state)
      return
    }
    if (record === undefined) {
      yield* runtime.checkpoint(
        { ...Alloc.baseUpdate(alloc), Action: "START", WaitOptions: { WaitSeconds: seconds } },
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
    Alloc.afterReplay(alloc.state)
  })
