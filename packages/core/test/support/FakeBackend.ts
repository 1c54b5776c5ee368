/**
 * A small in-test durable-execution service: a state machine over operations that applies START / SUCCEED /
 * FAIL / RETRY updates with the real service's rules, creates callback ids, chains tokens, and lets a test
 * complete callbacks and invokes or move virtual time between invocations. Shared by the core unit tests
 * (core cannot depend on backend-mock or testing).
 *
 * Validation is deliberately strict where an engine bug would show: stale tokens, duplicate ids in one
 * request, unknown parents, STARTs on started operations, RETRY without a delay of at least 1 second,
 * payloads over 1 MiB, names outside printable ASCII. A rejected request fails the checkpoint call the way
 * the service does (`InvalidParameter`, not retryable), so the execution FAILS and the test sees it.
 */
import { Effect, Exit, Layer } from "effect"
import { DurableBackend, Handler, OperationId } from "@durable-lambda/core"
import type { Invocation, Operation as Op } from "@durable-lambda/core"

type Operation = Op.Operation
type OperationUpdate = Op.OperationUpdate
type ErrorObject = Op.ErrorObject
type OperationStatus = Op.OperationStatus
type InvocationOutput = Invocation.InvocationOutput

/** One stored operation (mutable, timestamps in virtual milliseconds). */
export interface Rec {
  Id: string
  ParentId: string | undefined
  Name: string | undefined
  Type: Op.OperationType
  SubType: string | undefined
  Status: OperationStatus
  StartTimestamp: number
  EndTimestamp?: number | undefined
  Attempt?: number | undefined
  NextAttemptTimestamp?: number | undefined
  Result?: string | undefined
  Error?: ErrorObject | undefined
  ScheduledEndTimestamp?: number | undefined
  CallbackId?: string | undefined
  timeoutAt?: number | undefined
  heartbeatAt?: number | undefined
  heartbeatSeconds?: number | undefined
  FunctionName?: string | undefined
  TenantId?: string | undefined
  InputPayload?: string | undefined
  ReplayChildren?: boolean | undefined
}

/** What a test decides for a chained invoke. */
export type InvokeOutcome =
  | { readonly result?: string }
  | { readonly error: ErrorObject }
  | { readonly timedOut: ErrorObject }
  | { readonly stopped: ErrorObject }

/** A deterministic way to make progress while an execution is suspended. */
export interface Policy {
  /** Result (or failure) for a callback still waiting; `undefined` leaves it waiting. */
  readonly callback?: (cb: Rec) => { readonly result?: string } | { readonly error: ErrorObject } | undefined
  /** Outcome for an invoke still running; `undefined` leaves it running. */
  readonly invoke?: (inv: Rec) => InvokeOutcome | undefined
}

export interface RunResult {
  readonly output: InvocationOutput | undefined
  readonly invocations: number
  /** Invocation-level errors (thrown by the handler), in order. */
  readonly invocationErrors: ReadonlyArray<unknown>
  readonly outputs: ReadonlyArray<InvocationOutput>
}

const namePattern = /^[\x20-\x7E]{1,256}$/
const MAX_PAYLOAD = 1024 * 1024

const clone = (r: Rec): Rec => ({ ...r })

const invalid = (message: string) =>
  DurableBackend.BackendError.of("checkpoint", new DurableBackend.InvalidParameter({ message }))

/** The service. Construct one per execution (or per snapshot replay). */
export class FakeDurableService {
  readonly arn: string
  /** Virtual time, milliseconds. */
  now: number
  readonly ops = new Map<string, Rec>()
  /** Every accepted checkpoint request, in order. */
  readonly requests: Array<{ readonly token: string; readonly updates: ReadonlyArray<OperationUpdate> }> = []
  /** State after each accepted checkpoint request (for crash-replay checks). */
  readonly snapshots: Array<{ readonly now: number; readonly ops: ReadonlyArray<Rec> }> = []
  /** Outputs of every invocation that returned one. */
  readonly outputs: Array<InvocationOutput> = []
  closed: InvocationOutput | undefined
  /** Page size of the invocation event and GetDurableExecutionState (default: everything inline). */
  pageSize: number | undefined
  private token: string | undefined
  private tokenSeq = 0
  private readonly dirty = new Set<string>()
  private readonly pages = new Map<string, Invocation.ExecutionStatePage>()

