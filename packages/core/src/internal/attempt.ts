/**
 * Cancellation of one attempt (a step body, a waitForCondition check): its `AbortSignal`, which follows the
 * invocation's signal, and the race of the body against its `timeout` and the invocation's deadline. Timers
 * go through Effect's `Clock`, so virtual time drives them.
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { toSeconds, type Duration } from "../Duration.ts"
import type { Runtime } from "./runtime.ts"

/**
 * The signal of one attempt, created on first read (a body that never reads it costs nothing). It aborts
 * with the attempt's own reason (a timeout), or with the invocation's when the invocation ends first.
 */
export class AttemptSignal {
  readonly #runtime: Runtime
  #controller: AbortController | undefined
  #reason: (() => Error) | undefined
  #unlink: (() => void) | undefined

  constructor(runtime: Runtime) {
    this.#runtime = runtime
  }

  get signal(): AbortSignal {
    if (this.#controller !== undefined) return this.#controller.signal
    const controller = new AbortController()
    this.#controller = controller
    if (this.#reason !== undefined) {
      controller.abort(this.#reason())
      return controller.signal
    }
    const parent = this.#runtime.signal
    if (parent.aborted) {
      controller.abort(parent.reason)
    } else {
      const follow = () => controller.abort(parent.reason)
      parent.addEventListener("abort", follow, { once: true })
      this.#unlink = () => parent.removeEventListener("abort", follow)
    }
    return controller.signal
  }

  /** Aborts with `reason` (first reason wins). */
  abort(reason: () => Error): void {
    if (this.#reason !== undefined || this.#controller?.signal.aborted) return
    this.#reason = reason
    this.#unlink?.()
    this.#controller?.abort(reason())
  }

  /** The attempt is over: stop following the invocation's signal. */
  dispose(): void {
    this.#unlink?.()
    this.#unlink = undefined
  }
}

/** The attempt ran into the invocation's deadline before its timeout. */
export const DeadlineReached = { _tag: "DeadlineReached" } as const

/** How an attempt ended: the body's result (a timeout is a failure), or the invocation's deadline came first. */
export type AttemptOutcome<A> = Result.Result<A, unknown> | typeof DeadlineReached

/**
 * Milliseconds of an attempt timeout, checked: a duration of a positive, finite number of seconds. Throws a
 * `TypeError` naming `what` otherwise (before anything is checkpointed).
 */
export const timeoutMillis = (timeout: Duration | undefined, what: string): number | undefined => {
  if (timeout === undefined) return undefined
  const seconds = typeof timeout === "object" && timeout !== null ? toSeconds(timeout) : Number.NaN
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new TypeError(
      `${what}: timeout must be a duration of more than 0 seconds, such as { seconds: 30 }, got ${JSON.stringify(timeout)}`
    )
  }
  return Math.round(seconds * 1000)
}

/**
 * Runs one attempt's body. Without a timeout: its result. With one: the body races its timer (when it fires,
 * the signal aborts with `onTimeout()` and the attempt fails with it; the body's fiber is interrupted) and
 * the invocation's deadline (`DeadlineReached`; the body's fiber is interrupted too).
 */
export const race = <A>(
  runtime: Runtime,
  signal: AttemptSignal,
  body: Effect.Effect<A, unknown>,
  millis: number | undefined,
  onTimeout: () => Error
): Effect.Effect<AttemptOutcome<A>> => {
  const run: Effect.Effect<AttemptOutcome<A>> = Effect.result(body)
  if (millis === undefined)
    return Effect.ensuring(
      run,
      Effect.sync(() => signal.dispose())
    )
  const timer = Effect.sleep(millis).pipe(
    Effect.andThen(
      Effect.sync((): AttemptOutcome<A> => {
        const error = onTimeout()
        signal.abort(() => error)
        return Result.fail(error)
      })
    )
  )
  const deadline = runtime.deadlineReached.pipe(Effect.as<AttemptOutcome<A>>(DeadlineReached))
  return Effect.raceAllFirst([run, timer, deadline]).pipe(Effect.ensuring(Effect.sync(() => signal.dispose())))
}
