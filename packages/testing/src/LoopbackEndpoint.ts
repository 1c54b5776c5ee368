/**
 * A loopback Lambda endpoint: an HTTP server on 127.0.0.1 that speaks the Lambda durable-execution REST
 * protocol (the exact paths, bodies and `x-amzn-errortype` errors `@aws-sdk/client-lambda` uses), backed by
 * the in-memory service state machine of `@durable-lambda/backend-mock`, and that runs registered handlers
 * through their invocations with the REAL `AwsBackend` pointed at itself. The production handler runs
 * unchanged, every checkpoint travelling through the AWS SDK and HTTP.
 *
 * **Routes**
 *
 * | method and path | operation |
 * | --- | --- |
 * | `POST /2025-12-01/durable-executions/{arn}/checkpoint` | `CheckpointDurableExecution` |
 * | `GET /2025-12-01/durable-executions/{arn}/state` | `GetDurableExecutionState` |
 * | `GET /2025-12-01/durable-executions/{arn}` | `GetDurableExecution` |
 * | `GET /2025-12-01/durable-executions/{arn}/history` | `GetDurableExecutionHistory` |
 * | `POST /2025-12-01/durable-executions/{arn}/stop` | `StopDurableExecution` |
 * | `POST /2025-12-01/durable-execution-callbacks/{id}/succeed` | `SendDurableExecutionCallbackSuccess` |
 * | `POST /2025-12-01/durable-execution-callbacks/{id}/fail` | `SendDurableExecutionCallbackFailure` |
 * | `POST /2025-12-01/durable-execution-callbacks/{id}/heartbeat` | `SendDurableExecutionCallbackHeartbeat` |
 * | `GET /2025-12-01/functions/{name}/durable-executions` | `ListDurableExecutionsByFunction` |
 * | `POST /2015-03-31/functions/{name}/invocations` | Lambda `Invoke`: starts an execution (`Event` / `RequestResponse`) |
 * | `POST /local/functions/{name}/executions[?ExecutionName=]` | starts an execution; body = input JSON; 201 `{DurableExecutionArn}` |
 * | `GET /local/functions`, `GET /local/health`, `POST /local/time/advance` | registry, health, virtual time |
 *
 * Errors are the service's: `ResourceNotFoundException` (unknown ARN / callback / function),
 * `InvalidParameterValueException` (bad token, malformed callback id, bad query), `CallbackTimeoutException`
 * (closed callback), `InvalidRequestContentException` (malformed JSON), `RequestTooLargeException` (413, body
 * over the limit), `MethodNotAllowedException` (405) and `UnknownOperationException` (404) for other routes.
 *
 * @since 0.1.0
 */
import { LambdaClient, type LambdaClientConfig } from "@aws-sdk/client-lambda"
import { type AwsBackend, LambdaApi } from "@durable-lambda/backend-aws"
import { ServiceState } from "@durable-lambda/backend-mock"
import type { Operation } from "@durable-lambda/core"
import { Context, Effect, Layer, Result, type Scope } from "effect"
import { randomUUID } from "node:crypto"
import { realClock, type ServiceClock, virtualClock } from "./internal/endpoint/clock.ts"
import { Driver, type RegisteredFunction } from "./internal/endpoint/driver.ts"
import { type Fault, type FaultOptions, FaultQueue, type FaultTarget } from "./internal/endpoint/faults.ts"
import { makeInvoker } from "./internal/endpoint/invoker.ts"
import { type RequestRecord, route } from "./internal/endpoint/router.ts"
import { listen } from "./internal/endpoint/server.ts"
import type { TimelineEvent, TimelineListener } from "./internal/endpoint/timeline.ts"

/** The fault-hook, request-log and timeline types (documented where they are declared). @since 0.1.0 */
export type { Fault, FaultOptions, FaultTarget } from "./internal/endpoint/faults.ts"
export type { RequestRecord } from "./internal/endpoint/router.ts"
export type { TimelineEvent, TimelineListener } from "./internal/endpoint/timeline.ts"

/** The default request body limit: 8 MiB (a 6 MB payload plus its JSON envelope). @since 0.1.0 */
export const defaultBodyLimitBytes = 8 * 1024 * 1024