  constructor(options?: {
    readonly input?: unknown
    readonly now?: number
    readonly ops?: ReadonlyArray<Rec>
    readonly pageSize?: number
  }) {
    this.arn = "arn:aws:lambda:us-east-1:123456789012:function:workflow:$LATEST/durable-execution/exec/run"
    this.now = options?.now ?? 0
    this.pageSize = options?.pageSize
    if (options?.ops !== undefined) {
      for (const r of options.ops) this.ops.set(r.Id, clone(r))
    } else {
      this.ops.set("execution-0", {
        Id: "execution-0",
        ParentId: undefined,
        Name: undefined,
        Type: "EXECUTION",
        SubType: undefined,
        Status: "STARTED",
        StartTimestamp: this.now,
        InputPayload: JSON.stringify(options?.input ?? {})
      })
    }
  }

  /**
   * A service whose history already holds `ops` (after the EXECUTION operation), for replaying from a chosen
   * recorded status. Missing fields default to a root-level, unnamed operation started at time 0.
   */
  static withOperations(
    ops: ReadonlyArray<Partial<Rec> & Pick<Rec, "Id" | "Type" | "Status">>,
    options?: { readonly input?: unknown; readonly now?: number }
  ): FakeDurableService {
    const execution: Rec = {
      Id: "execution-0",
      ParentId: undefined,
      Name: undefined,
      Type: "EXECUTION",
      SubType: undefined,
      Status: "STARTED",
      StartTimestamp: 0,
      InputPayload: JSON.stringify(options?.input ?? {})
    }
    return new FakeDurableService({
      now: options?.now ?? 0,
      ops: [
        execution,
        ...ops.map((o): Rec => ({ ParentId: undefined, Name: undefined, SubType: undefined, StartTimestamp: 0, ...o }))
      ]
    })
  }

  /** A fresh service starting from a snapshot of this one (as if the invocation had crashed there). */
  static fromSnapshot(snapshot: { readonly now: number; readonly ops: ReadonlyArray<Rec> }): FakeDurableService {
    return new FakeDurableService({ now: snapshot.now, ops: snapshot.ops })
  }

  // ---------------------------------------------------------------------------------------------------------
  // The backend

  readonly backend: DurableBackend.DurableBackend["Service"] = {
    checkpoint: (request) => Effect.suspend(() => this.checkpoint(request)),
    getExecutionState: (request) =>
      Effect.suspend(() => {
        if (request.marker === undefined)
          return Effect.succeed<Invocation.ExecutionStatePage>({ Operations: this.visible() })
        const page = this.pages.get(request.marker)
        if (page === undefined) {
          return Effect.fail(
            DurableBackend.BackendError.of(
              "getExecutionState",
              new DurableBackend.InvalidParameter({ message: "bad marker" })
            )
          )
        }
        return Effect.succeed(page)
      })
  }

  readonly layer: Layer.Layer<DurableBackend.DurableBackend> = Layer.succeed(
    DurableBackend.DurableBackend,
    this.backend
  )

  private nextToken(): string {
    this.token = `token-${++this.tokenSeq}`
    return this.token
  }

  private checkpoint(request: DurableBackend.CheckpointRequest) {
    if (this.closed !== undefined || request.checkpointToken !== this.token) {
      return Effect.fail(
        DurableBackend.BackendError.of(
          "checkpoint",
          new DurableBackend.InvalidCheckpointToken({ message: "Invalid checkpoint token" })
        )
      )
    }
    const problem = this.validate(request.updates)
    if (problem !== undefined) return Effect.fail(invalid(problem))
    for (const u of request.updates) this.apply(u)
    this.requests.push({ token: request.checkpointToken, updates: request.updates })
    this.snapshots.push({ now: this.now, ops: [...this.ops.values()].map(clone) })
    const changed = [...this.dirty].map((id) => this.toOperation(this.ops.get(id)!))
    this.dirty.clear()
    return Effect.succeed({ checkpointToken: this.nextToken(), newExecutionState: { Operations: changed } })
  }

