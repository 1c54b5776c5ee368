/**
 * The outcome of a simulated execution (`TestResult`) and live handles on its operations
 * (`DurableOperation`), with the official testing library's method names so existing tests port by changing
 * the import, plus extras: invocation records, cost summary, timeline, child executions of chained invokes.
 *
 * @since 0.1.0
 */
import type { Operation } from "@durable-lambda/core"
import { Result } from "effect"
import type { HistoryEvent } from "./History.ts"
import type { InvocationRecord, Simulation } from "./internal/simulation.ts"
import * as Timeline from "./Timeline.ts"

/**
 * Status of a finished execution (`GetDurableExecution` status).
 *
 * @since 0.1.0
 */
export type ExecutionStatus = "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "STOPPED" | "RUNNING"

/**
 * The official `ExecutionStatus` values.
 *
 * @since 0.1.0
 */
export const ExecutionStatus = {
  RUNNING: "RUNNING",
  SUCCEEDED: "SUCCEEDED",
  FAILED: "FAILED",
  TIMED_OUT: "TIMED_OUT",
  STOPPED: "STOPPED"
} as const

/**
 * The official `OperationStatus` values.
 *
 * @since 0.1.0
 */
export const OperationStatus = {
  STARTED: "STARTED",
  PENDING: "PENDING",
  READY: "READY",
  SUCCEEDED: "SUCCEEDED",
  FAILED: "FAILED",
  CANCELLED: "CANCELLED",
  TIMED_OUT: "TIMED_OUT",
  STOPPED: "STOPPED"
} as const

/**
 * The official `OperationType` values.
 *
 * @since 0.1.0
 */
export const OperationType = {
  EXECUTION: "EXECUTION",
  CONTEXT: "CONTEXT",
  STEP: "STEP",
  WAIT: "WAIT",
  CALLBACK: "CALLBACK",
  CHAINED_INVOKE: "CHAINED_INVOKE"
} as const

/**
 * What `waitForData` waits for: `STARTED` (the operation exists), `SUBMITTED` (for a waitForCallback: the
 * submitter finished, so the callback id is out; otherwise terminal), `COMPLETED` (terminal).
 *
 * @since 0.1.0
 */
export const WaitingOperationStatus = {
  STARTED: "STARTED",
  SUBMITTED: "SUBMITTED",
  COMPLETED: "COMPLETED"
} as const
/** @since 0.1.0 */
export type WaitingOperationStatus = (typeof WaitingOperationStatus)[keyof typeof WaitingOperationStatus]

/**
 * An error as the official testing library exposes it.
 *
 * @since 0.1.0
 */
export interface TestResultError {
  readonly errorMessage: string | undefined
  readonly errorType: string | undefined
  readonly errorData: string | undefined
  readonly stackTrace: ReadonlyArray<string> | undefined
}

/**
 * One invocation, from its InvocationCompleted event, with the harness's extra bookkeeping.
 *
 * @since 0.1.0
 */
export interface Invocation {
  readonly startTimestamp: Date
  readonly endTimestamp: Date | undefined
  readonly requestId: string
  readonly error?: TestResultError
  /** 1-based index in the execution. */
  readonly index: number
  /** Output status, `ERROR` (the handler threw an invocation error) or `CRASHED` (runtime died or timed out). */
  readonly status: InvocationRecord["status"]
  /** Operations the invocation found recorded (and replayed) when it began. */
  readonly replayedOperations: number
  /** Ids of operations it created. */
  readonly newOperationIds: ReadonlyArray<string>
  readonly checkpointCalls: number
  readonly checkpointBytes: number
  /** The fault injected into it, if any (`CrashAfterCheckpoint@3`, ...). */
  readonly fault: string | undefined
}

/** What `getStepDetails()` returns (official `StepDetails`). @since 0.1.0 */
export interface StepDetails<R = unknown> {
  readonly attempt: number | undefined
  readonly nextAttemptTimestamp: Date | undefined
  readonly result: R | undefined
  readonly error: TestResultError | undefined
}