/**
 * Options of {@link start} / {@link make} / {@link layer}.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Port on 127.0.0.1. Default `0`: an ephemeral port (read it from `port` / `url`). */
  readonly port?: number | undefined
  /**
   * The service state to serve. Default: a new one on the endpoint's clock. A given state keeps its own clock
   * (real-time timers are armed against `state.now()`); it cannot be combined with `virtualTime`.
   */
  readonly state?: ServiceState.ServiceState | undefined
  /** Handlers to register, by function name (see {@link Endpoint.register}). */
  readonly functions?: Readonly<Record<string, unknown>> | undefined
  /**
   * Virtual time instead of real time. The clock starts at `startAt` (default: now) and moves only when the
   * endpoint jumps it — with `autoAdvance` (default `true`), to the next wait or retry timer whenever every
   * execution is idle — or when you call {@link Endpoint.advanceTime}. Callback and execution timeouts fire
   * only when the clock passes them.
   */
  readonly virtualTime?: boolean | { readonly startAt?: number; readonly autoAdvance?: boolean } | undefined
  /** Largest accepted request body; larger ones get 413 `RequestTooLargeException`. Default 8 MiB. */
  readonly bodyLimitBytes?: number | undefined
  /** Consecutive function errors after which an execution fails. Default 5. */
  readonly maxInvocationAttempts?: number | undefined
  /** Real-time pause before re-invoking after a function error. Default 100 ms. */
  readonly retryDelayMillis?: number | undefined
  /** The Lambda timeout an invocation's `context.getRemainingTimeInMillis()` counts down from. Default 15 min. */
  readonly invocationTimeoutMillis?: number | undefined
  /** Options of the handlers' `AwsBackend` (its in-process retry schedule). Default: the production defaults. */
  readonly backend?: AwsBackend.Options | undefined
  /** Called for every timeline event, as it happens. */
  readonly onEvent?: TimelineListener | undefined
  /** How many request records {@link Endpoint.requests} keeps (the latest). Default 1000. */
  readonly requestLogLimit?: number | undefined
  /** A connection that has not sent complete request headers after this long gets 408 and is closed. Default 10 s. */
  readonly headersTimeoutMillis?: number | undefined
  /** A connection that has not sent its whole request (body included) after this long is closed. Default 60 s. */
  readonly requestTimeoutMillis?: number | undefined
}

/**
 * A running loopback endpoint.
 *
 * @since 0.1.0
 */
export interface Endpoint {
  /** `http://127.0.0.1:<port>`: the `endpoint` of a `LambdaClient`, the `--endpoint-url` of the AWS CLI. */
  readonly url: string
  readonly port: number
  /** The service state behind the endpoint (inspect operations, history, timers). */
  readonly state: ServiceState.ServiceState
  /** Whether the endpoint runs on virtual time. */
  readonly virtualTime: boolean
  /**
   * The latest requests answered (up to `requestLogLimit`), in arrival order (live array); `url` is the path
   * without its query string.
   */
  readonly requests: ReadonlyArray<RequestRecord>
  /** Every timeline event so far (live array). */
  readonly timeline: ReadonlyArray<TimelineEvent>
  /** Fault hooks: make the next calls answer errors. */
  readonly faults: {
    /**
     * The next `count` calls of `target` answer `fault` (429 throttle, 500, stale token, 413 or any error)
     * instead of doing their work, or after it with `{ afterApply: true }` (a lost response).
     */
    readonly failNext: (target: FaultTarget, count: number, fault: Fault, options?: FaultOptions) => void
    /** How many injected answers are still queued. */
    readonly pending: () => number
    /** Drops every queued fault. */
    readonly clear: () => void
  }
  /**
   * Registers a handler under a function name: a `withDurableExecution` / `toLambdaHandler` export or a
   * `Handler.make(...)` handler runs over the real `AwsBackend` pointed at this endpoint; any other function is
   * called as a plain Lambda handler `(event, context) => output` and must reach the endpoint itself.
   */
  readonly register: (functionName: string, handler: unknown) => void
  /**
   * Starts an execution of a registered function with `input` (JSON-serialized; default `{}`) and begins driving
   * it. Returns the execution ARN. Throws the service error (`ResourceNotFoundException`) for an unknown function.
   */
  readonly startExecution: (
    functionName: string,
    input?: unknown,
    options?: { readonly executionName?: string | undefined }
  ) => string
  /** Resolves with the execution's description once it is closed and no invocation of it runs. */
  readonly awaitExecution: (durableExecutionArn: string) => Promise<ServiceState.ExecutionDescription>
  /**
   * Resolves with the id of a STARTED callback of the execution — the one named `name`, if given: a
   * `createCallback` name, or a `waitForCallback` name (carried by its CONTEXT) — as soon as the service has
   * assigned it; rejects if the execution settles without one.
   */
  readonly awaitCallbackId: (
    durableExecutionArn: string,
    options?: { readonly name?: string | undefined }
  ) => Promise<string>
  /** Resolves when no invocation runs anywhere. */
  readonly idle: () => Promise<void>
  /**
   * Virtual time only: moves the clock by `millis` (default: to the next pending timer of any kind, callback
   * and execution timeouts included) and fires what is due. Returns the timers fired.
   */
  readonly advanceTime: (millis?: number) => ReadonlyArray<ServiceState.Timer>
  /** Adds a timeline listener; returns its removal. */
  readonly subscribe: (listener: TimelineListener) => () => void
  /** Stops invoking, aborts running invocations and closes the server and every connection. */
  readonly close: () => Promise<void>
}

