/**
 * `CloudDurableTestRunner`: the official runner for a deployed function. It invokes the function through the
 * real `LambdaClient`, then polls `GetDurableExecutionHistory` / `GetDurableExecution` until the execution is
 * closed; operation handles answer callbacks through the callback APIs. Point its client at AWS, or at this
 * package's loopback endpoint (`@durable-lambda/testing/loopback`) to run the same test file locally.
 *
 * The AWS SDK is imported on the first `run()`, so importing `@durable-lambda/testing` never loads it.
 *
 * **Example**
 * ```ts
 * const runner = new CloudDurableTestRunner({
 *   functionName: "order-workflow:live",
 *   config: { invocationType: InvocationType.Event, pollInterval: 500 }
 * })
 * const pending = runner.run({ payload: { orderId: "o-1" } })
 * await runner.getOperation("approval").waitForData(WaitingOperationStatus.STARTED)
 * await runner.getOperation("approval").sendCallbackSuccess('"approved"')
 * expect((await pending).getStatus()).toBe("SUCCEEDED")
 * ```
 *
 * @since 0.1.0
 */
import type { LambdaClient } from "@aws-sdk/client-lambda"
import type { Operation } from "@durable-lambda/core"
import type { DurableTestRunner, InvokeRequest } from "./DurableTestRunner.ts"
import type { CallbackCall, Description, ExecutionView } from "./ExecutionView.ts"
import type { HistoryEvent } from "./History.ts"
import { fromHistory } from "./internal/historyOperations.ts"
import { realSetTimeout } from "./internal/realTimers.ts"
import { DurableOperation, InvocationType, type Source } from "./DurableOperation.ts"
import { TestResult } from "./TestResult.ts"

/**
 * How the cloud runner invokes and polls (official `CloudDurableTestRunnerConfig`).
 *
 * @since 0.1.0
 */
export interface CloudDurableTestRunnerConfig {
  /** Milliseconds between history polls. Default 1000. */
  readonly pollInterval?: number
  /**
   * `RequestResponse` (default, as the official runner): `run()` waits for the invoke to answer;
   * `Event`: asynchronous, so the test can interact (callbacks) while the execution runs.
   */
  readonly invocationType?: InvocationType
}

/**
 * Constructor parameters (official `CloudDurableTestRunnerParameters`).
 *
 * @since 0.1.0
 */
export interface CloudDurableTestRunnerParameters {
  /** Function name, ARN or qualified name (a durable function must be invoked with a qualifier on AWS). */
  readonly functionName: string
  /** The client to use. Default: `new LambdaClient()` (region and credentials from the environment). */
  readonly client?: LambdaClient
  readonly config?: CloudDurableTestRunnerConfig
}

type Sdk = typeof import("@aws-sdk/client-lambda")

const TERMINAL_EVENTS: ReadonlySet<string> = new Set([
  "ExecutionSucceeded",
  "ExecutionFailed",
  "ExecutionTimedOut",
  "ExecutionStopped"
])

/** One execution as seen through the Lambda API. */
class CloudExecution implements ExecutionView {
  readonly arn: string
  readonly local = undefined
  readonly #client: LambdaClient
  readonly #sdk: Sdk
  readonly #pollInterval: number
  readonly #listeners = new Set<() => void>()
  #events: ReadonlyArray<HistoryEvent> = []
  #operations: ReadonlyArray<Operation.Operation> = []
  #description: Description | undefined
  #finished = false

  constructor(arn: string, client: LambdaClient, sdk: Sdk, pollInterval: number) {
    this.arn = arn
    this.#client = client
    this.#sdk = sdk
    this.#pollInterval = pollInterval
  }

