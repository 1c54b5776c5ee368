/**
 * The durable-execution service both SDKs talk to: a thin adapter over `@durable-lambda/backend-mock`'s
 * `ServiceState` (the project's model of the Lambda durable-execution service: tokens, validation, delta
 * `NewExecutionState`, paging, timers). Every service decision is `ServiceState`'s; this module only
 *
 * - exposes the two API calls in both SDKs' client shapes, over the same state: the official SDK's
 *   `DurableExecutionClient` (`client`: promises, AWS wire field names) and our `DurableBackend` (`backend`:
 *   Effects, failures as `BackendError`s);
 * - answers every call on the next event-loop turn (`setImmediate`), like a network response with no
 *   latency, so an SDK that coalesces updates while a call is in flight gets credit for it;
 * - counts calls and request bytes (the UTF-8 JSON body the REST API carries, `{CheckpointToken, Updates,
 *   ClientToken}`; the ARN travels in the URL path) and the CPU time spent inside `ServiceState`;
 * - for the replay group, rebuilds a recorded execution (`restore`) and reads its state pages ahead
 *   (`prefetchState`), so the measured invocation does not pay for the service model's work;
 * - drives an execution across invocations on a virtual clock (`runExecution`) with backend-mock's
 *   `ServiceDriver.runToCompletion`: begin an invocation, run the handler, complete the invocation, and only
 *   when nothing needs an invocation jump the clock to the next timer (waits elapse, retries become READY).
 *
 * A request `ServiceState` rejects is recorded in `rejections` (and fails the run): the bench never papers
 * over a disagreement between an SDK and the service model.
 */
import type { DurableExecutionClient } from "@aws/durable-execution-sdk-js"
import { ServiceDriver, ServiceState } from "@durable-lambda/backend-mock"
import { DurableBackend, type Invocation, type Operation } from "@durable-lambda/core"
import { Effect, Result } from "effect"

/** Page size forced on the invocation event and every `GetDurableExecutionState` page. */
export const PAGE_SIZE = 1000

export interface ServiceStats {
  checkpointCalls: number
  /**
   * Request bytes on the wire: the JSON body `{CheckpointToken, Updates, ClientToken}`. A request handed over
   * without a `ClientToken` is counted with the 36-character UUID `@aws-sdk/client-lambda` fills in (the
   * official SDK leaves it to the AWS SDK).
   */
  checkpointBytes: number
  /** Request bytes as the SDK handed them to its client (no `ClientToken` filled in). */
  checkpointClientBytes: number
  updates: number
  getStateCalls: number
  invocations: number
  /** CPU time (user + system) spent inside `ServiceState`'s API calls, in milliseconds. */
  serviceCpuMs: number
  /** `GetDurableExecutionState` calls answered from pages read ahead (`prefetchState`). */
  prefetchedPages: number
}

const emptyStats = (): ServiceStats => ({
  checkpointCalls: 0,
  checkpointBytes: 0,
  checkpointClientBytes: 0,
  updates: 0,
  getStateCalls: 0,
  invocations: 0,
  serviceCpuMs: 0,
  prefetchedPages: 0
})

/** The difference of two stats snapshots (`after - before`). */
export const statsDelta = (after: ServiceStats, before: ServiceStats): ServiceStats => {
  const out = emptyStats()
  for (const key of Object.keys(out) as Array<keyof ServiceStats>) out[key] = after[key] - before[key]
  return out
}

const pageKey = (request: StateRequest): string =>
  JSON.stringify([request.DurableExecutionArn, request.CheckpointToken, request.Marker ?? "", request.MaxItems ?? 0])

const utf8 = (s: string): number => Buffer.byteLength(s, "utf8")

/** Stands in for the random UUID `@aws-sdk/client-lambda` puts in an omitted idempotency token. */
const AUTO_CLIENT_TOKEN = "00000000-0000-4000-8000-000000000000"

/** Resolves `f()` on the next event-loop turn (a macrotask), like a response from a zero-latency network. */
const nextTurn = <A>(f: () => A): Promise<A> =>
  new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(f())
      } catch (error) {
        reject(error)
      }
    })
  )

/** `f()` on the next event-loop turn, as an Effect (interruption cancels the pending turn). */
const nextTurnEffect = <A, E>(f: () => Result.Result<A, E>): Effect.Effect<A, E> =>
  Effect.callback<A, E>((resume) => {
    const handle = setImmediate(() => {
      const result = f()
      resume(Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure))
    })
    return Effect.sync(() => clearImmediate(handle))
  })

