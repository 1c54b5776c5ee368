/**
 * Chained invoke: call another Lambda function (durable or not) and wait for its result without paying for
 * the wait. The service runs the target; this invocation suspends and is invoked again when the target
 * finishes. On replay the recorded result is returned and the target is not called again.
 *
 * **Example**
 * ```ts
 * const receipt = yield* Invoke.run({
 *   name: "charge",
 *   functionName: "arn:aws:lambda:eu-west-1:123456789012:function:payments:live",
 *   payload: { orderId, amount }
 * }).pipe(Effect.catchTag("InvokeTimedOutError", () => Effect.succeed(undefined)))
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { DurableContext } from "./DurableContext.ts"
import { InvokeFailedError, InvokeStoppedError, InvokeTimedOutError, type PayloadTooLargeError } from "./Errors.ts"
import { OperationSubType } from "./Operation.ts"
import type { Serdes } from "./Serdes.ts"
import * as Alloc from "./internal/engine/allocation.ts"
import * as InvokeEngine from "./internal/engine/invoke.ts"

/**
 * Options of `invoke` (the official `InvokeConfig`, plus `tenantId` of the newer SDKs).
 *
 * @since 0.1.0
 */
export interface InvokeConfig<I = any, O = any> {
  /** How the input is serialized into the target's event (default JSON). */
  readonly payloadSerdes?: Serdes<I>
  /** How the target's result is read (default JSON). */
  readonly resultSerdes?: Serdes<O>
  /** Tenant of the invocation, for functions with tenant isolation (sent as `ChainedInvokeOptions.TenantId`). */
  readonly tenantId?: string
}

/**
 * One chained invoke, for the Effect API.
 *
 * @since 0.1.0
 */
export interface InvokeRequest<I = any, O = any> extends InvokeConfig<I, O> {
  /** The operation's name (optional; it does not affect ids). */
  readonly name?: string
  /** Function name, partial ARN or ARN, with a version or alias qualifier for durable targets. */
  readonly functionName: string
  /** The target's input. */
  readonly payload?: I
}

/**
 * The ways a chained invoke can end without a result, told apart by `_tag` (Effect) or `instanceof` (async):
 * all are `InvokeError`s.
 *
 * @since 0.1.0
 */
export type InvokeFailure = InvokeFailedError | InvokeTimedOutError | InvokeStoppedError

const functionIdentifier =
  /^((arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/

/**
 * Whether a string has the shape of a Lambda function identifier: a function name, a partial ARN
 * (`123456789012:function:name`) or an ARN, optionally with a `:version` / `:alias` qualifier.
 *
 * @since 0.1.0
 */
export const isFunctionIdentifier = (s: string): boolean => functionIdentifier.test(s)

/**
 * Invokes `functionName` with `payload` and waits for its result (the invocation suspends meanwhile).
 *
 * **Details**: one CHAINED_INVOKE operation. The input is serialized by `payloadSerdes` and checked against
 * the service's 1 MiB limit before anything is sent (`PayloadTooLargeError`); the result is read with
 * `resultSerdes`. The target's failure, timeout or stop fail the effect with `InvokeFailedError`,
 * `InvokeTimedOutError` or `InvokeStoppedError`, whose `cause` carries the target's error type and message.
 *
 * **Gotchas**: durable targets need a qualified function (version or alias). The target runs once per
 * execution: replays return the recorded result.
 *
 * @since 0.1.0
 */
export const run = <I = any, O = any>(
  request: InvokeRequest<I, O>
): Effect.Effect<O, InvokeFailure | PayloadTooLargeError, DurableContext> =>
  Effect.gen(function* () {
    if (typeof request.functionName !== "string" || request.functionName === "") {
      throw new TypeError("invoke: functionName must be a non-empty string")
    }
    const state = yield* DurableContext
    const alloc = Alloc.allocate(state, "CHAINED_INVOKE", OperationSubType.CHAINED_INVOKE, request.name, "invoke")
    return yield* InvokeEngine.execute<I, O>(alloc, request.functionName, request.payload, request, { awaited: true })
  })

/** Alias of `run`, with the official name. @since 0.1.0 */
export const invoke = run
