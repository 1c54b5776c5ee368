/**
 * The durable-execution API operations of the endpoint, each a call on the `ServiceState` rendered in the
 * exact wire format `@aws-sdk/client-lambda` parses (`RestProtocol`).
 *
 * @internal
 */
import { RestProtocol } from "@durable-lambda/backend-aws"
import type { ServiceState } from "@durable-lambda/backend-mock"
import { Result } from "effect"
import { decodeCheckpointBody, decodeErrorObjectBody } from "./wire.ts"

/** What an API call needs. */
export interface ApiContext {
  readonly state: ServiceState.ServiceState
  readonly requestId: string
}

const DEFAULT_HISTORY_ITEMS = 100
const MAX_ITEMS = 1000

/** Renders a service error in the wire format. */
export const renderServiceError = (error: ServiceState.ServiceError, requestId: string): RestProtocol.HttpResponse =>
  RestProtocol.renderError({ errorType: error.code, message: error.message, status: error.httpStatus, requestId })

const invalidParameter = (message: string, requestId: string) =>
  RestProtocol.renderError({ errorType: "InvalidParameterValueException", message, requestId })

const render = <A>(
  result: Result.Result<A, ServiceState.ServiceError>,
  requestId: string,
  toBody: (a: A) => unknown
): RestProtocol.HttpResponse =>
  Result.isSuccess(result)
    ? RestProtocol.renderJson(toBody(result.success), { requestId })
    : renderServiceError(result.failure, requestId)

/** The execution an API call concerns, when it names one (to report its history afterwards). */
export const executionOf = (match: RestProtocol.ApiRouteMatch): string | undefined =>
  "durableExecutionArn" in match ? match.durableExecutionArn : undefined

/**
 * Serves one matched API call. Throws `BodyError` for a body that cannot be used (rendered by the caller).
 */
export const serveApi = (
  match: RestProtocol.ApiRouteMatch,
  body: string,
  context: ApiContext
): RestProtocol.HttpResponse => {
  const { requestId, state } = context
  if (match.invalidQuery.length > 0) {
    return invalidParameter(`Invalid value for query parameter ${match.invalidQuery.join(", ")}`, requestId)
  }
  switch (match.operation) {
    case "CheckpointDurableExecution": {
      const request = decodeCheckpointBody(body)
      return render(
        state.checkpoint(match.durableExecutionArn, request.checkpointToken, request.updates, request.clientToken),
        requestId,
        (response) => response
      )
    }
    case "GetDurableExecutionState":
      return render(
        state.getExecutionState(match.durableExecutionArn, match.checkpointToken ?? "", match.marker, match.maxItems),
        requestId,
        (page) => page
      )
    case "GetDurableExecution":
      return render(state.getExecution(match.durableExecutionArn), requestId, (description) =>
        describeExecution(state, description, match.includeExecutionData ?? true)
      )
    case "GetDurableExecutionHistory": {
      const maxItems = match.maxItems ?? 0
      if (maxItems < 0 || maxItems > MAX_ITEMS) {
        return RestProtocol.renderError({
          errorType: "InvalidParameterValueException",
          message: `MaxItems must be between 0 and ${MAX_ITEMS}`,
          requestId
        })
      }
      const history = state.getHistory(match.durableExecutionArn)
      if (Result.isFailure(history)) return renderServiceError(history.failure, requestId)
      const page = pageEvents(history.success, {
        marker: match.marker,
        maxItems: maxItems === 0 ? DEFAULT_HISTORY_ITEMS : maxItems,
        reverse: match.reverseOrder ?? false,
        includeData: match.includeExecutionData ?? true
      })
      if (page === undefined) return invalidParameter("Invalid Marker", requestId)
      return RestProtocol.renderJson(page, { requestId })
    }
    case "StopDurableExecution": {
      const error = decodeErrorObjectBody(body, "StopDurableExecution")
      return render(state.stopExecution(match.durableExecutionArn, error), requestId, (stopped) => stopped)
    }
    case "SendDurableExecutionCallbackSuccess":
      return emptyOr(state.sendCallbackSuccess(match.callbackId, body === "" ? undefined : body), requestId)
    case "SendDurableExecutionCallbackFailure": {
      const error = decodeErrorObjectBody(body, "SendDurableExecutionCallbackFailure")
      return emptyOr(state.sendCallbackFailure(match.callbackId, error), requestId)
    }
    case "SendDurableExecutionCallbackHeartbeat":
      return emptyOr(state.sendCallbackHeartbeat(match.callbackId), requestId)
    case "ListDurableExecutionsByFunction":
      return listExecutions(state, match, requestId)
  }
}

/** The callback APIs answer 200 with an empty body. */
const emptyOr = (result: Result.Result<void, ServiceState.ServiceError>, requestId: string) =>
  Result.isSuccess(result)
    ? { status: 200, headers: { [RestProtocol.requestIdHeader]: requestId }, body: "" }
    : renderServiceError(result.failure, requestId)

