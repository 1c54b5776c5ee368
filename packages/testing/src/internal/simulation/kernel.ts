/**
 * What every part of the simulation shares: the one `ServiceState`, the one clock, the executions and their
 * records, the external actions scheduled on the timeline, and the signals between the parts (change
 * listeners, the loop's wake-up, the run's failure). It also watches each execution's history: which
 * invocation's checkpoint produced each event, the operations each invocation created, and the events
 * external actors react to (a callback to answer, a chained invoke to run).
 *
 * The parts wire themselves in through `hooks`, so none of them imports another.
 *
 * @internal
 */
import { MockBackend, ServiceState } from "@durable-lambda/backend-mock"
import type { Instrumentation } from "@durable-lambda/core"
import { Effect, Result } from "effect"
import { VirtualClock } from "../../VirtualClock.ts"
import * as FakeTime from "../fakeTime.ts"
import { realClearTimeout, realSetTimeout } from "../realTimers.ts"
import {
  type ExecutionRun,
  type ExternalAction,
  type InvocationRecord,
  isCheckpointEvent,
  type RejectedCallbackAnswer,
  type RunningInvocation,
  type SimulationOptions,
  type Snapshot,
  type Target
} from "./records.ts"

/** What the parts plug into the kernel. */
export interface Hooks {
  /** Starts an invocation of `exec` (the invocation lifecycle). */
  startInvocation: (exec: ExecutionRun, started?: ServiceState.InvocationStarted) => void
  /** Watches running invocations for time to move inside them (the clock). */
  watch: () => void
  /** A CallbackStarted event appeared (the callback actors). */
  callbackStarted: (exec: ExecutionRun, event: ServiceState.HistoryEvent) => void
  /** A ChainedInvokeStarted event appeared (the invoke actors). */
  chainedInvokeStarted: (exec: ExecutionRun, event: ServiceState.HistoryEvent) => void
  /** Time moved: in-process timers (and worker threads) catch up. */
  advanced: (now: number) => void
}

/** The simulation's shared state. */
export class Kernel {
  readonly options: SimulationOptions
  readonly clock: VirtualClock | undefined
  readonly state: ServiceState.ServiceState
  readonly mock: MockBackend.MockBackend["Service"]
  readonly executions = new Map<string, ExecutionRun>()
  readonly hooks: Hooks = {
    startInvocation: () => {},
    watch: () => {},
    callbackStarted: () => {},
    chainedInvokeStarted: () => {},
    advanced: () => {}
  }
  rootArn: string | undefined
  /** Invocations and plain invoke targets in flight. */
  inflight = 0
  finished = false
  /** External actions on the timeline, not yet run. */
  readonly external: Array<ExternalAction> = []
  /** Duplicate deliveries still running (they have deadlines too). */
  readonly duplicateRuns = new Set<RunningInvocation>()
  /** Which invocation's checkpoint produced each event, by execution ARN and EventId. */
  readonly eventOwners = new Map<string, Map<number, InvocationRecord>>()
  /** Root-execution snapshots (with `recordSnapshots`). */
  readonly snapshots: Array<Snapshot> = []
  /** Every step attempt whose body started, in order (in-process ones with `recordStepAttempts`). */
  readonly stepAttempts: Array<Instrumentation.StepAttempt> = []
  /** Scripted callback answers the service rejected, in order. */
  readonly rejectedCallbackAnswers: Array<RejectedCallbackAnswer> = []
  /** The id the next execution gets (a chained invoke's child takes the id ChainedInvokeStarted announced). */
  forcedId: string | undefined
  #externalSeq = 0
  #signal: (() => void) | undefined
  #failure: Error | undefined
  readonly #listeners = new Set<() => void>()

  constructor(options: SimulationOptions) {
    this.options = options
    const fake = options.time === "virtual" ? FakeTime.current() : undefined
    this.clock =
      options.time === "virtual"
        ? new VirtualClock(options.startTime, fake !== undefined ? { fake } : { realFallback: true })
        : undefined
    const clock = this.clock
    let ids = 0
    this.state = new ServiceState.ServiceState({
      now: clock === undefined ? () => Date.now() : () => clock.now(),
      // backend-mock's deterministic ids, with a way to give a chained invoke's child execution the id the
      // service already announced in ChainedInvokeStarted.
      generateId: () => {
        const forced = this.forcedId
        this.forcedId = undefined
        return forced ?? `00000000-0000-4000-8000-${(++ids).toString(16).padStart(12, "0")}`
      },
      ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
      ...(options.newExecutionState !== undefined ? { newExecutionState: options.newExecutionState } : {})
    })
    this.mock = Effect.runSync(MockBackend.MockBackend.make(this.state))
  }

  now(): number {
    return this.clock?.now() ?? Date.now()
  }

  get failure(): Error | undefined {
    return this.#failure
  }

  /** Subscribes to state changes (checkpoints, invocation ends, timers, callbacks). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  notify(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener()
      } catch {
        // listeners never break the simulation
      }
    }
  }

  /** Wakes the event loop (something changed). */
  wake(): void {
    this.clock?.touch()
    const signal = this.#signal
    this.#signal = undefined
    signal?.()
  }

