/**
 * The endpoint's routes outside the durable-execution API: starting executions of registered functions (a
 * local route, and Lambda's own `Invoke`), listing functions, moving virtual time, health.
 *
 * | method and path | body | success |
 * | --- | --- | --- |
 * | `POST /local/functions/{FunctionName}/executions[?ExecutionName=n]` | the input payload (JSON; empty = `{}`) | 201 `{DurableExecutionArn, DurableExecutionName, FunctionName}` |
 * | `POST /2015-03-31/functions/{FunctionName}/invocations` (Lambda `Invoke`) | the input payload | `X-Amz-Invocation-Type: Event`: 202, header `X-Amz-Durable-Execution-Arn`; `RequestResponse` (default): 200 with the result once the execution closes (`X-Amz-Function-Error: Unhandled` when it did not succeed); `DryRun`: 204 |
 * | `GET /local/functions` | — | 200 `{Functions: [{FunctionName, FunctionArn}]}` |
 * | `POST /local/time/advance` | optional `{"Milliseconds": n}` (default: to the next timer) | 200 `{Now, Fired}` (virtual time only; 400 otherwise) |
 * | `GET /local/health` | — | 200 `{"status": "healthy"}` |
 *
 * @internal
 */
import { RestProtocol } from "@durable-lambda/backend-aws"
import { ServiceState } from "@durable-lambda/backend-mock"
import { Result } from "effect"
import { renderServiceError } from "./api.ts"
import type { Driver, RegisteredFunction } from "./driver.ts"
import { BodyError, parseJson } from "./wire.ts"

/** The local routes, by operation. */
export type LocalOperation = "StartExecution" | "Invoke" | "ListFunctions" | "AdvanceTime" | "Health"

interface LocalRoute {
  readonly operation: LocalOperation
  readonly method: "GET" | "POST"
  readonly segments: ReadonlyArray<string>
}

const routes: ReadonlyArray<LocalRoute> = [
  { operation: "StartExecution", method: "POST", segments: ["", "local", "functions", "{}", "executions"] },
  { operation: "Invoke", method: "POST", segments: ["", "2015-03-31", "functions", "{}", "invocations"] },
  { operation: "ListFunctions", method: "GET", segments: ["", "local", "functions"] },
  { operation: "AdvanceTime", method: "POST", segments: ["", "local", "time", "advance"] },
  { operation: "Health", method: "GET", segments: ["", "local", "health"] }
]

/** A matched local route. */
export interface LocalMatch {
  readonly operation: LocalOperation
  readonly label: string | undefined
  readonly query: URLSearchParams
}

const matchPath = (route: LocalRoute, segments: ReadonlyArray<string>): { label: string | undefined } | undefined => {
  if (route.segments.length !== segments.length) return undefined
  let label: string | undefined
  for (let i = 0; i < segments.length; i++) {
    const expected = route.segments[i]!
    if (expected === "{}") {
      try {
        label = decodeURIComponent(segments[i]!)
      } catch {
        return undefined
      }
      if (label === "") return undefined
    } else if (expected !== segments[i]) {
      return undefined
    }
  }
  return { label }
}

const split = (url: string) => {
  const at = url.indexOf("?")
  return {
    segments: (at === -1 ? url : url.slice(0, at)).split("/"),
    query: new URLSearchParams(at === -1 ? "" : url.slice(at + 1))
  }
}

/** Matches a local route (method included). */
export const matchLocalRoute = (method: string, url: string): LocalMatch | undefined => {
  const { query, segments } = split(url)
  for (const route of routes) {
    if (route.method !== method.toUpperCase()) continue
    const matched = matchPath(route, segments)
    if (matched !== undefined) return { operation: route.operation, label: matched.label, query }
  }
  return undefined
}

/** The methods the local routes accept on `url`'s path. */
export const localAllowedMethods = (url: string): ReadonlyArray<string> => {
  const { segments } = split(url)
  return routes.filter((route) => matchPath(route, segments) !== undefined).map((route) => route.method)
}

/** The function name inside `name`, `name:qualifier`, a partial ARN or a full ARN. */
export const functionNameOf = (value: string): string => {
  const parts = value.split(":")
  if (value.startsWith("arn:")) return parts[6] ?? value
  const at = parts.indexOf("function")
  if (at !== -1) return parts[at + 1] ?? value
  return parts[0] ?? value
}

/** Everything the local routes use. */
export interface LocalContext {
  readonly driver: Driver
  readonly state: ServiceState.ServiceState
  readonly functions: ReadonlyMap<string, RegisteredFunction>
  readonly virtualTime: boolean
  readonly requestId: string
}

