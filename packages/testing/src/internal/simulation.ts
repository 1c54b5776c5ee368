/**
 * The discrete-event simulation behind every runner: one `ServiceState` (backend-mock's state machine), one
 * clock, the executions it drives (the root and chained-invoke targets), their invocations, the external
 * actors (callback responders, plain invoke targets) and the fault plan.
 *
 * This module assembles the parts, each in `./simulation/`:
 * - `records.ts`: what runs and what is recorded (targets, options, invocation records, snapshots);
 * - `kernel.ts`: the shared state, the timeline's external actions, the history watch;
 * - `eventLoop.ts`: the loop that starts invocations and moves time when everything is quiescent;
 * - `lifecycle.ts`: one invocation, from begin to complete (steps shared with every runner are
 *   backend-mock's `ServiceDriver`);
 * - `faultBackend.ts`: the backend each invocation talks to, with the fault plan applied;
 * - `actors.ts`: scripted callback responders and chained-invoke targets;
 * - `clock.ts`: time inside running invocations (held calls, fake timers, deadlines).
 *
 * @internal
 */
import type { MockBackend, ServiceState } from "@durable-lambda/backend-mock"
import type { Instrumentation } from "@durable-lambda/core"
import type { VirtualClock } from "../VirtualClock.ts"
import type { Fault, SiteKey } from "./faultPlan.ts"
import * as CrashGuard from "./crashGuard.ts"
import * as FakeTime from "./fakeTime.ts"
import * as Actors from "./simulation/actors.ts"
import * as InvocationClock from "./simulation/clock.ts"
import { loop } from "./simulation/eventLoop.ts"
import { FaultBackend } from "./simulation/faultBackend.ts"
import { Kernel } from "./simulation/kernel.ts"
import { Lifecycle } from "./simulation/lifecycle.ts"
import type {
  InvocationRecord,
  RejectedCallbackAnswer,
  SimulationOptions,
  Snapshot,
  Target
} from "./simulation/records.ts"

export {
  type CallbackAction,
  type InvocationRecord,
  type Registered,
  type RejectedCallbackAnswer,
  SimulationError,
  type SimulationOptions,
  type Snapshot,
  type Target
} from "./simulation/records.ts"

/** The simulation of one `run()`. */
export class Simulation {
  readonly #kernel: Kernel
  readonly #backend: FaultBackend
  readonly #lifecycle: Lifecycle