/** What `getContextDetails()` returns (official `ContextDetails`). @since 0.1.0 */
export interface ContextDetails<R = unknown> {
  readonly result: R | undefined
  readonly error: TestResultError | undefined
}

/** What `getCallbackDetails()` returns (official `CallbackDetails`). @since 0.1.0 */
export interface CallbackDetails<R = unknown> {
  readonly callbackId: string
  readonly result?: R | undefined
  readonly error?: TestResultError | undefined
}

/** What `getChainedInvokeDetails()` returns (official `ChainedInvokeDetails`). @since 0.1.0 */
export interface ChainedInvokeDetails<R = unknown> {
  readonly result: R | undefined
  readonly error: TestResultError | undefined
}

/** What `getWaitDetails()` returns (official `WaitResultDetails`). @since 0.1.0 */
export interface WaitResultDetails {
  readonly waitSeconds: number | undefined
  readonly scheduledEndTimestamp: Date | undefined
}

/**
 * The official error shape of an `ErrorObject`.
 *
 * @since 0.1.0
 */
export const toTestResultError = (o: Operation.ErrorObject | undefined): TestResultError | undefined =>
  o === undefined
    ? undefined
    : { errorMessage: o.ErrorMessage, errorType: o.ErrorType, errorData: o.ErrorData, stackTrace: o.StackTrace }

/** JSON-parses a payload; the raw string when it is not JSON; undefined when absent. */
const parsePayload = (payload: string | undefined): unknown => {
  if (payload === undefined || payload === "") return undefined
  try {
    return JSON.parse(payload)
  } catch {
    return payload
  }
}

const TERMINAL: ReadonlySet<string> = new Set(["SUCCEEDED", "FAILED", "CANCELLED", "STOPPED", "TIMED_OUT"])

/** Where handles read their data: the runner's latest simulation. @internal */
export interface Source {
  readonly simulation: () => Simulation | undefined
  readonly arn: () => string | undefined
}

/** How a handle finds its operation. @internal */
export type Locator =
  | { readonly _tag: "Id"; readonly id: string }
  | { readonly _tag: "Name"; readonly name: string; readonly index: number }
  | { readonly _tag: "Index"; readonly index: number }

/**
 * A live handle on one operation of an execution (official `DurableOperation`). Handles can be created
 * before or during `run()`; accessors return `undefined` (or throw, for the typed details) until the
 * operation exists.
 *
 * @since 0.1.0
 */
export class DurableOperation<TResult = any> {
  readonly #source: Source
  readonly #locator: Locator

  /** @internal */
  constructor(source: Source, locator: Locator) {
    this.#source = source
    this.#locator = locator
  }