/** A rejection as the AWS SDK would throw it (name = error code, `$metadata.httpStatusCode`). */
const awsError = (error: ServiceState.ServiceError): Error =>
  Object.assign(new Error(error.message), {
    name: error.code,
    $fault: error.httpStatus >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: error.httpStatus }
  })

/**
 * The invocation event as Lambda delivers it: plain JSON, every timestamp as epoch milliseconds (as
 * `@durable-lambda/testing`'s loopback endpoint renders it).
 */
export const toEventJson = (value: unknown): unknown => {
  if (value instanceof Date) return value.getTime()
  if (Array.isArray(value)) return value.map(toEventJson)
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [key, member] of Object.entries(value)) if (member !== undefined) out[key] = toEventJson(member)
    return out
  }
  return value
}

/** The wire request of `CheckpointDurableExecution` (both SDKs' field names once mapped). */
export interface CheckpointRequest {
  readonly DurableExecutionArn?: string | undefined
  readonly CheckpointToken?: string | undefined
  readonly Updates?: ReadonlyArray<ServiceState.OperationUpdateInput> | undefined
  readonly ClientToken?: string | undefined
}

/** The wire request of `GetDurableExecutionState`. */
export interface StateRequest {
  readonly DurableExecutionArn?: string | undefined
  readonly CheckpointToken?: string | undefined
  readonly Marker?: string | undefined
  readonly MaxItems?: number | undefined
}

/** What one invocation returned (both SDKs use the service's output shape). */
export interface InvocationOutput {
  readonly Status: string
  readonly Result?: string | undefined
  readonly Error?: unknown
}

/** A recorded operation (read back from JSON: only its identity, type and result are used). */
export type RecordedOperation = Operation.Operation

export class BenchService {
  /** The service clock, epoch milliseconds: virtual, it moves only in `runExecution`. */
  readonly clock = { now: Date.UTC(2025, 0, 1) }
  readonly state = new ServiceState.ServiceState({ now: () => this.clock.now, pageSize: PAGE_SIZE })
  readonly stats: ServiceStats = emptyStats()
  /** Every request the service rejected: `<call>: <AWS error code>: <message>`. */
  readonly rejections: Array<string> = []
  /** Invocations begun by `startExecution` and not yet handed out. */
  readonly #fresh = new Map<string, ServiceState.InvocationStarted>()
  /** Pages read ahead by `prefetchState`, by request. */
  readonly #prefetched = new Map<string, Invocation.ExecutionStatePage>()
  #executions = 0

  /** The official SDK's `DurableExecutionClient` over this service. */
  readonly client: DurableExecutionClient = {
    // The page's operations carry `Date` timestamps, as `@aws-sdk/client-lambda` returns them.
    getExecutionState: (params) => nextTurn(() => unwrap(this.getState(params)) as unknown as OfficialStateResponse),
    checkpoint: (params) =>
      nextTurn(() => unwrap(this.checkpoint(params as CheckpointRequest)) as unknown as OfficialCheckpointResponse)
  }

  /** Our `DurableBackend` over this service. */
  readonly backend: DurableBackend.DurableBackend["Service"] = DurableBackend.DurableBackend.of({
    checkpoint: (request) =>
      nextTurnEffect(() => {
        const result = this.checkpoint({
          DurableExecutionArn: request.durableExecutionArn,
          CheckpointToken: request.checkpointToken,
          Updates: request.updates,
          ClientToken: request.clientToken
        })
        return Result.isSuccess(result)
          ? Result.succeed({
              checkpointToken: result.success.CheckpointToken,
              newExecutionState: result.success.NewExecutionState
            })
          : Result.fail(result.failure.toBackendError("checkpoint"))
      }),
    getExecutionState: (request) =>
      nextTurnEffect(() => {
        const result = this.getState({
          DurableExecutionArn: request.durableExecutionArn,
          CheckpointToken: request.checkpointToken,
          Marker: request.marker,
          MaxItems: request.maxItems
        })
        return Result.isSuccess(result)
          ? Result.succeed(result.success)
          : Result.fail(result.failure.toBackendError("getExecutionState"))
      })
  })

