/**
 * The Effect-native entry of the harness: `TestRunner.run(handler, params)` is an `Effect` that drives the
 * handler production exports through simulated invocations on backend-mock's service state machine, on
 * virtual time, until the execution is terminal, and succeeds with a `TestResult`. Options come from
 * `TestRunner.layer(options)` (or per call).
 *
 * **Example**
 * ```ts
 * import { TestRunner } from "@durable-lambda/testing"
 *
 * it.effect("charges once", () =>
 *   Effect.gen(function* () {
 *     const result = yield* TestRunner.run(handler, { payload: { orderId: "o-1" } })
 *     assert.strictEqual(result.getStatus(), "SUCCEEDED")
 *   }).pipe(Effect.provide(TestRunner.layer({ seed: 42 }))))
 * ```
 *
 * @since 0.1.0
 */
import type { Handler } from "@durable-lambda/core"
import { Context, Effect, Layer } from "effect"
import * as ExecutionView from "./ExecutionView.ts"
import { encodeInput, makeSimulation, resolveTarget } from "./internal/runner.ts"
import type { FunctionRegistration, PlainFunction, RunnableHandler, RunnerOptions } from "./internal/runnerOptions.ts"
import { SimulationError } from "./internal/simulation/records.ts"
import { TestResult } from "./TestResult.ts"

export { SimulationError } from "./internal/simulation/records.ts"
export type { CallbackAction, InvocationRecord, RejectedCallbackAnswer } from "./internal/simulation/records.ts"
export type {
  FunctionRegistration,
  Isolation,
  PlainFunction,
  RunnableHandler,
  RunnerOptions
} from "./internal/runnerOptions.ts"
export { maxInputBytes, RequestEntityTooLargeException } from "./internal/runner.ts"

/**
 * Registers a durable function (a handler built by this SDK) as a chained-invoke target: it runs as its own
 * execution on the same service and clock.
 *
 * **Example**
 * ```ts
 * TestRunner.run(handler, { functions: new Map([["billing:$LATEST", TestRunner.durableFunction(billing)]]) })
 * ```
 *
 * @since 0.1.0
 */
export const durableFunction = (handler: RunnableHandler, options?: DurableFunctionOptions): FunctionRegistration => ({
  _tag: "Durable",
  target: resolveTarget(handler, {}),
  executionTimeoutSeconds: options?.executionTimeoutSeconds
})

/**
 * Options of a durable chained-invoke target.
 *
 * @since 0.1.0
 */
export interface DurableFunctionOptions {
  /** The target execution's `ExecutionTimeout`; past it the invoke ends `TIMED_OUT`. Default one year. */
  readonly executionTimeoutSeconds?: number
}

/**
 * Registers a plain function as a chained-invoke target: its return value (or thrown error) completes the
 * invoke.
 *
 * @since 0.1.0
 */
export const plainFunction = (fn: PlainFunction): FunctionRegistration => ({ _tag: "Plain", fn })

/**
 * Parameters of one run.
 *
 * @since 0.1.0
 */
export interface RunParams extends RunnerOptions {
  /** The execution input (JSON-serialized; absent gives `{}`). */
  readonly payload?: unknown
}

/**
 * The runner options in effect (a `Context.Reference`, empty by default).
 *
 * @since 0.1.0
 */
export const TestRunnerOptions = Context.Reference<RunnerOptions>("@durable-lambda/testing/TestRunnerOptions", {
  defaultValue: () => ({})
})

/**
 * Sets runner options for every `TestRunner.run` in scope.
 *
 * @since 0.1.0
 */
export const layer = (options: RunnerOptions): Layer.Layer<never> => Layer.succeed(TestRunnerOptions, options)

/**
 * Runs `handler` until its execution is terminal and returns the `TestResult`.
 *
 * **Details**: the handler is the one production exports; it runs against backend-mock's `ServiceState`
 * (exact validation, tokens, history) with a per-invocation backend that adds crash isolation and the
 * configured faults. Services the handler needs (`R` of a `Handler.make` program) are taken from the
 * caller's context, so `Effect.provide(MyServices)` around `run` works as in production.
 *
 * **Gotchas**: fails with `SimulationError` when the run itself cannot finish (invocation budget exceeded,
 * too many function errors in a row, harness misuse); an execution that FAILED is a successful run whose
 * result says FAILED.
 *
 * @since 0.1.0
 */
export const run = <R = never>(
  handler: RunnableHandler | Handler.DurableHandler<R>,
  params?: RunParams
): Effect.Effect<TestResult, SimulationError, R> =>
  Effect.gen(function* () {
    const defaults = yield* TestRunnerOptions
    const context = yield* Effect.context<R>()
    const options: RunParams = { ...defaults, ...params }
    const target = yield* Effect.try({
      try: () => resolveTarget(handler, options, context),
      catch: (e) => new SimulationError(e instanceof Error ? e.message : String(e))
    })
    const sim = makeSimulation(options)
    const arn = yield* Effect.tryPromise({
      try: () => sim.run(target, encodeInput(options.payload)),
      catch: (e) => (e instanceof SimulationError ? e : new SimulationError(e instanceof Error ? e.message : String(e)))
    }).pipe(Effect.onInterrupt(() => Effect.sync(() => sim.fail(new SimulationError("interrupted")))))
    return new TestResult(ExecutionView.ofSimulation(sim, arn), arn)
  })

/**
 * Runs a handler and returns the result as a Promise (the same as `run`, for async tests).
 *
 * @since 0.1.0
 */
export const runPromise = (handler: RunnableHandler, params?: RunParams): Promise<TestResult> =>
  Effect.runPromise(run(handler, params) as Effect.Effect<TestResult, SimulationError, never>)