  #all(): ReadonlyArray<Operation.Operation> {
    const sim = this.#source.simulation()
    const arn = this.#source.arn()
    if (sim === undefined || arn === undefined) return []
    return sim.state.operations(arn).filter((op) => op.Type !== "EXECUTION")
  }

  /** The raw operation (Smithy `Operation`), or undefined while it does not exist. */
  getOperationData(): Operation.Operation | undefined {
    const ops = this.#all()
    const l = this.#locator
    switch (l._tag) {
      case "Id":
        return ops.find((op) => op.Id === l.id)
      case "Name":
        return ops.filter((op) => op.Name === l.name)[l.index]
      case "Index":
        return ops[l.index]
    }
  }

  /** The operation's history events, in order. */
  getEvents(): Array<HistoryEvent> {
    const op = this.getOperationData()
    const sim = this.#source.simulation()
    const arn = this.#source.arn()
    if (op === undefined || sim === undefined || arn === undefined) return []
    const history = sim.state.getHistory(arn)
    return Result.isSuccess(history) ? history.success.filter((e) => e.Id === op.Id) : []
  }

  /** The operation Id (undefined until the operation exists). */
  getId(): string | undefined {
    return this.getOperationData()?.Id
  }
  /** The Id of the parent CONTEXT, if nested. */
  getParentId(): string | undefined {
    return this.getOperationData()?.ParentId
  }
  /** The operation's name, if it has one. */
  getName(): string | undefined {
    return this.getOperationData()?.Name
  }
  /** `STEP`, `WAIT`, `CALLBACK`, `CONTEXT`, `CHAINED_INVOKE`. */
  getType(): Operation.OperationType | undefined {
    return this.getOperationData()?.Type
  }
  /** The SubType (`Step`, `Wait`, `RunInChildContext`, `WaitForCallback`, ...). */
  getSubType(): string | undefined {
    return this.getOperationData()?.SubType
  }
  /** Current status (live while the run is in progress). */
  getStatus(): Operation.OperationStatus | undefined {
    return this.getOperationData()?.Status
  }
  /** When the service created the operation (virtual time by default). */
  getStartTimestamp(): Date | undefined {
    return this.getOperationData()?.StartTimestamp
  }
  /** When the operation reached a terminal status (set for every terminal status, waits included). */
  getEndTimestamp(): Date | undefined {
    return this.getOperationData()?.EndTimestamp
  }

  /** Whether it is a `waitForCallback` CONTEXT. */
  isWaitForCallback(): boolean {
    const op = this.getOperationData()
    return op?.Type === "CONTEXT" && op.SubType === "WaitForCallback"
  }

  /** Whether it is a CALLBACK operation. */
  isCallback(): boolean {
    return this.getOperationData()?.Type === "CALLBACK"
  }

  /** The operation if it exists (undefined otherwise); throws when it exists with another type. */
  #typed(type: Operation.OperationType, label: string = type): Operation.Operation | undefined {
    const op = this.getOperationData()
    if (op === undefined) return undefined
    if (op.Type !== type) throw new Error(`Operation type ${op.Type} is not ${label}`)
    return op
  }

  /**
   * STEP details: attempts finished, next attempt time, JSON-parsed result, error. Undefined until the
   * operation exists; throws for another type.
   */
  getStepDetails(): StepDetails<TResult> | undefined {
    const op = this.#typed("STEP")
    if (op === undefined) return undefined
    return {
      attempt: op.StepDetails?.Attempt,
      nextAttemptTimestamp: op.StepDetails?.NextAttemptTimestamp,
      result: parsePayload(op.StepDetails?.Result) as TResult | undefined,
      error: toTestResultError(op.StepDetails?.Error)
    }
  }

  /** CONTEXT details: JSON-parsed result, error. Undefined until the operation exists. */
  getContextDetails(): ContextDetails<TResult> | undefined {
    const op = this.#typed("CONTEXT")
    if (op === undefined) return undefined
    return {
      result: parsePayload(op.ContextDetails?.Result) as TResult | undefined,
      error: toTestResultError(op.ContextDetails?.Error)
    }
  }

  /** WAIT details from its WaitStarted event: requested seconds and scheduled end. Undefined until it exists. */
  getWaitDetails(): WaitResultDetails | undefined {
    if (this.#typed("WAIT") === undefined) return undefined
    const first = this.getEvents()[0] as
      { WaitStartedDetails?: { Duration: number; ScheduledEndTimestamp: Date } } | undefined
    const details = first?.WaitStartedDetails
    if (details === undefined) throw new Error("First wait event does not have WaitStartedDetails")
    return { waitSeconds: details.Duration, scheduledEndTimestamp: details.ScheduledEndTimestamp }
  }

  #callbackOperation(): Operation.Operation {
    const op = this.getOperationData()
    if (op === undefined) throw new Error("Could not find callback details")
    if (op.Type === "CALLBACK") return op
    if (op.Type === "CONTEXT" && op.SubType === "WaitForCallback") {
      const child = this.#all().find((c) => c.ParentId === op.Id && c.Type === "CALLBACK")
      if (child === undefined) throw new Error("Could not find CALLBACK operation in WAIT_FOR_CALLBACK context")
      return child
    }
    throw new Error(`Operation with Type ${op.Type} and SubType ${op.SubType} is not a valid callback`)
  }

  /** CALLBACK (or waitForCallback CONTEXT) details: callback id, parsed result, error. */
  getCallbackDetails(): CallbackDetails<TResult> {
    const op = this.#callbackOperation()
    const d = op.CallbackDetails
    if (d?.CallbackId === undefined) throw new Error("Could not find callback details")
    return {
      callbackId: d.CallbackId,
      ...(d.Result !== undefined ? { result: parsePayload(d.Result) as TResult } : {}),
      ...(d.Error !== undefined ? { error: toTestResultError(d.Error) } : {})
    }
  }

  /** CHAINED_INVOKE details: parsed result, error. Undefined until the operation exists. */
  getChainedInvokeDetails(): ChainedInvokeDetails<TResult> | undefined {
    const op = this.#typed("CHAINED_INVOKE", "INVOKE")
    if (op === undefined) return undefined
    return {
      result: parsePayload(op.ChainedInvokeDetails?.Result) as TResult | undefined,
      error: toTestResultError(op.ChainedInvokeDetails?.Error)
    }
  }

  /** Handles on the direct children (by ParentId), in first-seen order. */
  getChildOperations(): Array<DurableOperation> {
    const id = this.getId()
    if (id === undefined) return []
    return this.#all()
      .filter((op) => op.ParentId === id)
      .map((op) => new DurableOperation(this.#source, { _tag: "Id", id: op.Id }))
  }

  /**
   * The execution a chained invoke started (for a registered durable function): its status, result and
   * history. Undefined for plain targets or before it starts.
   */
  getChildExecution(): ChildExecution | undefined {
    const sim = this.#source.simulation()
    const arn = this.#source.arn()
    const id = this.getId()
    if (sim === undefined || arn === undefined || id === undefined) return undefined
    const child = sim.childrenOf(arn).get(id)
    if (child === undefined) return undefined
    const history = sim.state.getHistory(child)
    const description = sim.state.getExecution(child)
    return {
      durableExecutionArn: child,
      status: Result.isSuccess(description) ? description.success.Status : "RUNNING",
      history: Result.isSuccess(history) ? history.success : [],
      operations: sim.state.operations(child)
    }
  }

  /**
   * Resolves when the operation reaches `status` (default `STARTED`: exists). Rejects when the run ends
   * without it.
   */
  waitForData(status: WaitingOperationStatus = WaitingOperationStatus.STARTED): Promise<this> {
    return new Promise<this>((resolve, reject) => {
      let unsubscribe: (() => void) | undefined
      let poll: ReturnType<typeof setImmediate> | undefined
      const check = (): boolean => {
        if (this.#matches(status)) {
          unsubscribe?.()
          if (poll !== undefined) clearImmediate(poll)
          resolve(this)
          return true
        }
        const sim = this.#source.simulation()
        if (sim?.finished === true) {
          unsubscribe?.()
          reject(
            new Error(
              `Operation was not found after execution completion. Expected status: ${status}. This typically means the operation was never executed or the test is waiting for the wrong operation.`
            )
          )
          return true
        }
        return false
      }
      if (check()) return
      // The simulation may not exist yet (handle created before run()): poll until it does.
      const attach = () => {
        const sim = this.#source.simulation()
        if (sim === undefined) {
          poll = setImmediate(attach)
          return
        }
        poll = undefined
        unsubscribe = sim.onChange(() => void check())
        check()
      }
      attach()
    })
  }

  #matches(status: WaitingOperationStatus): boolean {
    const op = this.getOperationData()
    if (op === undefined) return false
    if (op.Type === "CONTEXT" && op.SubType === "WaitForCallback") {
      const children = this.#all().filter((c) => c.ParentId === op.Id)
      const callback = children.find((c) => c.Type === "CALLBACK")
      const submitter = children.find((c) => c.Type === "STEP")
      if (status === "STARTED") return callback !== undefined
      if (status === "SUBMITTED")
        return (
          (submitter !== undefined && TERMINAL.has(submitter.Status)) ||
          (callback !== undefined && TERMINAL.has(callback.Status))
        )
      return callback !== undefined && TERMINAL.has(callback.Status)
    }
    if (status === "STARTED") return true
    return TERMINAL.has(op.Status)
  }

  #callbackId(): { readonly sim: Simulation; readonly id: string } {
    const sim = this.#source.simulation()
    if (sim === undefined) throw new Error("The execution has not started")
    return { sim, id: this.getCallbackDetails().callbackId }
  }

  /**
   * Completes the callback successfully with `result` (text, as the service's API body), as an external
   * system would. Rejects with the service's error (`CallbackTimeoutException` for a closed callback).
   */
  sendCallbackSuccess(result?: string): Promise<{}> {
    return this.#send((sim, id) => sim.state.sendCallbackSuccess(id, result))
  }

  /** Fails the callback with `error`, as an external system would. */
  sendCallbackFailure(error?: Operation.ErrorObject): Promise<{}> {
    return this.#send((sim, id) => sim.state.sendCallbackFailure(id, error))
  }

  /** Sends a heartbeat for the callback (restarts its heartbeat timeout). */
  sendCallbackHeartbeat(): Promise<{}> {
    return this.#send((sim, id) => sim.state.sendCallbackHeartbeat(id))
  }

  #send(
    f: (sim: Simulation, id: string) => Result.Result<unknown, { readonly code: string; readonly message: string }>
  ): Promise<{}> {
    try {
      const { sim, id } = this.#callbackId()
      const result = sim.external(() => f(sim, id))
      if (Result.isFailure(result)) {
        const error = new Error(result.failure.message)
        error.name = result.failure.code
        return Promise.reject(error)
      }
      return Promise.resolve({})
    } catch (error) {
      return Promise.reject(error)
    }
  }
}

