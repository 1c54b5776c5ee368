/**
 * A small in-memory durable-execution service shared by both SDKs: it applies checkpoint updates the way the
 * Lambda service does (the semantics `@durable-lambda/backend-mock` documents: START on READY → STARTED,
 * `Attempt` counts finished attempts, RETRY → PENDING with `NextAttemptTimestamp`, delta `NewExecutionState`),
 * pages state 1,000 operations at a time, records every call (count and request bytes), and drives an
 * execution across invocations with time skipped (waits elapse and retries become READY between
 * invocations).
 *
 * It speaks the wire shapes (`CheckpointToken`, `Updates`, ...) so the official SDK's `DurableExecutionClient`
 * talks to it directly and ours through a thin `DurableBackend` adapter (`adapters.ts`). Byte counts are
 * the UTF-8 length of the JSON body the REST API would carry: `{CheckpointToken, Updates, ClientToken}` (the
 * ARN travels in the URL path).
 */

export interface WireError {
  ErrorType?: string | undefined
  ErrorMessage?: string | undefined
  ErrorData?: string | undefined
  StackTrace?: ReadonlyArray<string> | undefined
}

export interface WireUpdate {
  Id?: string | undefined
  ParentId?: string | undefined
  Name?: string | undefined
  Type?: string | undefined
  SubType?: string | undefined
  Action?: string | undefined
  Payload?: string | undefined
  Error?: WireError | undefined
  ContextOptions?: { ReplayChildren?: boolean | undefined } | undefined
  StepOptions?: { NextAttemptDelaySeconds?: number | undefined } | undefined
  WaitOptions?: { WaitSeconds?: number | undefined } | undefined
}

/** An operation as stored (timestamps in epoch milliseconds). */
interface StoredOperation {
  readonly Id: string
  readonly ParentId: string | undefined
  readonly Name: string | undefined
  readonly Type: string
  readonly SubType: string | undefined
  Status: string
  readonly StartTimestamp: number
  EndTimestamp: number | undefined
  readonly index: number
  InputPayload?: string | undefined
  Attempt?: number | undefined
  NextAttemptTimestamp?: number | undefined
  Result?: string | undefined
  Error?: WireError | undefined
  ReplayChildren?: boolean | undefined
  ScheduledEndTimestamp?: number | undefined
}

/**
 * How timestamps are rendered: ISO strings (an invocation event, JSON), `Date`s (what an SDK client returns)
 * or epoch seconds (the REST API's JSON, for the cold-start endpoint).
 */
export type TimestampStyle = "iso" | "date" | "epochSeconds"

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
}

export const PAGE_SIZE = 1000

const utf8 = (s: string): number => Buffer.byteLength(s, "utf8")

/** Stands in for the random UUID `@aws-sdk/client-lambda` puts in an omitted idempotency token. */
const AUTO_CLIENT_TOKEN = "00000000-0000-4000-8000-000000000000"

export class RecordingService {
  readonly arn: string
  readonly stats: ServiceStats = {
    checkpointCalls: 0,
    checkpointBytes: 0,
    checkpointClientBytes: 0,
    updates: 0,
    getStateCalls: 0,
    invocations: 0
  }
  private readonly operations = new Map<string, StoredOperation>()
  private readonly order: Array<StoredOperation> = []
  private readonly changed = new Set<string>()
  private token = 0
  private now = Date.UTC(2025, 0, 1)
  executionStatus: "RUNNING" | "SUCCEEDED" | "FAILED" = "RUNNING"
  /** Set when the execution closed through an EXECUTION update (results too large to return inline). */
  executionResult: string | undefined

  constructor(arn: string, input: unknown) {
    this.arn = arn
    this.insert({
      Id: "execution-0",
      ParentId: undefined,
      Name: undefined,
      Type: "EXECUTION",
      SubType: undefined,
      Status: "STARTED",
      StartTimestamp: this.now,
      EndTimestamp: undefined,
      index: 0,
      InputPayload: JSON.stringify(input)
    })
  }

  /** A service preloaded with recorded operations (for replay): ids, statuses and results as given. */
  static fromRecorded(arn: string, operations: ReadonlyArray<RecordedOperation>): RecordingService {
    const service = new RecordingService(arn, {})
    service.operations.clear()
    service.order.length = 0
    for (const op of operations) service.insert({ ...op, index: service.order.length })
    return service
  }

  private insert(op: StoredOperation): StoredOperation {
    this.operations.set(op.Id, op)
    this.order.push(op)
    return op
  }

  get operationCount(): number {
    return this.order.length
  }

  /** The stored operations (for recording a state to replay later). */
  recorded(filter?: (op: RecordedOperation) => boolean): Array<RecordedOperation> {
    const out: Array<RecordedOperation> = []
    for (const { index: _index, ...op } of this.order) if (filter === undefined || filter(op)) out.push({ ...op })
    return out
  }

  private nextToken(): string {
    return `token-${++this.token}`
  }

