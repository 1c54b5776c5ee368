/**
 * The loop around the service model, written once: how Lambda drives a durable function against
 * {@link ServiceState.ServiceState}. Begin an invocation, run the handler, turn how it ended into the
 * invocation's outcome (a thrown error becomes an `ErrorObject`), complete the invocation, and when the
 * execution waits on time, fire the timers that became due.
 *
 * Every runner built on `ServiceState` takes its steps from here: `@durable-lambda/testing`'s in-memory
 * runner (which adds concurrency, faults, virtual time inside invocations and worker isolation around these
 * steps), its loopback endpoint, the repository's engine tests and the bench. {@link runToCompletion} is the
 * whole loop for one execution run sequentially, one invocation at a time, on a clock the caller owns.
 *
 * @since 0.1.0
 */
import type { Invocation, Operation } from "@durable-lambda/core"
import { Exit, Result } from "effect"
import type {
  ExecutionDescription,
  InvocationOutcome,
  InvocationStarted,
  ServiceError,
  ServiceState,
  TimerKind
} from "./ServiceState.ts"

/**
 * A step of the loop the service refused (an unknown execution, an invocation already running, ...), or
 * a run that cannot go on (the budget of invocations spent, a PENDING execution nothing can wake).
 *
 * @since 0.1.0
 */
export class ServiceDriverError extends Error {
  override readonly name = "ServiceDriverError"
}

/**
 * A result of the service, or a {@link ServiceDriverError} thrown with the service's code and message.
 *
 * @since 0.1.0
 */
export const orThrow = <A>(result: Result.Result<A, ServiceError>): A => {
  if (Result.isFailure(result)) throw new ServiceDriverError(`${result.failure.code}: ${result.failure.message}`)
  return result.success
}

/**
 * The `ErrorObject` Lambda reports for a thrown value: `ErrorType` is the value's `_tag` (a tagged Effect
 * error), else its `name`, else `"Error"`; `ErrorMessage` its `message` (else the value as text);
 * `StackTrace` its stack split into lines, when it has one.
 *
 * @since 0.1.0
 */
