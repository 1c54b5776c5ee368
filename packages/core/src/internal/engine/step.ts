/**
 * The step algorithm over an allocated id, shared by the Effect API (`Step.run`), the async API and the
 * promise combinators. Engine-internal (not part of the package's public surface).
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Random from "effect/Random"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type { ContextState } from "../../DurableContext.ts"
import type { Allocation } from "./allocation.ts"
import { toValidSeconds, MAX_SECONDS } from "../../Duration.ts"
import {
  clampErrorObject,
  fromErrorObject,
  PayloadTooLargeError,
  StepInterruptedError,
  StepTimeoutError,
  toErrorObject,
  type StepError
} from "../../Errors.ts"
import { asError, readableThrowable } from "../readableThrowable.ts"
import type { ErrorObject } from "../../Operation.ts"
import { retryPresets, type RetryStrategy } from "../../RetryStrategy.ts"
import { defaultSerdes } from "../../Serdes.ts"
import { checkPayload } from "../payload.ts"
import type { AwaitHandle } from "../runtime.ts"
import * as Attempt from "../attempt.ts"
import * as Lifecycle from "../lifecycle.ts"
import * as Ticks from "../ticks.ts"
import * as SerdesRunner from "../serdesRunner.ts"
import * as TypedErrors from "../typedErrorCodec.ts"
import * as Alloc from "./allocation.ts"
import * as ContextStates from "./contextState.ts"
import { StepSemantics, type StepConfig } from "../../Step.ts"

/** @internal the shape shared by both APIs */
export interface StepSpec<A, E> {
  readonly config: StepConfig<A, E> | undefined
  /** Runs one attempt of the body in the given step scope; fails with whatever the body threw. */
  readonly attempt: (scope: ContextState) => Effect.Effect<A, unknown>
  readonly handle: AwaitHandle
  /**
   * Whether an attempt counts as "executing" for the suspension decision (default true). The promise
   * combinators set it to false: their attempt only awaits other durable operations, so the invocation may
   * suspend while it waits (instead of polling until the Lambda timeout).
   */
  readonly executing?: boolean
}

/** The error a failed step surfaces: the typed error if its schema reads the data, else `StepError`. */
const surfaced = <E>(schema: Schema.Codec<E, any> | undefined, o: ErrorObject | undefined): StepError | E =>
  TypedErrors.decode<E>(schema, o) ?? (fromErrorObject(o) as StepError)

const retryDelaySeconds = (strategy: RetryStrategy, error: unknown, attempt: number, random: number) => {
  const err = asError(error)
  const decision = strategy(err, attempt, () => random) ?? retryPresets.default(err, attempt, () => random)
  if (!decision.shouldRetry) return undefined
  if (decision.delay === undefined) return 1
  const seconds = Math.round(toSecondsLoose(decision.delay))
  return Math.min(MAX_SECONDS, Math.max(1, seconds))
}
const toSecondsLoose = (d: Parameters<typeof toValidSeconds>[0]) => {
  const { days = 0, hours = 0, minutes = 0, seconds = 0 } = d as Record<string, number | undefined>
  const total = days * 86400 + hours * 3600 + minutes * 60 + seconds
  return Number.isFinite(total) ? total : 1
}

/**
 * Replays a completed step without running anything, when that can be done synchronously: a SUCCEEDED step
 * with the default (JSON) serdes, or a FAILED step. Returns `undefined` when the full algorithm is needed.
 * Both APIs go through it, so a replayed step costs no fiber.
 *
 * @internal
 */
export const replayCompleted = <A, E>(
  alloc: Allocation,
  config: StepConfig<A, E> | undefined
): Exit.Exit<A, StepError | E> | undefined => {
  const record = alloc.record
  if (record === undefined || alloc.violation !== undefined) return undefined
  if (record.Status === "SUCCEEDED") {
    const serdes = config?.serdes ?? alloc.state.serdesDefaults?.defaultSerdes
    if (serdes !== undefined && serdes !== defaultSerdes) return undefined
    const data = record.StepDetails?.Result
    let value: A
    try {
      value = (data === undefined ? undefined : JSON.parse(data)) as A
    } catch {
      return undefined // the full path reports the deserialization failure
    }
    Alloc.afterReplay(alloc.state)
    return Exit.succeed(value)
  }
  if (record.Status === "FAILED") {
    Alloc.afterReplay(alloc.state)
    return Exit.fail(surfaced(config?.error, record.StepDetails?.Error))
  }
  return undefined
}