/**
 * The configuration of a `LambdaClient` that talks to the endpoint at `url`: region `us-east-1`, dummy static
 * credentials, and the production client settings (`LambdaApi.defaultClientConfig`, SDK retries off).
 *
 * @since 0.1.0
 */
export const clientConfig = (url: string): LambdaClientConfig => ({
  ...LambdaApi.defaultClientConfig,
  endpoint: url,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDLOCALENDPOINT", secretAccessKey: "local-endpoint-secret" }
})

const serialize = (input: unknown): string => {
  if (input === undefined) return "{}"
  const text = JSON.stringify(input)
  if (text === undefined) throw new TypeError("startExecution: the input is not JSON-serializable")
  return text
}

/**
 * Starts an endpoint in-process.
 *
 * **Example**
 *
 * ```ts
 * import { LambdaClient, SendDurableExecutionCallbackSuccessCommand } from "@aws-sdk/client-lambda"
 * import { LoopbackEndpoint } from "@durable-lambda/testing"
 * import { handler } from "./handler.ts"
 *
 * const endpoint = await LoopbackEndpoint.start({ functions: { orders: handler } })
 * const arn = endpoint.startExecution("orders", { orderId: 1 })
 * const callbackId = await endpoint.awaitCallbackId(arn)
 * const client = new LambdaClient(LoopbackEndpoint.clientConfig(endpoint.url))
 * await client.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId, Result: '"ok"' }))
 * const { Status, Result } = await endpoint.awaitExecution(arn)
 * await endpoint.close()
 * ```
 *
 * **Gotchas**: close it (or use {@link make} / {@link layer}, which close it with their scope). The server only
 * listens on 127.0.0.1 and refuses what a web page could send: a `Host` other than a loopback name with its
 * port (DNS rebinding) and a cross-origin `Origin` get 403 `AccessDeniedException`, a state-changing request
 * whose content type is not JSON (or the SDK's `application/octet-stream`) gets 415
 * `UnsupportedMediaTypeException`.
 *
 * @since 0.1.0
 */
