/**
 * Replay-aware logging for the Effect API: records are written once per execution (suppressed while the
 * current context replays completed operations; always written inside step bodies) and carry the
 * execution ARN, request id, operation id and attempt.
 *
 * **Example**
 * ```ts
 * yield* DurableLog.info("charging", { orderId })
 * ```
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Ctx from "./DurableContext.ts"
import { DurableContext } from "./DurableContext.ts"

const at =
  (method: "info" | "warn" | "error" | "debug") =>
  (...params: ReadonlyArray<unknown>): Effect.Effect<void, never, DurableContext> =>
    Effect.gen(function* () {
      const state = yield* DurableContext
      Ctx.loggerOf(state)[method](...params)
    })

/** @since 0.1.0 */
export const info = at("info")
/** @since 0.1.0 */
export const warn = at("warn")
/** @since 0.1.0 */
export const error = at("error")
/** @since 0.1.0 */
export const debug = at("debug")