/** The execution input from a request body: JSON text (validated), `{}` when empty. */
const inputOf = (body: string): string => {
  if (body.trim() === "") return "{}"
  parseJson(body)
  return body
}

const json = (status: number, body: unknown, requestId: string) => RestProtocol.renderJson(body, { status, requestId })

/** Serves one local route. `headers` are the request's (lower-case names). */
export const serveLocal = async (
  match: LocalMatch,
  body: string,
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
  context: LocalContext
): Promise<RestProtocol.HttpResponse> => {
  const { driver, requestId } = context
  switch (match.operation) {
    case "Health":
      return json(200, { status: "healthy" }, requestId)
    case "ListFunctions":
      return json(
        200,
        {
          Functions: [...context.functions.values()].map((f) => ({ FunctionName: f.name, FunctionArn: f.functionArn }))
        },
        requestId
      )
    case "AdvanceTime": {
      if (!context.virtualTime) {
        return RestProtocol.renderError({
          errorType: "InvalidParameterValueException",
          message: "The endpoint runs on real time; start it with virtual time to advance the clock",
          requestId
        })
      }
      const request = parseJson(body) as { readonly Milliseconds?: unknown }
      const millis = request.Milliseconds
      if (millis !== undefined && (typeof millis !== "number" || !Number.isFinite(millis) || millis < 0)) {
        throw new BodyError("InvalidRequestContentException", "Milliseconds must be a non-negative number")
      }
      const fired = driver.advance(millis)
      return json(200, { Now: new Date(context.state.now()), Fired: fired.length }, requestId)
    }
    case "StartExecution": {
      const input = inputOf(body)
      const started = driver.startExecution(match.label!, input, match.query.get("ExecutionName") ?? undefined)
      if (Result.isFailure(started)) return renderServiceError(started.failure, requestId)
      const description = context.state.getExecution(started.success)
      return json(
        201,
        {
          DurableExecutionArn: started.success,
          DurableExecutionName: Result.isSuccess(description) ? description.success.DurableExecutionName : undefined,
          FunctionName: match.label
        },
        requestId
      )
    }
    case "Invoke":
      return invoke(match, body, headers, context)
  }
}

const header = (headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>, name: string) => {
  const value = headers[name]
  return typeof value === "string" ? value : value?.[0]
}

/** Lambda `Invoke` of a durable function: starts an execution; `RequestResponse` waits for its end. */
const invoke = async (
  match: LocalMatch,
  body: string,
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
  context: LocalContext
): Promise<RestProtocol.HttpResponse> => {
  const { driver, requestId, state } = context
  const type = header(headers, "x-amz-invocation-type") ?? "RequestResponse"
  if (type !== "Event" && type !== "RequestResponse" && type !== "DryRun") {
    return RestProtocol.renderError({
      errorType: "InvalidParameterValueException",
      message: `Unsupported invocation type ${type}`,
      requestId
    })
  }
  const name = functionNameOf(match.label!)
  if (!context.functions.has(name)) {
    return renderServiceError(
      new ServiceState.ServiceError("ResourceNotFoundException", `Function not found: ${match.label}`),
      requestId
    )
  }
  if (type === "DryRun") return { status: 204, headers: { [RestProtocol.requestIdHeader]: requestId }, body: "" }
  const input = inputOf(body)
  const started = driver.startExecution(name, input, header(headers, "x-amz-durable-execution-name"))
  if (Result.isFailure(started)) return renderServiceError(started.failure, requestId)
  const arn = started.success
  const base = {
    [RestProtocol.requestIdHeader]: requestId,
    "x-amz-executed-version": "$LATEST",
    "x-amz-durable-execution-arn": arn
  }
  if (type === "Event") return { status: 202, headers: base, body: "" }
  await driver.waitUntil(() => driver.isSettled(arn))
  const description = state.getExecution(arn)
  if (Result.isFailure(description)) return renderServiceError(description.failure, requestId)
  const d = description.success
  if (d.Status === "SUCCEEDED") {
    return { status: 200, headers: { ...base, "content-type": "application/json" }, body: d.Result ?? "null" }
  }
  return {
    status: 200,
    headers: { ...base, "content-type": "application/json", "x-amz-function-error": "Unhandled" },
    body: JSON.stringify({
      errorType: d.Error?.ErrorType ?? `Execution${d.Status}`,
      errorMessage: d.Error?.ErrorMessage ?? `The durable execution ended ${d.Status}`
    })
  }
}