  /** Resolves at the next `wake` (or after `timeoutMillis` of real time). */
  nextSignal(timeoutMillis?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      this.#signal = () => {
        if (timer !== undefined) realClearTimeout(timer)
        resolve()
      }
      if (timeoutMillis !== undefined) {
        timer = realSetTimeout(() => {
          this.#signal = undefined
          resolve()
        }, timeoutMillis)
      }
    })
  }

  /** Fails the run (the `run` promise rejects with `error`). */
  fail(error: Error): void {
    if (this.#failure === undefined) this.#failure = error
    this.wake()
  }

  /** Kills an invocation as the platform would (crash, timeout); used by faults, workers and deadlines. */
  killInvocation(inv: RunningInvocation, error: Parameters<RunningInvocation["kill"]>[0]): void {
    inv.kill(error)
    this.wake()
  }

  /** Invocations running now (duplicate deliveries excluded). */
  running(): Array<RunningInvocation> {
    return [...this.executions.values()].flatMap((e) => (e.running === undefined ? [] : [e.running]))
  }

  addExecution(arn: string, target: Target, parent: ExecutionRun["parent"]): ExecutionRun {
    const exec: ExecutionRun = {
      arn,
      target,
      parent,
      invocations: [],
      duplicates: [],
      running: undefined,
      checkpointCount: 0,
      consecutiveErrors: 0,
      notBefore: Number.NEGATIVE_INFINITY,
      scannedEvents: 0,
      knownOperations: new Set(),
      closed: false,
      heldInvokeOutcomes: []
    }
    for (const op of this.state.operations(arn)) exec.knownOperations.add(op.Id)
    this.executions.set(arn, exec)
    return exec
  }

  // ---------------------------------------------------------------------------------------------------------
  // The timeline's external actions
  // ---------------------------------------------------------------------------------------------------------

  /** Schedules an external action `delayMillis` from now (virtual or real). */
  schedule(delayMillis: number, run: () => void): void {
    this.external.push({ at: this.now() + Math.max(0, delayMillis), seq: this.#externalSeq++, run })
    this.wake()
  }

  /** Called by test code acting as an external system; wakes the loop. */
  act<A>(f: () => A): A {
    const out = f()
    this.scanAll()
    this.notify()
    this.wake()
    return out
  }

  /** Fires service timers and external actions due now. */
  fireDue(): void {
    const fired = this.state.fireDueTimers()
    const now = this.now()
    this.external.sort((a, b) => a.at - b.at || a.seq - b.seq)
    while (this.external.length > 0 && this.external[0]!.at <= now) {
      const action = this.external.shift()!
      try {
        action.run()
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)))
      }
    }
    if (fired.length > 0) this.scanAll()
    this.clock?.fireDue()
    this.notify()
    this.wake()
  }

  // ---------------------------------------------------------------------------------------------------------
  // Watching history: event owners, new operations, events actors react to
  // ---------------------------------------------------------------------------------------------------------

  scanAll(): void {
    for (const exec of this.executions.values()) this.scan(exec)
  }

  /** Reads `exec`'s new history events (checkpoint events owned by `inv`, default its running invocation). */
  scan(exec: ExecutionRun, inv?: RunningInvocation): void {
    // Only the events not read yet: a copy of the whole history on every scan would make a long execution
    // quadratic (the harness scans after every invocation, timer and external action).
    const start = exec.scannedEvents
    const history = this.state.getHistory(exec.arn, start)
    if (Result.isFailure(history)) return
    const events = history.success
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!
      const running = inv ?? exec.running
      if (running !== undefined && isCheckpointEvent(event.EventType)) {
        const rec = running.record
        let owners = this.eventOwners.get(exec.arn)
        if (owners === undefined) this.eventOwners.set(exec.arn, (owners = new Map()))
        owners.set(event.EventId, rec)
        if (!rec.duplicate) {
          rec.firstEventId ??= event.EventId
          rec.lastEventId = event.EventId
        }
      }
      if (event.Id !== undefined && !exec.knownOperations.has(event.Id)) {
        exec.knownOperations.add(event.Id)
        running?.record.newOperationIds.push(event.Id)
      }
      if (event.EventType === "CallbackStarted") this.hooks.callbackStarted(exec, event)
      if (event.EventType === "ChainedInvokeStarted") this.hooks.chainedInvokeStarted(exec, event)
    }
    exec.scannedEvents = start + events.length
  }

  // ---------------------------------------------------------------------------------------------------------
  // Chained-invoke outcomes
  // ---------------------------------------------------------------------------------------------------------

  /**
   * Records a chained invoke's outcome as the service does: never inside the caller's running invocation.
   * The target takes real time on the service, the caller suspends at once; so while the caller's
   * invocation runs, the outcome is held and recorded right after its `InvocationCompleted`.
   */
  completeInvoke(exec: ExecutionRun, operationId: string, outcome: ServiceState.ChainedInvokeOutcome): void {
    if (exec.running !== undefined) {
      exec.heldInvokeOutcomes.push({ operationId, outcome })
      return
    }
    this.state.completeChainedInvoke(exec.arn, operationId, outcome)
  }

  /** Records the invoke outcomes held while `exec`'s invocation ran. */
  releaseInvokeOutcomes(exec: ExecutionRun): void {
    for (const { operationId, outcome } of exec.heldInvokeOutcomes.splice(0)) {
      this.state.completeChainedInvoke(exec.arn, operationId, outcome)
    }
  }
}
