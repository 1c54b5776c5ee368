/**
 * Dispatches one HTTP request: size limit, fault hooks, durable-execution API, local routes, 405 / 404 —
 * and records what was answered. Never throws: anything unexpected becomes a 500 `ServiceException`.
 *
 * @internal
 */
import { RestProtocol } from "@durable-lambda/backend-aws"
import type { ServiceState } from "@durable-lambda/backend-mock"
import { executionOf, serveApi } from "./api.ts"
import type { Driver, RegisteredFunction } from "./driver.ts"
import { type FaultQueue, renderFault } from "./faults.ts"
import { refuse } from "./guard.ts"
import type { IncomingRequest } from "./request.ts"
import { localAllowedMethods, matchLocalRoute, serveLocal } from "./localRoutes.ts"
import { BodyError } from "./wire.ts"

/**
 * One request the endpoint answered, in arrival order.
 *
 * @since 0.1.0
 */
export interface RequestRecord {
  /** 1-based arrival number. */
  readonly sequence: number
  readonly method: string
  /** The path as received (the query string, which may carry tokens, is dropped). */
  readonly url: string
  /** The API or local operation the request matched, if any. */
  readonly operation: string | undefined
  readonly status: number
  /** The `x-amzn-errortype` of an error answer. */
  readonly errorType: string | undefined
  /** Whether a fault hook produced the answer. */
  readonly injected: boolean
  readonly bodyBytes: number
  /** `CheckpointDurableExecution` only: the request's `ClientToken`, `CheckpointToken` and update count. */
  readonly clientToken?: string | undefined
  readonly checkpointToken?: string | undefined
  readonly updates?: number | undefined
}

export type { IncomingRequest } from "./request.ts"

/** Everything the router uses. */
export interface RouterContext {
  readonly state: ServiceState.ServiceState
  readonly driver: Driver
  readonly faults: FaultQueue
  readonly functions: ReadonlyMap<string, RegisteredFunction>
  readonly virtualTime: boolean
  readonly bodyLimitBytes: number
  readonly nextRequestId: () => string
  /** The port the server listens on (the only one a `Host` header may name). */
  readonly port: number
}

const checkpointFields = (body: string) => {
  try {
    const json = JSON.parse(body) as Record<string, unknown>
    return {
      clientToken: typeof json.ClientToken === "string" ? json.ClientToken : undefined,
      checkpointToken: typeof json.CheckpointToken === "string" ? json.CheckpointToken : undefined,
      updates: Array.isArray(json.Updates) ? json.Updates.length : undefined
    }
  } catch {
    return {}
  }
}

/** Answers one request. */
export const route = async (
  request: IncomingRequest,
  context: RouterContext
): Promise<{ readonly response: RestProtocol.HttpResponse; readonly record: Omit<RequestRecord, "sequence"> }> => {
  const requestId = context.nextRequestId()
  let operation: string | undefined
  let injected = false
  let extra: Partial<RequestRecord> = {}
  const respond = async (): Promise<RestProtocol.HttpResponse> => {
    const api = RestProtocol.matchApiRoute(request.method, request.url)
    const local = api === undefined ? matchLocalRoute(request.method, request.url) : undefined
    operation = api?.operation ?? local?.operation
    const refused = refuse(request, { port: context.port, requestId })
    if (refused !== undefined) return refused
    if (api?.operation === "CheckpointDurableExecution" && !request.tooLarge) extra = checkpointFields(request.body)
    if (request.tooLarge) {
      return RestProtocol.renderError({
        errorType: "RequestTooLargeException",
        message: `Request must be smaller than ${context.bodyLimitBytes} bytes for the ${operation ?? "request"} operation`,
        status: 413,
        requestId
      })
    }
    if (api !== undefined) {
      const fault = context.faults.take(api.operation)
      if (fault !== undefined && !fault.afterApply) {
        injected = true
        return renderFault(fault.fault, requestId)
      }
      const response = serveApi(api, request.body, { state: context.state, requestId })
      context.driver.afterChange(executionOf(api))
      if (fault !== undefined) {
        injected = true
        return renderFault(fault.fault, requestId)
      }
      return response
    }
    if (local !== undefined) {
      const startsExecution = local.operation === "StartExecution" || local.operation === "Invoke"
      const fault = startsExecution ? context.faults.take("StartExecution") : undefined
      if (fault !== undefined && !fault.afterApply) {
        injected = true
        return renderFault(fault.fault, requestId)
      }
      const response = await serveLocal(local, request.body, request.headers, {
        driver: context.driver,
        state: context.state,
        functions: context.functions,
        virtualTime: context.virtualTime,
        requestId
      })
      if (fault !== undefined) {
        injected = true
        return renderFault(fault.fault, requestId)
      }
      return response
    }
    const allowed = [...new Set([...RestProtocol.allowedMethods(request.url), ...localAllowedMethods(request.url)])]
    if (allowed.length > 0) {
      const response = RestProtocol.renderError({
        errorType: "MethodNotAllowedException",
        message: `Method ${request.method} is not allowed on ${request.url.split("?")[0]}; use ${allowed.join(" or ")}`,
        status: 405,
        requestId
      })
      return { ...response, headers: { ...response.headers, allow: allowed.join(", ") } }
    }
    return RestProtocol.renderError({
      errorType: "UnknownOperationException",
      message: `Unknown operation: ${request.method} ${request.url.split("?")[0]}`,
      status: 404,
      requestId
    })
  }
  let response: RestProtocol.HttpResponse
  try {
    response = await respond()
  } catch (error) {
    response =
      error instanceof BodyError
        ? RestProtocol.renderError({ errorType: error.errorType, message: error.message, status: 400, requestId })
        : RestProtocol.renderError({
            errorType: "ServiceException",
            message: `The endpoint failed to handle the request: ${error instanceof Error ? error.message : String(error)}`,
            requestId
          })
  }
  return {
    response,
    record: {
      method: request.method,
      url: request.url.split("?")[0] ?? request.url,
      operation,
      status: response.status,
      errorType: response.headers[RestProtocol.errorTypeHeader],
      injected,
      bodyBytes: request.bodyBytes,
      ...extra
    }
  }
}