  /** The event of the next invocation: the first page of operations, and a marker if more remain. */
  invocationEvent(): { DurableExecutionArn: string; CheckpointToken: string; InitialExecutionState: WirePage } {
    this.stats.invocations++
    this.changed.clear()
    return {
      DurableExecutionArn: this.arn,
      CheckpointToken: this.nextToken(),
      InitialExecutionState: this.page(0, PAGE_SIZE, "iso")
    }
  }

  private page(offset: number, size: number, style: TimestampStyle): WirePage {
    const end = Math.min(this.order.length, offset + size)
    const Operations: Array<WireOperation> = []
    for (let i = offset; i < end; i++) Operations.push(render(this.order[i]!, style))
    return end < this.order.length ? { Operations, NextMarker: String(end) } : { Operations }
  }

  getExecutionState(
    request: { CheckpointToken?: string | undefined; Marker?: string | undefined; MaxItems?: number | undefined },
    style: TimestampStyle
  ): WirePage {
    this.stats.getStateCalls++
    const offset = Number(request.Marker ?? "0")
    const size = Math.min(PAGE_SIZE, request.MaxItems ?? PAGE_SIZE)
    return this.page(Number.isFinite(offset) ? offset : 0, size > 0 ? size : PAGE_SIZE, style)
  }

  checkpoint(
    request: {
      CheckpointToken?: string | undefined
      Updates?: ReadonlyArray<WireUpdate> | undefined
      ClientToken?: string | undefined
    },
    style: TimestampStyle
  ): { CheckpointToken: string; NewExecutionState: WirePage } {
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
    if (request.CheckpointToken !== `token-${this.token}`) {
      throw new Error(`stale checkpoint token ${request.CheckpointToken} (current token-${this.token})`)
    }
    this.now += 1
    const touched = new Set<string>(this.changed)
    this.changed.clear()
    for (const update of body.Updates) {
      this.apply(update)
      if (update.Id !== undefined) touched.add(update.Id)
    }
    const ops: Array<StoredOperation> = []
    for (const id of touched) {
      const op = this.operations.get(id)
      if (op !== undefined) ops.push(op)
    }
    ops.sort((a, b) => a.index - b.index)
    return {
      CheckpointToken: this.nextToken(),
      NewExecutionState: { Operations: ops.map((op) => render(op, style)) }
    }
  }

  private apply(u: WireUpdate): void {
    const id = u.Id ?? ""
    const create = (): StoredOperation =>
      this.insert({
        Id: id,
        ParentId: u.ParentId,
        Name: u.Name,
        Type: u.Type ?? "STEP",
        SubType: u.SubType,
        Status: "STARTED",
        StartTimestamp: this.now,
        EndTimestamp: undefined,
        index: this.order.length
      })
    const existing = this.operations.get(id)
    switch (u.Type) {
      case "EXECUTION": {
        const execution = this.order[0]!
        execution.Status = u.Action === "SUCCEED" ? "SUCCEEDED" : "FAILED"
        execution.EndTimestamp = this.now
        this.executionStatus = u.Action === "SUCCEED" ? "SUCCEEDED" : "FAILED"
        this.executionResult = u.Payload
        return
      }
      case "STEP": {
        const op = existing ?? create()
        if (u.Action === "START") {
          op.Status = "STARTED"
        } else if (u.Action === "SUCCEED" || u.Action === "FAIL") {
          op.Status = u.Action === "SUCCEED" ? "SUCCEEDED" : "FAILED"
          op.EndTimestamp = this.now
          op.Attempt = (op.Attempt ?? 0) + 1
          op.Result = u.Payload
          op.Error = u.Error
        } else if (u.Action === "RETRY") {
          op.Status = "PENDING"
          op.Attempt = (op.Attempt ?? 0) + 1
          op.NextAttemptTimestamp = this.now + (u.StepOptions?.NextAttemptDelaySeconds ?? 0) * 1000
          op.Result = u.Payload
          op.Error = u.Error
        }
        return
      }
      case "CONTEXT": {
        const op = existing ?? create()
        if (u.Action === "START") {
          op.ReplayChildren = u.ContextOptions?.ReplayChildren
          return
        }
        op.Status = u.Action === "SUCCEED" ? "SUCCEEDED" : "FAILED"
        op.EndTimestamp = this.now
        op.Result = u.Payload
        op.Error = u.Error
        op.ReplayChildren = u.ContextOptions?.ReplayChildren ?? op.ReplayChildren
        return
      }
      case "WAIT": {
        if (u.Action === "START") {
          const op = existing ?? create()
          op.ScheduledEndTimestamp = this.now + (u.WaitOptions?.WaitSeconds ?? 0) * 1000
          return
        }
        const op = existing ?? create()
        op.Status = "CANCELLED"
        op.EndTimestamp = this.now
        return
      }
      default:
        throw new Error(`the bench service does not model ${u.Type} ${u.Action}`)
    }
  }

