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
import type { Allocation } from "./DurableContext.ts"
import * as Ctx from "./DurableContext.ts"
import { DurableContext } from "./DurableContext.ts"
import {
  causeFromErrorObject,
  InvokeFailedError,
  InvokeStoppedError,
  InvokeTimedOutError,
  type PayloadTooLargeError
} from "./Errors.ts"
import type { Operation } from "./Operation.ts"
import { isTerminal, OperationSubType } from "./Operation.ts"
import type { Serdes } from "./Serdes.ts"
import type { AwaitHandle } from "./internal/runtime.ts"
import { checkPayload } from "./internal/payload.ts"
import * as Lifecycle from "./internal/lifecycle.ts"
import * as SerdesRunner from "./internal/serdesRunner.ts"
import { executionFailed } from "./internal/termination.ts"

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

const withData = (message: string, record: Operation) => {
  const error = record.ChainedInvokeDetails?.Error
  return [message, error === undefined ? undefined : causeFromErrorObject(error), error?.ErrorData] as const
}

const failureOf = (record: Operation): InvokeFailure => {
  const message = record.ChainedInvokeDetails?.Error?.ErrorMessage
  switch (record.Status) {
    case "TIMED_OUT":
      return new InvokeTimedOutError(...withData(message || "Invoke timed out", record))
    case "STOPPED":
    case "CANCELLED":
      return new InvokeStoppedError(...withData(message || "Invoke stopped", record))
    default:
      return new InvokeFailedError(...withData(message || "Invoke failed", record))
  }
}

/**
 * The invoke algorithm over an allocated id: START with the serialized input (unless recorded), then wait
 * for the target's outcome, checking the current status first.
 *
 * @internal
 */
export const execute = <I, O>(
  alloc: Allocation,
  functionName: string,
  input: I | undefined,
  config: InvokeConfig<I, O> | undefined,
  handle: AwaitHandle
): Effect.Effect<O, InvokeFailure | PayloadTooLargeError> =>
  Effect.gen(function* () {
    yield* Ctx.admit(alloc)
    const runtime = alloc.state.runtime
    let record = alloc.record
    const foundCompleted = record !== undefined && isTerminal(record.Status)
    if (foundCompleted) yield* Lifecycle.endedBeforeThisInvocation(alloc)
    else if (record !== undefined) yield* Lifecycle.started(alloc, true)
    if (record === undefined) {
      const serialized = yield* Effect.result(SerdesRunner.serialize(alloc, config?.payloadSerdes, input))
      if (serialized._tag === "Failure") return yield* runtime.terminate(executionFailed(serialized.failure))
      const payload = serialized.success
      const tooLarge = checkPayload(alloc, "input of invoke", payload)
      if (tooLarge !== undefined) return yield* Effect.fail(tooLarge)
      const traceHeader = runtime.plugins.chainedInvokeTraceHeader(() => Lifecycle.infoOf(alloc, false))
      yield* runtime.checkpoint(
        {
          ...Ctx.baseUpdate(alloc),
          Action: "START",
          ...(payload === undefined ? {} : { Payload: payload }),
          ChainedInvokeOptions: {
            FunctionName: functionName,
            ...(config?.tenantId === undefined ? {} : { TenantId: config.tenantId }),
            ...(traceHeader === undefined ? {} : { XAmznTraceId: traceHeader })
          }
        },
        runtime.config.checkpointing !== "optimistic"
      )
      record = runtime.ledger.get(alloc.id)
      yield* Lifecycle.started(alloc, false)
    }
    while (record === undefined || !isTerminal(record.Status)) {
      yield* runtime.awaitStatusChange(alloc.id, handle, undefined, record?.Status ?? "absent")
      record = runtime.ledger.get(alloc.id)
    }
    const failure = record.Status === "SUCCEEDED" ? undefined : failureOf(record)
    if (!foundCompleted) yield* Lifecycle.ended(alloc, false, undefined, failure)
    if (failure !== undefined) return yield* Effect.fail(failure)
    Ctx.afterReplay(alloc.state)
    return yield* SerdesRunner.deserialize<O>(alloc, config?.resultSerdes, record.ChainedInvokeDetails?.Result).pipe(
      Effect.catch((e) => runtime.terminate({ _tag: "InvocationFailed", error: e }))
    )
  })

const functionIdentifier =
  /^((arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/

/**
 * Whether a string has the shape of a Lambda function identifier: a function name, a partial ARN
 * (`123456789012:function:name`) or an ARN, optionally with a `:version` / `:alias` qualifier.
 *
 * @since 0.1.0
 */
export const isFunctionIdentifier = (s: string): boolean => functionIdentifier.test(s)

/** The arguments of `context.invoke`, resolved. @since 0.1.0 */
export interface InvokeArguments {
  readonly name: string | undefined
  readonly functionName: string
  readonly input: unknown
  readonly config: InvokeConfig | undefined
}

/**
 * Resolves the official overloads `invoke(name, funcId, input?, config?)` and `invoke(funcId, input?,
 * config?)` without the official SDK's misreading of a string input as a function id. The rule, applied in
 * order:
 * 1. first argument `undefined`: the named form without a name, `(undefined, funcId, input?, config?)`;
 * 2. four or more arguments: the named form;
 * 3. second argument not a string (or absent): the unnamed form `(funcId, input?, config?)`;
 * 4. first argument an ARN (starts with `arn:`): the unnamed form (the string is the input);
 * 5. second argument shaped like a function identifier (`isFunctionIdentifier`: letters, digits, `-`, `_`,
 *    optionally an ARN prefix and a qualifier): the named form; otherwise the unnamed form, with the string as
 *    the input.
 *
 * **Gotchas**: `invoke("my-fn", "hello")` is read as a call named `"my-fn"` of function `"hello"` (both are
 * valid function names). To send a word-like string input, say so: `invoke(undefined, "my-fn", "hello")`, or
 * use the Effect API's `Invoke.run({ functionName, payload })`.
 *
 * @since 0.1.0
 */
export const parseArguments = (args: ReadonlyArray<unknown>): InvokeArguments => {
  const named = (): InvokeArguments => ({
    name: args[0] as string | undefined,
    functionName: args[1] as string,
    input: args[2],
    config: args[3] as InvokeConfig | undefined
  })
  const unnamed = (): InvokeArguments => ({
    name: undefined,
    functionName: args[0] as string,
    input: args[1],
    config: args[2] as InvokeConfig | undefined
  })
  if (args[0] === undefined) return named()
  if (args.length >= 4) return named()
  if (typeof args[1] !== "string") return unnamed()
  if (typeof args[0] === "string" && args[0].startsWith("arn:")) return unnamed()
  return isFunctionIdentifier(args[1]) ? named() : unnamed()
}

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
    const alloc = Ctx.allocate(state, "CHAINED_INVOKE", OperationSubType.CHAINED_INVOKE, request.name, "invoke")
    return yield* execute<I, O>(alloc, request.functionName, request.payload, request, { awaited: true })
  })

/** Alias of `run`, with the official name. @since 0.1.0 */
export const invoke = run
