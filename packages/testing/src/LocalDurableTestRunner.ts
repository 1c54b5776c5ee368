/**
 * `LocalDurableTestRunner`: the official `@aws/durable-execution-sdk-js-testing` runner's API, so existing
 * tests port by changing the import. Virtual time by default; see `RunnerOptions` for the extras.
 *
 * **Example**
 * ```ts
 * import { LocalDurableTestRunner, WaitingOperationStatus } from "@durable-lambda/testing"
 *
 * const runner = new LocalDurableTestRunner({ handlerFunction: handler })
 * const pending = runner.run({ payload: { id: 1 } })
 * const approval = runner.getOperation("approval")
 * await approval.waitForData(WaitingOperationStatus.STARTED)
 * await approval.sendCallbackSuccess(JSON.stringify({ ok: true }))
 * const result = await pending
 * expect(result.getStatus()).toBe("SUCCEEDED")
 * ```
 *
 * @since 0.1.0
 */
import type { Simulation } from "./internal/simulation.ts"
import type { Registered } from "./internal/simulation/records.ts"
import type { Operation } from "@durable-lambda/core"
import * as Callbacks from "./Callbacks.ts"
import type { HistoryEvent } from "./History.ts"
import * as ExecutionView from "./ExecutionView.ts"
import * as FakeTime from "./internal/fakeTime.ts"
import { DurableOperation, type Source } from "./DurableOperation.ts"
import { TestResult } from "./TestResult.ts"
import { encodeInput, makeSimulation, resolveTarget } from "./internal/runner.ts"
import {
  durableFunction,
  type DurableFunctionOptions,
  plainFunction,
  type PlainFunction,
  type RunnableHandler,
  type RunnerOptions,
  type RunParams
} from "./TestRunner.ts"

/**
 * Constructor parameters: the official `{ handlerFunction }` plus any `RunnerOptions`.
 *
 * @since 0.1.0
 */
export interface LocalDurableTestRunnerParameters extends RunnerOptions {
  readonly handlerFunction: RunnableHandler
}

/**
 * Parameters of the official `setupTestEnvironment`.
 *
 * @since 0.1.0
 */
export interface LocalDurableTestRunnerSetupParameters {
  /**
   * `true`: install fake timers (`@sinonjs/fake-timers`, as the official runner does) so the `setTimeout`,
   * `setInterval` and `Date` of step bodies and of the test run on the same virtual timeline as durable
   * timers, in order. `false`: real time for everything, as the official runner. Absent: this library's
   * default, durable timers on virtual time and user timers real.
   */
  readonly skipTime?: boolean
  /** Virtual milliseconds the emulated service takes to answer each checkpoint call (default 0). */
  readonly checkpointDelay?: number
}

/**
 * A live history listener (see `LocalDurableTestRunner.onHistoryEvent`).
 *
 * @since 0.1.0
 */
export type HistoryListener = (event: HistoryEvent, operation: Operation.Operation | undefined) => void

let environment: RunnerOptions = {}

/**
 * The local runner (official API shape).
 *
 * @since 0.1.0
 */
export class LocalDurableTestRunner<TResult = any> {
  readonly #params: LocalDurableTestRunnerParameters
  readonly #functions = new Map<string, Registered>()
  readonly #callbackActions: Array<ReadonlyArray<Callbacks.CallbackAction>> = []
  #sim: Simulation | undefined
  #arn: string | undefined
  readonly #source: Source
  readonly #watchers = new Set<HistoryListener>()

