/**
 * The invocation lifecycle: begin an invocation (and its duplicate delivery, when the fault plan says so),
 * run the handler in process (crash-guarded, on the simulation's clock, seeded `Random`, the fault-injecting
 * backend) or in a worker thread, then complete it on the service, record how it ended, and close the
 * execution (reporting a closed chained-invoke target to its caller). The steps shared with every other
 * runner (begin, complete, Exit → outcome, thrown error → `ErrorObject`, the Lambda context) are
 * backend-mock's `ServiceDriver`.
 *
 * @internal
 */
import { ServiceDriver, type ServiceState } from "@durable-lambda/backend-mock"
import { DurableBackend, Instrumentation, type Invocation, type Operation } from "@durable-lambda/core"
import { Clock, Effect, Fiber, Random, Result } from "effect"
import { realClock } from "../../VirtualClock.ts"
import * as CrashGuard from "../crashGuard.ts"
import { WorkerPool } from "../workerHost.ts"
import type { FaultBackend } from "./faultBackend.ts"
import type { Kernel } from "./kernel.ts"
import { type ExecutionRun, newRecord, recordEnd, RunningInvocation, SimulationError } from "./records.ts"

/** Starts, runs and finishes the invocations of one simulation. */
export class Lifecycle {
  readonly #kernel: Kernel
  readonly #backend: FaultBackend
  #workers: WorkerPool | undefined

  constructor(kernel: Kernel, backend: FaultBackend) {
    this.#kernel = kernel
    this.#backend = backend
    kernel.hooks.startInvocation = (exec, started) => this.start(exec, started)
    kernel.hooks.advanced = (now) => this.#workers?.advanced(now)
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    await this.#workers?.close()
  }