  operations(): ReadonlyArray<Operation.Operation> {
    return this.#operations
  }
  history(): ReadonlyArray<HistoryEvent> {
    return this.#events
  }
  description(): Description | undefined {
    return this.#description
  }
  invocations() {
    return []
  }
  duplicates() {
    return []
  }
  child() {
    return undefined
  }
  finished(): boolean {
    return this.#finished
  }
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async sendCallback(callbackId: string, call: CallbackCall): Promise<void> {
    const sdk = this.#sdk
    if (call._tag === "success") {
      await this.#client.send(
        new sdk.SendDurableExecutionCallbackSuccessCommand({
          CallbackId: callbackId,
          ...(call.result !== undefined ? { Result: new TextEncoder().encode(call.result) } : {})
        })
      )
    } else if (call._tag === "failure") {
      await this.#client.send(
        new sdk.SendDurableExecutionCallbackFailureCommand({
          CallbackId: callbackId,
          ...(call.error !== undefined ? { Error: { ...call.error, StackTrace: call.error.StackTrace?.slice() } } : {})
        })
      )
    } else {
      await this.#client.send(new sdk.SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: callbackId }))
    }
  }

  /** Polls until the execution is closed. */
  async untilClosed(): Promise<void> {
    try {
      for (;;) {
        await this.#poll()
        if (this.#finished) return
        await new Promise<void>((resolve) => realSetTimeout(resolve, this.#pollInterval))
      }
    } finally {
      this.#finished = true
      this.#notify()
    }
  }

  async #poll(): Promise<void> {
    const events: Array<HistoryEvent> = []
    let marker: string | undefined
    do {
      const page = await this.#client.send(
        new this.#sdk.GetDurableExecutionHistoryCommand({
          DurableExecutionArn: this.arn,
          IncludeExecutionData: true,
          ...(marker !== undefined ? { Marker: marker } : {})
        })
      )
      events.push(...((page.Events ?? []) as unknown as Array<HistoryEvent>))
      marker = page.NextMarker
    } while (marker !== undefined)
    const changed = events.length !== this.#events.length
    this.#events = events
    this.#operations = fromHistory(events as never)
    if (events.some((e) => TERMINAL_EVENTS.has(e.EventType))) {
      const d = await this.#client.send(new this.#sdk.GetDurableExecutionCommand({ DurableExecutionArn: this.arn }))
      this.#description = {
        Status: (d.Status ?? "RUNNING") as Description["Status"],
        ...(d.Result !== undefined ? { Result: d.Result } : {}),
        ...(d.Error !== undefined ? { Error: d.Error as Operation.ErrorObject } : {})
      }
      this.#finished = this.#description.Status !== "RUNNING"
    }
    if (changed || this.#finished) this.#notify()
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener()
      } catch {
        // listeners never break polling
      }
    }
  }
}

/**
 * The runner for a deployed durable function (official API shape).
 *
 * @since 0.1.0
 */
export class CloudDurableTestRunner<TResult = any> implements DurableTestRunner<DurableOperation, TResult> {
  readonly #functionName: string
  readonly #client: LambdaClient | undefined
  readonly #pollInterval: number
  readonly #invocationType: InvocationType
  readonly #source: Source
  #execution: CloudExecution | undefined

  constructor(params: CloudDurableTestRunnerParameters) {
    this.#functionName = params.functionName
    this.#client = params.client
    this.#pollInterval = params.config?.pollInterval ?? 1000
    this.#invocationType = params.config?.invocationType ?? InvocationType.RequestResponse
    this.#source = { view: () => this.#execution }
  }

  /**
   * Invokes the function with `params.payload` and resolves with the result once the execution is closed.
   * Rejects when the invoke answers no execution ARN (the function is not durable) or a call fails.
   */
  async run(params?: InvokeRequest): Promise<TestResult<TResult>> {
    const sdk = await import("@aws-sdk/client-lambda")
    const client = this.#client ?? new sdk.LambdaClient({})
    this.#execution = undefined
    const invoked = await client.send(
      new sdk.InvokeCommand({
        FunctionName: this.#functionName,
        InvocationType: this.#invocationType,
        ...(params?.payload !== undefined ? { Payload: new TextEncoder().encode(JSON.stringify(params.payload)) } : {})
      })
    )
    const arn = invoked.DurableExecutionArn
    if (arn === undefined || arn === "") {
      throw new Error("No execution ARN found on invocation response. Is the function specified a durable function?")
    }
    const execution = new CloudExecution(arn, client, sdk, this.#pollInterval)
    this.#execution = execution
    await execution.untilClosed()
    return new TestResult<TResult>(execution, arn)
  }

  /** Handle on the `index`-th (default 0) operation named `name` of the latest run (lazy, live). */
  getOperation<TOperationResult = any>(name: string, index = 0): DurableOperation<TOperationResult> {
    return new DurableOperation(this.#source, { _tag: "Name", name, index })
  }

  /** Handle on the `index`-th operation of the latest run, nested ones counted. */
  getOperationByIndex<TOperationResult = any>(index: number): DurableOperation<TOperationResult> {
    return new DurableOperation(this.#source, { _tag: "Index", index })
  }

  /** Same as `getOperation(name, index)`. */
  getOperationByNameAndIndex<TOperationResult = any>(name: string, index: number): DurableOperation<TOperationResult> {
    return this.getOperation(name, index)
  }

  /** Handle by operation Id. */
  getOperationById<TOperationResult = any>(id: string): DurableOperation<TOperationResult> {
    return new DurableOperation(this.#source, { _tag: "Id", id })
  }

  /** Forgets the latest run (handles then see nothing). */
  reset(): void {
    this.#execution = undefined
  }
}