  private validate(updates: ReadonlyArray<OperationUpdate>): string | undefined {
    const seen = new Map<string, OperationUpdate>()
    const startedHere = new Map<string, OperationUpdate>()
    for (let i = 0; i < updates.length; i++) {
      const u = updates[i]!
      if (u.Type === "EXECUTION") {
        if (i !== updates.length - 1) return "EXECUTION update must be last"
        continue
      }
      const previous = seen.get(u.Id)
      if (previous !== undefined) {
        const allowed =
          (u.Type === "STEP" || u.Type === "CONTEXT") &&
          previous.Action === "START" &&
          u.Action !== "START" &&
          !startedHere.has(`${u.Id}#done`)
        if (!allowed) return `Duplicate operation id ${u.Id} in one request`
        startedHere.set(`${u.Id}#done`, u)
      }
      seen.set(u.Id, u)
      if (u.Action === "START") startedHere.set(u.Id, u)
      if (u.Name !== undefined && !namePattern.test(u.Name)) return `Invalid name ${JSON.stringify(u.Name)}`
      if (u.Payload !== undefined && new TextEncoder().encode(u.Payload).length > MAX_PAYLOAD)
        return "Payload too large"
      if (u.ParentId !== undefined) {
        const parent = this.ops.get(u.ParentId)
        const parentStarted = startedHere.get(u.ParentId)
        if (!(
          (parent !== undefined && parent.Type === "CONTEXT") ||
          (parentStarted !== undefined && parentStarted.Type === "CONTEXT")
        )) {
          return `Invalid parent operation id ${u.ParentId} for ${u.Id}`
        }
      }
      const existing = this.ops.get(u.Id)
      if (existing !== undefined) {
        if (existing.Type !== u.Type) return `Inconsistent operation type for ${u.Id}`
        if (existing.SubType !== u.SubType) return `Inconsistent operation subtype for ${u.Id}`
        if (existing.Name !== u.Name) return `Inconsistent operation name for ${u.Id}`
        if (u.ParentId !== undefined && existing.ParentId !== u.ParentId) return `Inconsistent parent for ${u.Id}`
      }
      const status =
        existing?.Status ?? (startedHere.get(u.Id) !== undefined && u.Action !== "START" ? "STARTED" : undefined)
      switch (u.Type) {
        case "STEP": {
          if (u.Action === "START" && status !== undefined && status !== "READY")
            return `Cannot START step ${u.Id} in status ${status}`
          if (
            (u.Action === "SUCCEED" || u.Action === "FAIL" || u.Action === "RETRY") &&
            status !== undefined &&
            status !== "STARTED" &&
            status !== "READY"
          ) {
            return `Cannot ${u.Action} step ${u.Id} in status ${status}`
          }
          if (u.Action === "RETRY") {
            const d = u.StepOptions?.NextAttemptDelaySeconds
            if (d === undefined || !Number.isInteger(d) || d < 1 || d > 31_622_400)
              return `Invalid NextAttemptDelaySeconds ${d}`
            if (u.Payload !== undefined && u.Error !== undefined) return "RETRY with both Payload and Error"
          }
          if (u.Action === "CANCEL") return "Invalid action CANCEL for STEP"
          if (u.Action === "SUCCEED" && u.Error !== undefined) return "SUCCEED with Error"
          if (u.Action === "FAIL" && u.Payload !== undefined) return "FAIL with Payload"
          break
        }
        case "CONTEXT": {
          if (u.Action === "START" && existing !== undefined) return `Cannot START existing context ${u.Id}`
          if ((u.Action === "SUCCEED" || u.Action === "FAIL") && status !== undefined && status !== "STARTED") {
            return `Cannot ${u.Action} context ${u.Id} in status ${status}`
          }
          if (u.Action === "RETRY" || u.Action === "CANCEL") return `Invalid action ${u.Action} for CONTEXT`
          break
        }
        case "WAIT": {
          if (u.Action !== "START") return `Invalid action ${u.Action} for WAIT`
          if (existing !== undefined) return `Cannot START existing wait ${u.Id}`
          const s = u.WaitOptions?.WaitSeconds
          if (s === undefined || !Number.isInteger(s) || s < 1 || s > 31_622_400) return `Invalid WaitSeconds ${s}`
          break
        }
        case "CALLBACK": {
          if (u.Action !== "START") return `Invalid action ${u.Action} for CALLBACK`
          if (existing !== undefined) return `Cannot START existing callback ${u.Id}`
          if (u.CallbackOptions === undefined) return "CALLBACK START without CallbackOptions"
          for (const v of [u.CallbackOptions.TimeoutSeconds, u.CallbackOptions.HeartbeatTimeoutSeconds]) {
            if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 99_999_999))
              return `Invalid callback timeout ${v}`
          }
          break
        }
        case "CHAINED_INVOKE": {
          if (u.Action !== "START") return `Invalid action ${u.Action} for CHAINED_INVOKE`
          if (existing !== undefined) return `Cannot START existing invoke ${u.Id}`
          if (!u.ChainedInvokeOptions?.FunctionName) return "CHAINED_INVOKE START without FunctionName"
          break
        }
      }
    }
    return undefined
  }

  private touch(r: Rec): void {
    this.dirty.add(r.Id)
  }

  private create(u: OperationUpdate): Rec {
    const r: Rec = {
      Id: u.Id,
      ParentId: u.ParentId,
      Name: u.Name,
      Type: u.Type,
      SubType: u.SubType,
      Status: "STARTED",
      StartTimestamp: this.now
    }
    this.ops.set(r.Id, r)
    return r
  }

  private apply(u: OperationUpdate): void {
    if (u.Type === "EXECUTION") {
      const execution = [...this.ops.values()].find((r) => r.Type === "EXECUTION")!
      execution.Status = u.Action === "SUCCEED" ? "SUCCEEDED" : "FAILED"
      execution.Result = u.Payload
      execution.Error = u.Error
      this.closed =
        u.Action === "SUCCEED"
          ? { Status: "SUCCEEDED", Result: u.Payload ?? "" }
          : { Status: "FAILED", ...(u.Error ? { Error: u.Error } : {}) }
      return
    }
    const r = this.ops.get(u.Id) ?? this.create(u)
    this.touch(r)
    switch (u.Type) {
      case "STEP":
        if (u.Action === "START") {
          r.Status = "STARTED"
        } else if (u.Action === "RETRY") {
          r.Status = "PENDING"
          r.Attempt = (r.Attempt ?? 0) + 1
          r.NextAttemptTimestamp = this.now + u.StepOptions!.NextAttemptDelaySeconds! * 1000
          r.Result = u.Payload
          r.Error = u.Error
        } else {
          r.Status = u.Action === "SUCCEED" ? "SUCCEEDED" : "FAILED"
          r.Attempt = (r.Attempt ?? 0) + 1
          r.EndTimestamp = this.now
          r.Result = u.Payload
          r.Error = u.Error
        }
        return
      case "CONTEXT":
        if (u.Action !== "START") {
          r.Status = u.Action === "SUCCEED" ? "SUCCEEDED" : "FAILED"
          r.EndTimestamp = this.now
          r.Result = u.Payload
          r.Error = u.Error
          r.ReplayChildren = u.ContextOptions?.ReplayChildren ?? r.ReplayChildren
        }
        return
      case "WAIT":
        r.ScheduledEndTimestamp = this.now + u.WaitOptions!.WaitSeconds! * 1000
        return
      case "CALLBACK": {
        r.CallbackId = `cb-${r.Id}`
        const timeout = u.CallbackOptions?.TimeoutSeconds ?? 0
        const heartbeat = u.CallbackOptions?.HeartbeatTimeoutSeconds ?? 0
        if (timeout > 0) r.timeoutAt = this.now + timeout * 1000
        if (heartbeat > 0) {
          r.heartbeatSeconds = heartbeat
          r.heartbeatAt = this.now + heartbeat * 1000
        }
        return
      }
      case "CHAINED_INVOKE":
        r.FunctionName = u.ChainedInvokeOptions!.FunctionName
        r.TenantId = u.ChainedInvokeOptions!.TenantId
        r.InputPayload = u.Payload
        return
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Views

  /** Operations the service returns in state: descendants of contexts completed without ReplayChildren are omitted. */
  visible(): Array<Operation> {
    const hidden = (r: Rec): boolean => {
      let parent = r.ParentId
      while (parent !== undefined) {
        const p = this.ops.get(parent)
        if (p === undefined) return false
        if ((p.Status === "SUCCEEDED" || p.Status === "FAILED") && p.ReplayChildren !== true) return true
        parent = p.ParentId
      }
      return false
    }
    return [...this.ops.values()].filter((r) => !hidden(r)).map((r) => this.toOperation(r))
  }

  toOperation(r: Rec): Operation {
    const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms))
    const base = {
      Id: r.Id,
      ...(r.ParentId === undefined ? {} : { ParentId: r.ParentId }),
      ...(r.Name === undefined ? {} : { Name: r.Name }),
      Type: r.Type,
      ...(r.SubType === undefined ? {} : { SubType: r.SubType }),
      Status: r.Status,
      StartTimestamp: new Date(r.StartTimestamp),
      ...(r.EndTimestamp === undefined ? {} : { EndTimestamp: new Date(r.EndTimestamp) })
    }
    const defined = <T extends object>(o: T): T =>
      Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
    switch (r.Type) {
      case "EXECUTION":
        return { ...base, ExecutionDetails: defined({ InputPayload: r.InputPayload }) } as Operation
      case "STEP":
        return {
          ...base,
          StepDetails: defined({
            Attempt: r.Attempt,
            NextAttemptTimestamp: date(r.NextAttemptTimestamp),
            Result: r.Result,
            Error: r.Error
          })
        } as Operation
      case "CONTEXT":
        return {
          ...base,
          ContextDetails: defined({ ReplayChildren: r.ReplayChildren, Result: r.Result, Error: r.Error })
        } as Operation
      case "WAIT":
        return { ...base, WaitDetails: defined({ ScheduledEndTimestamp: date(r.ScheduledEndTimestamp) }) } as Operation
      case "CALLBACK":
        return {
          ...base,
          CallbackDetails: defined({ CallbackId: r.CallbackId, Result: r.Result, Error: r.Error })
        } as Operation
      case "CHAINED_INVOKE":
        return { ...base, ChainedInvokeDetails: defined({ Result: r.Result, Error: r.Error }) } as Operation
    }
  }

  /** Every update sent, flattened, in order. */
  updates(): Array<OperationUpdate> {
    return this.requests.flatMap((r) => r.updates)
  }

  /** Compact `ACTION TYPE SubType name rawishId` lines of every update sent (for readable assertions). */
  trace(): Array<string> {
    return this.updates().map(
      (u) => `${u.Action} ${u.Type}${u.SubType ? `/${u.SubType}` : ""}${u.Name === undefined ? "" : ` "${u.Name}"`}`
    )
  }

  /** The stored operation of a raw step id (for example `"2-1"`). */
  op(rawId: string): Rec | undefined {
    return this.ops.get(OperationId.hash(rawId))
  }

  /** Stored operations of a type, in creation order. */
  ofType(type: Op.OperationType): Array<Rec> {
    return [...this.ops.values()].filter((r) => r.Type === type)
  }

  byName(name: string): Rec | undefined {
    return [...this.ops.values()].find((r) => r.Name === name)
  }

  // ---------------------------------------------------------------------------------------------------------
  // What happens outside the function

  private callback(callbackId: string): Rec {
    const r = [...this.ops.values()].find((o) => o.CallbackId === callbackId)
    if (r === undefined) throw new Error(`no callback ${callbackId}`)
    if (r.Status !== "STARTED") throw new Error(`callback ${callbackId} is ${r.Status}`)
    return r
  }

  private finish(r: Rec, status: OperationStatus, result: string | undefined, error: ErrorObject | undefined): void {
    r.Status = status
    r.EndTimestamp = this.now
    r.Result = result
    r.Error = error
    r.timeoutAt = undefined
    r.heartbeatAt = undefined
    this.touch(r)
  }

  /** `SendDurableExecutionCallbackSuccess`. */
  completeCallback(callbackId: string, result?: string): void {
    this.finish(this.callback(callbackId), "SUCCEEDED", result, undefined)
  }

  /** `SendDurableExecutionCallbackFailure`. */
  failCallback(callbackId: string, error: ErrorObject): void {
    this.finish(this.callback(callbackId), "FAILED", undefined, error)
  }

  /** `SendDurableExecutionCallbackHeartbeat`: re-arms the heartbeat timer. */
  heartbeat(callbackId: string): void {
    const r = this.callback(callbackId)
    if (r.heartbeatSeconds !== undefined) r.heartbeatAt = this.now + r.heartbeatSeconds * 1000
  }

  /** The target of a chained invoke finished. `match` is the invoke's name, function name or wire id. */
  completeInvoke(match: string, outcome: InvokeOutcome): void {
    const r = [...this.ops.values()].find(
      (o) =>
        o.Type === "CHAINED_INVOKE" &&
        o.Status === "STARTED" &&
        (o.Name === match || o.FunctionName === match || o.Id === match)
    )
    if (r === undefined) throw new Error(`no running invoke ${match}`)
    if ("error" in outcome) this.finish(r, "FAILED", undefined, outcome.error)
    else if ("timedOut" in outcome) this.finish(r, "TIMED_OUT", undefined, outcome.timedOut)
    else if ("stopped" in outcome) this.finish(r, "STOPPED", undefined, outcome.stopped)
    else this.finish(r, "SUCCEEDED", outcome.result, undefined)
  }

  /** The earliest pending timer (wait end, retry time, callback timeout), if any. */
  nextTimerAt(): number | undefined {
    let next: number | undefined
    const consider = (t: number | undefined) => {
      if (t !== undefined && (next === undefined || t < next)) next = t
    }
    for (const r of this.ops.values()) {
      if (r.Type === "WAIT" && r.Status === "STARTED") consider(r.ScheduledEndTimestamp)
      if (r.Type === "STEP" && r.Status === "PENDING") consider(r.NextAttemptTimestamp)
      if (r.Type === "CALLBACK" && r.Status === "STARTED") {
        consider(r.timeoutAt)
        consider(r.heartbeatAt)
      }
    }
    return next
  }

  /** Moves virtual time forward and fires every timer due. */
  advance(ms: number): void {
    this.now += ms
    for (const r of this.ops.values()) {
      if (r.Type === "WAIT" && r.Status === "STARTED" && r.ScheduledEndTimestamp! <= this.now) {
        this.finish(r, "SUCCEEDED", undefined, undefined)
      } else if (r.Type === "STEP" && r.Status === "PENDING" && r.NextAttemptTimestamp! <= this.now) {
        r.Status = "READY"
        this.touch(r)
      } else if (r.Type === "CALLBACK" && r.Status === "STARTED") {
        if (r.timeoutAt !== undefined && r.timeoutAt <= this.now) {
          this.finish(r, "TIMED_OUT", undefined, { ErrorType: "Callback.Timeout", ErrorMessage: "Callback timed out" })
        } else if (r.heartbeatAt !== undefined && r.heartbeatAt <= this.now) {
          this.finish(r, "TIMED_OUT", undefined, {
            ErrorType: "Callback.Heartbeat",
            ErrorMessage: "Callback heartbeat timed out"
          })
        }
      }
    }
  }

  /** Jumps to the next timer and fires it; false if there is none. */
  skipToNextTimer(): boolean {
    const next = this.nextTimerAt()
    if (next === undefined) return false
    this.advance(Math.max(0, next - this.now))
    return true
  }

  /** Applies a policy to every waiting callback and running invoke; true if anything changed. */
  applyPolicy(policy: Policy): boolean {
    let changed = false
    for (const r of [...this.ops.values()]) {
      if (r.Type === "CALLBACK" && r.Status === "STARTED" && policy.callback !== undefined) {
        const outcome = policy.callback(r)
        if (outcome === undefined) continue
        if ("error" in outcome) this.failCallback(r.CallbackId!, outcome.error)
        else this.completeCallback(r.CallbackId!, outcome.result)
        changed = true
      }
      if (r.Type === "CHAINED_INVOKE" && r.Status === "STARTED" && policy.invoke !== undefined) {
        const outcome = policy.invoke(r)
        if (outcome === undefined) continue
        this.completeInvoke(r.Id, outcome)
        changed = true
      }
    }
    return changed
  }

  // ---------------------------------------------------------------------------------------------------------
  // Invocations

  /** The event of a new invocation (fresh token, visible state, paged if `pageSize` is set). */
  event(): Invocation.InvocationInputEncoded {
    const operations = this.visible()
    const token = this.nextToken()
    this.pages.clear()
    if (this.pageSize === undefined || operations.length <= this.pageSize) {
      return {
        DurableExecutionArn: this.arn,
        CheckpointToken: token,
        InitialExecutionState: { Operations: operations as any }
      }
    }
    const chunks: Array<ReadonlyArray<Operation>> = []
    for (let i = 0; i < operations.length; i += this.pageSize) chunks.push(operations.slice(i, i + this.pageSize))
    for (let i = 1; i < chunks.length; i++) {
      const marker = i + 1 < chunks.length ? `page-${i + 1}` : undefined
      this.pages.set(`page-${i}`, { Operations: chunks[i]!, ...(marker === undefined ? {} : { NextMarker: marker }) })
    }
    return {
      DurableExecutionArn: this.arn,
      CheckpointToken: token,
      InitialExecutionState: { Operations: chunks[0] as any, NextMarker: "page-1" }
    }
  }

  /** Runs one invocation of `handler`. A thrown invocation error comes back as a failed Exit. */
  invoke(handler: Handler.DurableHandler<never>): Effect.Effect<Exit.Exit<InvocationOutput, Handler.InvocationError>> {
    return Effect.gen({ self: this }, function* () {
      const exit = yield* Effect.exit(handler.invoke(this.event()).pipe(Effect.provide(this.layer)))
      if (Exit.isSuccess(exit)) {
        const output = exit.value
        this.outputs.push(output)
        if (output.Status !== "PENDING" && this.closed === undefined) {
          this.closed = output
          const execution = [...this.ops.values()].find((r) => r.Type === "EXECUTION")!
          execution.Status = output.Status
        }
      }
      return exit
    })
  }

  /**
   * Invokes until the execution closes: while suspended, applies `policy` (callbacks, invokes) and otherwise
   * jumps to the next timer. Stops when nothing can make progress or after `maxInvocations`.
   */
  run(
    handler: Handler.DurableHandler<never>,
    options?: { readonly policy?: Policy; readonly maxInvocations?: number }
  ): Effect.Effect<RunResult> {
    return Effect.gen({ self: this }, function* () {
      const max = options?.maxInvocations ?? 50
      const errors: Array<unknown> = []
      let invocations = 0
      while (invocations < max && this.closed === undefined) {
        invocations++
        const exit = yield* this.invoke(handler)
        if (Exit.isFailure(exit)) {
          errors.push(exit.cause)
          continue
        }
        if (exit.value.Status !== "PENDING") break
        const progressed = (options?.policy !== undefined && this.applyPolicy(options.policy)) || this.skipToNextTimer()
        if (!progressed) break
      }
      return { output: this.closed, invocations, invocationErrors: errors, outputs: this.outputs }
    })
  }

  /** Identity of every stored operation (for comparing two runs). */
  identities(): Array<string> {
    return FakeDurableService.identify([...this.ops.values()])
  }

  /**
   * Identity of the operations the service would return in state (descendants of completed contexts are left
   * out: a replay never needs them, and a history cut before they were written does not have them).
   */
  visibleIdentities(): Array<string> {
    const visible = new Set(this.visible().map((o) => o.Id))
    return FakeDurableService.identify([...this.ops.values()].filter((r) => visible.has(r.Id)))
  }

  private static identify(ops: ReadonlyArray<Rec>): Array<string> {
    return ops
      .filter((r) => r.Type !== "EXECUTION")
      .map((r) => `${r.Id} ${r.Type}/${r.SubType ?? ""} ${r.Name ?? "-"} parent=${r.ParentId ?? "-"} ${r.Status}`)
      .sort()
  }
}