/** `GetDurableExecution`'s body: the description plus `Version` and `DurableConfig`. */
const describeExecution = (
  state: ServiceState.ServiceState,
  description: ServiceState.ExecutionDescription,
  includeData: boolean
): Record<string, unknown> => {
  const { Error: error, InputPayload, Result: result, ...metadata } = description
  const version = /:function:[^:]+:([^/]+)\//.exec(description.DurableExecutionArn)?.[1]
  const history = state.getHistory(description.DurableExecutionArn)
  const started = Result.isSuccess(history) ? history.success[0] : undefined
  const timeout =
    started !== undefined && started.EventType === "ExecutionStarted"
      ? started.ExecutionStartedDetails.ExecutionTimeout
      : undefined
  return {
    ...metadata,
    ...(includeData ? { InputPayload, Result: result, Error: error } : {}),
    ...(version === undefined ? {} : { Version: version }),
    ExecutionDataIncluded: includeData,
    ...(timeout === undefined ? {} : { DurableConfig: { ExecutionTimeout: timeout } })
  }
}

/** Drops `Payload` from every `EventInput` / `EventResult` / `EventError` (marking it `Truncated`). */
const withoutData = (event: ServiceState.HistoryEvent): ServiceState.HistoryEvent => {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value) || typeof value !== "object" || value === null || value instanceof Date) return value
    const out: Record<string, unknown> = {}
    for (const [key, member] of Object.entries(value)) {
      if ((key === "Input" || key === "Result" || key === "Error") && typeof member === "object" && member !== null) {
        const { Payload, ...rest } = member as { readonly Payload?: unknown }
        out[key] = Payload === undefined ? rest : { ...rest, Truncated: true }
      } else {
        out[key] = strip(member)
      }
    }
    return out
  }
  return strip(event) as ServiceState.HistoryEvent
}

/** One page of history: `Marker` is the EventId to continue from (in the page's direction). */
const pageEvents = (
  events: ReadonlyArray<ServiceState.HistoryEvent>,
  options: {
    readonly marker: string | undefined
    readonly maxItems: number
    readonly reverse: boolean
    readonly includeData: boolean
  }
): { readonly Events: ReadonlyArray<unknown>; readonly NextMarker?: string } | undefined => {
  const ordered = options.reverse ? [...events].reverse() : [...events]
  let start = 0
  if (options.marker !== undefined && options.marker !== "") {
    if (!/^\d+$/.test(options.marker)) return undefined
    const from = Number(options.marker)
    start = ordered.findIndex((e) => e.EventId === from)
    if (start === -1) return undefined
  }
  const slice = ordered.slice(start, start + options.maxItems)
  const next = ordered[start + options.maxItems]
  return {
    Events: options.includeData ? slice : slice.map(withoutData),
    ...(next === undefined ? {} : { NextMarker: String(next.EventId) })
  }
}

/** `ListDurableExecutionsByFunction`: filters, order and pages over the state's executions. */
const listExecutions = (
  state: ServiceState.ServiceState,
  match: Extract<RestProtocol.ApiRouteMatch, { readonly operation: "ListDurableExecutionsByFunction" }>,
  requestId: string
): RestProtocol.HttpResponse => {
  const name = match.functionName.startsWith("arn:")
    ? match.functionName.split(":")[6]
    : match.functionName.split(":")[0]
  const maxItems = match.maxItems ?? 0
  if (maxItems < 0 || maxItems > MAX_ITEMS) {
    return invalidParameter(`MaxItems must be between 0 and ${MAX_ITEMS}`, requestId)
  }
  const matching = state.listExecutions().filter((execution) => {
    if (!execution.FunctionArn.endsWith(`:function:${name}`)) return false
    if (match.durableExecutionName !== undefined && execution.DurableExecutionName !== match.durableExecutionName) {
      return false
    }
    if (match.statuses.length > 0 && !match.statuses.includes(execution.Status)) return false
    const started = execution.StartTimestamp.getTime()
    if (match.startedAfter !== undefined && started < match.startedAfter.getTime()) return false
    if (match.startedBefore !== undefined && started > match.startedBefore.getTime()) return false
    return true
  })
  const ordered = match.reverseOrder === true ? matching.reverse() : matching
  const start = match.marker === undefined || match.marker === "" ? 0 : Number(match.marker)
  if (!Number.isInteger(start) || start < 0 || start > ordered.length)
    return invalidParameter("Invalid Marker", requestId)
  const size = maxItems === 0 ? 50 : maxItems
  const end = start + size
  return RestProtocol.renderJson(
    {
      DurableExecutions: ordered.slice(start, end),
      ...(end < ordered.length ? { NextMarker: String(end) } : {})
    },
    { requestId }
  )
}