  /**
   * Skips time to the next timer: every started wait elapses and every pending retry becomes READY. Returns
   * how many operations changed.
   */
  advanceTime(): number {
    let next = Number.POSITIVE_INFINITY
    for (const op of this.order) {
      if (op.Type === "WAIT" && op.Status === "STARTED") next = Math.min(next, op.ScheduledEndTimestamp ?? this.now)
      if (op.Type === "STEP" && op.Status === "PENDING") next = Math.min(next, op.NextAttemptTimestamp ?? this.now)
    }
    if (!Number.isFinite(next)) return 0
    this.now = Math.max(this.now, next)
    let changed = 0
    for (const op of this.order) {
      if (op.Type === "WAIT" && op.Status === "STARTED" && (op.ScheduledEndTimestamp ?? 0) <= this.now) {
        op.Status = "SUCCEEDED"
        op.EndTimestamp = this.now
        this.changed.add(op.Id)
        changed++
      }
      if (op.Type === "STEP" && op.Status === "PENDING" && (op.NextAttemptTimestamp ?? 0) <= this.now) {
        op.Status = "READY"
        this.changed.add(op.Id)
        changed++
      }
    }
    return changed
  }
}

export interface RecordedOperation extends Omit<StoredOperation, "index"> {}

export interface WireOperation {
  Id: string
  ParentId?: string
  Name?: string
  Type: string
  SubType?: string
  Status: string
  StartTimestamp: string | Date | number
  EndTimestamp?: string | Date | number
  ExecutionDetails?: { InputPayload?: string }
  StepDetails?: { Attempt?: number; NextAttemptTimestamp?: string | Date | number; Result?: string; Error?: WireError }
  ContextDetails?: { ReplayChildren?: boolean; Result?: string; Error?: WireError }
  WaitDetails?: { ScheduledEndTimestamp?: string | Date | number }
}

export interface WirePage {
  Operations: Array<WireOperation>
  NextMarker?: string
}

const stamp = (ms: number, style: TimestampStyle): string | Date | number =>
  style === "iso" ? new Date(ms).toISOString() : style === "date" ? new Date(ms) : ms / 1000

/** An operation as the service returns it: only the members that are set. */
const render = (op: StoredOperation, style: TimestampStyle): WireOperation => {
  const out: WireOperation = {
    Id: op.Id,
    Type: op.Type,
    Status: op.Status,
    StartTimestamp: stamp(op.StartTimestamp, style)
  }
  if (op.ParentId !== undefined) out.ParentId = op.ParentId
  if (op.Name !== undefined) out.Name = op.Name
  if (op.SubType !== undefined) out.SubType = op.SubType
  if (op.EndTimestamp !== undefined) out.EndTimestamp = stamp(op.EndTimestamp, style)
  switch (op.Type) {
    case "EXECUTION":
      out.ExecutionDetails = op.InputPayload === undefined ? {} : { InputPayload: op.InputPayload }
      break
    case "STEP": {
      const d: NonNullable<WireOperation["StepDetails"]> = {}
      if (op.Attempt !== undefined) d.Attempt = op.Attempt
      if (op.NextAttemptTimestamp !== undefined) d.NextAttemptTimestamp = stamp(op.NextAttemptTimestamp, style)
      if (op.Result !== undefined) d.Result = op.Result
      if (op.Error !== undefined) d.Error = op.Error
      out.StepDetails = d
      break
    }
    case "CONTEXT": {
      const d: NonNullable<WireOperation["ContextDetails"]> = {}
      if (op.ReplayChildren !== undefined) d.ReplayChildren = op.ReplayChildren
      if (op.Result !== undefined) d.Result = op.Result
      if (op.Error !== undefined) d.Error = op.Error
      out.ContextDetails = d
      break
    }
    case "WAIT":
      out.WaitDetails =
        op.ScheduledEndTimestamp === undefined ? {} : { ScheduledEndTimestamp: stamp(op.ScheduledEndTimestamp, style) }
      break
  }
  return out
}

/** What one invocation returned (both SDKs use the service's output shape). */
export interface InvocationOutput {
  readonly Status: string
  readonly Result?: string | undefined
  readonly Error?: unknown
}

export interface ExecutionOutcome {
  readonly status: string
  readonly result: unknown
  readonly error: unknown
  readonly invocations: number
}

/**
 * Runs one execution to completion: invoke, and while the handler answers PENDING, skip time and invoke
 * again. Fails if the handler is stuck (PENDING with no timer to fire) or needs more than `maxInvocations`.
 */
export const runExecution = async (
  service: RecordingService,
  invoke: (event: unknown) => Promise<InvocationOutput>,
  maxInvocations = 100
): Promise<ExecutionOutcome> => {
  for (let n = 1; n <= maxInvocations; n++) {
    const output = await invoke(service.invocationEvent())
    if (output.Status === "SUCCEEDED" || output.Status === "FAILED") {
      const raw = output.Result ?? service.executionResult
      return {
        status: output.Status,
        result: raw === undefined || raw === "" ? undefined : JSON.parse(raw),
        error: output.Error,
        invocations: n
      }
    }
    if (output.Status !== "PENDING") throw new Error(`unexpected invocation output ${JSON.stringify(output)}`)
    if (service.advanceTime() === 0) throw new Error("the execution is PENDING with nothing to wait for")
  }
  throw new Error(`the execution did not finish in ${maxInvocations} invocations`)
}