  /** Begins an invocation of `exec` (`started`: the one `startExecution` began) and runs it. */
  start(exec: ExecutionRun, started?: ServiceState.InvocationStarted): void {
    const kernel = this.#kernel
    const options = kernel.options
    if (exec.invocations.length >= options.maxInvocations) {
      kernel.fail(
        new SimulationError(
          `Invocation budget exceeded: ${exec.invocations.length} invocations of ${exec.arn} without finishing (maxInvocations = ${options.maxInvocations}).`
        )
      )
      return
    }
    let begun: ServiceState.InvocationStarted
    try {
      begun = ServiceDriver.beginInvocation(kernel.state, exec.arn, started)
    } catch (error) {
      throw new SimulationError(`service call failed: ${(error as Error).message}`)
    }
    const index = exec.invocations.length + 1
    const record = newRecord(exec.arn, begun, index, false, kernel.now())
    exec.invocations.push(record)
    const inv = new RunningInvocation(
      exec,
      record,
      begun.invocationInput,
      kernel.now() + options.invocationTimeoutMillis
    )
    exec.running = inv
    const isRoot = exec.parent === undefined
    const duplicate = isRoot
      ? options.faults.find((f) => f._tag === "DuplicateInvocation" && f.invocation === index)
      : undefined
    if (duplicate !== undefined) {
      record.fault = "DuplicateInvocation"
      const copy = newRecord(exec.arn, begun, index, true, kernel.now())
      exec.duplicates.push(copy)
      const dup = new RunningInvocation(exec, copy, begun.invocationInput, inv.deadline)
      kernel.duplicateRuns.add(dup)
      this.#launch(dup, (outcome) => {
        kernel.duplicateRuns.delete(dup)
        recordEnd(dup, outcome, kernel.now())
      })
    }
    this.#launch(inv, (outcome) => this.#finish(inv, outcome))
  }

  #launch(inv: RunningInvocation, done: (outcome: ServiceState.InvocationOutcome) => void): void {
    const kernel = this.#kernel
    kernel.inflight++
    kernel.clock?.touch()
    kernel.hooks.watch()
    const started = performance.now()
    void this.#execute(inv)
      .then(
        (outcome) => {
          inv.record.realDurationMillis = performance.now() - started
          done(outcome)
        },
        (error) => kernel.fail(error instanceof Error ? error : new Error(String(error)))
      )
      .finally(() => {
        kernel.inflight--
        kernel.wake()
      })
  }

  #lambdaContext(inv: RunningInvocation): ServiceDriver.LambdaContext {
    const kernel = this.#kernel
    return ServiceDriver.lambdaContext({
      functionName: kernel.options.functionName,
      memoryMB: kernel.options.memoryMB,
      requestId: inv.record.requestId,
      logStreamName: `2025/01/01/[$LATEST]${inv.record.requestId.replace(/-/g, "")}`,
      callbackWaitsForEmptyEventLoop: true,
      remainingMillis: () => inv.deadline - kernel.now()
    })
  }

  /** Records every step attempt of `arn` (the fault checker's at-most-once invariant). */
  #attemptRecorder(arn: string): Instrumentation.DurableInstrumentationPlugin {
    const attempts = this.#kernel.stepAttempts
    return {
      onOperationAttemptStart: async (info) => {
        if (info.type !== "STEP" || info.subType !== "Step") return
        attempts.push({
          executionArn: arn,
          operationId: info.id,
          name: info.name,
          attempt: info.attempt,
          semantics: info.semantics
        })
      }
    }
  }

  async #execute(inv: RunningInvocation): Promise<ServiceState.InvocationOutcome> {
    const kernel = this.#kernel
    const target = inv.exec.target
    if (target._tag === "Worker") {
      this.#workers ??= new WorkerPool(kernel)
      return this.#workers.invoke(inv, target, this.#backend.backendFor(inv), this.#lambdaContext(inv))
    }
    const backend = this.#backend.backendFor(inv)
    let program = target.handler.invoke(inv.event, this.#lambdaContext(inv)) as Effect.Effect<
      Invocation.InvocationOutput,
      unknown,
      any
    >
    program = program.pipe(Effect.provideService(DurableBackend.DurableBackend, backend))
    if (kernel.options.recordStepAttempts === true) {
      const recorder = this.#attemptRecorder(inv.exec.arn)
      program = program.pipe(
        Effect.updateService(Instrumentation.Instrumentation, (p) => ({ ...p, plugins: [...p.plugins, recorder] }))
      )
    }
    program = program.pipe(Effect.provideService(Clock.Clock, kernel.clock?.effectClock() ?? realClock))
    program = Random.withSeed(
      program,
      `${kernel.options.seed}:${inv.exec.arn}:${inv.record.index}:${inv.record.duplicate}`
    )
    if (target.services !== undefined) program = program.pipe(Effect.provide(target.services))
    if (target.context !== undefined) program = program.pipe(Effect.provideContext(target.context))
    const fiber = CrashGuard.runGuarded({ crash: (crash) => inv.kill(crashError(inv, crash)) }, () =>
      Effect.runFork(program as Effect.Effect<Invocation.InvocationOutput, unknown, never>)
    )
    const exit = await new Promise<Parameters<Parameters<typeof fiber.addObserver>[0]>[0] | undefined>((resolve) => {
      fiber.addObserver((exit) => resolve(exit))
      inv.onKill(() => resolve(undefined))
    })
    if (exit === undefined || inv.killed !== undefined) {
      Effect.runFork(Fiber.interrupt(fiber))
      return { functionError: inv.killed! }
    }
    return ServiceDriver.outcomeOfExit(exit)
  }

  #finish(inv: RunningInvocation, outcome: ServiceState.InvocationOutcome): void {
    const kernel = this.#kernel
    const exec = inv.exec
    const record = inv.record
    recordEnd(inv, outcome, kernel.now())
    try {
      ServiceDriver.completeInvocation(kernel.state, exec.arn, outcome)
    } catch (error) {
      kernel.fail(new SimulationError(`completeInvocation failed: ${(error as Error).message}`))
      return
    }
    kernel.scan(exec, inv)
    exec.running = undefined
    kernel.releaseInvokeOutcomes(exec)
    kernel.scan(exec)
    if ("functionError" in outcome) {
      exec.consecutiveErrors++
      exec.notBefore = kernel.now() + kernel.options.invocationRetryDelayMillis
      if (exec.consecutiveErrors >= kernel.options.maxConsecutiveFunctionErrors) {
        kernel.fail(
          new SimulationError(
            `${exec.consecutiveErrors} invocations in a row ended with a function error; last: ${record.error?.ErrorType}: ${record.error?.ErrorMessage}`
          )
        )
      }
    } else {
      exec.consecutiveErrors = 0
      // PENDING is only valid while something waits on the service: otherwise nothing can ever wake the
      // execution. Fail fast with what the state holds instead of idling until the execution timeout.
      if (outcome.Status === "PENDING" && !kernel.state.needsInvocation(exec.arn) && !hasPendingWork(kernel, exec)) {
        kernel.fail(
          new SimulationError(
            `Invocation ${record.index} returned PENDING but nothing can wake the execution: no wait, retry, callback or chained invoke is pending. Operations: ${kernel.state
              .operations(exec.arn)
              .filter((op) => op.Type !== "EXECUTION")
              .map((op) => `${op.Type}/${op.SubType ?? "-"} "${op.Name ?? ""}" = ${op.Status}`)
              .join(", ")}`
          )
        )
      }
    }
    this.checkClosed(exec)
    kernel.notify()
  }

  /** Marks `exec` closed once the service closed it; a chained-invoke target reports to its caller. */
  checkClosed(exec: ExecutionRun): void {
    const kernel = this.#kernel
    if (exec.closed) return
    const description = kernel.state.getExecution(exec.arn)
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
    const parentRun = kernel.executions.get(parent.arn)
    if (parentRun === undefined) kernel.state.completeChainedInvoke(parent.arn, parent.operationId, outcome)
    else {
      kernel.completeInvoke(parentRun, parent.operationId, outcome)
      kernel.scan(parentRun)
    }
  }
}

/** A STEP waiting for its retry, or a WAIT / CALLBACK / CHAINED_INVOKE still running. */
const hasPendingWork = (kernel: Kernel, exec: ExecutionRun): boolean =>
  kernel.state
    .operations(exec.arn)
    .some(
      (op) =>
        (op.Type === "STEP" && (op.Status === "PENDING" || op.Status === "READY")) ||
        ((op.Type === "WAIT" || op.Type === "CALLBACK" || op.Type === "CHAINED_INVOKE") && op.Status === "STARTED")
    )

/** The function error of an invocation the crash guard caught dying. */
const crashError = (inv: RunningInvocation, crash: CrashGuard.Crash): Operation.ErrorObject => {
  const rid = inv.record.requestId
  switch (crash._tag) {
    case "Exit":
      return {
        ErrorType: "Runtime.ExitError",
        ErrorMessage: `RequestId: ${rid} Error: Runtime exited with error: exit status ${crash.code}`
      }
    case "UncaughtException": {
      const e = ServiceDriver.errorObjectOf(crash.error)
      return {
        ErrorType: "Runtime.ExitError",
        ErrorMessage: `RequestId: ${rid} Error: Runtime exited with error: exit status 129 (uncaught ${e.ErrorType}: ${e.ErrorMessage})`
      }
    }
    case "UnhandledRejection": {
      const e = ServiceDriver.errorObjectOf(crash.reason)
      return { ErrorType: "Runtime.UnhandledPromiseRejection", ErrorMessage: `${e.ErrorType}: ${e.ErrorMessage}` }
    }
  }
}
