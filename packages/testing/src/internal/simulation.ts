/**
 * The discrete-event simulation behind every runner: one `ServiceState` (backend-mock's state machine), one
 * clock, the executions it drives (the root and chained-invoke targets), their invocations, the external
 * actors (callback responders, plain invoke targets) and the fault plan.
 *
 * Loop: start an invocation for every execution the service wants invoked; while anything runs, wait; when
 * everything is quiescent, give the test a few event-loop turns to react, then move time to the next due
 * item (service timer, scheduled external action, delayed re-invocation, and under `skipTime` the fake
 * timers of the test and of user code) and fire it.
 *
 * Inside a running invocation, time moves only when the harness knows the invocation cannot progress
 * otherwise: the harness itself holds its backend call (an injected lost or delayed answer), or under
 * `skipTime` every timer is on the one fake timeline and the event loop has nothing else to run. Otherwise
 * in-process timers fire when their real delay has elapsed. Process-wide resource counts and periods of real
 * quiet play no part.
 *
 * @internal
 */
import { MockBackend, ServiceState } from "@durable-lambda/backend-mock"
import { DurableBackend, Instrumentation, type Handler, type Invocation, type Operation } from "@durable-lambda/core"
import { Clock, type Context, Effect, Exit, Fiber, type Layer, Random, Result } from "effect"
import { type CallFault, type Fault, type FaultSite, type SiteKey, siteKey } from "../Faults.ts"
import { realClock, VirtualClock } from "../VirtualClock.ts"
import * as CrashGuard from "./crashGuard.ts"
import * as FakeTime from "./fakeTime.ts"
import { realClearTimeout, realSetTimeout } from "./realTimers.ts"
import { WorkerPool } from "./workerHost.ts"

/** How the handler of an execution is run. */
export type Target =
  | {
      readonly _tag: "InProcess"
      readonly handler: Handler.DurableHandler<any>
      readonly services: Layer.Layer<any, any, never> | undefined
      /** Services from the caller (Effect API), provided to every invocation. */
      readonly context?: Context.Context<any> | undefined
    }
  | { readonly _tag: "Worker"; readonly module: string; readonly exportName: string }

/** A chained-invoke target. */
export type Registered =
  | {
      readonly _tag: "Durable"
      readonly target: Target
      /** The target execution's `ExecutionTimeout` (default: the service maximum). */
      readonly executionTimeoutSeconds?: number | undefined
    }
  | { readonly _tag: "Plain"; readonly fn: (event: any, context: any) => unknown }

/** A scripted reaction to a callback: what an external system does once the callback exists. */
export interface CallbackAction {
  /** Callback operation name to react to; `"*"` or undefined for any. */
  readonly name?: string | undefined
  readonly operation: "success" | "failure" | "heartbeat"
  /** Result text (success) or error object (failure). */
  readonly payload?: string | Operation.ErrorObject | undefined
  /** Virtual (or real) milliseconds after the previous action of this responder (or the CallbackStarted). */
  readonly delayMillis?: number | undefined
}

/** Options of a simulation. */
export interface SimulationOptions {
  readonly time: "virtual" | "real"
  readonly startTime: number
  readonly seed: string
  readonly functionName: string
  readonly executionTimeoutSeconds: number | undefined
  readonly invocationTimeoutMillis: number
  readonly maxInvocations: number
  readonly maxConsecutiveFunctionErrors: number
  readonly invocationRetryDelayMillis: number
  readonly memoryMB: number
  readonly faults: ReadonlyArray<Fault>
  readonly functions: ReadonlyMap<string, Registered>
  readonly callbackActions: ReadonlyArray<ReadonlyArray<CallbackAction>>
  readonly pageSize: number | undefined
  readonly newExecutionState: "delta" | "full" | undefined
  /** Event-loop turns without activity before virtual time moves (default 5). */
  readonly settleTurns: number
  /** Virtual milliseconds the service takes to answer each checkpoint call (official `checkpointDelay`). */
  readonly checkpointDelayMillis?: number | undefined
  /** Record the root execution's state before every checkpoint call (for the determinism check). */
  readonly recordSnapshots?: boolean
}

/** The root execution's state just before a checkpoint call, and what that call sent. */
export interface Snapshot {
  /** 1-based checkpoint boundary. */
  readonly boundary: number
  /** Virtual time of the call. */
  readonly at: number
  /** Operations a new invocation would have been given at that moment (EXECUTION first, visible only). */
  readonly operations: ReadonlyArray<Operation.Operation>
  readonly updates: ReadonlyArray<Operation.OperationUpdate>
  /** Request id of the invocation that sent it. */
  readonly requestId: string
}

/** What happened in one invocation. */
export interface InvocationRecord {
  readonly executionArn: string
  /** 1-based index within its execution. */
  readonly index: number
  readonly requestId: string
  readonly startTimestamp: Date
  endTimestamp: Date | undefined
  /** `RUNNING`, the output status, `ERROR` (thrown invocation error) or `CRASHED` (process died / timed out). */
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "PENDING" | "ERROR" | "CRASHED"
  /** The output's or the function error's ErrorObject. */
  error: Operation.ErrorObject | undefined
  /** Operations visible in the invocation event (EXECUTION excluded): what it replayed from. */
  readonly operationsAtStart: number
  /** Operation ids first created by this invocation, in order. */
  readonly newOperationIds: Array<string>
  checkpointCalls: number
  checkpointBytes: number
  getStateCalls: number
  /** Real milliseconds the invocation took (harness overhead included). */
  realDurationMillis: number
  /** A fault injected into this invocation, if any. */
  fault: string | undefined
  /** A duplicate delivery (not recorded by the service). */
  readonly duplicate: boolean
  /** Range of history EventIds this invocation's checkpoints produced. */
  firstEventId: number | undefined
  lastEventId: number | undefined
}

