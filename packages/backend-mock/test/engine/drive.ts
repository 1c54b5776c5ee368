/**
 * Drives a durable handler through its invocations against a ServiceState on a virtual service clock, the way
 * Lambda would: start, invoke, complete the invocation, advance to the next timer, invoke again.
 */
import { Errors, Handler, type Invocation } from "@durable-lambda/core"
import { Effect, Exit, Layer } from "effect"
import * as MockBackend from "../../src/MockBackend.ts"
import { ServiceState } from "../../src/ServiceState.ts"

export interface Drive {
  readonly state: ServiceState
  readonly clock: { now: number }
  readonly layer: Layer.Layer<any, never, never>
  readonly mock: () => Effect.Effect<MockBackend.MockBackend["Service"], never, never>
}

export const makeDrive = (options?: { readonly pageSize?: number }): Drive => {
  const clock = { now: Date.UTC(2026, 0, 1) }
  const state = new ServiceState({
    now: () => clock.now,
    ...(options?.pageSize === undefined ? {} : { pageSize: options.pageSize })
  })
  // Build once, so every invocation shares one recording backend (as every Lambda invocation shares one service).
  const context = Effect.runSync(Effect.scoped(Layer.build(MockBackend.layerWith(state))))
  const layer = Layer.succeedContext(context)
  return {
    state,
    clock,
    layer,
    mock: () =>
      Effect.gen(function* () {
        return yield* MockBackend.MockBackend
      }).pipe(Effect.provide(layer))
  }
}

export type Outcome =
  Invocation.InvocationOutput | { readonly InvocationError: { readonly _tag: string; readonly message: string } }

export interface Run {
  readonly arn: string
  readonly outcomes: ReadonlyArray<Outcome>
  readonly last: Outcome
}

const handlerOf = (fn: unknown): Handler.DurableHandler<any> => {
  const info = Handler.lambdaHandlerInfo(fn)
  if (info !== undefined) return info.handler
  return fn as Handler.DurableHandler<any>
}

/** One invocation of `fn` with `event`; returns the output, or the invocation error's tag. */
export const invokeOnce = (drive: Drive, fn: unknown, event: unknown, requestId = "req") =>
  Effect.gen(function* () {
    const exit = yield* Effect.exit(
      handlerOf(fn).invoke(event, { awsRequestId: requestId }).pipe(Effect.provide(drive.layer))
    )
    if (Exit.isSuccess(exit)) return exit.value as Outcome
    const error = exit.cause.reasons.find((r) => r._tag === "Fail")
    const e = (error as any)?.error ?? exit.cause
    return { InvocationError: { _tag: e._tag ?? "Unknown", message: String(e.message ?? e) } } as Outcome
  })

/**
 * Runs an execution to a terminal state (or `maxInvocations`). `handlerFor(n)` may return a different handler
 * per invocation (to simulate a redeploy).
 */
export const run = (
  drive: Drive,
  handlerFor: (invocation: number) => unknown,
  payload: unknown = {},
  options?: {
    readonly maxInvocations?: number
    readonly interruptAfterMillis?: (invocation: number) => number | undefined
  }
) =>
  Effect.gen(function* () {
    const { state } = drive
    const started = state.startExecution({ input: JSON.stringify(payload) })
    const arn = started.durableExecutionArn
    let event: unknown = started.invocationInput
    const outcomes: Array<Outcome> = []
    const max = options?.maxInvocations ?? 50
    for (let i = 0; i < max; i++) {
      const limit = options?.interruptAfterMillis?.(i)
      const invocation = invokeOnce(drive, handlerFor(i), event, `req-${i}`)
      const outcome: Outcome =
        limit === undefined
          ? yield* invocation
          : yield* invocation.pipe(
              Effect.timeoutOrElse({
                duration: limit,
                orElse: () =>
                  Effect.succeed({ InvocationError: { _tag: "Runtime.ExitError", message: "crashed" } } as Outcome)
              })
            )
      outcomes.push(outcome)
      if ("InvocationError" in outcome) {
        state.completeInvocation(arn, {
          functionError: { ErrorType: outcome.InvocationError._tag, ErrorMessage: outcome.InvocationError.message }
        })
      } else {
        state.completeInvocation(arn, outcome)
        if (outcome.Status !== "PENDING") break
      }
      if (!state.needsInvocation(arn)) {
        const next = state.nextTimerAt(arn)
        if (next !== undefined && next > drive.clock.now) drive.clock.now = next
        state.fireDueTimers(arn)
      }
      const begun = state.beginInvocation(arn)
      if (begun._tag === "Failure") throw new Error(`beginInvocation failed: ${begun.failure.message}`)
      event = begun.success.invocationInput
    }
    return { arn, outcomes, last: outcomes[outcomes.length - 1]! } satisfies Run
  })

export const history = (drive: Drive, arn: string) => {
  const h = drive.state.getHistory(arn)
  if (h._tag === "Failure") throw new Error(h.failure.message)
  return h.success as ReadonlyArray<any>
}

export const eventTypes = (drive: Drive, arn: string) => history(drive, arn).map((e) => e.EventType as string)

export const errorOf = (outcome: Outcome) =>
  "Status" in outcome && outcome.Status === "FAILED" ? outcome.Error : undefined

export { Errors }