/**
 * Re-runs `handler` from the state after every checkpoint of a reference run (as if the invocation had crashed
 * right after it), and from the original start, and reports every run whose output or operations differ.
 * Returns an empty array when every replay agrees with the reference.
 */
export const crashReplayMismatches = (
  handler: Handler.DurableHandler<never>,
  options: { readonly input?: unknown; readonly policy?: Policy }
): Effect.Effect<{
  readonly reference: RunResult
  readonly service: FakeDurableService
  readonly mismatches: Array<string>
}> =>
  Effect.gen(function* () {
    const service = new FakeDurableService({ input: options.input })
    const reference = yield* service.run(handler, options.policy === undefined ? {} : { policy: options.policy })
    const expectedOutput = JSON.stringify(reference.output)
    const expectedOps = service.identities()
    const mismatches: Array<string> = []
    for (let i = 0; i < service.snapshots.length; i++) {
      const replay = FakeDurableService.fromSnapshot(service.snapshots[i]!)
      const result = yield* replay.run(handler, options.policy === undefined ? {} : { policy: options.policy })
      const output = JSON.stringify(result.output)
      if (output !== expectedOutput) mismatches.push(`snapshot ${i}: output ${output} != ${expectedOutput}`)
      const ops = replay.identities()
      if (JSON.stringify(ops) !== JSON.stringify(expectedOps)) {
        mismatches.push(
          `snapshot ${i}: operations differ:\n  got      ${ops.join("\n           ")}\n  expected ${expectedOps.join("\n           ")}`
        )
      }
    }
    return { reference, service, mismatches }
  })

