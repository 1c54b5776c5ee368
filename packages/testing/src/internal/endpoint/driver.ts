/**
 * Drives executions behind the endpoint as the Lambda service would: invokes the registered handler when an
 * execution starts, after a wake-up (a wait elapsed, a retry became ready, a callback completed or timed out)
 * and after a function error; one invocation per execution at a time; timers on real or virtual time. The
 * invocation steps every runner shares (the Lambda context, Exit → outcome, thrown error → `ErrorObject`) are
 * backend-mock's `ServiceDriver`, through `invoker.ts`.
 *
 * @internal
 */
import { ServiceDriver, ServiceState } from "@durable-lambda/backend-mock"
import type { Operation } from "@durable-lambda/core"
import { Result } from "effect"
import type { ServiceClock } from "./clock.ts"
import { type Invoker, lambdaContext } from "./invoker.ts"
import type { TimelineEvent } from "./timeline.ts"
import { toEventJson } from "./wire.ts"

/** A registered function. */
export interface RegisteredFunction {
  readonly name: string
  readonly functionArn: string
  readonly invoker: Invoker
}

/** Settings of the driver. */
export interface DriverOptions {
  readonly state: ServiceState.ServiceState
  readonly clock: ServiceClock
  readonly functions: ReadonlyMap<string, RegisteredFunction>
  readonly emit: (event: TimelineEvent) => void
  /** Consecutive function errors after which the execution fails. */
  readonly maxInvocationAttempts: number
  /** Real-time pause before re-invoking after a function error. */
  readonly retryDelayMillis: number
  /** Lambda timeout each invocation's context reports. */
  readonly invocationTimeoutMillis: number
  /** Virtual time: jump to the next wait / retry timer whenever every execution is idle. */
  readonly autoAdvance: boolean
}

interface Waiter {
  readonly probe: () => boolean
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/** The model's pattern of `DurableExecutionName` (it becomes a segment of the execution ARN). */
const EXECUTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/

/** The executions' driver. */
export class Driver {
  readonly #options: DriverOptions
  readonly #loops = new Map<string, Promise<void>>()
  readonly #functionOf = new Map<string, string>()
  readonly #invocations = new Map<string, number>()
  readonly #failures = new Map<string, number>()
  readonly #seenEvents = new Map<string, number>()
  readonly #closedReported = new Set<string>()
  readonly #waiters = new Set<Waiter>()
  readonly #abort = new AbortController()
  #closed = false
  #advanceScheduled = false

  constructor(options: DriverOptions) {
    this.#options = options
  }

  get #state(): ServiceState.ServiceState {
    return this.#options.state
  }

