/**
 * Wire-format helpers of the loopback endpoint: request-body decoding (lenient, so the service's own
 * validation messages stay reachable) and the JSON form of the invocation event.
 *
 * @internal
 */
import type { Operation } from "@durable-lambda/core"
import type { ServiceState } from "@durable-lambda/backend-mock"
import { Cause, type Exit, Schema } from "effect"

/** A request body that could not be used, with the service's error code and message. */
export class BodyError {
  readonly _tag = "BodyError"
  readonly errorType: string
  readonly message: string
  constructor(errorType: string, message: string) {
    this.errorType = errorType
    this.message = message
  }
}

const optional = <S extends Schema.Top>(schema: S) => Schema.optionalKey(schema)

/** `ErrorObject` with every member optional, as it may arrive. */
export const WireErrorObject = Schema.Struct({
  ErrorMessage: optional(Schema.String),
  ErrorType: optional(Schema.String),
  ErrorData: optional(Schema.String),
  StackTrace: optional(Schema.Array(Schema.String))
})

/** An `OperationUpdate` with JSON types checked and everything else left to the service's validation. */
const WireUpdate = Schema.Struct({
  Id: optional(Schema.String),
  ParentId: optional(Schema.String),
  Name: optional(Schema.String),
  Type: optional(Schema.String),
  SubType: optional(Schema.String),
  Action: optional(Schema.String),
  Payload: optional(Schema.String),
  Error: optional(WireErrorObject),
  ContextOptions: optional(Schema.Struct({ ReplayChildren: optional(Schema.Boolean) })),
  StepOptions: optional(Schema.Struct({ NextAttemptDelaySeconds: optional(Schema.Number) })),
  WaitOptions: optional(Schema.Struct({ WaitSeconds: optional(Schema.Number) })),
  CallbackOptions: optional(
    Schema.Struct({ TimeoutSeconds: optional(Schema.Number), HeartbeatTimeoutSeconds: optional(Schema.Number) })
  ),
  ChainedInvokeOptions: optional(
    Schema.Struct({
      FunctionName: optional(Schema.String),
      TenantId: optional(Schema.String),
      XAmznTraceId: optional(Schema.String)
    })
  )
})

/** The body of `CheckpointDurableExecution` as it may arrive. */
export const WireCheckpointBody = Schema.Struct({
  CheckpointToken: optional(Schema.String),
  Updates: optional(Schema.Array(WireUpdate)),
  ClientToken: optional(Schema.String)
})

/** Parses a JSON body; an empty body is `{}`. */
export const parseJson = (body: string): unknown => {
  if (body.trim() === "") return {}
  try {
    return JSON.parse(body) as unknown
  } catch (cause) {
    throw new BodyError(
      "InvalidRequestContentException",
      `Could not parse request body into json: ${cause instanceof Error ? cause.message : String(cause)}`
    )
  }
}

const decodeWith =
  <A>(decode: (u: unknown) => Exit.Exit<A, Schema.SchemaError>, what: string) =>
  (body: string): A => {
    const exit = decode(parseJson(body))
    if (exit._tag === "Success") return exit.value
    const error = Cause.squash(exit.cause)
    const detail = error instanceof Error ? error.message : String(error)
    throw new BodyError("InvalidRequestContentException", `Could not read the ${what} request body: ${detail}`)
  }

const decodeCheckpoint = decodeWith(Schema.decodeUnknownExit(WireCheckpointBody), "CheckpointDurableExecution")

/** Decodes a checkpoint body into the service's input shape. */
export const decodeCheckpointBody = (
  body: string
): {
  readonly checkpointToken: string
  readonly updates: ReadonlyArray<ServiceState.OperationUpdateInput>
  readonly clientToken: string | undefined
} => {
  const decoded = decodeCheckpoint(body)
  return {
    checkpointToken: decoded.CheckpointToken ?? "",
    updates: decoded.Updates ?? [],
    clientToken: decoded.ClientToken
  }
}

/** Decodes an `ErrorObject` body (stop, callback failure); `{}` or an empty body means "no error". */
export const decodeErrorObjectBody = (body: string, what: string): Operation.ErrorObject | undefined => {
  const decoded = decodeWith(Schema.decodeUnknownExit(WireErrorObject), what)(body)
  return Object.keys(decoded).length === 0 ? undefined : decoded
}

/**
 * The invocation event as Lambda delivers it: plain JSON with every timestamp as epoch milliseconds (the API
 * responses use seconds; the event does not).
 */
export const toEventJson = (value: unknown): unknown => {
  if (value instanceof Date) return value.getTime()
  if (Array.isArray(value)) return value.map(toEventJson)
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [key, member] of Object.entries(value)) {
      if (member !== undefined) out[key] = toEventJson(member)
    }
    return out
  }
  return value
}