/**
 * An execution started by a chained invoke of a registered durable function.
 *
 * @since 0.1.0
 */
export interface ChildExecution {
  readonly durableExecutionArn: string
  readonly status: ExecutionStatus
  readonly history: ReadonlyArray<HistoryEvent>
  readonly operations: ReadonlyArray<Operation.Operation>
}

/**
 * Costs of a run, for the cost summary.
 *
 * @since 0.1.0
 */
export interface CostSummary {
  readonly invocations: number
  /** Invocations that ended with a function error or crash. */
  readonly failedInvocations: number
  readonly checkpointCalls: number
  /** UTF-8 bytes of every checkpoint request (token + updates). */
  readonly checkpointBytes: number
  readonly getStateCalls: number
  /** History events recorded. */
  readonly events: number
  /**
   * Billed-duration estimate: per invocation, the virtual time it spanned plus the real compute time it
   * took here, rounded up to 1 ms, summed.
   */
  readonly billedDurationMillis: number
  /** GB-seconds at the configured memory size. */
  readonly gbSeconds: number
  /** Virtual (or real) time from start to the end of the execution. */
  readonly elapsedMillis: number
}

/**
 * The result of `run()` (official `TestResult`), a snapshot taken when the execution finished.
 *
 * @since 0.1.0
 */