  constructor(options: SimulationOptions) {
    this.#kernel = new Kernel(options)
    this.#backend = new FaultBackend(this.#kernel)
    this.#lifecycle = new Lifecycle(this.#kernel, this.#backend)
    Actors.install(this.#kernel)
    InvocationClock.install(this.#kernel)
  }

  get options(): SimulationOptions {
    return this.#kernel.options
  }

  get clock(): VirtualClock | undefined {
    return this.#kernel.clock
  }

  get state(): ServiceState.ServiceState {
    return this.#kernel.state
  }

  get mock(): MockBackend.MockBackend["Service"] {
    return this.#kernel.mock
  }

  get rootArn(): string | undefined {
    return this.#kernel.rootArn
  }

  get finished(): boolean {
    return this.#kernel.finished
  }

  now(): number {
    return this.#kernel.now()
  }

  /** Subscribes to state changes (checkpoints, invocation ends, timers, callbacks). */
  onChange(listener: () => void): () => void {
    return this.#kernel.onChange(listener)
  }

  /** Runs the root execution to completion. Resolves with its ARN. */
  async run(target: Target, input: string | undefined): Promise<string> {
    const kernel = this.#kernel
    CrashGuard.install()
    const release = kernel.clock?.fake === true ? FakeTime.drive() : undefined
    try {
      const started = kernel.state.startExecution({
        functionName: kernel.options.functionName,
        ...(input !== undefined ? { input } : {}),
        ...(kernel.options.executionTimeoutSeconds !== undefined
          ? { timeoutSeconds: kernel.options.executionTimeoutSeconds }
          : {})
      })
      const root = kernel.addExecution(started.durableExecutionArn, target, undefined)
      kernel.rootArn = root.arn
      kernel.notify()
      this.#lifecycle.start(root, started)
      await loop(kernel, this.#lifecycle, root)
      return root.arn
    } finally {
      kernel.finished = true
      // A run that ended abnormally (budget, errors) stops whatever still runs: it can no longer reach the service.
      for (const exec of kernel.executions.values()) {
        exec.running?.kill({
          ErrorType: "Runtime.ExitError",
          ErrorMessage: "The test run ended while this invocation was running"
        })
      }
      CrashGuard.uninstall()
      release?.()
      await this.#lifecycle.close()
      kernel.notify()
    }
  }

  /** Fails the run (the `run` promise rejects with `error`). */
  fail(error: Error): void {
    this.#kernel.fail(error)
  }

  /** Schedules an external action `delayMillis` from now (virtual or real). */
  schedule(delayMillis: number, run: () => void): void {
    this.#kernel.schedule(delayMillis, run)
  }

  /** Called by test code acting as an external system; wakes the loop. */
  external<A>(f: () => A): A {
    return this.#kernel.act(f)
  }

  /** Calls per fault site in this run (duplicate deliveries' calls under `duplicate/...`). */
  callCounts(): Partial<Record<SiteKey, number>> {
    const out: Partial<Record<SiteKey, number>> = {}
    const add = (key: SiteKey, n: number) => {
      if (n > 0) out[key] = (out[key] ?? 0) + n
    }
    for (const exec of this.#kernel.executions.values()) {
      const execution = exec.parent === undefined ? "root" : "invoked"
      for (const r of exec.invocations) {
        add(`${execution}/Checkpoint`, r.checkpointCalls)
        add(`${execution}/GetDurableExecutionState`, r.getStateCalls)
      }
      for (const r of exec.duplicates) {
        add("duplicate/Checkpoint", r.checkpointCalls)
        add("duplicate/GetDurableExecutionState", r.getStateCalls)
      }
    }
    return out
  }

  /**
   * Every step attempt whose body started, in order, across all invocations (worker ones included); in-process
   * attempts only with `recordStepAttempts`.
   */
  get stepAttempts(): ReadonlyArray<Instrumentation.StepAttempt> {
    return this.#kernel.stepAttempts
  }

  /** Faults of the plan that were actually applied. */
  get appliedFaults(): ReadonlyArray<Fault> {
    return this.#backend.appliedFaults
  }

  /** Root-execution snapshots (with `recordSnapshots`). */
  get snapshots(): ReadonlyArray<Snapshot> {
    return this.#kernel.snapshots
  }

  /** Scripted callback answers the service rejected, in order. */
  get rejectedCallbackAnswers(): ReadonlyArray<RejectedCallbackAnswer> {
    return this.#kernel.rejectedCallbackAnswers
  }

  /** The invocation whose checkpoint produced event `eventId` of `arn`. */
  eventOwner(arn: string, eventId: number): InvocationRecord | undefined {
    return this.#kernel.eventOwners.get(arn)?.get(eventId)
  }

  invocationsOf(arn: string): ReadonlyArray<InvocationRecord> {
    return this.#kernel.executions.get(arn)?.invocations ?? []
  }

  duplicatesOf(arn: string): ReadonlyArray<InvocationRecord> {
    return this.#kernel.executions.get(arn)?.duplicates ?? []
  }

  /** Child executions started by chained invokes of `arn`, by operation id. */
  childrenOf(arn: string): ReadonlyMap<string, string> {
    const out = new Map<string, string>()
    for (const exec of this.#kernel.executions.values())
      if (exec.parent?.arn === arn) out.set(exec.parent.operationId, exec.arn)
    return out
  }
}