interface ExecutionRun {
  readonly arn: string
  readonly target: Target
  readonly parent: { readonly arn: string; readonly operationId: string } | undefined
  readonly invocations: Array<InvocationRecord>
  readonly duplicates: Array<InvocationRecord>
  running: RunningInvocation | undefined
  checkpointCount: number
  consecutiveErrors: number
  notBefore: number
  scannedEvents: number
  readonly knownOperations: Set<string>
  closed: boolean
  /** Outcomes of this execution's chained invokes, held until its running invocation ends. */
  readonly heldInvokeOutcomes: Array<{
    readonly operationId: string
    readonly outcome: ServiceState.ChainedInvokeOutcome
  }>
}

class RunningInvocation {
  readonly exec: ExecutionRun
  readonly record: InvocationRecord
  readonly event: Invocation.InvocationInput
  readonly deadline: number
  /**
   * Backend calls of this invocation the harness is holding (an injected lost or delayed answer): while
   * any is held, the invocation cannot make durable progress until the harness answers or time passes.
   */
  held = 0
  killed: Operation.ErrorObject | undefined
  #onKill: Array<() => void> = []
  constructor(exec: ExecutionRun, record: InvocationRecord, event: Invocation.InvocationInput, deadline: number) {
    this.exec = exec
    this.record = record
    this.event = event
    this.deadline = deadline
  }
  kill(error: Operation.ErrorObject): void {
    if (this.killed !== undefined) return
    this.killed = error
    for (const f of this.#onKill) f()
  }
  onKill(f: () => void): void {
    if (this.killed !== undefined) f()
    else this.#onKill.push(f)
  }
  /** In worker mode: the worker reported it is idle and waiting for time to reach `stuckUntil`. */
  workerStuck: number | undefined = undefined
}

/** The run failed for a reason outside the execution (budget, harness misuse, a bug). */
export class SimulationError extends Error {
  override readonly name = "SimulationError"
}

interface ExternalAction {
  readonly at: number
  readonly seq: number
  readonly run: () => void
}

const safeJson = (text: string | undefined): unknown => {
  if (text === undefined) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

const errorObjectOf = (error: unknown): Operation.ErrorObject => {
  if (typeof error === "object" && error !== null) {
    const e = error as { _tag?: unknown; name?: unknown; message?: unknown; stack?: unknown }
    const type = typeof e._tag === "string" ? e._tag : typeof e.name === "string" ? e.name : "Error"
    const message = typeof e.message === "string" ? e.message : String(error)
    const stack = typeof e.stack === "string" ? e.stack.split("\n") : undefined
    return stack === undefined
      ? { ErrorType: type, ErrorMessage: message }
      : { ErrorType: type, ErrorMessage: message, StackTrace: stack }
  }
  return { ErrorType: "Error", ErrorMessage: String(error) }
}

const ok = <A>(result: Result.Result<A, ServiceState.ServiceError>): A => {
  if (Result.isFailure(result))
    throw new SimulationError(`service call failed: ${result.failure.code}: ${result.failure.message}`)
  return result.success
}

/** A scripted callback answer the service rejected (the callback had already completed or timed out, ...). */
export interface RejectedCallbackAnswer {
  readonly callbackId: string
  /** The script's callback name (`"*"` for any). */
  readonly name: string | undefined
  readonly operation: CallbackAction["operation"]
  /** Virtual (or real) time of the attempt. */
  readonly at: Date
  /** The service's error code (`CallbackTimeoutException`, `RequestTooLargeException`, ...). */
  readonly errorCode: string
  readonly errorMessage: string
}

/** The simulation of one `run()`. */
export class Simulation {
  readonly options: SimulationOptions
  readonly clock: VirtualClock | undefined
  readonly state: ServiceState.ServiceState
  readonly mock: MockBackend.MockBackend["Service"]
  readonly executions = new Map<string, ExecutionRun>()
  rootArn: string | undefined
  readonly #external: Array<ExternalAction> = []
  #externalSeq = 0
  #signal: (() => void) | undefined
  #inflight = 0
  #failure: Error | undefined
  readonly #listeners = new Set<() => void>()
  #watching = false
  #workers: WorkerPool | undefined
  readonly #respondedCallbacks = new Set<string>()
  #finished = false
  /** Which invocation's checkpoint produced each event, by execution ARN and EventId. */
  readonly eventOwners = new Map<string, Map<number, InvocationRecord>>()
  #forcedId: string | undefined
  /** Root-execution snapshots (with `recordSnapshots`). */
  readonly snapshots: Array<Snapshot> = []
  /** Checkpoint boundaries of the root execution that already had their fault applied. */
  readonly #appliedFaults = new Set<Fault>()
  /** Duplicate deliveries still running (they have deadlines too). */
  readonly #duplicateRuns = new Set<RunningInvocation>()
  /** Calls counted per fault site (the root's checkpoints are counted by their execution). */
  readonly #siteCalls = new Map<SiteKey, number>()
  readonly #stepAttempts: Array<Instrumentation.StepAttempt> = []
  /** Records every step attempt of `arn` (the fault checker's at-most-once invariant). */
  #attemptRecorder(arn: string): Instrumentation.DurableInstrumentationPlugin {
    return {
      onOperationAttemptStart: async (info) => {
        if (info.type !== "STEP" || info.subType !== "Step") return
        this.#stepAttempts.push({
          executionArn: arn,
          operationId: info.id,
          name: info.name,
          attempt: info.attempt,
          semantics: info.semantics
        })
      }
    }
  }
  /** Scripted callback answers the service rejected, in order. */
  readonly rejectedCallbackAnswers: Array<RejectedCallbackAnswer> = []

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
        const forced = this.#forcedId
        this.#forcedId = undefined
        return forced ?? `00000000-0000-4000-8000-${(++ids).toString(16).padStart(12, "0")}`
      },
      ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
      ...(options.newExecutionState !== undefined ? { newExecutionState: options.newExecutionState } : {})
    })
    this.mock = Effect.runSync(MockBackend.MockBackend.make(this.state))
    clock?.onTimer(() => this.#watch())
    clock?.onRealDue((due) => this.#onRealDue(due))
  }

  now(): number {
    return this.clock?.now() ?? Date.now()
  }

  /** Subscribes to state changes (checkpoints, invocation ends, timers, callbacks). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener()
      } catch {
        // listeners never break the simulation
      }
    }
  }

  #wake(): void {
    this.clock?.touch()
    const signal = this.#signal
    this.#signal = undefined
    signal?.()
  }

  get finished(): boolean {
    return this.#finished
  }

  /** Runs the root execution to completion. Resolves with its ARN. */
  async run(target: Target, input: string | undefined): Promise<string> {
    CrashGuard.install()
    const release = this.clock?.fake === true ? FakeTime.drive() : undefined
    try {
      const started = this.state.startExecution({
        functionName: this.options.functionName,
        ...(input !== undefined ? { input } : {}),
        ...(this.options.executionTimeoutSeconds !== undefined
          ? { timeoutSeconds: this.options.executionTimeoutSeconds }
          : {})
      })
      const root = this.#addExecution(started.durableExecutionArn, target, undefined)
      this.rootArn = root.arn
      this.#notify()
      this.#startInvocation(root, started)
      await this.#loop(root)
      return root.arn
    } finally {
      this.#finished = true
      // A run that ended abnormally (budget, errors) stops whatever still runs: it can no longer reach the service.
      for (const exec of this.executions.values()) {
        exec.running?.kill({
          ErrorType: "Runtime.ExitError",
          ErrorMessage: "The test run ended while this invocation was running"
        })
      }
      CrashGuard.uninstall()
      release?.()
      await this.#workers?.close()
      this.#notify()
    }
  }

  #addExecution(arn: string, target: Target, parent: ExecutionRun["parent"]): ExecutionRun {
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

  /** Fails the run (the `run` promise rejects with `error`). */
  fail(error: Error): void {
    if (this.#failure === undefined) this.#failure = error
    this.#wake()
  }

  async #loop(root: ExecutionRun): Promise<void> {
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure
      this.#scanAll()
      for (const exec of this.executions.values()) this.#checkClosed(exec)
      const now = this.now()
      for (const exec of this.executions.values()) {
        if (exec.running === undefined && exec.notBefore <= now && this.state.needsInvocation(exec.arn)) {
          this.#startInvocation(exec)
        }
      }
      if (this.#failure !== undefined) throw this.#failure
      if (root.closed && this.#inflight === 0) return
      if (this.#inflight > 0) {
        await this.#nextSignal()
        continue
      }
      // Quiescent: let the test react (e.g. send a callback after waitForData) before time moves.
      if (await this.#settle()) {
        if (this.#inflight === 0 && this.#external.some((a) => a.at <= this.now())) this.#fireDue()
        continue
      }
      const next = this.#nextDue()
      if (next === undefined) {
        throw new SimulationError(
          "The execution is idle and nothing is scheduled: no invocation is running, no timer is pending and no callback or invoke can complete it."
        )
      }
      if (this.clock !== undefined) {
        this.clock.advanceTo(next)
      } else {
        const delay = next - Date.now()
        if (delay > 0) await this.#nextSignal(delay)
      }
      this.#fireDue()
    }
  }

  /** Yields event-loop turns until nothing changes for `settleTurns` turns; true if work appeared. */
  async #settle(): Promise<boolean> {
    let quiet = 0
    let last = this.clock?.activity ?? -1
    while (quiet < this.options.settleTurns) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      if (this.#failure !== undefined) return true
      if (this.#inflight > 0 || this.#runnable()) return true
      const activity = this.clock?.activity ?? -1
      if (activity !== last) {
        last = activity
        quiet = 0
      } else quiet++
    }
    return this.#inflight > 0 || this.#runnable()
  }

  #runnable(): boolean {
    const now = this.now()
    for (const exec of this.executions.values()) {
      if (exec.running === undefined && exec.notBefore <= now && this.state.needsInvocation(exec.arn)) return true
    }
    return this.#external.some((a) => a.at <= now)
  }

  #nextDue(): number | undefined {
    let next = this.state.nextTimerAt()
    const take = (t: number) => {
      if (next === undefined || t < next) next = t
    }
    for (const a of this.#external) take(a.at)
    for (const exec of this.executions.values()) {
      if (exec.running === undefined && this.state.needsInvocation(exec.arn)) take(exec.notBefore)
    }
    // Under skipTime the test's own timers are on the timeline too.
    if (this.clock?.fake === true) {
      const fake = this.clock.nextTimerAt()
      if (fake !== undefined) take(fake)
    }
    return next
  }

  #nextSignal(timeoutMillis?: number): Promise<void> {
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

  /** Fires service timers and external actions due now. */
  #fireDue(): void {
    const fired = this.state.fireDueTimers()
    const now = this.now()
    this.#external.sort((a, b) => a.at - b.at || a.seq - b.seq)
    while (this.#external.length > 0 && this.#external[0]!.at <= now) {
      const action = this.#external.shift()!
      try {
        action.run()
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)))
      }
    }
    if (fired.length > 0) this.#scanAll()
    this.clock?.fireDue()
    this.#notify()
    this.#wake()
  }

  /** Schedules an external action `delayMillis` from now (virtual or real). */
  schedule(delayMillis: number, run: () => void): void {
    this.#external.push({ at: this.now() + Math.max(0, delayMillis), seq: this.#externalSeq++, run })
    this.#wake()
  }

  /** Called by test code acting as an external system; wakes the loop. */
  external<A>(f: () => A): A {
    const out = f()
    this.#scanAll()
    this.#notify()
    this.#wake()
    return out
  }

  // ---------------------------------------------------------------------------------------------------------
  // Invocations
  // ---------------------------------------------------------------------------------------------------------

  #startInvocation(exec: ExecutionRun, started?: ServiceState.InvocationStarted): void {
    if (exec.invocations.length >= this.options.maxInvocations) {
      this.fail(
        new SimulationError(
          `Invocation budget exceeded: ${exec.invocations.length} invocations of ${exec.arn} without finishing (maxInvocations = ${this.options.maxInvocations}).`
        )
      )
      return
    }
    const begun = started ?? ok(this.state.beginInvocation(exec.arn))
    const index = exec.invocations.length + 1
    const record = this.#newRecord(exec, begun, index, false)
    exec.invocations.push(record)
    const inv = new RunningInvocation(
      exec,
      record,
      begun.invocationInput,
      this.now() + this.options.invocationTimeoutMillis
    )
    exec.running = inv
    const isRoot = exec.parent === undefined
    const duplicate = isRoot
      ? this.options.faults.find((f) => f._tag === "DuplicateInvocation" && f.invocation === index)
      : undefined
    if (duplicate !== undefined) {
      record.fault = "DuplicateInvocation"
      const copy = this.#newRecord(exec, begun, index, true)
      exec.duplicates.push(copy)
      const dup = new RunningInvocation(exec, copy, begun.invocationInput, inv.deadline)
      this.#duplicateRuns.add(dup)
      this.#launch(dup, (outcome) => {
        this.#duplicateRuns.delete(dup)
        copy.endTimestamp = new Date(this.now())
        if ("functionError" in outcome) {
          copy.status = dup.killed !== undefined ? "CRASHED" : "ERROR"
          copy.error = outcome.functionError
        } else {
          copy.status = outcome.Status
          if (outcome.Status === "FAILED") copy.error = outcome.Error
        }
      })
    }
    this.#launch(inv, (outcome) => this.#finishInvocation(inv, outcome))
  }

  #newRecord(
    exec: ExecutionRun,
    begun: ServiceState.InvocationStarted,
    index: number,
    duplicate: boolean
  ): InvocationRecord {
    const ops = begun.invocationInput.InitialExecutionState?.Operations ?? []
    return {
      executionArn: exec.arn,
      index,
      requestId: begun.requestId,
      startTimestamp: new Date(this.now()),
      endTimestamp: undefined,
      status: "RUNNING",
      error: undefined,
      operationsAtStart: ops.filter((op) => op.Type !== "EXECUTION").length,
      newOperationIds: [],
      checkpointCalls: 0,
      checkpointBytes: 0,
      getStateCalls: 0,
      realDurationMillis: 0,
      fault: undefined,
      duplicate,
      firstEventId: undefined,
      lastEventId: undefined
    }
  }

  #launch(inv: RunningInvocation, done: (outcome: ServiceState.InvocationOutcome) => void): void {
    this.#inflight++
    this.clock?.touch()
    this.#watch()
    const started = performance.now()
    void this.#execute(inv)
      .then(
        (outcome) => {
          inv.record.realDurationMillis = performance.now() - started
          done(outcome)
        },
        (error) => this.fail(error instanceof Error ? error : new Error(String(error)))
      )
      .finally(() => {
        this.#inflight--
        this.#wake()
      })
  }

  #lambdaContext(inv: RunningInvocation) {
    const fn = this.options.functionName
    const now = () => this.now()
    return {
      functionName: fn,
      functionVersion: "$LATEST",
      invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${fn}`,
      memoryLimitInMB: String(this.options.memoryMB),
      awsRequestId: inv.record.requestId,
      logGroupName: `/aws/lambda/${fn}`,
      logStreamName: `2025/01/01/[$LATEST]${inv.record.requestId.replace(/-/g, "")}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, inv.deadline - now())
    }
  }

  async #execute(inv: RunningInvocation): Promise<ServiceState.InvocationOutcome> {
    const target = inv.exec.target
    if (target._tag === "Worker") {
      this.#workers ??= new WorkerPool(this)
      return this.#workers.invoke(inv, target, this.#backendFor(inv), this.#lambdaContext(inv))
    }
    const backend = this.#backendFor(inv)
    let program = target.handler.invoke(inv.event, this.#lambdaContext(inv)) as Effect.Effect<
      Invocation.InvocationOutput,
      unknown,
      any
    >
    program = program.pipe(Effect.provideService(DurableBackend.DurableBackend, backend))
    const recorder = this.#attemptRecorder(inv.exec.arn)
    program = program.pipe(
      Effect.updateService(Instrumentation.Instrumentation, (p) => ({ ...p, plugins: [...p.plugins, recorder] }))
    )
    program = program.pipe(Effect.provideService(Clock.Clock, this.clock?.effectClock() ?? realClock))
    program = Random.withSeed(
      program,
      `${this.options.seed}:${inv.exec.arn}:${inv.record.index}:${inv.record.duplicate}`
    )
    if (target.services !== undefined) program = program.pipe(Effect.provide(target.services))
    if (target.context !== undefined) program = program.pipe(Effect.provideContext(target.context))
    const fiber = CrashGuard.runGuarded({ crash: (crash) => inv.kill(this.#crashError(inv, crash)) }, () =>
      Effect.runFork(program as Effect.Effect<Invocation.InvocationOutput, unknown, never>)
    )
    const exit = await new Promise<Exit.Exit<Invocation.InvocationOutput, unknown> | undefined>((resolve) => {
      fiber.addObserver((exit) => resolve(exit))
      inv.onKill(() => resolve(undefined))
    })
    if (exit === undefined || inv.killed !== undefined) {
      Effect.runFork(Fiber.interrupt(fiber))
      return { functionError: inv.killed! }
    }
    if (Exit.isSuccess(exit)) return exit.value
    const reasons = exit.cause.reasons
    const failure = reasons.find((r) => r._tag === "Fail")
    if (failure !== undefined && failure._tag === "Fail") return { functionError: errorObjectOf(failure.error) }
    const defect = reasons.find((r) => r._tag === "Die")
    if (defect !== undefined && defect._tag === "Die") return { functionError: errorObjectOf(defect.defect) }
    return { functionError: { ErrorType: "Runtime.ExitError", ErrorMessage: "The invocation was interrupted" } }
  }

  #crashError(inv: RunningInvocation, crash: CrashGuard.Crash): Operation.ErrorObject {
    const rid = inv.record.requestId
    switch (crash._tag) {
      case "Exit":
        return {
          ErrorType: "Runtime.ExitError",
          ErrorMessage: `RequestId: ${rid} Error: Runtime exited with error: exit status ${crash.code}`
        }
      case "UncaughtException": {
        const e = errorObjectOf(crash.error)
        return {
          ErrorType: "Runtime.ExitError",
          ErrorMessage: `RequestId: ${rid} Error: Runtime exited with error: exit status 129 (uncaught ${e.ErrorType}: ${e.ErrorMessage})`
        }
      }
      case "UnhandledRejection": {
        const e = errorObjectOf(crash.reason)
        return { ErrorType: "Runtime.UnhandledPromiseRejection", ErrorMessage: `${e.ErrorType}: ${e.ErrorMessage}` }
      }
    }
  }

  /** Kills an invocation as the platform would (crash, timeout); used by faults, workers and deadlines. */
  killInvocation(inv: RunningInvocation, error: Operation.ErrorObject): void {
    inv.kill(error)
    this.#wake()
  }

  /** Error object of an invocation killed by the harness (`signal` or exit `code`). */
  exitError(
    inv: RunningInvocation,
    how: { readonly signal: string } | { readonly code: number }
  ): Operation.ErrorObject {
    const rid = inv.record.requestId
    return "signal" in how
      ? {
          ErrorType: "Runtime.ExitError",
          ErrorMessage: `RequestId: ${rid} Error: Runtime exited with signal: ${how.signal}`
        }
      : {
          ErrorType: "Runtime.ExitError",
          ErrorMessage: `RequestId: ${rid} Error: Runtime exited with error: exit status ${how.code}`
        }
  }

  #finishInvocation(inv: RunningInvocation, outcome: ServiceState.InvocationOutcome): void {
    const exec = inv.exec
    const record = inv.record
    record.endTimestamp = new Date(this.now())
    if ("functionError" in outcome) {
      record.status = inv.killed !== undefined ? "CRASHED" : "ERROR"
      record.error = outcome.functionError
    } else {
      record.status = outcome.Status
      if (outcome.Status === "FAILED") record.error = outcome.Error
    }
    const completed = this.state.completeInvocation(exec.arn, outcome)
    if (Result.isFailure(completed)) {
      this.fail(new SimulationError(`completeInvocation failed: ${completed.failure.message}`))
      return
    }
    this.#scan(exec, inv)
    exec.running = undefined
    this.#releaseInvokeOutcomes(exec)
    this.#scan(exec)
    if ("functionError" in outcome) {
      exec.consecutiveErrors++
      exec.notBefore = this.now() + this.options.invocationRetryDelayMillis
      if (exec.consecutiveErrors >= this.options.maxConsecutiveFunctionErrors) {
        this.fail(
          new SimulationError(
            `${exec.consecutiveErrors} invocations in a row ended with a function error; last: ${record.error?.ErrorType}: ${record.error?.ErrorMessage}`
          )
        )
      }
    } else {
      exec.consecutiveErrors = 0
      // PENDING is only valid while something waits on the service: otherwise nothing can ever wake the
      // execution. Fail fast with what the state holds instead of idling until the execution timeout.
      if (outcome.Status === "PENDING" && !this.state.needsInvocation(exec.arn) && !this.#hasPendingWork(exec)) {
        this.fail(
          new SimulationError(
            `Invocation ${record.index} returned PENDING but nothing can wake the execution: no wait, retry, callback or chained invoke is pending. Operations: ${this.state
              .operations(exec.arn)
              .filter((op) => op.Type !== "EXECUTION")
              .map((op) => `${op.Type}/${op.SubType ?? "-"} "${op.Name ?? ""}" = ${op.Status}`)
              .join(", ")}`
          )
        )
      }
    }
    this.#checkClosed(exec)
    this.#notify()
  }

  /** A STEP waiting for its retry, or a WAIT / CALLBACK / CHAINED_INVOKE still running. */
  #hasPendingWork(exec: ExecutionRun): boolean {
    return this.state
      .operations(exec.arn)
      .some(
        (op) =>
          (op.Type === "STEP" && (op.Status === "PENDING" || op.Status === "READY")) ||
          ((op.Type === "WAIT" || op.Type === "CALLBACK" || op.Type === "CHAINED_INVOKE") && op.Status === "STARTED")
      )
  }

  #checkClosed(exec: ExecutionRun): void {
    if (exec.closed) return
    const description = this.state.getExecution(exec.arn)
    if (Result.isFailure(description) || description.success.Status === "RUNNING") return
    exec.closed = true
    const parent = exec.parent
    if (parent === undefined) return
    const d = description.success
    const outcome: ServiceState.ChainedInvokeOutcome =
      d.Status === "SUCCEEDED"
        ? { result: d.Result }
        : d.Status === "TIMED_OUT"
          ? { timedOut: true, error: d.Error }
          : d.Status === "STOPPED"
            ? { stopped: true, error: d.Error }
            : { error: d.Error ?? { ErrorType: "Error", ErrorMessage: "The invoked execution failed" } }
    const parentRun = this.executions.get(parent.arn)
    if (parentRun === undefined) this.state.completeChainedInvoke(parent.arn, parent.operationId, outcome)
    else {
      this.#completeInvoke(parentRun, parent.operationId, outcome)
      this.#scan(parentRun)
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // The backend each invocation talks to: backend-mock, plus crash isolation and faults
  // ---------------------------------------------------------------------------------------------------------

  #backendFor(inv: RunningInvocation): DurableBackend.DurableBackend["Service"] {
    const mock = this.mock.backend
    const exec = inv.exec
    const isRoot = exec.parent === undefined
    const after = <A, E>(effect: Effect.Effect<A, E>, updates: ReadonlyArray<Operation.OperationUpdate> = []) =>
      effect.pipe(
        Effect.ensuring(
          Effect.sync(() => {
            // A full history scan is O(history): do it only when something must react now (a callback to
            // answer, an invoke to start) or concurrent deliveries make event ownership ambiguous.
            const react = updates.some(
              (u) => u.Action === "START" && (u.Type === "CALLBACK" || u.Type === "CHAINED_INVOKE")
            )
            if (react || exec.duplicates.some((d) => d.status === "RUNNING")) this.#scan(exec, inv)
            else {
              for (const u of updates) {
                if (!exec.knownOperations.has(u.Id) && this.state.operation(exec.arn, u.Id) !== undefined) {
                  exec.knownOperations.add(u.Id)
                  inv.record.newOperationIds.push(u.Id)
                }
              }
            }
            this.clock?.touch()
            this.#notify()
          })
        )
      )
    const execution: FaultSite["execution"] = inv.record.duplicate ? "duplicate" : isRoot ? "root" : "invoked"
    return DurableBackend.DurableBackend.of({
      checkpoint: (request) =>
        Effect.suspend(() => {
          if (inv.killed !== undefined) return Effect.never
          this.clock?.touch()
          inv.record.checkpointCalls++
          inv.record.checkpointBytes += new TextEncoder().encode(
            JSON.stringify({ CheckpointToken: request.checkpointToken, Updates: request.updates })
          ).length
          const boundary = inv.record.duplicate ? 0 : ++exec.checkpointCount
          if (isRoot && !inv.record.duplicate && this.options.recordSnapshots === true) {
            this.snapshots.push({
              boundary,
              at: this.now(),
              operations: visible(this.state.operations(exec.arn)),
              updates: request.updates,
              requestId: inv.record.requestId
            })
          }
          const site = { execution, call: "Checkpoint" } as const
          const call = this.#countCall(site, isRoot && !inv.record.duplicate ? boundary : undefined)
          const delay = this.options.checkpointDelayMillis ?? 0
          return this.#inject(inv, site, call, "checkpoint", request.checkpointToken, (checkpointToken) => {
            const answer = after(
              mock.checkpoint(checkpointToken === undefined ? request : { ...request, checkpointToken }),
              request.updates
            )
            return delay > 0 ? this.#held(inv, answer.pipe(Effect.delay(delay))) : answer
          })
        }),
      getExecutionState: (request) =>
        Effect.suspend(() => {
          if (inv.killed !== undefined) return Effect.never
          inv.record.getStateCalls++
          this.clock?.touch()
          const site = { execution, call: "GetDurableExecutionState" } as const
          const call = this.#countCall(site, undefined)
          return this.#inject(inv, site, call, "getExecutionState", request.checkpointToken, (checkpointToken) =>
            after(mock.getExecutionState(checkpointToken === undefined ? request : { ...request, checkpointToken }))
          )
        })
    })
  }

  /** Counts a call at `site`; `boundary` is the count already kept for the root's checkpoints. */
  #countCall(site: Required<FaultSite>, boundary: number | undefined): number {
    if (boundary !== undefined) return boundary
    const key = siteKey(site)
    const n = (this.#siteCalls.get(key) ?? 0) + 1
    this.#siteCalls.set(key, n)
    return n
  }

  /**
   * Performs call number `call` at `site` through `perform` (given a token to send instead of the request's,
   * for `StaleToken`), or the fault the plan puts there.
   */
  #inject<A>(
    inv: RunningInvocation,
    site: Required<FaultSite>,
    call: number,
    name: "checkpoint" | "getExecutionState",
    requestToken: string,
    perform: (checkpointToken: string | undefined) => Effect.Effect<A, DurableBackend.BackendError>
  ): Effect.Effect<A, DurableBackend.BackendError> {
    const fault = this.#faultAt(site, call)
    if (fault === undefined) return perform(undefined)
    this.#appliedFaults.add(fault)
    const key = siteKey(site)
    inv.record.fault = key === "root/Checkpoint" ? `${fault._tag}@${call}` : `${fault._tag}@${key}#${call}`
    switch (fault._tag) {
      case "CrashBeforeCheckpoint":
        this.killInvocation(inv, this.exitError(inv, { signal: "killed" }))
        return Effect.never
      case "CrashAfterCheckpoint":
        return perform(undefined).pipe(
          Effect.ignore,
          Effect.andThen(Effect.sync(() => this.killInvocation(inv, this.exitError(inv, { signal: "killed" })))),
          Effect.andThen(Effect.never)
        )
      case "LoseCheckpoint":
        // The request never reaches the service and no answer ever comes: the invocation hangs until
        // the Lambda timeout.
        inv.held++
        return Effect.never
      case "Throttle":
        return Effect.fail(
          DurableBackend.BackendError.of(name, new DurableBackend.Throttled({ message: "Rate exceeded" }))
        )
      case "ServiceError":
        return Effect.fail(
          DurableBackend.BackendError.of(
            name,
            new DurableBackend.ServiceUnavailable({
              message: "Service unavailable (injected fault)",
              statusCode: fault.statusCode ?? 500
            })
          )
        )
      case "StaleToken": {
        // The invocation's first token once consumed, else a foreign one.
        const first = inv.event.CheckpointToken
        return perform(first !== requestToken ? first : btoa(JSON.stringify({ e: 999999, t: 0 })))
      }
      case "DelayResponse":
        return this.#held(inv, perform(undefined).pipe(Effect.delay(fault.millis)))
    }
  }

  /** A backend call the harness answers late: the invocation is held (time may move) while it waits. */
  #held<A, E>(inv: RunningInvocation, call: Effect.Effect<A, E>): Effect.Effect<A, E> {
    return Effect.acquireUseRelease(
      Effect.sync(() => {
        inv.held++
      }),
      () => call,
      () =>
        Effect.sync(() => {
          inv.held--
        })
    )
  }

  #faultAt(site: Required<FaultSite>, call: number): CallFault | undefined {
    const key = siteKey(site)
    return this.options.faults.find(
      (f): f is CallFault =>
        f._tag !== "DuplicateInvocation" &&
        siteKey(f.site) === key &&
        f.checkpoint === call &&
        !this.#appliedFaults.has(f)
    )
  }

  /** Calls per fault site in this run (duplicate deliveries' calls under `duplicate/...`). */
  callCounts(): Partial<Record<SiteKey, number>> {
    const out: Partial<Record<SiteKey, number>> = {}
    const add = (key: SiteKey, n: number) => {
      if (n > 0) out[key] = (out[key] ?? 0) + n
    }
    for (const exec of this.executions.values()) {
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

  /** Every step attempt whose body started, in order, across all invocations (worker ones included). */
  get stepAttempts(): ReadonlyArray<Instrumentation.StepAttempt> {
    return this.#stepAttempts
  }

  /** Records a step attempt reported by an invocation running in a worker thread. */
  recordStepAttempt(attempt: Instrumentation.StepAttempt): void {
    this.#stepAttempts.push(attempt)
  }

  /** Faults of the plan that were actually applied. */
  get appliedFaults(): ReadonlyArray<Fault> {
    return [...this.#appliedFaults]
  }

  // ---------------------------------------------------------------------------------------------------------
  // Watching history: new operations, callbacks to answer, chained invokes to run
  // ---------------------------------------------------------------------------------------------------------

  #scanAll(): void {
    for (const exec of this.executions.values()) this.#scan(exec)
  }

  #scan(exec: ExecutionRun, inv?: RunningInvocation): void {
    const history = this.state.getHistory(exec.arn)
    if (Result.isFailure(history)) return
    const events = history.success
    for (let i = exec.scannedEvents; i < events.length; i++) {
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
      if (event.EventType === "CallbackStarted") this.#onCallbackStarted(exec, event)
      if (event.EventType === "ChainedInvokeStarted") this.#onChainedInvokeStarted(exec, event)
    }
    exec.scannedEvents = events.length
  }

  #onCallbackStarted(exec: ExecutionRun, event: ServiceState.HistoryEvent): void {
    const details = (event as ServiceState.HistoryEventOf<"CallbackStarted">).CallbackStartedDetails
    const callbackId = details.CallbackId
    if (this.#respondedCallbacks.has(callbackId)) return
    for (const script of this.options.callbackActions) {
      const first = script[0]
      if (first === undefined) continue
      if (first.name !== undefined && first.name !== "*" && first.name !== callbackName(this.state, exec.arn, event))
        continue
      this.#respondedCallbacks.add(callbackId)
      let delay = 0
      for (const action of script) {
        delay += action.delayMillis ?? 0
        this.schedule(delay, () => {
          const result =
            action.operation === "success"
              ? this.state.sendCallbackSuccess(callbackId, action.payload as string | undefined)
              : action.operation === "failure"
                ? this.state.sendCallbackFailure(callbackId, action.payload as Operation.ErrorObject | undefined)
                : this.state.sendCallbackHeartbeat(callbackId)
          // A closed callback answers CallbackTimeoutException, as the service would: reported, not dropped.
          if (Result.isFailure(result)) {
            this.rejectedCallbackAnswers.push({
              callbackId,
              name: first.name,
              operation: action.operation,
              at: new Date(this.now()),
              errorCode: result.failure.code,
              errorMessage: result.failure.message
            })
          }
          this.#scan(exec)
        })
      }
      return
    }
    void exec
  }

  #onChainedInvokeStarted(exec: ExecutionRun, event: ServiceState.HistoryEvent): void {
    const details = (event as ServiceState.HistoryEventOf<"ChainedInvokeStarted">).ChainedInvokeStartedDetails
    const operationId = event.Id!
    const name = details.FunctionName
    const registered = this.#lookup(name)
    const payload = details.Input.Payload
    if (registered === undefined) {
      this.#completeInvoke(exec, operationId, {
        error: {
          ErrorType: "ResourceNotFoundException",
          ErrorMessage: `Function not found: ${name}. Register it with registerFunction / registerDurableFunction.`
        }
      })
      return
    }
    if (registered._tag === "Durable") {
      // Start the child under the ARN ChainedInvokeStarted announced (name and id; the qualifier is always
      // $LATEST in backend-mock's startExecution).
      const announced = /\/durable-execution\/([^/]+)\/([^/]+)$/.exec(details.DurableExecutionArn)
      this.#forcedId = announced?.[2]
      const started = this.state.startExecution({
        functionName: bareName(name),
        ...(announced !== null ? { executionName: announced[1] } : {}),
        ...(payload !== undefined ? { input: payload } : {}),
        ...(registered.executionTimeoutSeconds !== undefined
          ? { timeoutSeconds: registered.executionTimeoutSeconds }
          : {})
      })
      this.#forcedId = undefined
      const child = this.#addExecution(started.durableExecutionArn, registered.target, { arn: exec.arn, operationId })
      this.#startInvocation(child, started)
      return
    }
    this.#inflight++
    const context = { functionName: bareName(name), awsRequestId: `${operationId}-invoke` }
    void Promise.resolve()
      .then(() => registered.fn(safeJson(payload) ?? {}, context))
      .then(
        (value) => {
          const result = value === undefined ? undefined : JSON.stringify(value)
          this.#completeInvoke(exec, operationId, { result })
        },
        (error) => {
          this.#completeInvoke(exec, operationId, { error: errorObjectOf(error) })
        }
      )
      .finally(() => {
        this.#inflight--
        this.#scan(exec)
        this.#notify()
        this.#wake()
      })
  }

  /**
   * Records a chained invoke's outcome as the service does: never inside the caller's running invocation.
   * The target takes real time on the service, the caller suspends at once; so while the caller's
   * invocation runs, the outcome is held and recorded right after its `InvocationCompleted`.
   */
  #completeInvoke(exec: ExecutionRun, operationId: string, outcome: ServiceState.ChainedInvokeOutcome): void {
    if (exec.running !== undefined) {
      exec.heldInvokeOutcomes.push({ operationId, outcome })
      return
    }
    this.state.completeChainedInvoke(exec.arn, operationId, outcome)
  }

  /** Records the invoke outcomes held while `exec`'s invocation ran. */
  #releaseInvokeOutcomes(exec: ExecutionRun): void {
    for (const { operationId, outcome } of exec.heldInvokeOutcomes.splice(0)) {
      this.state.completeChainedInvoke(exec.arn, operationId, outcome)
    }
  }

  #lookup(name: string): Registered | undefined {
    const fns = this.options.functions
    return fns.get(name) ?? fns.get(bareName(name)) ?? fns.get(`${bareName(name)}:$LATEST`)
  }

  // ---------------------------------------------------------------------------------------------------------
  // Virtual time inside invocations: fire in-process timers (and deadlines) when every invocation is stuck
  // ---------------------------------------------------------------------------------------------------------

  #watch(): void {
    const clock = this.clock
    if (clock === undefined || this.#watching) return
    this.#watching = true
    let last = -1
    let quiet = 0
    const tick = () => {
      // Duplicate deliveries count too: a fault can leave one hanging until its Lambda timeout.
      const running = [
        ...[...this.executions.values()].flatMap((e) => (e.running === undefined ? [] : [e.running])),
        ...this.#duplicateRuns
      ]
      if (this.#inflight === 0 || this.#finished) {
        this.#watching = false
        return
      }
      const activity = clock.activity
      if (activity !== last) {
        last = activity
        quiet = 0
      } else quiet++
      if (quiet >= this.options.settleTurns && this.#blockedOnTime(running)) {
        quiet = 0
        this.#advanceInsideInvocations(running)
      }
      // Spin on immediates while things happen; back off once the invocations have been quiet for a while.
      if (quiet > 100) realSetTimeout(tick, 2)
      else setImmediate(tick)
    }
    setImmediate(tick)
  }

  /**
   * Whether every running invocation can only progress by time moving, known from the harness's own
   * state: it holds the invocation's backend call (an injected lost or delayed answer), a worker reported
   * itself idle, or under skipTime every timer is on the one fake timeline and nothing else is left to run.
   */
  #blockedOnTime(running: ReadonlyArray<RunningInvocation>): boolean {
    const fake = this.clock?.fake === true
    // A plain invoke target is user code: on real time it is never cut short.
    if (!fake && this.#inflight > running.length) return false
    for (const inv of running) {
      if (inv.exec.target._tag === "Worker") {
        if (inv.workerStuck === undefined) return false
      } else if (!fake && inv.held === 0) return false
    }
    return true
  }

  /** Moves time inside running invocations to the next due item (timer, service timer, deadline). */
  #advanceInsideInvocations(running: ReadonlyArray<RunningInvocation>): void {
    const clock = this.clock!
    let next = clock.nextTimerAt()
    const take = (t: number | undefined) => {
      if (t !== undefined && (next === undefined || t < next)) next = t
    }
    take(this.state.nextTimerAt())
    for (const action of this.#external) take(action.at)
    for (const inv of running) take(inv.deadline)
    if (next === undefined) return
    this.#timePassed(next, running)
  }

  /** An in-process timer's real delay elapsed (no skipTime): time has really passed up to `due`. */
  #onRealDue(due: number): void {
    if (this.#finished) return
    const running = [...this.executions.values()].flatMap((e) => (e.running === undefined ? [] : [e.running]))
    this.#timePassed(due, running)
  }

  #timePassed(to: number, running: ReadonlyArray<RunningInvocation>): void {
    const clock = this.clock!
    clock.advanceTo(to)
    for (const inv of running) {
      if (inv.deadline <= clock.now()) {
        const seconds = (this.options.invocationTimeoutMillis / 1000).toFixed(2)
        this.killInvocation(inv, {
          ErrorType: "Sandbox.Timedout",
          ErrorMessage: `RequestId: ${inv.record.requestId} Error: Task timed out after ${seconds} seconds`
        })
      }
    }
    this.#fireDue()
    this.#workers?.advanced(clock.now())
  }

  // ---------------------------------------------------------------------------------------------------------
  // Views for results
  // ---------------------------------------------------------------------------------------------------------

  invocationsOf(arn: string): ReadonlyArray<InvocationRecord> {
    return this.executions.get(arn)?.invocations ?? []
  }

  duplicatesOf(arn: string): ReadonlyArray<InvocationRecord> {
    return this.executions.get(arn)?.duplicates ?? []
  }

  /** Child executions started by chained invokes of `arn`, by operation id. */
  childrenOf(arn: string): ReadonlyMap<string, string> {
    const out = new Map<string, string>()
    for (const exec of this.executions.values())
      if (exec.parent?.arn === arn) out.set(exec.parent.operationId, exec.arn)
    return out
  }
}

