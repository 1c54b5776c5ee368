/**
 * The Lambda REST (restJson1) wire protocol of the two durable-execution calls, as `@aws-sdk/client-lambda`
 * 3.1162.0 speaks it: route patterns, path/query encoding, request body shape, success bodies and error
 * responses the SDK parses. Pure: no `node:*` imports, so any HTTP server (the in-test one here, the loopback
 * endpoint in `@durable-lambda/testing`) can use it. `apiRoutes` / `matchApiRoute` extend the routing to every
 * durable-execution operation (execution, history, stop, callbacks, listing), for the loopback endpoint.
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
import type * as Invocation from "@durable-lambda/core/Invocation"
import * as Operation from "@durable-lambda/core/Operation"
import * as Schema from "effect/Schema"

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
 * `Schema.decodeUnknownEffect(CheckpointRequestBody)` after `JSON.parse`. Declared `@__PURE__` so that a
 * bundle that does not use it (a deployed handler) does not include `effect/Schema`.
 *
 * @since 0.1.0
 */
export const CheckpointRequestBody = /* @__PURE__ */ (() =>
  Schema.Struct({
    CheckpointToken: Schema.String,
    Updates: Schema.optionalKey(Schema.Array(Operation.OperationUpdate)),
    ClientToken: Schema.optionalKey(Schema.String)
  }))()
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
  InvalidRequestContentException: 400,
  ValidationException: 400,
  CallbackTimeoutException: 400,
  ResourceNotFoundException: 404,
  ResourceConflictException: 409,
  RequestTooLargeException: 413,
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

// ---------------------------------------------------------------------------------------------------------------
// Every durable-execution route (the loopback endpoint serves all of them)
// ---------------------------------------------------------------------------------------------------------------

/**
 * Every Lambda durable-execution API operation with an HTTP route under `/2025-12-01/`.
 *
 * @since 0.1.0
 */
export type ApiOperation =
  | "CheckpointDurableExecution"
  | "GetDurableExecutionState"
  | "GetDurableExecution"
  | "GetDurableExecutionHistory"
  | "StopDurableExecution"
  | "SendDurableExecutionCallbackSuccess"
  | "SendDurableExecutionCallbackFailure"
  | "SendDurableExecutionCallbackHeartbeat"
  | "ListDurableExecutionsByFunction"

/**
 * The HTTP binding of one {@link ApiOperation}, as `@aws-sdk/client-lambda` 3.1162.0 declares it.
 *
 * @since 0.1.0
 */
export interface ApiRoute {
  readonly operation: ApiOperation
  readonly method: "GET" | "POST"
  /** The Smithy route with its `{Label}` segment. */
  readonly pattern: string
  /**
   * How the request body is bound: `"none"`, a JSON structure (`"json"`), an `ErrorObject` as the whole JSON
   * body (`"errorObject"`, `{}` when the caller gives none), or raw bytes (`"blob"`,
   * `content-type: application/octet-stream`, empty when the caller gives none).
   */
  readonly body: "none" | "json" | "errorObject" | "blob"
}

