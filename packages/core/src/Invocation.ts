/**
 * The invocation contract between the Lambda durable-execution service and a handler: the event the service
 * sends, and the output the handler returns.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { declare } from "./internal/lazySchema.ts"
import * as WireDecode from "./internal/wireDecode.ts"
import { ErrorObject, Operation } from "./Operation.ts"

/**
 * One page of execution state: operations in start order plus the marker of the next page (`""` or absent
 * when this is the last page).
 *
 * @since 0.1.0
 */
export const ExecutionStatePage = /* @__PURE__ */ declare(() =>
  Schema.Struct({
    Operations: Schema.optional(Schema.Array(Operation)),
    NextMarker: Schema.optional(Schema.String)
  })
)
/** @since 0.1.0 */
export type ExecutionStatePage = typeof ExecutionStatePage.Type

/**
 * The event Lambda passes to a durable handler. Unknown extra fields (for example `LocalRunner`) are ignored.
 *
 * **Gotchas**: `DurableExecutionArn` and `CheckpointToken` must be non-empty; an event without them means
 * the function was invoked without durability configured.
 *
 * @since 0.1.0
 */
export const InvocationInput = /* @__PURE__ */ declare(() =>
  Schema.Struct({
    DurableExecutionArn: Schema.NonEmptyString,
    CheckpointToken: Schema.NonEmptyString,
    UpdatedOperationIds: Schema.optional(Schema.Array(Schema.String)),
    InitialExecutionState: Schema.optional(ExecutionStatePage)
  })
)
/** @since 0.1.0 */
export type InvocationInput = typeof InvocationInput.Type
/** The event as it travels on the wire (timestamps as strings or numbers). @since 0.1.0 */
export type InvocationInputEncoded = typeof InvocationInput.Encoded

/** @since 0.1.0 */
export const InvocationStatus = /* @__PURE__ */ declare(() => Schema.Literals(["SUCCEEDED", "FAILED", "PENDING"]))
/** @since 0.1.0 */
export type InvocationStatus = typeof InvocationStatus.Type

/**
 * What the handler returns to the service: `SUCCEEDED` with the JSON result (omitted for `undefined`),
 * `FAILED` with an `ErrorObject`, or `PENDING` when the execution suspended.
 *
 * @since 0.1.0
 */
export const InvocationOutput = /* @__PURE__ */ declare(() =>
  Schema.Union([
    Schema.Struct({ Status: Schema.Literal("SUCCEEDED"), Result: Schema.optionalKey(Schema.String) }),
    Schema.Struct({ Status: Schema.Literal("FAILED"), Error: Schema.optionalKey(ErrorObject) }),
    Schema.Struct({ Status: Schema.Literal("PENDING") })
  ])
)
/** @since 0.1.0 */
export type InvocationOutput = typeof InvocationOutput.Type

/**
 * Why a value is not a valid invocation event or state page: `path` names the offending field (for example
 * `InitialExecutionState.Operations[0].Status`) and `message` says what was expected and what was found.
 *
 * @since 0.1.0
 */
export type WireDecodeError = WireDecode.WireDecodeError
/** @since 0.1.0 */
export const WireDecodeError = WireDecode.WireDecodeError

const decodeWith =
  <A>(decode: (u: unknown) => A) =>
  (u: unknown): Result.Result<A, WireDecodeError> => {
    try {
      return Result.succeed(decode(u))
    } catch (error) {
      if (error instanceof WireDecode.WireDecodeError) return Result.fail(error)
      throw error
    }
  }

/**
 * Decodes an invocation event as the `InvocationInput` schema does (timestamps to `Date`, unknown fields
 * dropped), without loading `effect/Schema`: the engine's own decoder, used on every invocation.
 *
 * **Gotchas**: an empty `DurableExecutionArn` or `CheckpointToken` is rejected (the function was invoked
 * without durability configured).
 *
 * @since 0.1.0
 */
export const decodeInvocationInput: (u: unknown) => Result.Result<InvocationInput, WireDecodeError> =
  /* @__PURE__ */ decodeWith(WireDecode.invocationInput)

/**
 * Decodes one page of execution state (a `GetDurableExecutionState` response or a checkpoint response's
 * `NewExecutionState`) as the `ExecutionStatePage` schema does, without loading `effect/Schema`.
 *
 * @since 0.1.0
 */
export const decodeExecutionStatePage: (u: unknown) => Result.Result<ExecutionStatePage, WireDecodeError> =
  /* @__PURE__ */ decodeWith((u) => WireDecode.executionStatePage(u))
