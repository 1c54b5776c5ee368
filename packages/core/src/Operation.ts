/**
 * Schema models of the durable-execution wire data, with the service's exact field names and enum strings
 * (as in the Lambda API reference): operations as the service returns them, and the updates the SDK sends.
 *
 * The engine itself decodes this data with a hand-written decoder of the same shapes
 * (`Invocation.decodeInvocationInput` / `decodeExecutionStatePage`), so a deployed handler that does not use
 * these schemas does not bundle `effect/Schema`; every schema here is declared `@__PURE__` for that reason.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import { declare } from "./internal/lazySchema.ts"

/**
 * A timestamp as it may arrive: a `Date` (AWS SDK deserializer), an ISO-8601 string or epoch milliseconds
 * (raw invocation events). Decodes to a `Date`; encodes to an ISO string.
 *
 * **Gotchas**: an unparseable string fails decoding rather than producing an `Invalid Date`.
 *
 * @since 0.1.0
 */
export const Timestamp = /* @__PURE__ */ declare(() =>
  Schema.declare(
    (u: unknown): u is Date | string | number =>
      u instanceof Date || typeof u === "string" || (typeof u === "number" && Number.isFinite(u)),
    { expected: "a Date, an ISO-8601 string or epoch milliseconds" }
  ).pipe(
    Schema.decodeTo(Schema.Date, {
      decode: SchemaGetter.Date(),
      encode: SchemaGetter.transform((date: Date) => date.toISOString())
    })
  )
)

/** @since 0.1.0 */
export const OperationType = /* @__PURE__ */ declare(() =>
  Schema.Literals(["EXECUTION", "CONTEXT", "STEP", "WAIT", "CALLBACK", "CHAINED_INVOKE"])
)
/** @since 0.1.0 */
export type OperationType = typeof OperationType.Type

/** @since 0.1.0 */
export const OperationStatus = /* @__PURE__ */ declare(() =>
  Schema.Literals(["STARTED", "PENDING", "READY", "SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT", "STOPPED"])
)
/** @since 0.1.0 */
export type OperationStatus = typeof OperationStatus.Type

/** @since 0.1.0 */
export const OperationAction = /* @__PURE__ */ declare(() =>
  Schema.Literals(["START", "SUCCEED", "FAIL", "RETRY", "CANCEL"])
)
/** @since 0.1.0 */
export type OperationAction = typeof OperationAction.Type

/**
 * The 11 SubType strings the SDKs write. `SubType` on the wire is a free string (users may pick their own for
 * child contexts), so schemas accept any string; these constants are the ones the SDK itself emits.
 *
 * @since 0.1.0
 */
export const OperationSubType = {
  STEP: "Step",
  WAIT: "Wait",
  CALLBACK: "Callback",
  RUN_IN_CHILD_CONTEXT: "RunInChildContext",
  MAP: "Map",
  MAP_ITERATION: "MapIteration",
  PARALLEL: "Parallel",
  PARALLEL_BRANCH: "ParallelBranch",
  WAIT_FOR_CALLBACK: "WaitForCallback",
  WAIT_FOR_CONDITION: "WaitForCondition",
  CHAINED_INVOKE: "ChainedInvoke"
} as const
/** @since 0.1.0 */
export type OperationSubType = (typeof OperationSubType)[keyof typeof OperationSubType]

/**
 * The service's error shape, stored on failed operations and returned in a FAILED invocation output.
 *
 * @since 0.1.0
 */
export const ErrorObject = /* @__PURE__ */ declare(() =>
  Schema.Struct({
    ErrorType: Schema.optional(Schema.String),
    ErrorMessage: Schema.optional(Schema.String),
    ErrorData: Schema.optional(Schema.String),
    StackTrace: Schema.optional(Schema.Array(Schema.String))
  })
)
/** @since 0.1.0 */
export type ErrorObject = typeof ErrorObject.Type

/** Optional, also accepting an explicit `undefined` (AWS SDK objects carry absent members as `undefined`). */
const opt = <S extends Schema.Top>(schema: S) => Schema.optional(schema)