/**
 * The routes, verified by sending each command of the real client to a loopback server:
 *
 * | operation | method and path | query | body |
 * | --- | --- | --- | --- |
 * | `CheckpointDurableExecution` | `POST /2025-12-01/durable-executions/{DurableExecutionArn}/checkpoint` | — | JSON |
 * | `GetDurableExecutionState` | `GET /2025-12-01/durable-executions/{DurableExecutionArn}/state` | `CheckpointToken`, `Marker`, `MaxItems` | — |
 * | `GetDurableExecution` | `GET /2025-12-01/durable-executions/{DurableExecutionArn}` | `IncludeExecutionData` | — |
 * | `GetDurableExecutionHistory` | `GET /2025-12-01/durable-executions/{DurableExecutionArn}/history` | `IncludeExecutionData`, `Marker`, `MaxItems`, `ReverseOrder` | — |
 * | `StopDurableExecution` | `POST /2025-12-01/durable-executions/{DurableExecutionArn}/stop` | — | `ErrorObject` (`{}` when none) |
 * | `SendDurableExecutionCallbackSuccess` | `POST /2025-12-01/durable-execution-callbacks/{CallbackId}/succeed` | — | raw `Result` bytes |
 * | `SendDurableExecutionCallbackFailure` | `POST /2025-12-01/durable-execution-callbacks/{CallbackId}/fail` | — | `ErrorObject` (`{}` when none) |
 * | `SendDurableExecutionCallbackHeartbeat` | `POST /2025-12-01/durable-execution-callbacks/{CallbackId}/heartbeat` | — | — |
 * | `ListDurableExecutionsByFunction` | `GET /2025-12-01/functions/{FunctionName}/durable-executions` | `Qualifier`, `DurableExecutionName`, `Statuses` (repeated), `StartedAfter` / `StartedBefore` (ISO-8601), `ReverseOrder`, `Marker`, `MaxItems` | — |
 *
 * Every success status is 200. Booleans travel as `true` / `false`; the callback success and failure and the
 * heartbeat answer with an empty body; `StopDurableExecution` answers `{"StopTimestamp": <epoch seconds>}`.
 *
 * @since 0.1.0
 */
export const apiRoutes: ReadonlyArray<ApiRoute> = /* @__PURE__ */ (() => [
  // Declared pure: a handler's bundle needs none of this table, and bundlers keep a plain top-level array.
  {
    operation: "CheckpointDurableExecution",
    method: "POST",
    pattern: `/${apiVersion}/durable-executions/{DurableExecutionArn}/checkpoint`,
    body: "json"
  },
  {
    operation: "GetDurableExecutionState",
    method: "GET",
    pattern: `/${apiVersion}/durable-executions/{DurableExecutionArn}/state`,
    body: "none"
  },
  {
    operation: "GetDurableExecution",
    method: "GET",
    pattern: `/${apiVersion}/durable-executions/{DurableExecutionArn}`,
    body: "none"
  },
  {
    operation: "GetDurableExecutionHistory",
    method: "GET",
    pattern: `/${apiVersion}/durable-executions/{DurableExecutionArn}/history`,
    body: "none"
  },
  {
    operation: "StopDurableExecution",
    method: "POST",
    pattern: `/${apiVersion}/durable-executions/{DurableExecutionArn}/stop`,
    body: "errorObject"
  },
  {
    operation: "SendDurableExecutionCallbackSuccess",
    method: "POST",
    pattern: `/${apiVersion}/durable-execution-callbacks/{CallbackId}/succeed`,
    body: "blob"
  },
  {
    operation: "SendDurableExecutionCallbackFailure",
    method: "POST",
    pattern: `/${apiVersion}/durable-execution-callbacks/{CallbackId}/fail`,
    body: "errorObject"
  },
  {
    operation: "SendDurableExecutionCallbackHeartbeat",
    method: "POST",
    pattern: `/${apiVersion}/durable-execution-callbacks/{CallbackId}/heartbeat`,
    body: "none"
  },
  {
    operation: "ListDurableExecutionsByFunction",
    method: "GET",
    pattern: `/${apiVersion}/functions/{FunctionName}/durable-executions`,
    body: "none"
  }
])()

/** The path of `GetDurableExecution`. @since 0.1.0 */
export const executionPath = (durableExecutionArn: string): string =>
  `/${apiVersion}/durable-executions/${encodeLabel(durableExecutionArn)}`

/** The path of `GetDurableExecutionHistory` (without query). @since 0.1.0 */
export const historyPath = (durableExecutionArn: string): string => `${executionPath(durableExecutionArn)}/history`

/** The path of `StopDurableExecution`. @since 0.1.0 */
export const stopPath = (durableExecutionArn: string): string => `${executionPath(durableExecutionArn)}/stop`

