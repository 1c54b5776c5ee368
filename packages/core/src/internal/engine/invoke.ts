/**
 * The chained-invoke algorithm over an allocated id, and the reading of the async API's `invoke` overloads.
 * Engine-internal (not part of the package's public surface).
 */
import * as Effect from "effect/Effect"
import type { Allocation } from "./allocation.ts"
import {
  causeFromErrorObject,
  InvokeFailedError,
  InvokeStoppedError,
  InvokeTimedOutError,
  type PayloadTooLargeError
} from "../../Errors.ts"
import type { Operation } from "../../Operation.ts"
import { isTerminal } from "../../Operation.ts"
import type { AwaitHandle } from "../runtime.ts"
import { checkPayload } from "../payload.ts"
import * as Lifecycle from "../lifecycle.ts"
import * as SerdesRunner from "../serdesRunner.ts"
import { executionFailed } from "../termination.ts"
import * as Alloc from "./allocation.ts"
import { isFunctionIdentifier, type InvokeConfig, type InvokeFailure } from "../../Invoke.ts"

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
    yield* Alloc.admit(alloc)
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
          ...Alloc.baseUpdate(alloc),
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
    Alloc.afterReplay(alloc.state)
    return yield* SerdesRunner.deserialize<O>(alloc, config?.resultSerdes, record.ChainedInvokeDetails?.Result).pipe(
      Effect.catch((e) => runtime.terminate({ _tag: "InvocationFailed", error: e }))
    )
  })

/** The arguments of `context.invoke`, resolved. @internal */
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
 * @internal
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
