/**
 * Fault hooks of the loopback endpoint: make the next N calls of an API operation answer an error instead
 * of (or after) doing their work.
 *
 * @internal
 */
import { RestProtocol } from "@durable-lambda/backend-aws"
import { ServiceState } from "@durable-lambda/backend-mock"

/**
 * A canned fault: `"throttle"` (429 `TooManyRequestsException`), `"serverError"` (500 `ServiceException`),
 * `"staleToken"` (400 `InvalidParameterValueException` "Invalid Checkpoint Token: ..."), `"tooLarge"` (413
 * `RequestTooLargeException`), or any error response.
 *
 * @since 0.1.0
 */
export type Fault =
  | "throttle"
  | "serverError"
  | "staleToken"
  | "tooLarge"
  | { readonly status: number; readonly errorType: string; readonly message: string }

/**
 * Which calls a fault applies to: one API operation, the local start routes (`"StartExecution"`), or `"*"`
 * (any API operation).
 *
 * @since 0.1.0
 */
export type FaultTarget = RestProtocol.ApiOperation | "StartExecution" | "*"

/**
 * Options of `failNext`.
 *
 * @since 0.1.0
 */
export interface FaultOptions {
  /**
   * Do the call's work first (apply the checkpoint, complete the callback, ...) and answer the fault anyway:
   * a response lost on the way back. Default `false`: the call changes nothing.
   */
  readonly afterApply?: boolean | undefined
}

interface Pending {
  readonly target: FaultTarget
  remaining: number
  readonly fault: Fault
  readonly afterApply: boolean
}

/** The error response a fault renders, in the service's format. */
export const renderFault = (fault: Fault, requestId: string): RestProtocol.HttpResponse => {
  switch (fault) {
    case "throttle":
      return RestProtocol.renderError({
        errorType: "TooManyRequestsException",
        message: "Rate exceeded",
        requestId,
        fields: { Reason: "CallerRateLimitExceeded" }
      })
    case "serverError":
      return RestProtocol.renderError({
        errorType: "ServiceException",
        message: "The service encountered an internal error (injected fault)",
        requestId
      })
    case "staleToken":
      return RestProtocol.renderError({
        errorType: "InvalidParameterValueException",
        message: `${ServiceState.INVALID_TOKEN_PREFIX}: the token has already been used (injected fault)`,
        requestId
      })
    case "tooLarge":
      return RestProtocol.renderError({
        errorType: "RequestTooLargeException",
        message: "Request must be smaller than the service limit (injected fault)",
        status: 413,
        requestId
      })
    default:
      return RestProtocol.renderError({ ...fault, requestId })
  }
}

/** The queue of pending faults, consumed in the order they were added. */
export class FaultQueue {
  readonly #pending: Array<Pending> = []

  /** Queues `count` faults for calls of `target`. */
  add(target: FaultTarget, count: number, fault: Fault, options?: FaultOptions): void {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`)
    this.#pending.push({ target, remaining: count, fault, afterApply: options?.afterApply ?? false })
  }

  /** Takes the next fault for a call of `operation`, if one is queued. */
  take(operation: FaultTarget): { readonly fault: Fault; readonly afterApply: boolean } | undefined {
    const index = this.#pending.findIndex(
      (p) => p.target === operation || (p.target === "*" && operation !== "StartExecution")
    )
    if (index === -1) return undefined
    const pending = this.#pending[index]!
    pending.remaining -= 1
    if (pending.remaining === 0) this.#pending.splice(index, 1)
    return { fault: pending.fault, afterApply: pending.afterApply }
  }

  /** How many faults are still queued. */
  get size(): number {
    return this.#pending.reduce((n, p) => n + p.remaining, 0)
  }

  /** Drops every queued fault. */
  clear(): void {
    this.#pending.length = 0
  }
}