/** The path of `SendDurableExecutionCallbackSuccess` / `Failure` / `Heartbeat`. @since 0.1.0 */
export const callbackPath = (callbackId: string, action: "succeed" | "fail" | "heartbeat"): string =>
  `/${apiVersion}/durable-execution-callbacks/${encodeLabel(callbackId)}/${action}`

/** The path of `ListDurableExecutionsByFunction` (without query). @since 0.1.0 */
export const functionExecutionsPath = (functionName: string): string =>
  `/${apiVersion}/functions/${encodeLabel(functionName)}/durable-executions`

/**
 * A request matched to one of the {@link apiRoutes}, with its labels decoded and its query members parsed.
 * A query member that is present but does not parse (`MaxItems=ten`, `ReverseOrder=maybe`, an invalid date) is
 * left out of the match and named in `invalidQuery`, so a server can reject it.
 *
 * @since 0.1.0
 */
export type ApiRouteMatch = { readonly invalidQuery: ReadonlyArray<string> } & (
  | { readonly operation: "CheckpointDurableExecution"; readonly durableExecutionArn: string }
  | {
      readonly operation: "GetDurableExecutionState"
      readonly durableExecutionArn: string
      readonly checkpointToken: string | undefined
      readonly marker: string | undefined
      readonly maxItems: number | undefined
    }
  | {
      readonly operation: "GetDurableExecution"
      readonly durableExecutionArn: string
      readonly includeExecutionData: boolean | undefined
    }
  | {
      readonly operation: "GetDurableExecutionHistory"
      readonly durableExecutionArn: string
      readonly includeExecutionData: boolean | undefined
      readonly marker: string | undefined
      readonly maxItems: number | undefined
      readonly reverseOrder: boolean | undefined
    }
  | { readonly operation: "StopDurableExecution"; readonly durableExecutionArn: string }
  | {
      readonly operation:
        | "SendDurableExecutionCallbackSuccess"
        | "SendDurableExecutionCallbackFailure"
        | "SendDurableExecutionCallbackHeartbeat"
      readonly callbackId: string
    }
  | {
      readonly operation: "ListDurableExecutionsByFunction"
      readonly functionName: string
      readonly qualifier: string | undefined
      readonly durableExecutionName: string | undefined
      readonly statuses: ReadonlyArray<string>
      readonly startedAfter: Date | undefined
      readonly startedBefore: Date | undefined
      readonly reverseOrder: boolean | undefined
      readonly marker: string | undefined
      readonly maxItems: number | undefined
    }
)

const splitUrl = (url: string): { readonly segments: ReadonlyArray<string>; readonly query: URLSearchParams } => {
  const queryAt = url.indexOf("?")
  const path = queryAt === -1 ? url : url.slice(0, queryAt)
  return { segments: path.split("/"), query: new URLSearchParams(queryAt === -1 ? "" : url.slice(queryAt + 1)) }
}