export const start = async (options: Options = {}): Promise<Endpoint> => {
  const virtual = options.virtualTime === undefined || options.virtualTime === false ? undefined : options.virtualTime
  if (virtual !== undefined && options.state !== undefined) {
    throw new TypeError("LoopbackEndpoint.start: pass either `state` or `virtualTime`, not both")
  }
  const virtualOptions = virtual === true ? {} : virtual
  let driver: Driver | undefined
  const clock: ServiceClock =
    virtualOptions !== undefined
      ? virtualClock(virtualOptions.startAt ?? Date.now())
      : realClock(() => driver?.fireDueTimers(), options.state?.now)
  const state = options.state ?? new ServiceState.ServiceState({ now: clock.now })
  const listeners = new Set<TimelineListener>()
  if (options.onEvent !== undefined) listeners.add(options.onEvent)
  const timeline: Array<TimelineEvent> = []
  const emit = (event: TimelineEvent) => {
    timeline.push(event)
    for (const listener of listeners) {
      try {
        listener(event)
      } catch {
        // A listener's failure must not break the endpoint.
      }
    }
  }
  const functions = new Map<string, RegisteredFunction>()
  const faults = new FaultQueue()
  const requests: Array<RequestRecord> = []
  const bodyLimitBytes = options.bodyLimitBytes ?? defaultBodyLimitBytes
  const activeDriver = new Driver({
    state,
    clock,
    functions,
    emit,
    maxInvocationAttempts: options.maxInvocationAttempts ?? 5,
    retryDelayMillis: options.retryDelayMillis ?? 100,
    invocationTimeoutMillis: options.invocationTimeoutMillis ?? 15 * 60 * 1000,
    autoAdvance: virtualOptions?.autoAdvance ?? true
  })
  driver = activeDriver
  const requestLogLimit = Math.max(0, options.requestLogLimit ?? 1000)
  let sequence = 0
  let port = 0
  const server = await listen({
    port: options.port ?? 0,
    bodyLimitBytes,
    headersTimeoutMillis: options.headersTimeoutMillis ?? 10_000,
    requestTimeoutMillis: options.requestTimeoutMillis ?? 60_000,
    handle: async (request) => {
      const { record, response } = await route(request, {
        state,
        driver: activeDriver,
        faults,
        functions,
        virtualTime: virtualOptions !== undefined,
        bodyLimitBytes,
        nextRequestId: randomUUID,
        port
      })
      requests.push({ sequence: ++sequence, ...record })
      if (requests.length > requestLogLimit) requests.splice(0, requests.length - requestLogLimit)
      return response
    }
  })
  port = server.port
  const url = `http://127.0.0.1:${server.port}`
  const client = new LambdaClient(clientConfig(url))
  const register = (functionName: string, handler: unknown) => {
    if (functions.has(functionName)) throw new Error(`A function named ${functionName} is already registered`)
    functions.set(functionName, {
      name: functionName,
      functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
      invoker: makeInvoker(handler, client, options.backend)
    })
  }
  for (const [name, handler] of Object.entries(options.functions ?? {})) register(name, handler)
  let closing: Promise<void> | undefined

  return {
    url,
    port: server.port,
    state,
    virtualTime: virtualOptions !== undefined,
    requests,
    timeline,
    faults: {
      failNext: (target, count, fault, faultOptions) => faults.add(target, count, fault, faultOptions),
      pending: () => faults.size,
      clear: () => faults.clear()
    },
    register,
    startExecution: (functionName, input, startOptions) => {
      const started = activeDriver.startExecution(functionName, serialize(input), startOptions?.executionName)
      if (Result.isFailure(started)) throw started.failure
      return started.success
    },
    awaitExecution: async (arn) => {
      await activeDriver.waitUntil(() => {
        if (Result.isFailure(state.getExecution(arn))) throw new Error(`Unknown execution ${arn}`)
        return activeDriver.isSettled(arn)
      })
      const description = state.getExecution(arn)
      if (Result.isFailure(description)) throw description.failure
      return description.success
    },
    awaitCallbackId: async (arn, callbackOptions) => {
      let found: string | undefined
      const name = callbackOptions?.name
      await activeDriver.waitUntil(() => {
        const operations = state.operations(arn)
        const named = (op: Operation.Operation): boolean => {
          if (name === undefined || op.Name === name) return true
          // waitForCallback: the name is on the WaitForCallback CONTEXT around the CALLBACK.
          const parent = operations.find((p) => p.Id === op.ParentId)
          return parent?.SubType === "WaitForCallback" && parent.Name === name
        }
        const callback = operations.find(
          (op) =>
            op.Type === "CALLBACK" &&
            op.Status === "STARTED" &&
            op.CallbackDetails?.CallbackId !== undefined &&
            named(op)
        )
        found = callback?.CallbackDetails?.CallbackId
        if (found !== undefined) return true
        if (activeDriver.isSettled(arn) || state.operations(arn).length === 0) {
          throw new Error(`The execution ${arn} has no started callback${name === undefined ? "" : ` named ${name}`}`)
        }
        return false
      })
      return found!
    },
    idle: () => activeDriver.idle(),
    advanceTime: (millis) => {
      if (virtualOptions === undefined) {
        throw new Error("The endpoint runs on real time: start it with virtualTime to advance the clock")
      }
      return activeDriver.advance(millis)
    },
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close: () =>
      (closing ??= (async () => {
        activeDriver.stop()
        await server.close()
        await activeDriver.drain(10_000)
        await Promise.allSettled([...functions.values()].map((f) => f.invoker.dispose()))
        client.destroy()
        listeners.clear()
      })())
  }
}

/**
 * The endpoint as an Effect service.
 *
 * **Example**
 *
 * ```ts
 * Effect.gen(function* () {
 *   const endpoint = yield* LoopbackEndpoint.LoopbackEndpoint
 *   const arn = endpoint.startExecution("orders", { orderId: 1 })
 *   return yield* Effect.promise(() => endpoint.awaitExecution(arn))
 * }).pipe(Effect.provide(LoopbackEndpoint.layer({ functions: { orders: handler } })))
 * ```
 *
 * @since 0.1.0
 */
export class LoopbackEndpoint extends Context.Service<LoopbackEndpoint, Endpoint>()(
  "@durable-lambda/testing/LoopbackEndpoint"
) {}

/**
 * Starts an endpoint for the current scope and closes it when the scope closes.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Endpoint, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(options)),
    (endpoint) => Effect.promise(() => endpoint.close())
  )

/**
 * A layer providing a {@link LoopbackEndpoint} started with `options`, closed when the layer is released.
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<LoopbackEndpoint> =>
  Layer.effect(LoopbackEndpoint, make(options))
