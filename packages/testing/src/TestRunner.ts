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
import type { Fault } from "./Faults.ts"
import { encodeInput, makeSimulation, resolveTarget } from "./internal/runner.ts"
import { type CallbackAction, type Registered, SimulationError } from "./internal/simulation.ts"
import { TestResult } from "./TestExecution.ts"

export { SimulationError } from "./internal/simulation.ts"
export type { CallbackAction, InvocationRecord, RejectedCallbackAnswer } from "./internal/simulation.ts"
export { maxInputBytes, RequestEntityTooLargeException } from "./internal/runner.ts"

/**
 * Anything the runner can drive: a Lambda handler built by this SDK (`withDurableExecution(...)` or
 * `Handler.toLambdaHandler(...)`), or an engine `DurableHandler` (`Handler.make(program)`).
 *
 * @since 0.1.0
 */
export type RunnableHandler =
  Handler.DurableLambdaHandler | Handler.DurableHandler<any> | ((...args: Array<any>) => unknown)

/**
 * A plain (non-durable) chained-invoke target: receives the parsed input and a minimal Lambda context; its
 * return value (or thrown error) completes the invoke.
 *
 * @since 0.1.0
 */
export type PlainFunction = (
  event: any,
  context: { readonly functionName: string; readonly awsRequestId: string }
) => unknown

/**
 * How each invocation runs:
 * - `"in-process"` (default): in the test process, cheap. `process.exit`, uncaught exceptions and unhandled
 *   rejections raised by the invocation's own code are intercepted and end only that invocation (recorded as
 *   `Runtime.ExitError` / `Runtime.UnhandledPromiseRejection`, then re-invoked). Code still running after a
 *   crash cannot be stopped; it can no longer reach the service.
 * - `"worker"`: in a worker thread loaded from `handlerModule` (a warm Lambda environment, replaced after a
 *   crash). Full isolation: the thread really dies.
 *
 * @since 0.1.0
 */
export type Isolation = "in-process" | "worker"

/**
 * Options of a runner (all optional).
 *
 * @since 0.1.0
 */
export interface RunnerOptions {
  /** `"virtual"` (default: no real sleeping, service-exact timestamps) or `"real"` wall-clock time. */
  readonly time?: "virtual" | "real"
  /** Virtual start time (default 2025-01-01T00:00:00Z). */
  readonly startTime?: Date | number
  /** Seed of the engine's `Random` (retry jitter) and of generated fault schedules. Default `"durable-lambda"`. */
  readonly seed?: string | number
  /** Function name in ARNs and the Lambda context. Default `"durable-function"`. */
  readonly functionName?: string
  /** Execution timeout (ExecutionStarted's `ExecutionTimeout`). Default one year, the service maximum. */
  readonly executionTimeoutSeconds?: number
  /** Lambda function timeout per invocation (drives `getRemainingTimeInMillis`). Default 900. */
  readonly invocationTimeoutSeconds?: number
  /** Memory size for the Lambda context and the GB-second estimate. Default 1024. */
  readonly memoryMB?: number
  /** Invocations after which the run fails as runaway. Default 1000. */
  readonly maxInvocations?: number
  /** Function errors in a row after which the run fails. Default 10. */
  readonly maxConsecutiveFunctionErrors?: number
  /** Delay before the service re-invokes after a function error (virtual ms). Default 0. */
  readonly invocationRetryDelayMillis?: number
  /** See `Isolation`. */
  readonly isolation?: Isolation
  /** Module exporting the handler, for `isolation: "worker"` (path or file URL). */
  readonly handlerModule?: string | URL
  /** Export name in `handlerModule`. Default `"handler"`. */
  readonly handlerExport?: string
  /** Faults to inject (see `Faults`). */
  readonly faults?: ReadonlyArray<Fault>
  /** Scripted external systems answering callbacks (see `Callbacks`). */
  readonly callbackActions?: ReadonlyArray<ReadonlyArray<CallbackAction>>
  /** Chained-invoke targets by function name (build entries with `durableFunction` / `plainFunction`). */
  readonly functions?: ReadonlyMap<string, FunctionRegistration> | undefined
  /** Force small state pages (exercises the SDK's pagination). */
  readonly pageSize?: number
  /** `"delta"` (default, as the service) or `"full"` checkpoint responses. */
  readonly newExecutionState?: "delta" | "full"
  /** Event-loop turns without activity before virtual time moves. Default 5. */
  readonly settleTurns?: number
  /** Milliseconds the emulated service takes to answer each checkpoint call. Default 0. */
  readonly checkpointDelayMillis?: number
}

/**
 * A chained-invoke target registration.
 *
 * @since 0.1.0
 */
export type FunctionRegistration = Registered

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
    return new TestResult(sim, arn)
  })

/**
 * Runs a handler and returns the result as a Promise (the same as `run`, for async tests).
 *
 * @since 0.1.0
 */
export const runPromise = (handler: RunnableHandler, params?: RunParams): Promise<TestResult> =>
  Effect.runPromise(run(handler, params) as Effect.Effect<TestResult, SimulationError, never>)
