/**
 * The waitForCondition algorithm over an allocated id, its config validation and argument parsing, shared by
 * `WaitForCondition.run` and the async API. Engine-internal (not part of the package's public surface).
 */
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import type { ContextState } from "../../DurableContext.ts"
import type { Allocation } from "./allocation.ts"
import { MAX_SECONDS, toSeconds, type Duration } from "../../Duration.ts"
import {
  clampErrorObject,
  fromErrorObject,
  StepTimeoutError,
  toErrorObject,
  WaitForConditionError,
  type StepError
} from "../../Errors.ts"
import type { AttemptInfo } from "../../Instrumentation.ts"
import type { ErrorObject } from "../../Operation.ts"
import type { AwaitHandle } from "../runtime.ts"
import { checkPayload } from "../payload.ts"
import * as Attempt from "../attempt.ts"
import * as Lifecycle from "../lifecycle.ts"
import * as SerdesRunner from "../serdesRunner.ts"
import { isFunction, parseNamedCall, type NamedCall } from "../namedArgs.ts"
import * as Alloc from "./allocation.ts"
import * as ContextStates from "./contextState.ts"
import type { WaitForConditionConfig, WaitForConditionDecision } from "../../WaitForCondition.ts"

/** @internal the shape shared by both APIs */
export interface WaitForConditionSpec<T> {
  readonly config: WaitForConditionConfig<T>
  /** Runs one check in the given step scope; fails with whatever the check threw. */
  readonly check: (state: T, scope: ContextState) => Effect.Effect<T, unknown>
  readonly handle: AwaitHandle
}

/** Throws the official error for a config without strategy or initial state (before any id is taken). @internal */
export const validateConfig: (
  config: WaitForConditionConfig<any> | undefined
) => asserts config is WaitForConditionConfig<any> = (config) => {
  if (config === undefined || typeof config.waitStrategy !== "function" || config.initialState === undefined) {
    throw new TypeError("waitForCondition requires config with waitStrategy and initialState")
  }
}

/**
 * Parses `([name], check, config)` for both faces (the check is a function in both) and validates the config.
 *
 * @internal
 */
export const parseArguments = <F>(
  args: ReadonlyArray<unknown>
): NamedCall<F, WaitForConditionConfig<any>> & { readonly config: WaitForConditionConfig<any> } => {
  const call = parseNamedCall<F, WaitForConditionConfig<any>>(
    args,
    isFunction as (u: unknown) => u is F,
    "waitForCondition requires a check function"
  )
  const config = call.config
  validateConfig(config)
  return { ...call, config }
}

const delaySeconds = (d: Duration | undefined): number => {
  const seconds = d === undefined ? 1 : Math.round(toSeconds(d))
  return Number.isFinite(seconds) ? Math.min(MAX_SECONDS, Math.max(1, seconds)) : 1
}

/**
 * The waitForCondition algorithm over an allocated id (shared by the Effect and async APIs).
 *
 * @internal
 */
