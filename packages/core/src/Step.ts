/**
 * `step`: run a piece of work once, checkpoint its result, and return the recorded result on every replay.
 * Failed attempts are retried by a retry strategy, with each retry scheduled through the service (the
 * invocation suspends and Lambda invokes again when the delay has passed).
 *
 * **Example**
 * ```ts
 * const program = Effect.gen(function* () {
 *   const user = yield* Step.run("fetch-user", Effect.promise(() => fetchUser(id)))
 *   return user.name
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { ContextState } from "./DurableContext.ts"
import { DurableContext } from "./DurableContext.ts"
import type { Duration } from "./Duration.ts"
import type { StepError } from "./Errors.ts"
import { OperationSubType } from "./Operation.ts"
import type { RetryStrategy } from "./RetryStrategy.ts"
import type { Serdes } from "./Serdes.ts"
import type { AwaitHandle } from "./internal/runtime.ts"
import * as Attempt from "./internal/attempt.ts"
import { install as installTypedErrors } from "./internal/typedErrors.ts"
import { parseNamedCall } from "./internal/namedArgs.ts"
import * as Alloc from "./internal/engine/allocation.ts"
import * as StepEngine from "./internal/engine/step.ts"

/**
 * What a step guarantees about its body when the process dies mid-attempt:
 * - `AT_LEAST_ONCE_PER_RETRY` (default): the body starts at once; after a crash it runs again.
 * - `AT_MOST_ONCE_PER_RETRY`: the body starts only after the service recorded the START; after a crash the
 *   attempt counts as failed (`StepInterruptedError`) and the retry strategy decides. Combine with
 *   `retryPresets.noRetry` for "at most once, ever".
 *
 * @since 0.1.0
 */
export const StepSemantics = {
  AtMostOncePerRetry: "AT_MOST_ONCE_PER_RETRY",
  AtLeastOncePerRetry: "AT_LEAST_ONCE_PER_RETRY"
} as const
/** @since 0.1.0 */
export type StepSemantics = (typeof StepSemantics)[keyof typeof StepSemantics]

/**
 * Step options (the official `StepConfig`, plus `error` for typed errors in the Effect API).
 *
 * @since 0.1.0
 */
export interface StepConfig<A, E = never> {
  /** Default `retryPresets.default` (6 attempts). A strategy returning `undefined` falls back to it. */
  readonly retryStrategy?: RetryStrategy
  readonly semantics?: StepSemantics
  readonly serdes?: Serdes<A>
  /**
   * A schema for the body's typed failures. A failure it accepts is checkpointed with its encoded form and
   * comes back as the same typed error (on the first run and on replay); other failures become `StepError`.
   */
  readonly error?: Schema.Codec<E, any>
  /**
   * How long one attempt may run (this SDK's addition; more than 0 seconds, fractions allowed). When it
   * passes, the attempt fails with `StepTimeoutError`, the body's signal aborts (the Effect API interrupts the
   * body's fiber) and the retry strategy decides as for any failed attempt.
   *
   * **Details**: when the invocation reaches its deadline (`deadlineMarginMillis` before the Lambda timeout)
   * first, the attempt is recorded as interrupted (`StepInterruptedError`) and counted, as an at-most-once
   * step's interrupted attempt is: a body that never finishes exhausts its retries instead of being re-run
   * by every invocation. Without a timeout, an attempt cut off by the deadline is re-run by the next
   * invocation without being counted (the official behaviour).
   *
   * **Gotchas**: the engine stops waiting; it cannot stop work the body does not tie to its signal.
   */
  readonly timeout?: Duration
}

const awaitedHandle: AwaitHandle = { awaited: true }

/** The body of a step failed with an interrupt or defect: treat the defect as the thrown error. */
const attemptOf =
  <A, E, R>(body: Effect.Effect<A, E, R>) =>
  (scope: ContextState): Effect.Effect<A, unknown, R> =>
    body.pipe(
      Effect.provideService(DurableContext, scope),
      Effect.catchDefect((defect) => Effect.fail(defect))
    ) as Effect.Effect<A, unknown, R>

/**
 * Runs `body` as a durable step named `name` (optional).
 *
 * **Details**: on replay the recorded result is returned without running `body`; a recorded failure fails
 * again with the same error. The value returned on the first run is the serialized-then-deserialized
 * result, identical to what a replay returns.
 *
 * **Cancellation**: the body's fiber is interrupted when its `timeout` passes (the attempt fails with
 * `StepTimeoutError`), when a timed attempt reaches the invocation's deadline, and when the invocation ends
 * (returns, fails, suspends, or its deadline guard fires). `Effect.tryPromise((signal) => fetch(url, { signal }))`
 * passes that interruption on to promise work as an `AbortSignal`.
 *
 * **Gotchas**: `body` must not call durable operations (it fails the execution with `ContextUsageError`);
 * use `ChildContext.run` for composite work. Its requirements `R` are provided by the handler's layer.
 *
 * @since 0.1.0
 */
export const run: {
  <A, E, R, E2 = never>(
    name: string | undefined,
    body: Effect.Effect<A, E, R>,
    config?: StepConfig<A, E2>
  ): Effect.Effect<A, StepError | E2, R | DurableContext>
  <A, E, R, E2 = never>(
    body: Effect.Effect<A, E, R>,
    config?: StepConfig<A, E2>
  ): Effect.Effect<A, StepError | E2, R | DurableContext>
} = (...args: ReadonlyArray<unknown>): Effect.Effect<any, any, any> =>
  Effect.gen(function* () {
    const { name, body, config } = parseNamedCall<Effect.Effect<any, any, any>, StepConfig<any, any>>(
      args,
      Effect.isEffect,
      "step: expected an Effect as the step body"
    )
    Attempt.timeoutMillis(config?.timeout, "step") // a bad timeout throws before an id is taken
    if (config?.error !== undefined) installTypedErrors()
    const state = yield* DurableContext
    const context = yield* Effect.context<any>()
    const alloc = Alloc.allocate(state, "STEP", OperationSubType.STEP, name, "step")
    return yield* StepEngine.execute(alloc, {
      config,
      handle: awaitedHandle,
      attempt: (scope) => attemptOf(body)(scope).pipe(Effect.provideContext(context))
    })
  })
