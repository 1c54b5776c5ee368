/**
 * What keeps a web page from driving the endpoint, though it only listens on 127.0.0.1:
 *
 * - DNS rebinding: a page on `evil.example` whose name resolves to 127.0.0.1 sends `Host: evil.example`, so
 *   only a loopback name or address (`localhost`, `127.x.x.x`, `[::1]`) with the server's own port is served.
 * - CSRF: a browser names the page's origin in `Origin`; any origin other than the endpoint's own (a loopback
 *   name with its port, over http) is refused, `Origin: null` included.
 * - A cross-origin form or `fetch` needs no CORS preflight only with a "simple" content type (`text/plain`,
 *   form encodings), so every request that changes state must carry a content type the AWS SDK and CLI send
 *   and a page cannot send without a preflight (which the endpoint never grants): `application/json`, the
 *   AWS JSON types, or `application/octet-stream` (the SDK's type for `Invoke` and callback-result payloads).
 *   A request without a body and without a content type (the SDK's callback heartbeat) is accepted.
 *
 * @internal
 */
import { RestProtocol } from "@durable-lambda/backend-aws"
import type { IncomingRequest } from "./request.ts"

const JSON_TYPES: ReadonlySet<string> = new Set([
  "application/json",
  "application/x-amz-json-1.0",
  "application/x-amz-json-1.1",
  "application/octet-stream"
])

const header = (request: IncomingRequest, name: string): string | undefined => {
  const value = request.headers[name]
  return typeof value === "string" ? value : Array.isArray(value) ? value[0] : undefined
}

/** Whether `hostname` (no port; IPv6 in brackets) names the loopback interface. */
const isLoopbackName = (hostname: string): boolean => {
  const name = hostname.toLowerCase()
  if (name === "localhost" || name === "[::1]") return true
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) && name.split(".").every((part) => Number(part) <= 255)
}

/** Splits `host[:port]` (`[v6]:port` too); undefined when malformed. */
const splitHost = (value: string): { readonly hostname: string; readonly port: number | undefined } | undefined => {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value.trim())
  if (match === null) return undefined
  return { hostname: match[1]!, port: match[2] === undefined ? undefined : Number(match[2]) }
}

const deny = (message: string, requestId: string): RestProtocol.HttpResponse =>
  RestProtocol.renderError({ errorType: "AccessDeniedException", message, status: 403, requestId })

/**
 * Refuses a request a web page could have sent: a foreign `Host`, a cross-origin `Origin`, or a state-changing
 * request without a JSON content type. Returns the error answer, or undefined to serve the request.
 */
export const refuse = (
  request: IncomingRequest,
  options: { readonly port: number; readonly requestId: string }
): RestProtocol.HttpResponse | undefined => {
  const host = header(request, "host")
  const parsedHost = host === undefined ? undefined : splitHost(host)
  if (parsedHost === undefined || !isLoopbackName(parsedHost.hostname) || (parsedHost.port ?? 80) !== options.port) {
    return deny(
      `Host ${host === undefined ? "(missing)" : JSON.stringify(host)} is not this endpoint: use 127.0.0.1:${options.port} or localhost:${options.port}`,
      options.requestId
    )
  }
  const origin = header(request, "origin")
  if (origin !== undefined && !isSameOrigin(origin, options.port)) {
    return deny(`Origin ${JSON.stringify(origin)} may not call this endpoint (cross-origin request)`, options.requestId)
  }
  if (request.method.toUpperCase() !== "GET" && request.method.toUpperCase() !== "HEAD") {
    const type = header(request, "content-type")
    const media = type?.split(";")[0]?.trim().toLowerCase()
    const acceptable = media === undefined ? request.bodyBytes === 0 : JSON_TYPES.has(media)
    if (!acceptable) {
      return RestProtocol.renderError({
        errorType: "UnsupportedMediaTypeException",
        message: `The content type ${type === undefined ? "(none)" : JSON.stringify(type)} is not supported: send application/json`,
        status: 415,
        requestId: options.requestId
      })
    }
  }
  return undefined
}

const isSameOrigin = (origin: string, port: number): boolean => {
  if (!origin.startsWith("http://")) return false
  const rest = origin.slice("http://".length)
  if (rest.includes("/")) return false
  const parsed = splitHost(rest)
  return parsed !== undefined && isLoopbackName(parsed.hostname) && (parsed.port ?? 80) === port
}