export const execute = <T>(
  alloc: Allocation,
  spec: WaitForConditionSpec<T>
): Effect.Effect<T, StepError | WaitForConditionError> =>
  Effect.gen(function* () {
    yield* Alloc.admit(alloc)
    const { state, id } = alloc
    const runtime = state.runtime
    const { config } = spec
    const serdes = config.serdes
    const timeout = Attempt.timeoutMillis(config.timeout, "waitForCondition")
    const base = Alloc.baseUpdate(alloc)
    const eager = runtime.config.checkpointing === "eager"
    const plugins = runtime.plugins
    let info: AttemptInfo | undefined
    const ended = (outcome: "SUCCEEDED" | "FAILED", status: "SUCCEEDED" | "FAILED" | "PENDING", error?: unknown) =>
      info === undefined
        ? Effect.void
        : Lifecycle.attemptEnded(alloc, info, outcome, status, error, status !== "PENDING")
    const fail = (o: ErrorObject) =>
      runtime
        .checkpoint({ ...base, Action: "FAIL", Error: o }, eager)
        .pipe(
          Effect.andThen(ended("FAILED", "FAILED", fromErrorObject(o))),
          Effect.andThen(Effect.fail(fromErrorObject(o) as StepError))
        )

    let record = alloc.record
    for (;;) {
      if (record?.Status === "SUCCEEDED") {
        Alloc.afterReplay(state)
        return yield* SerdesRunner.deserialize<T>(alloc, serdes, record.StepDetails?.Result).pipe(
          Effect.catch((e) => runtime.terminate({ _tag: "InvocationFailed", error: e }))
        )
      }
      if (record?.Status === "FAILED") {
        Alloc.afterReplay(state)
        const error = record.StepDetails?.Error
        return yield* Effect.fail(
          error === undefined
            ? new WaitForConditionError("waitForCondition failed")
            : (fromErrorObject(error) as StepError)
        )
      }
      if (record?.Status === "PENDING") {
        yield* runtime.awaitStatusChange(
          id,
          spec.handle,
          record.StepDetails?.NextAttemptTimestamp?.getTime(),
          "PENDING"
        )
        record = runtime.ledger.get(id)
        continue
      }
      // One check. The state the previous check returned travels in the RETRY payload (StepDetails.Result).
      let current = config.initialState
      const stored = record?.StepDetails?.Result
      if ((record?.Status === "STARTED" || record?.Status === "READY") && stored !== undefined && stored !== "") {
        const read = yield* Effect.result(SerdesRunner.deserialize<T>(alloc, serdes, stored))
        if (read._tag === "Success") current = read.success as T
      }
      const attempt = (record?.StepDetails?.Attempt ?? 0) + 1
      if (record?.Status !== "STARTED") {
        const retrying = (record?.StepDetails?.Attempt ?? 0) >= 1
        yield* runtime.checkpoint({ ...base, Action: "START" }, false)
        record = runtime.ledger.get(id) ?? record
        yield* Lifecycle.started(alloc, retrying, "STARTED")
      } else {
        yield* Lifecycle.started(alloc, true)
      }
      if (runtime.pastDeadline) return yield* Effect.never // the invocation is ending
      const signal = new Attempt.AttemptSignal(runtime)
      const scope = ContextStates.makeStepScope(state, alloc.rawId, attempt, alloc.name, signal)
      info = plugins.active ? yield* Lifecycle.attemptInfo(alloc, attempt, undefined) : undefined
      if (info !== undefined) {
        const start = info
        yield* plugins.emit("onOperationAttemptStart", () => start)
      }
      const check =
        info === undefined
          ? spec.check(current, scope)
          : plugins.wrap("wrapOperationAttemptFn", info, spec.check(current, scope))
      /** Records the state a check returned: SUCCEED when the strategy stops, else RETRY after its delay. */
      const settle = (checked: T) =>
        Effect.gen(function* () {
          const serialized = yield* Effect.result(SerdesRunner.serialize(alloc, serdes, checked))
          if (serialized._tag === "Failure") return yield* fail(clampErrorObject(toErrorObject(serialized.failure)))
          const payload = serialized.success
          const tooLarge = checkPayload(alloc, "state of waitForCondition", payload)
          if (tooLarge !== undefined) return yield* fail(clampErrorObject(toErrorObject(tooLarge)))
          const roundTrip = yield* Effect.result(SerdesRunner.deserialize<T>(alloc, serdes, payload))
          if (roundTrip._tag === "Failure") return yield* fail(clampErrorObject(toErrorObject(roundTrip.failure)))
          const next = roundTrip.success as T
          const random = yield* Random.next
          let decision: WaitForConditionDecision
          try {
            decision = config.waitStrategy(next, attempt, () => random)
          } catch (error) {
            return yield* fail(clampErrorObject(toErrorObject(error)))
          }
          if (!decision.shouldContinue) {
            yield* runtime.checkpoint(
              payload === undefined ? { ...base, Action: "SUCCEED" } : { ...base, Action: "SUCCEED", Payload: payload },
              eager
            )
            yield* ended("SUCCEEDED", "SUCCEEDED")
            return { done: true, value: next } as const
          }
          const delay = delaySeconds((decision as { delay?: Duration }).delay)
          yield* runtime.checkpoint(
            {
              ...base,
              Action: "RETRY",
              ...(payload === undefined ? {} : { Payload: payload }),
              StepOptions: { NextAttemptDelaySeconds: delay }
            },
            true
          )
          yield* ended("SUCCEEDED", "PENDING")
          return { done: false } as const
        })
      const raced = runtime.executingScope(
        Attempt.race(runtime, signal, check, timeout, () => StepTimeoutError.of(alloc.rawId, alloc.name, timeout ?? 0))
      )
      // A timed check cut off by the deadline counts as a check that returned the state it was given, recorded
      // before the deadline guard ends the invocation (it waits for timed attempts); an untimed one is re-run
      // by the next invocation, uncounted.
      const attemptRun = Effect.flatMap(raced, (outcome) => {
        if (outcome._tag === "Success") return settle(outcome.success)
        const interrupted = outcome._tag === "DeadlineReached" || runtime.pastDeadline
        if (!interrupted) return fail(clampErrorObject(toErrorObject(outcome.failure)))
        return timeout === undefined ? Effect.never : settle(current)
      })
      const settled = yield* timeout === undefined ? attemptRun : runtime.timedAttempt(attemptRun)
      if (settled.done) return settled.value
      record = runtime.ledger.get(id)
    }
  })