/**
 * The step algorithm over an allocated id (shared by the Effect and async APIs).
 *
 * @internal
 */
export const execute = <A, E>(alloc: Allocation, spec: StepSpec<A, E>): Effect.Effect<A, StepError | E> =>
  Effect.gen(function* () {
    const replayed = replayCompleted(alloc, spec.config)
    if (replayed !== undefined) return yield* replayed
    yield* Alloc.admit(alloc)
    const { state, id } = alloc
    const runtime = state.runtime
    const config = spec.config
    const serdes = config?.serdes
    const semantics = config?.semantics ?? StepSemantics.AtLeastOncePerRetry
    const strategy = config?.retryStrategy ?? retryPresets.default
    const timeout = Attempt.timeoutMillis(config?.timeout, "step")
    const eager = runtime.config.checkpointing === "eager"
    const optimistic = runtime.config.checkpointing === "optimistic"
    const base = Alloc.baseUpdate(alloc)
    const fail = (o: ErrorObject) =>
      runtime
        .checkpoint({ ...base, Action: "FAIL", Error: o }, !optimistic && eager)
        .pipe(Effect.andThen(Effect.fail(surfaced(config?.error, o))))
    const retryOrFail = (error: unknown, attempt: number, typedData: string | undefined) =>
      Effect.gen(function* () {
        const o = clampErrorObject(toErrorObject(error, typedData))
        const random = yield* Random.next
        const delay =
          error instanceof PayloadTooLargeError ? undefined : retryDelaySeconds(strategy, error, attempt, random)
        if (delay === undefined) return yield* fail(o)
        yield* runtime.checkpoint(
          { ...base, Action: "RETRY", Error: o, StepOptions: { NextAttemptDelaySeconds: delay } },
          true
        )
        return undefined
      })

    let record = alloc.record
    for (;;) {
      if (record?.Status === "SUCCEEDED") {
        Alloc.afterReplay(state)
        return yield* SerdesRunner.deserialize<A>(alloc, serdes, record.StepDetails?.Result).pipe(
          Effect.catch((e) => runtime.terminate({ _tag: "InvocationFailed", error: e }))
        )
      }
      if (record?.Status === "FAILED") {
        Alloc.afterReplay(state)
        return yield* Effect.fail(surfaced(config?.error, record.StepDetails?.Error))
      }
      if (record?.Status === "PENDING") {
        const wakeAt = record.StepDetails?.NextAttemptTimestamp?.getTime()
        yield* runtime.awaitStatusChange(id, spec.handle, wakeAt, "PENDING")
        record = runtime.ledger.get(id)
        continue
      }
      if (record?.Status === "STARTED" && semantics === StepSemantics.AtMostOncePerRetry) {
        const attempt = (record.StepDetails?.Attempt ?? 0) + 1
        const outcome = yield* retryOrFail(StepInterruptedError.of(alloc.rawId, alloc.name), attempt, undefined)
        if (outcome === undefined) {
          record = runtime.ledger.get(id)
          continue
        }
      }
      // One attempt.
      const retrying = (record?.StepDetails?.Attempt ?? 0) >= 1
      if (record?.Status !== "STARTED") {
        const atMostOnce = semantics === StepSemantics.AtMostOncePerRetry
        yield* runtime.checkpoint({ ...base, Action: "START" }, atMostOnce)
        record = runtime.ledger.get(id) ?? record
        yield* Lifecycle.started(alloc, retrying, "STARTED")
      } else {
        yield* Lifecycle.started(alloc, true)
      }
      const attempt = (record?.StepDetails?.Attempt ?? 0) + 1
      // Past the deadline nothing new starts: the invocation is ending, the next one replays.
      if (runtime.pastDeadline) return yield* Effect.never
      const signal = new Attempt.AttemptSignal(runtime)
      const scope = ContextStates.makeStepScope(state, alloc.rawId, attempt, alloc.name, signal)
      const plugins = runtime.plugins
      const info = plugins.active ? yield* Lifecycle.attemptInfo(alloc, attempt, semantics) : undefined
      if (info !== undefined) yield* plugins.emit("onOperationAttemptStart", () => info)
      // The body starts two ticks after the START is queued and succeeds two ticks after it returns, as in the
      // official SDK (internal/ticks.ts); the ticks count as running code, so a concurrent send waits for them.
      const userBody = Effect.andThen(Ticks.ticks(2), spec.attempt(scope)).pipe(Effect.tap(() => Ticks.ticks(2)))
      const body = info === undefined ? userBody : plugins.wrap("wrapOperationAttemptFn", info, userBody)
      const ended = (outcome: "SUCCEEDED" | "FAILED", status: "SUCCEEDED" | "FAILED" | "PENDING", error?: unknown) =>
        info === undefined
          ? Effect.void
          : Lifecycle.attemptEnded(alloc, info, outcome, status, error, status !== "PENDING")
      const raced = Attempt.race(runtime, signal, body, timeout, () =>
        StepTimeoutError.of(alloc.rawId, alloc.name, timeout ?? 0)
      )
      const attemptRun = Effect.gen(function* () {
        const outcome = yield* spec.executing === false ? raced : runtime.executingScope(raced)
        // (a body that gave up on its aborted signal at the deadline counts as interrupted too)
        if (outcome._tag === "Success" || (outcome._tag === "Failure" && !runtime.pastDeadline)) return outcome
        // The deadline came before the timeout: the attempt counts as interrupted, recorded before the
        // deadline guard flushes and ends the invocation (it waits for timed attempts).
        const interrupted = StepInterruptedError.of(alloc.rawId, alloc.name)
        const retried = yield* Effect.result(retryOrFail(interrupted, attempt, undefined))
        yield* ended("FAILED", retried._tag === "Success" ? "PENDING" : "FAILED", interrupted)
        return { _tag: "Interrupted", retried } as const
      })
      const outcome =
        timeout === undefined
          ? yield* spec.executing === false ? raced : runtime.executingScope(raced)
          : yield* runtime.timedAttempt(attemptRun)
      if (outcome._tag === "Interrupted") {
        if (outcome.retried._tag === "Failure") return yield* Effect.fail(outcome.retried.failure)
        record = runtime.ledger.get(id)
        continue
      }
      if (outcome._tag === "DeadlineReached") return yield* Effect.never // only raced with a timeout
      const result = outcome
      // A failure after the deadline (a body giving up on its aborted signal) is not recorded: as when
      // Lambda cuts an attempt off, the next invocation runs it again.
      if (result._tag === "Failure" && timeout === undefined && runtime.pastDeadline) return yield* Effect.never
      if (result._tag === "Success") {
        const serialized = yield* Effect.result(SerdesRunner.serialize(alloc, serdes, result.success))
        if (serialized._tag === "Failure") {
          yield* ended("FAILED", "FAILED", serialized.failure)
          return yield* fail(clampErrorObject(toErrorObject(serialized.failure)))
        }
        const payload = serialized.success
        const tooLarge = checkPayload(alloc, "result of step", payload)
        if (tooLarge !== undefined) {
          yield* ended("FAILED", "FAILED", tooLarge)
          return yield* fail(clampErrorObject(toErrorObject(tooLarge)))
        }
        yield* runtime.checkpoint(
          payload === undefined ? { ...base, Action: "SUCCEED" } : { ...base, Action: "SUCCEED", Payload: payload },
          eager
        )
        yield* ended("SUCCEEDED", "SUCCEEDED")
        return yield* SerdesRunner.deserialize<A>(alloc, serdes, payload).pipe(
          Effect.catch((e) => runtime.terminate({ _tag: "InvocationFailed", error: e }))
        )
      }
      const error = readableThrowable(result.failure)
      const typed = TypedErrors.encode(alloc, config?.error, error)
      if (Result.isFailure(typed)) {
        yield* ended("FAILED", "FAILED", typed.failure)
        return yield* fail(clampErrorObject(toErrorObject(typed.failure)))
      }
      const retried = yield* Effect.result(retryOrFail(error, attempt, typed.success))
      yield* ended("FAILED", retried._tag === "Success" ? "PENDING" : "FAILED", error)
      if (retried._tag === "Failure") return yield* Effect.fail(retried.failure)
      record = runtime.ledger.get(id)
    }
  })
