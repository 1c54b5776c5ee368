/**
 * The Lambda REST (restJson1) wire protocol of the two durable-execution calls, as `@aws-sdk/client-lambda`
 * 3.1162.0 speaks it: route patterns, path/query encoding, request body shape, success bodies and error
 * responses the SDK parses. Pure: no `node:*` imports, so any HTTP server (the in-test one here, the loopback
 * endpoint in `@durable-lambda/testing`) can use it.
 *
 * Findings, verified by sending the real `LambdaClient` to a `node:http` server on loopback
 * (`test/RestProtocol.test.ts` and `test/AwsBackend.test.ts` keep them true):
 *
 * **Requests**
 * - `CheckpointDurableExecution`: `POST /2025-12-01/durable-executions/{DurableExecutionArn}/checkpoint`,
 *   `content-type: application/json`, body `{"CheckpointToken","Updates":[...],"ClientToken"}` with the Smithy
 *   member names (`Id`, `ParentId`, `Type`, `Action`, `SubType`, `Payload`, `Error`, `*Options`). The ARN is
 *   NOT repeated in the body. When `ClientToken` is omitted by the caller the SDK fills in a random UUID.
 *   `Updates: []` is sent as an empty array.
 * - `GetDurableExecutionState`: `GET /2025-12-01/durable-executions/{DurableExecutionArn}/state` with query
 *   `CheckpointToken`, `Marker`, `MaxItems` (only the ones set, in that order), no body.
 * - The `{DurableExecutionArn}` label is one path segment, encoded like `encodeURIComponent` plus `!'()*`:
 *   `:` → `%3A`, `/` → `%2F`, `$` → `%24`, space → `%20`, `?` → `%3F`, `#` → `%23`. Split the path on `/`
 *   first, then decode the label. Query values use the same encoding (`+` → `%2B`, `=` → `%3D`, `/` → `%2F`,
 *   space → `%20`), so `URLSearchParams` decodes them correctly.
 * - Headers: SigV4 (`authorization: AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/lambda/aws4_request`,
 *   `x-amz-date`, `x-amz-content-sha256`), `amz-sdk-invocation-id` (a UUID per `send`),
 *   `amz-sdk-request: attempt=<n>; max=<m>`, `user-agent` / `x-amz-user-agent` (`aws-sdk-js/...`). A loopback
 *   endpoint may ignore all of them.
 *
 * **Success responses**
 * - Status 200 and a JSON body. Unknown members are ignored; absent members stay absent in the parsed output
 *   (no `undefined`-valued keys).
 * - **Timestamps must be epoch seconds (JSON numbers, fractions allowed).** An ISO-8601 string makes the
 *   SDK throw `TypeError: Expected real number, got implicit NaN` (a deserialization error with
 *   `$metadata.httpStatusCode: 200`). The SDK turns them into `Date`s. {@link toWireJson} does the conversion.
 *
 * **Error responses**
 * - The SDK takes the error code from the `x-amzn-errortype` header (anything after a `:` is dropped), else
 *   from a `__type` or `code` body member. A body `Type` member is NOT a code: Lambda models it as the fault
 *   category (`"User"` / `"Service"`), and a response carrying only `{"Type":"InvalidParameterValueException"}`
 *   surfaces as a `LambdaServiceException` named `"Unknown"` (the Python emulator's mistake, emulator.md §8).
 * - The message comes from body `message` or `Message`; the error's `$metadata.httpStatusCode` is the HTTP
 *   status; `$fault` is `"client"` for 4xx and `"server"` for 5xx; modeled codes get their class
 *   (`InvalidParameterValueException`, `TooManyRequestsException`, `ServiceException`, `ResourceNotFoundException`,
 *   `KMS*Exception`), unmodeled codes (e.g. `RequestEntityTooLargeException`, which Lambda models only for
 *   `Invoke`) a `LambdaServiceException` whose `name` is the code.
 * - A non-JSON error body (an HTML 502 from a proxy) surfaces as a `SyntaxError` that still carries
 *   `$metadata.httpStatusCode`; an empty 5xx body as `LambdaServiceException` named `"Unknown"`.
 * - A refused connection surfaces as a plain `Error` (`code: "ECONNREFUSED"`) with `$metadata` but no status.
 *
 * @since 0.1.0
 */
import { Invocation, Operation } from "@durable-lambda/core"
import { Schema } from "effect"

/** The API version prefix of every durable-execution route. @since 0.1.0 */
export const apiVersion = "2025-12-01"

