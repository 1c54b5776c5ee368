/**
 * Live handles on the operations of an execution (`DurableOperation`, official names), and the statuses,
 * error and detail shapes results and handles share.
 *
 * @since 0.1.0
 */
import { type Operation, Wire as CoreWire } from "@durable-lambda/core"
import type { CallbackCall, ExecutionView } from "./ExecutionView.ts"
import type { HistoryEvent } from "./History.ts"
import type * as History from "./History.ts"
import { parsePayload } from "./internal/payload.ts"
import type { InvocationRecord } from "./internal/simulation/records.ts"
import type * as Wire from "./Wire.ts"

/**
 * The official `ExecutionStatus` values (the Lambda API's, `DELETING` / `PAUSED` / `PAUSING` included; the
 * runners only ever report the five of `RunStatus`).
 *
 * @since 0.1.0
 */
export const ExecutionStatus = {
  RUNNING: "RUNNING",
  SUCCEEDED: "SUCCEEDED",
  FAILED: "FAILED",
  TIMED_OUT: "TIMED_OUT",
  STOPPED: "STOPPED",
  DELETING: "DELETING",
  PAUSED: "PAUSED",
  PAUSING: "PAUSING"
} as const

/**
 * Any execution status of the Lambda API.
 *
 * @since 0.1.0
 */
export type ExecutionStatus = (typeof ExecutionStatus)[keyof typeof ExecutionStatus]

/**
 * The statuses a run reports (`getStatus()`, `GetDurableExecution`).
 *
 * @since 0.1.0
 */
export type RunStatus = "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "STOPPED" | "RUNNING"

/**
 * How `CloudDurableTestRunner` invokes the function (the Lambda API's `InvocationType`).
 *
 * @since 0.1.0
 */
export const InvocationType = {
  DryRun: "DryRun",
  Event: "Event",
  RequestResponse: "RequestResponse"
} as const

/**
 * One of `InvocationType`'s values.
 *
 * @since 0.1.0
 */
export type InvocationType = (typeof InvocationType)[keyof typeof InvocationType]

/**
 * The official `OperationStatus` values (the wire model's, from `@durable-lambda/core`).
 *
 * @since 0.1.0
 */
export const OperationStatus = CoreWire.OperationStatus

/**
 * One of `OperationStatus`'s values.
 *
 * @since 0.1.0
 */
export type OperationStatus = CoreWire.OperationStatus

/**
 * The official `OperationType` values (the wire model's, from `@durable-lambda/core`).
 *
 * @since 0.1.0
 */
export const OperationType = CoreWire.OperationType

/**
 * One of `OperationType`'s values.
 *
 * @since 0.1.0
 */
export type OperationType = CoreWire.OperationType

/**
 * What the callback API calls answer (the Lambda client's response: only `$metadata`).
 *
 * @since 0.1.0
 */
export interface SendCallbackResponse {
  readonly $metadata: {
    readonly httpStatusCode?: number
    readonly requestId?: string
    readonly extendedRequestId?: string
    readonly cfId?: string
    readonly attempts?: number
    readonly totalRetryDelay?: number
  }
}

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
  readonly stackTrace: Array<string> | undefined
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
  /** The output's or the function error's error; undefined when it succeeded or suspended. */
  readonly error: TestResultError | undefined
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
  readonly result?: R
  readonly error?: TestResultError
}

/** What `getChainedInvokeDetails()` returns (official `ChainedInvokeDetails`). @since 0.1.0 */
export interface ChainedInvokeDetails<R = unknown> {
  readonly result?: R
  readonly error?: TestResultError
}

/** What `getWaitDetails()` returns (official `WaitResultDetails`). @since 0.1.0 */
export interface WaitResultDetails {
  readonly waitSeconds?: number
  readonly scheduledEndTimestamp?: Date
}

/**
 * The official error shape of an `ErrorObject`.
 *
 * @since 0.1.0
 */
export const toTestResultError = (o: Operation.ErrorObject | undefined): TestResultError | undefined =>
  o === undefined
    ? undefined
    : {
        errorMessage: o.ErrorMessage,
        errorType: o.ErrorType,
        errorData: o.ErrorData,
        stackTrace: o.StackTrace === undefined ? undefined : [...o.StackTrace]
      }

const TERMINAL: ReadonlySet<string> = new Set(["SUCCEEDED", "FAILED", "CANCELLED", "STOPPED", "TIMED_OUT"])