  constructor(params: LocalDurableTestRunnerParameters) {
    this.#params = params
    this.#source = {
      view: () => {
        const sim = this.#sim
        const arn = this.#arn
        return sim === undefined || arn === undefined ? undefined : ExecutionView.ofSimulation(sim, arn)
      }
    }
  }

  /**
   * Official setup hook (call in `beforeAll`). `{ skipTime: true }` installs process-wide fake timers for
   * `setTimeout`, `setInterval` and `Date` (immediates, `nextTick` and microtasks stay real) until
   * `teardownTestEnvironment()`; between runs the fake clock follows real time. Throws if fake timers are
   * already installed (`vi.useFakeTimers()`). `{ skipTime: false }` runs everything on real time.
   */
  static setupTestEnvironment(params?: LocalDurableTestRunnerSetupParameters): Promise<void> {
    try {
      if (params?.skipTime === true) FakeTime.install()
      else FakeTime.uninstall()
    } catch (error) {
      return Promise.reject(error)
    }
    environment = {
      ...(params?.skipTime === false ? { time: "real" as const } : {}),
      ...(params?.checkpointDelay !== undefined ? { checkpointDelayMillis: params.checkpointDelay } : {})
    }
    return Promise.resolve()
  }

  /** Official teardown hook: uninstalls the fake timers and restores the defaults. */
  static teardownTestEnvironment(): Promise<void> {
    FakeTime.uninstall()
    environment = {}
    return Promise.resolve()
  }

  /**
   * Starts a new execution with `payload` and drives it to completion. Each call is an independent
   * execution with its own service state; handles from `getOperation` follow the latest run.
   *
   * Rejects with a `SimulationError` when the run cannot finish (budget exceeded, too many function errors
   * in a row); a FAILED execution resolves with a result whose status is FAILED.
   */
  async run(params?: RunParams): Promise<TestResult<TResult>> {
    const options: RunParams = {
      ...environment,
      ...this.#params,
      ...params,
      functions: new Map([...(this.#params.functions ?? []), ...this.#functions, ...(params?.functions ?? [])]),
      callbackActions: [
        ...(this.#params.callbackActions ?? []),
        ...this.#callbackActions,
        ...(params?.callbackActions ?? [])
      ]
    }
    const target = resolveTarget(this.#params.handlerFunction, options)
    const sim = makeSimulation(options)
    this.#sim = sim
    this.#arn = undefined
    let delivered = 0
    const unsubscribe = sim.onChange(() => {
      if (this.#sim === sim) this.#arn ??= sim.rootArn
      if (this.#watchers.size === 0 || sim.rootArn === undefined) return
      const history = sim.state.getHistory(sim.rootArn)
      if (history._tag !== "Success") return
      for (; delivered < history.success.length; delivered++) {
        const event = history.success[delivered]!
        const operation = event.Id === undefined ? undefined : sim.state.operation(sim.rootArn, event.Id)
        for (const watcher of [...this.#watchers]) watcher(event, operation)
      }
    })
    try {
      const arn = await sim.run(target, encodeInput(options.payload))
      if (this.#sim === sim) this.#arn = arn
      return new TestResult<TResult>(ExecutionView.ofSimulation(sim, arn), arn)
    } finally {
      unsubscribe()
    }
  }

  /**
   * Watches the executions of this runner live: `listener` receives every history event as the service
   * records it, in order, with the operation it belongs to (its state right after the event's batch; undefined
   * for execution-level events). Returns the function that stops watching.
   *
   * **Pitfall**: the operation is the service's current record, so when several events are recorded by one
   * checkpoint it already shows the last of them.
   */
  onHistoryEvent(listener: HistoryListener): () => void {
    this.#watchers.add(listener)
    return () => this.#watchers.delete(listener)
  }

  /** Registers a durable function (built by this SDK) as a chained-invoke target. */
  registerDurableFunction(functionName: string, handler: RunnableHandler, options?: DurableFunctionOptions): this {
    this.#functions.set(functionName, durableFunction(handler, options))
    return this
  }

  /** Registers a plain function as a chained-invoke target. */
  registerFunction(functionName: string, handler: PlainFunction): this {
    this.#functions.set(functionName, plainFunction(handler))
    return this
  }

  /** Registers several plain functions. */
  registerFunctions(functions: Readonly<Record<string, PlainFunction>>): this {
    for (const [name, fn] of Object.entries(functions)) this.registerFunction(name, fn)
    return this
  }

  /**
   * Scripts an external system answering callbacks named `name` (see `Callbacks.respond`), for every run
   * of this runner.
   */
  onCallback(name: string, ...actions: ReadonlyArray<Omit<Callbacks.CallbackAction, "name">>): this {
    this.#callbackActions.push(Callbacks.respond(name, ...actions))
    return this
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

  /** Forgets the latest run (handles then see nothing). Registrations are kept, as in the official runner. */
  reset(): void {
    this.#sim = undefined
    this.#arn = undefined
  }
}