/** @since 0.1.0 */
export interface RouteDefinition {
  readonly operation: "CheckpointDurableExecution" | "GetDurableExecutionState"
  readonly method: "POST" | "GET"
  /** The route as the Smithy model spells it, with its `{DurableExecutionArn}` label. */
  readonly pattern: string
  /** The fixed last path segment after the ARN label. */
  readonly suffix: "checkpoint" | "state"
  readonly successStatus: 200
}

/** `POST /2025-12-01/durable-executions/{DurableExecutionArn}/checkpoint`. @since 0.1.0 */
export const checkpointRoute: RouteDefinition = {
  operation: "CheckpointDurableExecution",
  method: "POST",
  pattern: `/${apiVersion}/durable-executions/{DurableExecutionArn}/checkpoint`,
  suffix: "checkpoint",
  successStatus: 200
}

/** `GET /2025-12-01/durable-executions/{DurableExecutionArn}/state?CheckpointToken&Marker&MaxItems`. @since 0.1.0 */
export const getStateRoute: RouteDefinition = {
  operation: "GetDurableExecutionState",
  method: "GET",
  pattern: `/${apiVersion}/durable-executions/{DurableExecutionArn}/state`,
  suffix: "state",
  successStatus: 200
}

/**
 * Encodes a path label or query value as the AWS SDK does (`encodeURIComponent`, plus `!'()*`).
 *
 * @since 0.1.0
 */
export const encodeLabel = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** The exact path the SDK requests for a checkpoint of `durableExecutionArn`. @since 0.1.0 */
export const checkpointPath = (durableExecutionArn: string): string =>
  `/${apiVersion}/durable-executions/${encodeLabel(durableExecutionArn)}/checkpoint`

/** The exact path (without query) the SDK requests for the state of `durableExecutionArn`. @since 0.1.0 */
export const statePath = (durableExecutionArn: string): string =>
  `/${apiVersion}/durable-executions/${encodeLabel(durableExecutionArn)}/state`

/**
 * A request matched to one of the two routes. Query members of `GetDurableExecutionState` are `undefined`
 * when absent; `maxItems` is `NaN` when present but not a number (reject it with
 * `InvalidParameterValueException`).
 *
 * @since 0.1.0
 */
export type RouteMatch =
  | { readonly operation: "CheckpointDurableExecution"; readonly durableExecutionArn: string }
  | {
      readonly operation: "GetDurableExecutionState"
      readonly durableExecutionArn: string
      readonly checkpointToken: string | undefined
      readonly marker: string | undefined
      readonly maxItems: number | undefined
    }

/**
 * Matches a raw request line (`method`, and the URL as the server received it, path plus query) against the
 * two durable-execution routes. Returns `undefined` for any other route or method, or a label that is not
 * valid percent-encoding.
 *
 * @since 0.1.0
 */
export const matchRoute = (method: string, url: string): RouteMatch | undefined => {
  const queryAt = url.indexOf("?")
  const path = queryAt === -1 ? url : url.slice(0, queryAt)
  const query = queryAt === -1 ? "" : url.slice(queryAt + 1)
  const segments = path.split("/")
  if (segments.length !== 5 || segments[0] !== "" || segments[1] !== apiVersion) return undefined
  if (segments[2] !== "durable-executions") return undefined
  const label = segments[3]
  if (label === undefined || label === "") return undefined
  let durableExecutionArn: string
  try {
    durableExecutionArn = decodeURIComponent(label)
  } catch {
    return undefined
  }
  const upper = method.toUpperCase()
  if (segments[4] === checkpointRoute.suffix && upper === checkpointRoute.method) {
    return { operation: "CheckpointDurableExecution", durableExecutionArn }
  }
  if (segments[4] === getStateRoute.suffix && upper === getStateRoute.method) {
    const params = new URLSearchParams(query)
    const maxItems = params.get("MaxItems")
    return {
      operation: "GetDurableExecutionState",
      durableExecutionArn,
      checkpointToken: params.get("CheckpointToken") ?? undefined,
      marker: params.get("Marker") ?? undefined,
      maxItems: maxItems === null ? undefined : /^\d+$/.test(maxItems) ? Number(maxItems) : Number.NaN
    }
  }
  return undefined
}

/**
 * The JSON body of a `CheckpointDurableExecution` request (the ARN travels in the path). Decode with
 * `Schema.decodeUnknownEffect(CheckpointRequestBody)` after `JSON.parse`.
 *
 * @since 0.1.0
 */