  /** Starts an execution of a registered function and drives it. */
  startExecution(
    functionName: string,
    input: string,
    executionName: string | undefined
  ): Result.Result<string, ServiceState.ServiceError> {
    const fn = this.#options.functions.get(functionName)
    if (fn === undefined) {
      return Result.fail(
        new ServiceState.ServiceError(
          "ResourceNotFoundException",
          `Function not found: ${functionName} (registered: ${[...this.#options.functions.keys()].join(", ") || "none"})`
        )
      )
    }
    if (executionName !== undefined && !EXECUTION_NAME.test(executionName)) {
      return Result.fail(
        new ServiceState.ServiceError(
          "InvalidParameterValueException",
          `Invalid DurableExecutionName ${JSON.stringify(executionName)}: 1 to 64 characters of [a-zA-Z0-9_-]`
        )
      )
    }
    if (this.#closed) return Result.fail(new ServiceState.ServiceError("ServiceException", "The endpoint is closing"))
    let started: ServiceState.StartedExecution
    try {
      started = this.#state.startExecution({ functionName, input, executionName })
    } catch (error) {
      return Result.fail(new ServiceState.ServiceError("InvalidParameterValueException", String(error)))
    }
    const arn = started.durableExecutionArn
    this.#functionOf.set(arn, functionName)
    this.#options.emit({ _tag: "ExecutionStarted", durableExecutionArn: arn, functionName, input })
    this.sync(arn)
    this.#run(arn, started)
    return Result.succeed(arn)
  }

  /** Whether an invocation loop is running for the execution. */
  isBusy(durableExecutionArn: string): boolean {
    return this.#loops.has(durableExecutionArn)
  }

  /** After any change from outside (an API call, a timer): report new history and invoke what needs it. */
  afterChange(durableExecutionArn?: string): void {
    if (durableExecutionArn !== undefined) this.sync(durableExecutionArn)
    else for (const arn of this.#functionOf.keys()) this.sync(arn)
    this.kick()
  }

  /** Starts an invocation loop for every execution that needs one. */
  kick(): void {
    if (this.#closed) return
    for (const arn of this.#functionOf.keys()) {
      if (!this.#loops.has(arn) && this.#state.needsInvocation(arn)) this.#run(arn, undefined)
    }
    this.#rearm()
    this.#notify()
    this.#maybeAdvance()
  }

  /** Fires the timers due now (real-time wake-up, or after the virtual clock moved) and drives the results. */
  fireDueTimers(): ReadonlyArray<ServiceState.Timer> {
    const fired = this.#state.fireDueTimers()
    for (const arn of new Set(fired.map((t) => t.durableExecutionArn))) this.sync(arn)
    this.kick()
    return fired
  }

  /**
   * Moves the virtual clock by `millis` (or, without it, to the next pending timer of any kind) and fires what
   * is due. Returns the timers fired.
   */
  advance(millis: number | undefined): ReadonlyArray<ServiceState.Timer> {
    const clock = this.#options.clock
    const from = clock.now()
    const to = millis === undefined ? this.#state.nextTimerAt() : from + millis
    if (to === undefined || to <= from) return this.fireDueTimers()
    clock.setTime(to)
    this.#options.emit({ _tag: "TimeAdvanced", from, to: clock.now() })
    return this.fireDueTimers()
  }

  /** Reports history events recorded since the last sync, and the execution's close. */
  sync(durableExecutionArn: string): void {
    const history = this.#state.getHistory(durableExecutionArn)
    if (Result.isFailure(history)) return
    const seen = this.#seenEvents.get(durableExecutionArn) ?? 0
    let last = seen
    for (const event of history.success) {
      if (event.EventId <= seen) continue
      this.#options.emit({ _tag: "History", durableExecutionArn, event })
      last = Math.max(last, event.EventId)
    }
    this.#seenEvents.set(durableExecutionArn, last)
    if (!this.#closedReported.has(durableExecutionArn)) {
      const description = this.#state.getExecution(durableExecutionArn)
      if (Result.isSuccess(description) && description.success.Status !== "RUNNING") {
        const d = description.success
        if (!this.#state.isInvocationActive(durableExecutionArn)) {
          this.#closedReported.add(durableExecutionArn)
          this.#options.emit({
            _tag: "ExecutionClosed",
            durableExecutionArn,
            status: d.Status as Exclude<ServiceState.ExecutionStatus, "RUNNING">,
            result: d.Result,
            error: d.Error
          })
        }
      }
    }
    this.#notify()
  }

  /** Resolves once `probe` holds (checked after every change); rejects when the endpoint closes. */
  waitUntil(probe: () => boolean): Promise<void> {
    if (probe()) return Promise.resolve()
    if (this.#closed) return Promise.reject(new Error("The loopback endpoint is closed"))
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        probe,
        resolve: () => {
          this.#waiters.delete(waiter)
          resolve()
        },
        reject: (error) => {
          this.#waiters.delete(waiter)
          reject(error)
        }
      }
      this.#waiters.add(waiter)
    })
  }

  /** Whether the execution is closed and no invocation of it is running. */
  isSettled(durableExecutionArn: string): boolean {
    const description = this.#state.getExecution(durableExecutionArn)
    return (
      Result.isSuccess(description) && description.success.Status !== "RUNNING" && !this.#loops.has(durableExecutionArn)
    )
  }