  /** `CheckpointDurableExecution`, synchronously: counted, then applied by `ServiceState`. */
  checkpoint(request: CheckpointRequest): Result.Result<ServiceState.CheckpointResponse, ServiceState.ServiceError> {
    const body = {
      CheckpointToken: request.CheckpointToken,
      Updates: request.Updates ?? [],
      ClientToken: request.ClientToken
    }
    this.stats.checkpointCalls++
    const clientBytes = utf8(JSON.stringify(body))
    this.stats.checkpointClientBytes += clientBytes
    this.stats.checkpointBytes +=
      body.ClientToken === undefined ? utf8(JSON.stringify({ ...body, ClientToken: AUTO_CLIENT_TOKEN })) : clientBytes
    this.stats.updates += body.Updates.length
    const result = this.#timed(() =>
      this.state.checkpoint(
        request.DurableExecutionArn ?? "",
        request.CheckpointToken ?? "",
        body.Updates,
        request.ClientToken
      )
    )
    if (Result.isFailure(result)) this.#reject("CheckpointDurableExecution", result.failure)
    return result
  }

  /** `GetDurableExecutionState`, synchronously. */
  getState(request: StateRequest): Result.Result<Invocation.ExecutionStatePage, ServiceState.ServiceError> {
    this.stats.getStateCalls++
    const key = pageKey(request)
    const prefetched = this.#prefetched.get(key)
    if (prefetched !== undefined) {
      // Handed over once, like the invocation event's first page (built before the measured window too).
      this.#prefetched.delete(key)
      this.stats.prefetchedPages++
      return Result.succeed(prefetched)
    }
    const result = this.#timed(() =>
      this.state.getExecutionState(
        request.DurableExecutionArn ?? "",
        request.CheckpointToken ?? "",
        request.Marker,
        request.MaxItems
      )
    )
    if (Result.isFailure(result)) this.#reject("GetDurableExecutionState", result.failure)
    return result
  }

  /**
   * Reads, ahead of time, every `GetDurableExecutionState` page after the invocation event's first page (as
   * an SDK reading the state would: the event's token, `MaxItems` {@link PAGE_SIZE}, following `NextMarker`),
   * so a measured replay does not pay for the service model building them: each such request is then answered,
   * once, with the prefetched page. A request for anything else goes to `ServiceState` as usual.
   */
  prefetchState(event: unknown): number {
    const input = event as {
      DurableExecutionArn: string
      CheckpointToken: string
      InitialExecutionState: { NextMarker?: string }
    }
    let marker = input.InitialExecutionState.NextMarker
    let pages = 0
    while (marker !== undefined && marker !== "") {
      const request = {
        DurableExecutionArn: input.DurableExecutionArn,
        CheckpointToken: input.CheckpointToken,
        Marker: marker,
        MaxItems: PAGE_SIZE
      }
      const page = ok(this.state.getExecutionState(input.DurableExecutionArn, input.CheckpointToken, marker, PAGE_SIZE))
      this.#prefetched.set(pageKey(request), page)
      pages++
      marker = page.NextMarker
    }
    return pages
  }

  /** Starts an execution (its first invocation is begun, as the service does); returns its ARN. */
  startExecution(input: unknown): string {
    const started = this.state.startExecution({
      functionName: "bench",
      input: JSON.stringify(input),
      executionName: `e${++this.#executions}`
    })
    this.#fresh.set(started.durableExecutionArn, started)
    return started.durableExecutionArn
  }

  /**
   * Starts an execution whose earlier invocations completed `recorded` (the STEP and CONTEXT operations, in
   * order, each checkpointed as SUCCEEDED with its result; the EXECUTION operation is the service's own),
   * then ended PENDING. Its next invocation replays all of them. Returns its ARN.
   */
  restore(input: unknown, recorded: ReadonlyArray<RecordedOperation>): string {
    const arn = this.startExecution(input)
    const started = this.#fresh.get(arn)!
    this.#fresh.delete(arn)
    let token = started.invocationInput.CheckpointToken
    const updates = recorded.filter((op) => op.Type !== "EXECUTION").map(succeedUpdate)
    for (let i = 0; i < updates.length; i += PAGE_SIZE) {
      token = ok(this.state.checkpoint(arn, token, updates.slice(i, i + PAGE_SIZE))).CheckpointToken
    }
    ServiceDriver.completeInvocation(this.state, arn, { Status: "PENDING" })
    return arn
  }

  /** The invocation `startExecution` began for `arn` and nobody took yet (taking it). */
  takeFresh(arn: string): ServiceState.InvocationStarted | undefined {
    const fresh = this.#fresh.get(arn)
    this.#fresh.delete(arn)
    return fresh
  }

  /** The event of the execution's next invocation, as JSON (begins it unless `startExecution` did). */
  nextInvocation(arn: string): unknown {
    const started = ServiceDriver.beginInvocation(this.state, arn, this.takeFresh(arn))
    this.stats.invocations++
    return toEventJson(started.invocationInput)
  }

  /** Ends the running invocation with the handler's output, or with a function error. */
  completeInvocation(arn: string, output: InvocationOutput | { readonly functionError: Operation.ErrorObject }): void {
    ServiceDriver.completeInvocation(this.state, arn, output as ServiceState.InvocationOutcome)
  }

  /** Every stored operation of an execution (EXECUTION first, in start order). */
  operations(arn: string): ReadonlyArray<Operation.Operation> {
    return this.state.operations(arn)
  }

  #timed<A>(f: () => A): A {
    const cpu0 = process.cpuUsage()
    try {
      return f()
    } finally {
      const d = process.cpuUsage(cpu0)
      this.stats.serviceCpuMs += (d.user + d.system) / 1000
    }
  }

  #reject(call: string, error: ServiceState.ServiceError): void {
    this.rejections.push(`${call}: ${error.code}: ${error.message}`)
  }
}

