/**
 * The result of a run (`TestResult`, official names), a snapshot taken when the execution finished, with
 * extras: invocation records, cost summary, timeline, rejected callback answers.
 *
 * @since 0.1.0
 */
import type { Operation } from "@durable-lambda/core"
import {
  DurableOperation,
  type Invocation,
  type RunStatus,
  type Source,
  type TestResultError,
  toTestResultError
} from "./DurableOperation.ts"
import type { ExecutionView } from "./ExecutionView.ts"
import type { HistoryEvent } from "./History.ts"
import * as History from "./History.ts"
import { parsePayload } from "./internal/payload.ts"
import * as Report from "./internal/report.ts"
import { register } from "./internal/resultViews.ts"
import type { InvocationRecord, RejectedCallbackAnswer } from "./internal/simulation/records.ts"

export type { CostSummary } from "./internal/report.ts"

/**
 * The result of `run()` (official `TestResult`), a snapshot taken when the execution finished.
 *
 * @since 0.1.0
 */
export class TestResult<TResult = any> {
  readonly #view: ExecutionView
  readonly #arn: string
  readonly #handles: Source
  readonly #status: RunStatus
  readonly #result: string | undefined
  readonly #error: Operation.ErrorObject | undefined
  readonly #history: ReadonlyArray<HistoryEvent>
  readonly #operations: ReadonlyArray<Operation.Operation>

  /** @internal */
  constructor(view: ExecutionView, arn: string) {
    register(this, view)
    this.#view = view
    this.#arn = arn
    this.#handles = { view: () => view }
    const description = view.description()
    if (description === undefined) throw new Error(`Unknown execution ${arn}`)
    this.#status = description.Status
    this.#result = description.Result
    this.#error = description.Error
    this.#history = view.history()
    this.#operations = view.operations()
  }

  /** The execution ARN. */
  getDurableExecutionArn(): string {
    return this.#arn
  }

  /** `SUCCEEDED`, `FAILED`, `TIMED_OUT` or `STOPPED`. */
  getStatus(): RunStatus {
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
    return this.#view.invocations().map(toInvocation)
  }

  /**
   * Scripted callback answers (`Callbacks`, `onCallback`) the service rejected — sent after the callback
   * completed or timed out, or too large — in order. Empty for cloud runs.
   */
  getRejectedCallbackAnswers(): ReadonlyArray<RejectedCallbackAnswer> {
    return this.#view.local?.rejectedCallbackAnswers() ?? []
  }

  /** Duplicate deliveries injected by `DuplicateInvocation` faults (never recorded by the service). */
  getDuplicateInvocations(): Array<Invocation> {
    return this.#view.duplicates().map(toInvocation)
  }

  /** Every history event, EventId order, in the service's exact format. */
  getHistoryEvents(): Array<History.Event> {
    return [...this.#history] as Array<History.Event>
  }

  /** Raw operations as the service stores them (EXECUTION first). */
  getRawOperations(): ReadonlyArray<Operation.Operation> {
    return this.#operations
  }

  /** Invocations, checkpoint calls and bytes, billed-duration estimate. */
  getCostSummary(): Report.CostSummary {
    if (this.#view.local === undefined) throw new Error("The cost summary is available for local runs only")
    return Report.cost(this.#view)
  }

  /** The timeline and cost summary as text (what `print` writes); the history for a cloud run. */
  format(options?: Report.PrintOptions): string {
    return this.#view.local === undefined ? History.describe(this.#history) : Report.format(this.#view, options)
  }

  /**
   * Prints the operations table (official columns), the timeline of invocations and events with virtual
   * time, and the cost summary.
   */
  print(options?: Report.PrintOptions): void {
    const write = options?.write ?? ((text: string) => console.log(text))
    write(this.format(options))
  }
}

const toInvocation = (r: InvocationRecord): Invocation => ({
  startTimestamp: r.startTimestamp,
  endTimestamp: r.endTimestamp,
  requestId: r.requestId,
  error: toTestResultError(r.error),
  index: r.index,
  status: r.status,
  replayedOperations: r.operationsAtStart,
  newOperationIds: [...r.newOperationIds],
  checkpointCalls: r.checkpointCalls,
  checkpointBytes: r.checkpointBytes,
  fault: r.fault
})
