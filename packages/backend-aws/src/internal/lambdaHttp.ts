/**
 * The two durable-execution calls sent as signed HTTP requests, without the AWS SDK: the request bytes the
 * SDK would send (`RestProtocol` pins them), SigV4 signing by `aws4fetch` (a small, well-kept signer over Web
 * Crypto), and the SDK's response parsing: JSON members as they are, epoch-second `*Timestamp` members as
 * `Date`s, and errors carrying the SDK's `name` / `$fault` / `$metadata` so `classifyError` reads them alike.
 *
 * Why not `@aws-sdk/client-lambda`: a bundled handler carries ≈ 525 KiB of AWS SDK (credential chain, Smithy
 * runtime, endpoint rules) for two calls, and its first invocation pays for initialising it. Where the SDK
 * is wanted for its credentials, region, endpoint rules or HTTP handler, `clientTarget` takes them from a
 * `LambdaClient`'s resolved configuration.
 */
import type {
  CheckpointDurableExecutionCommandInput,
  CheckpointDurableExecutionCommandOutput,
  GetDurableExecutionStateCommandInput,
  GetDurableExecutionStateCommandOutput
} from "@aws-sdk/client-lambda"
import { AwsV4Signer } from "aws4fetch"
import * as RestProtocol from "../RestProtocol.ts"

/** Static AWS credentials, as the SigV4 signer needs them. */
export interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string | undefined
}

/** A signed request, ready to send. `path` is already encoded; `query` values are raw. */
export interface SignedRequest {
  readonly url: URL
  readonly method: "GET" | "POST"
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | undefined
}

/** A received response, its body read as UTF-8 text. Header names are lower case. */
export interface ReceivedResponse {
  readonly statusCode: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: string
}

/** Where and how the calls are sent: credentials, region, endpoint and an HTTP exchange. */
export interface HttpTarget {
  readonly credentials: () => Promise<Credentials>
  readonly region: () => Promise<string>
  /** The service endpoint (scheme, host, port and an optional base path). */
  readonly endpoint: () => Promise<URL>
  readonly send: (request: SignedRequest, signal: AbortSignal) => Promise<ReceivedResponse>
}

/**
 * An error response, shaped as the AWS SDK's `LambdaServiceException`: `name` is the error code
 * (`x-amzn-errortype`, else the body's `__type` / `code`), `$fault` is `client` for 4xx and `server`
 * otherwise, and `$metadata` carries the HTTP status and request id.
 */
export class LambdaServiceError extends Error {
  readonly $fault: "client" | "server"
  readonly $metadata: { readonly httpStatusCode: number; readonly requestId?: string | undefined }
  constructor(name: string, message: string, statusCode: number, requestId: string | undefined) {
    super(message)
    this.name = name
    this.$fault = statusCode >= 400 && statusCode < 500 ? "client" : "server"
    this.$metadata = { httpStatusCode: statusCode, ...(requestId === undefined ? {} : { requestId }) }
  }
}

const sanitizeCode = (raw: string): string => {
  const colon = raw.indexOf(":")
  const withoutSuffix = colon === -1 ? raw : raw.slice(0, colon)
  const hash = withoutSuffix.lastIndexOf("#")
  return (hash === -1 ? withoutSuffix : withoutSuffix.slice(hash + 1)).trim()
}

const encoder = new TextEncoder()

const parseJson = (body: string): unknown => (body.trim().length === 0 ? {} : JSON.parse(body))

/** Epoch-second numbers at `*Timestamp` members become `Date`s, at any depth (what the SDK delivers). */
const withDates = (value: unknown, key?: string): unknown => {
  if (typeof value === "number" && key !== undefined && key.endsWith("Timestamp")) return new Date(value * 1000)
  if (Array.isArray(value)) return value.map((item) => withDates(item))
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [member, inner] of Object.entries(value)) out[member] = withDates(inner, member)
    return out
  }
  return value
}