/** @since 0.1.0 */
export const ExecutionDetails = /* @__PURE__ */ declare(() => Schema.Struct({ InputPayload: opt(Schema.String) }))
/** @since 0.1.0 */
export const ContextDetails = /* @__PURE__ */ declare(() =>
  Schema.Struct({
    ReplayChildren: opt(Schema.Boolean),
    Result: opt(Schema.String),
    Error: opt(ErrorObject)
  })
)
/** @since 0.1.0 */
export const StepDetails = /* @__PURE__ */ declare(() =>
  Schema.Struct({
    Attempt: opt(Schema.Number),
    NextAttemptTimestamp: opt(Timestamp),
    Result: opt(Schema.String),
    Error: opt(ErrorObject)
  })
)
/** @since 0.1.0 */
export const WaitDetails = /* @__PURE__ */ declare(() => Schema.Struct({ ScheduledEndTimestamp: opt(Timestamp) }))
/** @since 0.1.0 */
export const CallbackDetails = /* @__PURE__ */ declare(() =>
  Schema.Struct({
    CallbackId: opt(Schema.String),
    Result: opt(Schema.String),
    Error: opt(ErrorObject)
  })
)
/** @since 0.1.0 */
export const ChainedInvokeDetails = /* @__PURE__ */ declare(() =>
  Schema.Struct({ Result: opt(Schema.String), Error: opt(ErrorObject) })
)

/**
 * One operation as returned by `GetDurableExecutionState`, in the invocation event, and in a checkpoint
 * response's `NewExecutionState`. Unknown fields are ignored.
 *
 * @since 0.1.0
 */
export const Operation = /* @__PURE__ */ declare(() =>
  Schema.Struct({
    Id: Schema.String,
    ParentId: opt(Schema.String),
    Name: opt(Schema.String),
    Type: OperationType,
    SubType: opt(Schema.String),
    StartTimestamp: opt(Timestamp),
    EndTimestamp: opt(Timestamp),
    Status: OperationStatus,
    ExecutionDetails: opt(ExecutionDetails),
    ContextDetails: opt(ContextDetails),
    StepDetails: opt(StepDetails),
    WaitDetails: opt(WaitDetails),
    CallbackDetails: opt(CallbackDetails),
    ChainedInvokeDetails: opt(ChainedInvokeDetails)
  })
)
/** @since 0.1.0 */
export type Operation = typeof Operation.Type

/**
 * One update sent in `CheckpointDurableExecution.Updates`. The engine always repeats `Id`, `ParentId`, `Name`,
 * `Type` and `SubType` on every update of an operation, as the service's consistency validation requires.
 *
 * @since 0.1.0
 */
export const OperationUpdate = /* @__PURE__ */ declare(() =>
  Schema.Struct({
    Id: Schema.String,
    ParentId: Schema.optionalKey(Schema.String),
    Name: Schema.optionalKey(Schema.String),
    Type: OperationType,
    SubType: Schema.optionalKey(Schema.String),
    Action: OperationAction,
    Payload: Schema.optionalKey(Schema.String),
    Error: Schema.optionalKey(ErrorObject),
    ContextOptions: Schema.optionalKey(Schema.Struct({ ReplayChildren: Schema.optionalKey(Schema.Boolean) })),
    StepOptions: Schema.optionalKey(Schema.Struct({ NextAttemptDelaySeconds: Schema.optionalKey(Schema.Number) })),
    WaitOptions: Schema.optionalKey(Schema.Struct({ WaitSeconds: Schema.optionalKey(Schema.Number) })),
    CallbackOptions: Schema.optionalKey(
      Schema.Struct({
        TimeoutSeconds: Schema.optionalKey(Schema.Number),
        HeartbeatTimeoutSeconds: Schema.optionalKey(Schema.Number)
      })
    ),
    ChainedInvokeOptions: Schema.optionalKey(
      Schema.Struct({
        FunctionName: Schema.String,
        TenantId: Schema.optionalKey(Schema.String),
        XAmznTraceId: Schema.optionalKey(Schema.String)
      })
    )
  })
)
/** @since 0.1.0 */
export type OperationUpdate = typeof OperationUpdate.Type

/** Statuses after which an operation never changes again. @since 0.1.0 */
export const isTerminal = (status: OperationStatus): boolean =>
  status === "SUCCEEDED" ||
  status === "FAILED" ||
  status === "CANCELLED" ||
  status === "TIMED_OUT" ||
  status === "STOPPED"