/**
 * Re-runs `handler` against every prefix of the reference run's recorded operations (in creation order, in
 * their final state), as if the history had been cut there, and reports every run whose output or visible
 * operations differ from the reference. Returns an empty array when every replay agrees.
 */
export const prefixReplayMismatches = (
  handler: Handler.DurableHandler<never>,
  options: { readonly input?: unknown; readonly policy?: Policy }
): Effect.Effect<{ readonly reference: RunResult; readonly prefixes: number; readonly mismatches: Array<string> }> =>
  Effect.gen(function* () {
    const service = new FakeDurableService({ input: options.input })
    const reference = yield* service.run(handler, options.policy === undefined ? {} : { policy: options.policy })
    const expectedOutput = JSON.stringify(reference.output)
    const expectedOps = service.visibleIdentities()
    const all = [...service.ops.values()]
    const execution = all.find((r) => r.Type === "EXECUTION")!
    const operations = all.filter((r) => r.Type !== "EXECUTION")
    const mismatches: Array<string> = []
    for (let k = 0; k <= operations.length; k++) {
      const replay = new FakeDurableService({
        now: service.now,
        ops: [{ ...execution, Status: "STARTED" }, ...operations.slice(0, k)]
      })
      const result = yield* replay.run(handler, options.policy === undefined ? {} : { policy: options.policy })
      const output = JSON.stringify(result.output)
      if (output !== expectedOutput) mismatches.push(`prefix ${k}: output ${output} != ${expectedOutput}`)
      const ops = replay.visibleIdentities()
      if (JSON.stringify(ops) !== JSON.stringify(expectedOps)) {
        mismatches.push(
          `prefix ${k}: operations differ:\n  got      ${ops.join("\n           ")}\n  expected ${expectedOps.join("\n           ")}`
        )
      }
    }
    return { reference, prefixes: operations.length + 1, mismatches }
  })