const decodeSegment = (segment: string | undefined): string | undefined => {
  if (segment === undefined || segment === "") return undefined
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

/** Matches the path (not the method) against one route pattern; returns the decoded label. */
const matchPattern = (route: ApiRoute, segments: ReadonlyArray<string>): string | undefined => {
  const expected = route.pattern.split("/")
  if (expected.length !== segments.length) return undefined
  let label: string | undefined
  for (let i = 0; i < expected.length; i++) {
    const part = expected[i]!
    if (part.startsWith("{")) {
      label = decodeSegment(segments[i])
      if (label === undefined) return undefined
    } else if (part !== segments[i]) {
      return undefined
    }
  }
  return label
}

/**
 * The methods the routes matching `url`'s path accept (empty when no route has that path). A server answers
 * a request whose path matches but whose method does not with 405 and these methods.
 *
 * @since 0.1.0
 */
export const allowedMethods = (url: string): ReadonlyArray<"GET" | "POST"> => {
  const { segments } = splitUrl(url)
  const methods = apiRoutes.filter((route) => matchPattern(route, segments) !== undefined).map((r) => r.method)
  return [...new Set(methods)]
}

class QueryReader {
  readonly invalid: Array<string> = []
  readonly params: URLSearchParams
  constructor(params: URLSearchParams) {
    this.params = params
  }
  string(name: string): string | undefined {
    return this.params.get(name) ?? undefined
  }
  int(name: string): number | undefined {
    const raw = this.params.get(name)
    if (raw === null) return undefined
    if (/^-?\d+$/.test(raw)) return Number(raw)
    this.invalid.push(name)
    return undefined
  }
  bool(name: string): boolean | undefined {
    const raw = this.params.get(name)
    if (raw === null) return undefined
    if (raw === "true" || raw === "false") return raw === "true"
    this.invalid.push(name)
    return undefined
  }
  date(name: string): Date | undefined {
    const raw = this.params.get(name)
    if (raw === null) return undefined
    const date = new Date(/^\d+(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : raw)
    if (!Number.isNaN(date.getTime())) return date
    this.invalid.push(name)
    return undefined
  }
}

/**
 * Matches a request (`method`, and the URL as received: path plus query) against every durable-execution
 * route ({@link apiRoutes}). Returns `undefined` for any other path, a method the path does not accept
 * (see {@link allowedMethods}), or a label that is not valid percent-encoding.
 *
 * **Example**
 *
 * ```ts
 * matchApiRoute("POST", callbackPath("Y2I=", "succeed"))
 * // { operation: "SendDurableExecutionCallbackSuccess", callbackId: "Y2I=", invalidQuery: [] }
 * ```
 *
 * @since 0.1.0
 */
export const matchApiRoute = (method: string, url: string): ApiRouteMatch | undefined => {
  const { query, segments } = splitUrl(url)
  const upper = method.toUpperCase()
  for (const route of apiRoutes) {
    if (route.method !== upper) continue
    const label = matchPattern(route, segments)
    if (label === undefined) continue
    const q = new QueryReader(query)
    const match = ((): ApiRouteMatch | undefined => {
      const invalidQuery = q.invalid
      switch (route.operation) {
        case "CheckpointDurableExecution":
        case "StopDurableExecution":
          return { operation: route.operation, durableExecutionArn: label, invalidQuery }
        case "GetDurableExecutionState":
          return {
            operation: route.operation,
            durableExecutionArn: label,
            checkpointToken: q.string("CheckpointToken"),
            marker: q.string("Marker"),
            maxItems: q.int("MaxItems"),
            invalidQuery
          }
        case "GetDurableExecution":
          return {
            operation: route.operation,
            durableExecutionArn: label,
            includeExecutionData: q.bool("IncludeExecutionData"),
            invalidQuery
          }
        case "GetDurableExecutionHistory":
          return {
            operation: route.operation,
            durableExecutionArn: label,
            includeExecutionData: q.bool("IncludeExecutionData"),
            marker: q.string("Marker"),
            maxItems: q.int("MaxItems"),
            reverseOrder: q.bool("ReverseOrder"),
            invalidQuery
          }
        case "SendDurableExecutionCallbackSuccess":
        case "SendDurableExecutionCallbackFailure":
        case "SendDurableExecutionCallbackHeartbeat":
          return { operation: route.operation, callbackId: label, invalidQuery }
        case "ListDurableExecutionsByFunction":
          return {
            operation: route.operation,
            functionName: label,
            qualifier: q.string("Qualifier"),
            durableExecutionName: q.string("DurableExecutionName"),
            statuses: query.getAll("Statuses"),
            startedAfter: q.date("StartedAfter"),
            startedBefore: q.date("StartedBefore"),
            reverseOrder: q.bool("ReverseOrder"),
            marker: q.string("Marker"),
            maxItems: q.int("MaxItems"),
            invalidQuery
          }
      }
    })()
    return match
  }
  return undefined
}