const CHECKPOINT_EVENTS: ReadonlySet<string> = new Set([
  "ContextStarted",
  "ContextSucceeded",
  "ContextFailed",
  "WaitStarted",
  "WaitCancelled",
  "StepStarted",
  "StepSucceeded",
  "StepFailed",
  "ChainedInvokeStarted",
  "CallbackStarted"
])

/**
 * The operations the service shows a new invocation: descendants of a SUCCEEDED/FAILED CONTEXT that did not
 * ask for `ReplayChildren` are hidden, transitively.
 */
export const visible = (operations: ReadonlyArray<Operation.Operation>): Array<Operation.Operation> => {
  const byId = new Map(operations.map((op) => [op.Id, op]))
  const hidden = (op: Operation.Operation, depth = 0): boolean => {
    if (op.ParentId === undefined || depth > 1000) return false
    const parent = byId.get(op.ParentId)
    if (parent === undefined) return false
    const closed =
      (parent.Status === "SUCCEEDED" || parent.Status === "FAILED") && parent.ContextDetails?.ReplayChildren !== true
    return closed || hidden(parent, depth + 1)
  }
  return operations.filter((op) => !hidden(op))
}

/** Whether an event type is produced by a checkpoint of the handler (rather than by the service). */
export const isCheckpointEvent = (type: string): boolean => CHECKPOINT_EVENTS.has(type)

/** `my-fn:$LATEST` / an ARN → `my-fn`. */
export const bareName = (functionName: string): string => {
  if (functionName.startsWith("arn:")) return functionName.split(":")[6] ?? functionName
  return functionName.split(":")[0] ?? functionName
}

export type { RunningInvocation }

/**
 * The name a script addresses a callback by: its own name, or for the unnamed callback inside a
 * `waitForCallback`, the name of the enclosing WaitForCallback context (what the user wrote).
 */
const callbackName = (state: ServiceState.ServiceState, arn: string, event: ServiceState.HistoryEvent) => {
  if (event.Name !== undefined || event.ParentId === undefined) return event.Name
  const parent = state.operation(arn, event.ParentId)
  return parent?.SubType === "WaitForCallback" ? parent.Name : undefined
}