/** Where handles read their data: the runner's latest execution. @internal */
export interface Source {
  readonly view: () => ExecutionView | undefined
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
    return (
      this.#source
        .view()
        ?.operations()
        .filter((op) => op.Type !== "EXECUTION") ?? []
    )
  }

  /** The raw operation (official `Operation`), or undefined while it does not exist. */
  getOperationData(): Wire.Operation | undefined {
    return this.#record() as Wire.Operation | undefined
  }

  #record(): Operation.Operation | undefined {
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
  getEvents(): Array<History.Event> {
    const op = this.#record()
    const view = this.#source.view()
    if (op === undefined || view === undefined) return []
    return view.history().filter((e) => e.Id === op.Id) as Array<History.Event>
  }

  /** The operation Id (undefined until the operation exists). */
  getId(): string | undefined {
    return this.#record()?.Id
  }
  /** The Id of the parent CONTEXT, if nested. */
  getParentId(): string | undefined {
    return this.#record()?.ParentId
  }
  /** The operation's name, if it has one. */
  getName(): string | undefined {
    return this.#record()?.Name
  }
  /** `STEP`, `WAIT`, `CALLBACK`, `CONTEXT`, `CHAINED_INVOKE`. */
  getType(): Operation.OperationType | undefined {
    return this.#record()?.Type
  }
  /** The SubType (`Step`, `Wait`, `RunInChildContext`, `WaitForCallback`, ...). */
  getSubType(): string | undefined {
    return this.#record()?.SubType
  }
  /** Current status (live while the run is in progress). */
  getStatus(): Operation.OperationStatus | undefined {
    return this.#record()?.Status
  }
  /** When the service created the operation (virtual time by default). */
  getStartTimestamp(): Date | undefined {
    return this.#record()?.StartTimestamp
  }
  /** When the operation reached a terminal status (set for every terminal status, waits included). */
  getEndTimestamp(): Date | undefined {
    return this.#record()?.EndTimestamp
  }

  /** Whether it is a `waitForCallback` CONTEXT. */
  isWaitForCallback(): boolean {
    const op = this.#record()
    return op?.Type === "CONTEXT" && op.SubType === "WaitForCallback"
  }

  /** Whether it is a CALLBACK operation. */
  isCallback(): boolean {
    return this.#record()?.Type === "CALLBACK"
  }

  /** The operation if it exists (undefined otherwise); throws when it exists with another type. */
  #typed(type: Operation.OperationType, label: string = type): Operation.Operation | undefined {
    const op = this.#record()
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
    const op = this.#record()
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
      // A failed or timed-out callback always has an error object, even when no error was sent.
      ...(d.Error !== undefined || op.Status === "FAILED" || op.Status === "TIMED_OUT"
        ? { error: toTestResultError(d.Error ?? {})! }
        : {})
    }
  }

  /** CHAINED_INVOKE details: parsed result, error. Undefined until the operation exists. */
  getChainedInvokeDetails(): ChainedInvokeDetails<TResult> | undefined {
    const op = this.#typed("CHAINED_INVOKE", "INVOKE")
    if (op === undefined) return undefined
    const result = parsePayload(op.ChainedInvokeDetails?.Result) as TResult | undefined
    const error = toTestResultError(op.ChainedInvokeDetails?.Error)
    return {
      ...(result !== undefined ? { result } : {}),
      ...(error !== undefined ? { error } : {})
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
    const id = this.getId()
    const child = id === undefined ? undefined : this.#source.view()?.child(id)
    if (child === undefined) return undefined
    return {
      durableExecutionArn: child.arn,
      status: child.description?.Status ?? "RUNNING",
      history: child.history,
      operations: child.operations
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
        if (this.#source.view()?.finished() === true) {
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
        const view = this.#source.view()
        if (view === undefined) {
          poll = setImmediate(attach)
          return
        }
        poll = undefined
        unsubscribe = view.onChange(() => void check())
        check()
      }
      attach()
    })
  }

  #matches(status: WaitingOperationStatus): boolean {
    const op = this.#record()
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

  #callbackId(): { readonly view: ExecutionView; readonly id: string } {
    const view = this.#source.view()
    if (view === undefined) throw new Error("The execution has not started")
    return { view, id: this.getCallbackDetails().callbackId }
  }

  /**
   * Completes the callback successfully with `result` (text, as the service's API body), as an external
   * system would. Rejects with the service's error (`CallbackTimeoutException` for a closed callback).
   */
  sendCallbackSuccess(result?: string): Promise<SendCallbackResponse> {
    return this.#send({ _tag: "success", result })
  }

  /** Fails the callback with `error`, as an external system would. */
  sendCallbackFailure(error?: Wire.ErrorObject): Promise<SendCallbackResponse> {
    return this.#send({ _tag: "failure", error: error as Operation.ErrorObject | undefined })
  }

  /** Sends a heartbeat for the callback (restarts its heartbeat timeout). */
  sendCallbackHeartbeat(): Promise<SendCallbackResponse> {
    return this.#send({ _tag: "heartbeat" })
  }

  #send(call: CallbackCall): Promise<SendCallbackResponse> {
    try {
      const { view, id } = this.#callbackId()
      return view.sendCallback(id, call).then(() => ({ $metadata: { httpStatusCode: 200 } }))
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
  readonly status: RunStatus
  readonly history: ReadonlyArray<HistoryEvent>
  readonly operations: ReadonlyArray<Operation.Operation>
}