const errorFrom = (response: ReceivedResponse, requestId: string | undefined): LambdaServiceError => {
  let body: Record<string, unknown> = {}
  try {
    const parsed = parseJson(response.body)
    if (typeof parsed === "object" && parsed !== null) body = parsed as Record<string, unknown>
  } catch {
    // An unparseable error body still yields an error named by its header (or "Unknown").
  }
  const header = response.headers[RestProtocol.errorTypeHeader]
  const rawCode = header ?? (typeof body.__type === "string" ? body.__type : undefined) ?? body.code
  const code = typeof rawCode === "string" && rawCode.length > 0 ? sanitizeCode(rawCode) : "Unknown"
  const rawMessage = body.message ?? body.Message
  const message = typeof rawMessage === "string" ? rawMessage : code
  return new LambdaServiceError(code, message, response.statusCode, requestId)
}

const call = async <A>(
  target: HttpTarget,
  method: "GET" | "POST",
  path: string,
  query: Readonly<Record<string, string>>,
  body: string | undefined,
  signal: AbortSignal
): Promise<A & { $metadata: { httpStatusCode: number; requestId?: string } }> => {
  const [credentials, region, endpoint] = await Promise.all([target.credentials(), target.region(), target.endpoint()])
  const basePath = endpoint.pathname === "/" ? "" : endpoint.pathname.replace(/\/$/, "")
  const url = new URL(`${endpoint.protocol}//${endpoint.host}${basePath}${path}`)
  for (const [key, value] of Object.entries(query)) url.searchParams.append(key, value)
  const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" }
  const signed = await new AwsV4Signer({
    method,
    url: url.toString(),
    headers,
    ...(body === undefined ? {} : { body }),
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    ...(credentials.sessionToken === undefined ? {} : { sessionToken: credentials.sessionToken }),
    service: "lambda",
    region
  }).sign()
  const signedHeaders: Record<string, string> = {}
  signed.headers.forEach((value, name) => (signedHeaders[name] = value))
  if (body !== undefined) signedHeaders["content-length"] = String(encoder.encode(body).byteLength)
  const response = await target.send(
    { url, method, path: `${basePath}${path}`, query, headers: signedHeaders, body },
    signal
  )
  const requestId = response.headers[RestProtocol.requestIdHeader] ?? response.headers["x-amz-request-id"]
  if (response.statusCode < 200 || response.statusCode >= 300) throw errorFrom(response, requestId)
  const output = withDates(parseJson(response.body)) as A
  return {
    ...output,
    $metadata: { httpStatusCode: response.statusCode, ...(requestId === undefined ? {} : { requestId }) }
  }
}

/** The path label, required as the AWS SDK requires it (same message). */
const arnOf = (arn: string | undefined): string => {
  if (arn === undefined || arn.length === 0) {
    throw new Error("No value provided for input HTTP label: DurableExecutionArn.")
  }
  return arn
}

/** `CheckpointDurableExecution`: the body the SDK sends (`CheckpointToken`, `Updates`, `ClientToken`). */
export const checkpointDurableExecution = (
  target: HttpTarget,
  input: CheckpointDurableExecutionCommandInput,
  signal: AbortSignal
): Promise<CheckpointDurableExecutionCommandOutput> =>
  call(
    target,
    "POST",
    RestProtocol.checkpointPath(arnOf(input.DurableExecutionArn)),
    {},
    JSON.stringify({
      CheckpointToken: input.CheckpointToken,
      Updates: input.Updates,
      ClientToken: input.ClientToken ?? crypto.randomUUID()
    }),
    signal
  )

/** `GetDurableExecutionState`: `CheckpointToken`, `Marker`, `MaxItems` as query members, only those set. */
export const getDurableExecutionState = (
  target: HttpTarget,
  input: GetDurableExecutionStateCommandInput,
  signal: AbortSignal
): Promise<GetDurableExecutionStateCommandOutput> => {
  const query: Record<string, string> = {}
  if (input.CheckpointToken !== undefined) query.CheckpointToken = input.CheckpointToken
  if (input.Marker !== undefined) query.Marker = input.Marker
  if (input.MaxItems !== undefined) query.MaxItems = String(input.MaxItems)
  return call(target, "GET", RestProtocol.statePath(arnOf(input.DurableExecutionArn)), query, undefined, signal)
}
