/**
 * Microtask ticks, to queue updates in the official SDK's order. Updates are sent in the order they are queued,
 * and operations running concurrently queue theirs in an order decided by how many microtasks each one's path
 * takes between its updates. The official SDK's paths take these (its `await`s on plugin hooks, on the body and
 * on the async serdes), and ours take as many:
 *
 * - a child context's body starts 1 tick after its START is queued (so the STARTs of children started together
 *   all come before the first operation inside any of them); its SUCCEED is queued 2 ticks after the body's
 *   value is known; the code awaiting it resumes 7 ticks after its SUCCEED, 5 after its FAIL;
 * - a step's body starts 2 ticks after its START is queued; its SUCCEED is queued 2 ticks after the body's value
 *   is known;
 * - a map / parallel settles an item 1 tick after its outcome, returns its result 4 ticks after the outcome that
 *   completed it, and the code awaiting it resumes 6 ticks after a child context's would.
 *
 * The updates one checkpoint call acknowledged resume their operations together, in the order they were queued
 * (internal/checkpointer.ts), as the official SDK resolves a batch's updates in one loop. The compat package's
 * differential tests compare the order with the official SDK's.
 */
import * as Effect from "effect/Effect"

const tick: Effect.Effect<void> = Effect.callback<void>((resume) => {
  queueMicrotask(() => resume(Effect.void))
})

/** Resumes after `n` microtasks (`n` ≥ 1). @internal */
export const ticks = (n: number): Effect.Effect<void> => (n <= 1 ? tick : Effect.andThen(tick, ticks(n - 1)))
