/**
 * Replay-aware logging for the Effect API: records are written once per execution (suppressed while the
 * current context replays completed operations; always written inside step bodies) and carry the
 * execution ARN, request id, operation id and name, and attempt. They go to the handler's logger: the
 * `logger` option of `Handler.make`, else the default logger (official SDK line format, through the
 * `Logger.LogPlatform` in scope; handlers built by `@durable-lambda/backend-aws` write to the process streams).
 *
 * **Example**
 * ```ts
 * yield* DurableLog.info("charging %s", orderId)
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Ctx from "./DurableContext.ts"
import { DurableContext } from "./DurableContext.ts"
import type { DurableLogLevel } from "./Logger.ts"

const at =
  (method: "info" | "warn" | "error" | "debug") =>
  (...params: ReadonlyArray<unknown>): Effect.Effect<void, never, DurableContext> =>
    Effect.map(DurableContext, (state) => Ctx.loggerOf(state)[method](...params))

/** Logs at INFO. @since 0.1.0 */
export const info = at("info")
/** Logs at WARN. @since 0.1.0 */
export const warn = at("warn")
/** Logs at ERROR. @since 0.1.0 */
export const error = at("error")
/** Logs at DEBUG. @since 0.1.0 */
export const debug = at("debug")

/**
 * Logs at `level` (the custom logger's own `log` when it has one, as `context.logger.log` does).
 *
 * @since 0.1.0
 */
export const log = (
  level: DurableLogLevel,
  ...params: ReadonlyArray<unknown>
): Effect.Effect<void, never, DurableContext> =>
  Effect.map(DurableContext, (state) => Ctx.loggerOf(state).log(level, ...params))
