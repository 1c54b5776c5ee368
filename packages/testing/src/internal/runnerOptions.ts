/**
 * The runners' options and what they can run (the public face is `TestRunner`, which re-exports them), kept
 * apart so the simulation and the runner plumbing read them without importing the runners.
 *
 * @internal
 */
import type { Handler } from "@durable-lambda/core"
import type { Fault } from "./faultPlan.ts"
import type { CallbackAction, Registered } from "./simulation/records.ts"

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
