/**
 * External systems answering callbacks, scripted on the runner's clock: "when a callback named `approval`
 * starts, wait 1 s, then send success with this payload". Scripts run in virtual time, so a callback that
 * answers after a day costs nothing, and they compose with callback timeouts and heartbeats exactly as the
 * service orders them.
 *
 * For tests that drive callbacks by hand, use `DurableOperation.sendCallbackSuccess` / `Failure` /
 * `Heartbeat` after `waitForData()` (the official pattern).
 *
 * @since 0.1.0
 */
import type { Operation } from "@durable-lambda/core"
import type { CallbackAction } from "./internal/simulation/records.ts"

export type { CallbackAction } from "./internal/simulation.ts"

/**
 * A success answer: `result` is the request body text (`SendDurableExecutionCallbackSuccess`), sent
 * `delayMillis` after the previous action of the script.
 *
 * @since 0.1.0
 */
export const success = (result?: string, delayMillis = 0): Omit<CallbackAction, "name"> => ({
  operation: "success",
  payload: result,
  delayMillis
})

/**
 * A failure answer (`SendDurableExecutionCallbackFailure` with `error`).
 *
 * @since 0.1.0
 */
export const failure = (error?: Operation.ErrorObject, delayMillis = 0): Omit<CallbackAction, "name"> => ({
  operation: "failure",
  payload: error,
  delayMillis
})

/**
 * A heartbeat (`SendDurableExecutionCallbackHeartbeat`): restarts the callback's heartbeat timeout.
 *
 * @since 0.1.0
 */
export const heartbeat = (delayMillis = 0): Omit<CallbackAction, "name"> => ({ operation: "heartbeat", delayMillis })

/**
 * A script for callbacks named `name` (`"*"` for any): its actions run in order, each `delayMillis` after
 * the previous one (the first after the CallbackStarted). Each callback is answered by the first script
 * whose name matches.
 *
 * **Example**
 * ```ts
 * const runner = new LocalDurableTestRunner({
 *   handlerFunction: handler,
 *   callbackActions: [Callbacks.respond("approval", Callbacks.heartbeat(5_000), Callbacks.success('"ok"', 60_000))]
 * })
 * ```
 *
 * @since 0.1.0
 */
export const respond = (
  name: string,
  ...actions: ReadonlyArray<Omit<CallbackAction, "name">>
): ReadonlyArray<CallbackAction> => actions.map((action) => ({ ...action, name }))