type OfficialStateResponse = Awaited<ReturnType<DurableExecutionClient["getExecutionState"]>>
type OfficialCheckpointResponse = Awaited<ReturnType<DurableExecutionClient["checkpoint"]>>

/** A result's value, or its rejection thrown as the AWS SDK would throw it. */
const unwrap = <A>(result: Result.Result<A, ServiceState.ServiceError>): A => {
  if (Result.isSuccess(result)) return result.success
  throw awsError(result.failure)
}

const ok = ServiceDriver.orThrow

const succeedUpdate = (op: RecordedOperation): ServiceState.OperationUpdateInput => {
  const base = {
    Id: op.Id,
    ...(op.ParentId === undefined ? {} : { ParentId: op.ParentId }),
    ...(op.Name === undefined ? {} : { Name: op.Name }),
    ...(op.SubType === undefined ? {} : { SubType: op.SubType }),
    Action: "SUCCEED"
  }
  switch (op.Type) {
    case "STEP":
      return { ...base, Type: "STEP", Payload: op.StepDetails?.Result }
    case "CONTEXT":
      return { ...base, Type: "CONTEXT", Payload: op.ContextDetails?.Result }
    default:
      throw new Error(`the bench cannot restore a recorded ${op.Type} operation`)
  }
}

export interface ExecutionOutcome {
  readonly status: string
  readonly result: unknown
  readonly error: unknown
  readonly invocations: number
}

/**
 * Runs one execution to completion with backend-mock's `ServiceDriver.runToCompletion` (the loop every
 * runner on `ServiceState` shares): invoke; complete the invocation with the handler's output; while the
 * execution is RUNNING, invoke again at once if the service wants an invocation, else jump the clock to the
 * next timer first (never to the execution timeout: that means the handler is stuck). Fails on any rejected
 * request, a thrown handler, or more than `maxInvocations` invocations.
 */
export const runExecution = async (
  service: BenchService,
  arn: string,
  invoke: (event: unknown) => Promise<InvocationOutput>,
  maxInvocations = 100
): Promise<ExecutionOutcome> => {
  const checkRejections = () => {
    if (service.rejections.length > 0) {
      throw new Error(`the service rejected ${service.rejections.length} request(s): ${service.rejections.join("; ")}`)
    }
  }
  let output: InvocationOutput | undefined
  const outcome = await ServiceDriver.runToCompletion(service.state, arn, {
    first: service.takeFresh(arn),
    maxInvocations,
    clock: {
      now: () => service.clock.now,
      advanceTo: (at) => {
        service.clock.now = at
      }
    },
    invoke: async (started) => {
      service.stats.invocations++
      try {
        output = await invoke(toEventJson(started.invocationInput))
      } finally {
        checkRejections()
      }
      return output as ServiceState.InvocationOutcome
    },
    onCompleted: checkRejections
  })
  const raw = outcome.execution.Result
  return {
    status: outcome.execution.Status,
    result: raw === undefined || raw === "" ? undefined : JSON.parse(raw),
    error: outcome.execution.Error ?? output?.Error,
    invocations: outcome.invocations
  }
}