export const CheckpointRequestBody = Schema.Struct({
  CheckpointToken: Schema.String,
  Updates: Schema.optionalKey(Schema.Array(Operation.OperationUpdate)),
  ClientToken: Schema.optionalKey(Schema.String)
})
/** @since 0.1.0 */
export type CheckpointRequestBody = typeof CheckpointRequestBody.Type

/**
 * The JSON body of a successful `CheckpointDurableExecution` response, before timestamp conversion
 * ({@link renderJson} converts `Date`s).
 *
 * @since 0.1.0
 */
export interface CheckpointResponseBody {
  readonly CheckpointToken: string
  readonly NewExecutionState?: Invocation.ExecutionStatePage
}

/** The fault category Lambda puts in an error body's `Type` member. @since 0.1.0 */
export type ErrorFault = "User" | "Service"

/**
 * HTTP statuses of the error codes the two calls can return. Unknown codes default to 400 (client) in
 * {@link renderError}.
 *
 * @since 0.1.0
 */
export const errorStatusCodes: Readonly<Record<string, number>> = {
  InvalidParameterValueException: 400,
  ResourceNotFoundException: 404,
  RequestEntityTooLargeException: 413,
  TooManyRequestsException: 429,
  ServiceException: 500,
  KMSAccessDeniedException: 502,
  KMSDisabledException: 502,
  KMSInvalidStateException: 502,
  KMSNotFoundException: 502
}

/** A rendered HTTP response: write `status`, `headers` and `body` as they are. @since 0.1.0 */
export interface HttpResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** The header the AWS SDK reads the error code from. @since 0.1.0 */
export const errorTypeHeader = "x-amzn-errortype"

/** The header the AWS SDK reads `$metadata.requestId` from. @since 0.1.0 */
export const requestIdHeader = "x-amzn-requestid"

/**
 * Converts a value to its wire JSON form: every `Date` (at any depth) becomes epoch seconds, the only
 * timestamp form the SDK's deserializer accepts; `undefined` members are dropped.
 *
 * @since 0.1.0
 */
export const toWireJson = (value: unknown): unknown => {
  if (value instanceof Date) return value.getTime() / 1000
  if (Array.isArray(value)) return value.map(toWireJson)
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [key, member] of Object.entries(value)) {
      if (member !== undefined) out[key] = toWireJson(member)
    }
    return out
  }
  return value
}

const headersFor = (requestId: string | undefined): Record<string, string> =>
  requestId === undefined
    ? { "content-type": "application/json" }
    : { "content-type": "application/json", [requestIdHeader]: requestId }

/**
 * Renders a success response: `body` as JSON with `Date`s as epoch seconds ({@link toWireJson}).
 *
 * @since 0.1.0
 */
export const renderJson = (
  body: unknown,
  options?: { readonly status?: number; readonly requestId?: string }
): HttpResponse => ({
  status: options?.status ?? 200,
  headers: headersFor(options?.requestId),
  body: JSON.stringify(toWireJson(body))
})

/**
 * Renders an AWS-style error response the SDK parses into the modeled exception: the status (from
 * {@link errorStatusCodes} unless given), `x-amzn-errortype: <errorType>`, and the body
 * `{"Type": "User" | "Service", "message": <message>}` (Lambda's shape; `Type` is the fault category).
 *
 * **Example**
 *
 * ```ts
 * renderError({ errorType: "InvalidParameterValueException", message: "Invalid Checkpoint Token: consumed" })
 * // { status: 400, headers: { "content-type": "application/json", "x-amzn-errortype": "InvalidParameterValueException" }, body: ... }
 * ```
 *
 * @since 0.1.0
 */
export const renderError = (options: {
  readonly errorType: string
  readonly message: string
  readonly status?: number
  readonly requestId?: string
  /** Extra body members, e.g. `retryAfterSeconds` / `Reason` for `TooManyRequestsException`. */
  readonly fields?: Readonly<Record<string, unknown>>
}): HttpResponse => {
  const status = options.status ?? errorStatusCodes[options.errorType] ?? 400
  const fault: ErrorFault = status >= 500 ? "Service" : "User"
  return {
    status,
    headers: { ...headersFor(options.requestId), [errorTypeHeader]: options.errorType },
    body: JSON.stringify({ ...options.fields, Type: fault, message: options.message })
  }
}