export const errorObjectOf = (error: unknown): Operation.ErrorObject => {
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

/** The function error of an invocation that was interrupted (its process stopped) without another error. */
export const INTERRUPTED: Operation.ErrorObject = {
  ErrorType: "Runtime.ExitError",
  ErrorMessage: "The invocation was interrupted"
}

/**
 * How an invocation ended, from the Exit of the handler's program: its output, or a function error made
 * from the first failure (else the first defect) with {@link errorObjectOf}; an interruption only is
 * `interrupted` (default {@link INTERRUPTED}).
 *
 * @since 0.1.0
 */
export const outcomeOfExit = (
  exit: Exit.Exit<Invocation.InvocationOutput, unknown>,
  interrupted: Operation.ErrorObject = INTERRUPTED
): InvocationOutcome => {
  if (Exit.isSuccess(exit)) return exit.value
  const reasons = exit.cause.reasons
  const failure = reasons.find((r) => r._tag === "Fail")
  if (failure !== undefined && failure._tag === "Fail") return { functionError: errorObjectOf(failure.error) }
  const defect = reasons.find((r) => r._tag === "Die")
  if (defect !== undefined && defect._tag === "Die") return { functionError: errorObjectOf(defect.defect) }
  return { functionError: interrupted }
}

/**
 * The Lambda context the Node.js runtime hands a handler (the fields it provides; `done` / `fail` /
 * `succeed` do nothing).
 *
 * @since 0.1.0
 */
export interface LambdaContext {
  readonly callbackWaitsForEmptyEventLoop: boolean
  readonly functionName: string
  readonly functionVersion: string
  readonly invokedFunctionArn: string
  readonly memoryLimitInMB: string
  readonly awsRequestId: string
  readonly logGroupName: string
  readonly logStreamName: string
  getRemainingTimeInMillis(): number
  done(): void
  fail(): void
  succeed(): void
}

/**
 * What {@link lambdaContext} needs.
 *
 * @since 0.1.0
 */
export interface LambdaContextOptions {
  readonly functionName: string
  /** Default: the function's ARN in account 123456789012, us-east-1. */
  readonly functionArn?: string | undefined
  readonly requestId: string
  /** Default 128. */
  readonly memoryMB?: number | undefined
  /** Milliseconds left before the invocation's deadline (on whatever clock the caller runs). */
  readonly remainingMillis: () => number
  /** Default `local/[$LATEST]<requestId>`. */
  readonly logStreamName?: string | undefined
  /** Default `false`. */
  readonly callbackWaitsForEmptyEventLoop?: boolean | undefined
}

/**
 * The Lambda context of one invocation.
 *
 * @since 0.1.0
 */
export const lambdaContext = (options: LambdaContextOptions): LambdaContext => {
  const fn = options.functionName
  return {
    callbackWaitsForEmptyEventLoop: options.callbackWaitsForEmptyEventLoop ?? false,
    functionName: fn,
    functionVersion: "$LATEST",
    invokedFunctionArn: options.functionArn ?? `arn:aws:lambda:us-east-1:123456789012:function:${fn}`,
    memoryLimitInMB: String(options.memoryMB ?? 128),
    awsRequestId: options.requestId,
    logGroupName: `/aws/lambda/${fn}`,
    logStreamName: options.logStreamName ?? `local/[$LATEST]${options.requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, options.remainingMillis()),
    done: () => {},
    fail: () => {},
    succeed: () => {}
  }
}

/**
 * Begins the execution's next invocation: `fresh` when given (the invocation `startExecution` already
 * began), else a new one. Throws {@link ServiceDriverError} when the service refuses.
 *
 * @since 0.1.0
 */
export const beginInvocation = (
  state: ServiceState,
  durableExecutionArn: string,
  fresh?: InvocationStarted
): InvocationStarted => fresh ?? orThrow(state.beginInvocation(durableExecutionArn))

/**
 * Completes the running invocation with how it ended. Throws {@link ServiceDriverError} when the service
 * refuses (no invocation running, the execution unknown).
 *
 * @since 0.1.0
 */
export const completeInvocation = (state: ServiceState, durableExecutionArn: string, outcome: InvocationOutcome) => {
  orThrow(state.completeInvocation(durableExecutionArn, outcome))
}

/**
 * The timers the workflow itself scheduled: a wait elapsing, a retry becoming READY (not a callback's
 * timeouts, nor the execution's).
 *
 * @since 0.1.0
 */
export const WORKFLOW_TIMERS: ReadonlySet<TimerKind> = new Set(["WaitSucceeded", "StepReady"])

/**
 * Every kind of timer, the execution timeout included.
 *
 * @since 0.1.0
 */
export const ALL_TIMERS: ReadonlySet<TimerKind> = new Set([
  "WaitSucceeded",
  "StepReady",
  "CallbackTimeout",
  "CallbackHeartbeatTimeout",
  "ExecutionTimeout"
])

/**
 * When the execution (without an ARN: any execution) next wakes on its own.
 *
 * Without `wakeOn`: its earliest timer (a wait elapsing, a retry becoming READY, a callback timing out);
 * `undefined` when nothing is pending, or when the earliest is the execution timeout (nothing the workflow
 * scheduled comes first: it is stuck). With `wakeOn`: the earliest timer of one of those kinds (for example
 * {@link WORKFLOW_TIMERS}, or {@link ALL_TIMERS} to let a stuck execution time out).
 *
 * @since 0.1.0
 */
export const nextWakeAt = (
  state: ServiceState,
  durableExecutionArn?: string,
  wakeOn?: ReadonlySet<TimerKind>
): number | undefined => {
  const timers = state.timers(durableExecutionArn)
  if (wakeOn !== undefined) return timers.find((timer) => wakeOn.has(timer.kind))?.at
  const next = timers[0]
  return next === undefined || next.kind === "ExecutionTimeout" ? undefined : next.at
}

/**
 * A clock the caller owns, as the loop moves it.
 *
 * @since 0.1.0
 */
export interface DriverClock {
  readonly now: () => number
  /** Moves the clock to `at` (never backwards). */
  readonly advanceTo: (at: number) => void
}

/**
 * Options of {@link runToCompletion}.
 *
 * @since 0.1.0
 */
export interface RunOptions {
  /** Runs the handler for one invocation and tells how it ended; a rejection ends the run (rethrown). */
  readonly invoke: (started: InvocationStarted, invocation: number) => Promise<InvocationOutcome>
  /** The clock to move when the execution waits on time. */
  readonly clock: DriverClock
  /** The first invocation, when `startExecution` already began it. */
  readonly first?: InvocationStarted | undefined
  /** Default 100. */
  readonly maxInvocations?: number | undefined
  /**
   * Called when each invocation has begun (or, for `first`, is handed over), before `invoke`.
   *
   * @since 0.1.0
   */
  readonly onBegun?: ((started: InvocationStarted, invocation: number) => void) | undefined
  /** Called after each invocation is completed, before the loop looks at the execution. */
  readonly onCompleted?: ((outcome: InvocationOutcome, invocation: number) => void) | undefined
  /**
   * Called while the execution waits (running, no invocation wanted), before the clock moves: it may make
   * progress from outside the function (answer a callback, complete a chained invoke) and returns whether
   * it did. When it did and the service now wants an invocation, the loop invokes at once, on the same
   * clock; otherwise the clock moves to the next wake-up as without it.
   *
   * @since 0.1.0
   */
  readonly onSuspended?: (() => boolean) | undefined
  /**
   * The timers the loop moves the clock to while the execution waits (see {@link nextWakeAt}). Default:
   * the earliest timer unless it is the execution timeout, which fails the run as stuck; with
   * {@link ALL_TIMERS} a stuck execution times out instead, and the run returns it closed.
   *
   * @since 0.1.0
   */
  readonly wakeOn?: ReadonlySet<TimerKind> | undefined
}

/**
 * How a run ended.
 *
 * @since 0.1.0
 */
export interface RunOutcome {
  /** The closed execution's description. */
  readonly execution: ExecutionDescription
  /** Invocations this run made. */
  readonly invocations: number
  /** How the last invocation ended. */
  readonly last: InvocationOutcome
}

/**
 * Runs one execution to its close, one invocation at a time: begin, invoke, complete; while the execution
 * runs, invoke again at once when the service wants an invocation (a function error, a timer already
 * fired), else let `onSuspended` make progress, else move the clock to the next wake-up ({@link nextWakeAt}
 * with `wakeOn`) and fire the due timers, until the service wants an invocation or the execution closed.
 *
 * Throws {@link ServiceDriverError} when more than `maxInvocations` are needed, or when the execution waits
 * with nothing to wake it (by default: nothing but the execution timeout, a handler that returned PENDING
 * for nothing). A rejected `invoke` completes the invocation with a function error, then rethrows.
 *
 * @since 0.1.0
 */
export const runToCompletion = async (
  state: ServiceState,
  durableExecutionArn: string,
  options: RunOptions
): Promise<RunOutcome> => {
  const max = options.maxInvocations ?? 100
  const closed = () => {
    const execution = orThrow(state.getExecution(durableExecutionArn))
    return execution.Status === "RUNNING" ? undefined : execution
  }
  let fresh = options.first
  for (let n = 1; n <= max; n++) {
    const started = beginInvocation(state, durableExecutionArn, fresh)
    fresh = undefined
    options.onBegun?.(started, n)
    let outcome: InvocationOutcome
    try {
      outcome = await options.invoke(started, n)
    } catch (error) {
      completeInvocation(state, durableExecutionArn, { functionError: errorObjectOf(error) })
      throw error
    }
    completeInvocation(state, durableExecutionArn, outcome)
    options.onCompleted?.(outcome, n)
    const last = (execution: ExecutionDescription): RunOutcome => ({ execution, invocations: n, last: outcome })
    let execution = closed()
    if (execution !== undefined) return last(execution)
    if (!state.needsInvocation(durableExecutionArn) && options.onSuspended?.() === true) {
      execution = closed()
      if (execution !== undefined) return last(execution)
    }
    while (!state.needsInvocation(durableExecutionArn)) {
      const at = nextWakeAt(state, durableExecutionArn, options.wakeOn)
      if (at === undefined) {
        throw new ServiceDriverError(
          `The execution is PENDING with nothing to wake it: no wait, retry or callback timeout is pending (${durableExecutionArn})`
        )
      }
      options.clock.advanceTo(Math.max(options.clock.now(), at))
      if (options.clock.now() < at) throw new ServiceDriverError(`The clock did not move to ${at}`)
      state.fireDueTimers(durableExecutionArn)
      execution = closed()
      if (execution !== undefined) return last(execution)
    }
  }
  throw new ServiceDriverError(`The execution did not finish in ${max} invocations (${durableExecutionArn})`)
}