  /** Resolves when no invocation is running anywhere. */
  idle(): Promise<void> {
    return this.waitUntil(() => this.#loops.size === 0)
  }

  /** Stops for good: no new invocations or timers, running invocations aborted, pending waiters rejected. */
  stop(): void {
    this.#closed = true
    this.#options.clock.dispose()
    this.#abort.abort()
    for (const waiter of [...this.#waiters]) waiter.reject(new Error("The loopback endpoint is closed"))
  }

  /** Waits (at most `timeoutMillis`) for the invocations still running after `stop` to end. */
  async drain(timeoutMillis: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([
      Promise.allSettled([...this.#loops.values()]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMillis)
        timer.unref()
      })
    ])
    if (timer !== undefined) clearTimeout(timer)
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) {
      let holds = false
      try {
        holds = waiter.probe()
      } catch (error) {
        waiter.reject(error)
        continue
      }
      if (holds) waiter.resolve()
    }
  }

  #rearm(): void {
    if (this.#options.clock.mode === "real") this.#options.clock.wakeAt(this.#state.nextTimerAt())
  }

  /** On virtual time, with every execution idle, jumps to the earliest wait / retry timer. */
  #maybeAdvance(): void {
    if (!this.#options.autoAdvance || this.#options.clock.mode !== "virtual" || this.#advanceScheduled) return
    if (this.#loops.size > 0 || this.#closed) return
    this.#advanceScheduled = true
    setImmediate(() => {
      this.#advanceScheduled = false
      if (this.#loops.size > 0 || this.#closed) return
      // the virtual clock jumps on its own only to the timers the workflow itself scheduled
      const next = ServiceDriver.nextWakeAt(this.#state, undefined, ServiceDriver.WORKFLOW_TIMERS)
      if (next === undefined) return
      this.advance(Math.max(0, next - this.#options.clock.now()))
    })
  }

  #run(durableExecutionArn: string, first: ServiceState.InvocationStarted | undefined): void {
    const loop = (async () => {
      for (let fresh = first; !this.#closed; fresh = undefined) {
        if (fresh === undefined && !this.#state.needsInvocation(durableExecutionArn)) return
        // the service refusing (the execution closed meanwhile) ends the loop, as any error does
        await this.#invokeOnce(
          durableExecutionArn,
          ServiceDriver.beginInvocation(this.#state, durableExecutionArn, fresh)
        )
      }
    })()
    this.#loops.set(durableExecutionArn, loop)
    void loop
      .catch(() => {})
      .finally(() => {
        this.#loops.delete(durableExecutionArn)
        this.sync(durableExecutionArn)
        this.kick()
      })
  }

  async #invokeOnce(durableExecutionArn: string, started: ServiceState.InvocationStarted): Promise<void> {
    const functionName = this.#functionOf.get(durableExecutionArn)!
    const fn = this.#options.functions.get(functionName)!
    const invocation = (this.#invocations.get(durableExecutionArn) ?? 0) + 1
    this.#invocations.set(durableExecutionArn, invocation)
    const requestId = started.requestId
    // Beginning an invocation may fire timers that fell due meanwhile (a wait's WaitSucceeded), and an API call
    // from outside may have fired them without a report: report those events before the invocation they wake.
    this.sync(durableExecutionArn)
    this.#options.emit({ _tag: "InvocationStarted", durableExecutionArn, invocation, requestId })
    const context = lambdaContext({
      functionName,
      functionArn: fn.functionArn,
      requestId,
      timeoutMillis: this.#options.invocationTimeoutMillis
    })
    let outcome: ServiceState.InvocationOutcome
    try {
      outcome = await fn.invoker.invoke(toEventJson(started.invocationInput), context, this.#abort.signal)
    } catch (error) {
      outcome = { functionError: { ErrorType: "Runtime.Error", ErrorMessage: String(error) } }
    }
    const functionError = "functionError" in outcome ? outcome.functionError : undefined
    const failures = functionError === undefined ? 0 : (this.#failures.get(durableExecutionArn) ?? 0) + 1
    this.#failures.set(durableExecutionArn, failures)
    const gaveUp = functionError !== undefined && failures >= this.#options.maxInvocationAttempts && !this.#closed
    ServiceDriver.completeInvocation(
      this.#state,
      durableExecutionArn,
      gaveUp ? { Status: "FAILED", Error: giveUpError(functionError, failures) } : outcome
    )
    this.#options.emit({
      _tag: "InvocationEnded",
      durableExecutionArn,
      invocation,
      requestId,
      status: "functionError" in outcome ? "FunctionError" : outcome.Status,
      error:
        "functionError" in outcome ? outcome.functionError : outcome.Status === "FAILED" ? outcome.Error : undefined,
      ...(gaveUp ? { gaveUp } : {})
    })
    this.sync(durableExecutionArn)
    this.#rearm()
    if ("functionError" in outcome && !gaveUp && !this.#closed) {
      await new Promise<void>((resolve) => setTimeout(resolve, this.#options.retryDelayMillis))
    }
  }
}

const giveUpError = (error: Operation.ErrorObject, attempts: number): Operation.ErrorObject => ({
  ...error,
  ErrorMessage: `${error.ErrorMessage ?? "Function error"} (the invocation failed ${attempts} times in a row; the endpoint stopped retrying)`
})