export class TestResult<TResult = any> {
  readonly #sim: Simulation
  readonly #arn: string
  readonly #handles: Source
  readonly #status: ExecutionStatus
  readonly #result: string | undefined
  readonly #error: Operation.ErrorObject | undefined
  readonly #history: ReadonlyArray<HistoryEvent>
  readonly #operations: ReadonlyArray<Operation.Operation>

  /** @internal */
  constructor(sim: Simulation, arn: string) {
    this.#sim = sim
    this.#arn = arn
    this.#handles = { simulation: () => sim, arn: () => arn }
    const description = sim.state.getExecution(arn)
    if (Result.isFailure(description)) throw new Error(`Unknown execution ${arn}`)
    this.#status = description.success.Status
    this.#result = description.success.Result
    this.#error = description.success.Error
    const history = sim.state.getHistory(arn)
    this.#history = Result.isSuccess(history) ? history.success : []
    this.#operations = sim.state.operations(arn)
  }

  /** The execution ARN. */
  getDurableExecutionArn(): string {
    return this.#arn
  }

  /** `SUCCEEDED`, `FAILED`, `TIMED_OUT` or `STOPPED`. */
  getStatus(): ExecutionStatus {
    return this.#status
  }

  /**
   * The JSON-parsed result (the raw string if not JSON, undefined if absent). Throws the execution's error
   * (message and stack rebuilt) when it did not succeed.
   */
  getResult(): TResult | undefined {
    if (this.#status !== "SUCCEEDED") {
      const error = new Error(this.#error?.ErrorMessage || "Execution failed")
      if (this.#error?.ErrorType !== undefined) error.name = this.#error.ErrorType
      if (this.#error?.StackTrace !== undefined) error.stack = this.#error.StackTrace.join("\n")
      throw error
    }
    return parsePayload(this.#result) as TResult | undefined
  }

  /** The raw result payload string. */
  getResultPayload(): string | undefined {
    return this.#result
  }

  /** The execution's error. Throws on success, or when no error object was recorded. */
  getError(): TestResultError {
    if (this.#status === "SUCCEEDED") throw new Error("Cannot get error for succeeded execution")
    const error = toTestResultError(this.#error)
    if (error === undefined) throw new Error("Could not find error result")
    return error
  }

  /** Every non-EXECUTION operation (nested included), first-seen order, optionally of one status. */
  getOperations(params?: { readonly status?: Operation.OperationStatus }): Array<DurableOperation> {
    return this.#operations
      .filter((op) => op.Type !== "EXECUTION" && (params?.status === undefined || op.Status === params.status))
      .map((op) => new DurableOperation(this.#handles, { _tag: "Id", id: op.Id }))
  }

  /** Handle on the `index`-th (default 0) operation named `name`. */
  getOperation(name: string, index = 0): DurableOperation {
    return new DurableOperation(this.#handles, { _tag: "Name", name, index })
  }

  /** Handle on the `index`-th non-EXECUTION operation (nested ones counted where first checkpointed). */
  getOperationByIndex(index: number): DurableOperation {
    return new DurableOperation(this.#handles, { _tag: "Index", index })
  }

  /** Same as `getOperation(name, index)`. */
  getOperationByNameAndIndex(name: string, index: number): DurableOperation {
    return this.getOperation(name, index)
  }

  /** Handle by operation Id. */
  getOperationById(id: string): DurableOperation {
    return new DurableOperation(this.#handles, { _tag: "Id", id })
  }

  /** One entry per invocation the service recorded (duplicates excluded), in order. */
  getInvocations(): Array<Invocation> {
    return this.#sim.invocationsOf(this.#arn).map(toInvocation)
  }

  /** Duplicate deliveries injected by `DuplicateInvocation` faults (never recorded by the service). */
  getDuplicateInvocations(): Array<Invocation> {
    return this.#sim.duplicatesOf(this.#arn).map(toInvocation)
  }

  /** Every history event, EventId order, in the service's exact format. */
  getHistoryEvents(): Array<HistoryEvent> {
    return [...this.#history]
  }

  /** Raw operations as the service stores them (EXECUTION first). */
  getRawOperations(): ReadonlyArray<Operation.Operation> {
    return this.#operations
  }

  /** Invocations, checkpoint calls and bytes, billed-duration estimate. */
  getCostSummary(): CostSummary {
    return Timeline.cost(this.#sim, this.#arn)
  }

  /** The timeline and cost summary as text (what `print` writes). */
  format(options?: Timeline.PrintOptions): string {
    return Timeline.format(this.#sim, this.#arn, options)
  }

  /**
   * Prints the operations table (official columns), the timeline of invocations and events with virtual
   * time, and the cost summary.
   */
  print(options?: Timeline.PrintOptions): void {
    const write = options?.write ?? ((text: string) => console.log(text))
    write(this.format(options))
  }
}

const toInvocation = (r: InvocationRecord): Invocation => ({
  startTimestamp: r.startTimestamp,
  endTimestamp: r.endTimestamp,
  requestId: r.requestId,
  ...(r.error !== undefined ? { error: toTestResultError(r.error)! } : {}),
  index: r.index,
  status: r.status,
  replayedOperations: r.operationsAtStart,
  newOperationIds: [...r.newOperationIds],
  checkpointCalls: r.checkpointCalls,
  checkpointBytes: r.checkpointBytes,
  fault: r.fault
})
