/**
 * Instrumentation plugins, with the official SDK's API: objects whose optional hooks the engine calls at the
 * lifecycle points of an invocation, an operation and an attempt (tracing, metrics, log enrichment).
 *
 * **When to use**: pass plugins as `withDurableExecution(handler, { plugins })` (async API), provide them with
 * `Instrumentation.layer(plugins)` (Effect API), or list provider modules in `DURABLE_EXECUTION_PLUGINS`
 * (loaded by `@durable-lambda/backend-aws`).
 *
 * **Semantics** (as the official SDK 2.4.0):
 * - the non-`wrap` hooks of all plugins are called concurrently and awaited before the engine moves past the
 *   lifecycle point; a hook that throws or rejects is logged (`warn`) and never affects the execution;
 * - `wrap*` hooks nest in plugin order (the first plugin is outermost); each must call `fn` once and return
 *   its result; an error `fn` throws is rethrown even if a wrapper swallows it;
 * - operations completed before this invocation are not reported again (steps, child contexts), except a
 *   wait, callback or invoke found completed: `onOperationEnd` with `isReplay: false` when it completed since
 *   the previous invocation, `isReplay: true` otherwise.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { InvocationOutput } from "./Invocation.ts"
import type { StepSemantics } from "./Step.ts"

/** Version of the `DURABLE_EXECUTION_PLUGINS` provider contract this SDK implements. @since 0.1.0 */
export const DURABLE_INSTRUMENTATION_PLUGIN_API_VERSION = 1 as const

/**
 * How an invocation ended, for `onInvocationEnd`. `RETRYING`: the invocation ended with an error and Lambda
 * invokes again (for example a failed checkpoint call or the deadline guard).
 *
 * @since 0.1.0
 */
export const PluginInvocationStatus = {
  SUCCEEDED: "SUCCEEDED",
  FAILED: "FAILED",
  PENDING: "PENDING",
  RETRYING: "RETRYING"
} as const
/** @since 0.1.0 */
export type PluginInvocationStatus = (typeof PluginInvocationStatus)[keyof typeof PluginInvocationStatus]

/** The lifecycle status of an operation as plugins see it (the service's operation statuses). @since 0.1.0 */
export const PluginOperationStatus = {
  STARTED: "STARTED",
  READY: "READY",
  PENDING: "PENDING",
  SUCCEEDED: "SUCCEEDED",
  FAILED: "FAILED",
  TIMED_OUT: "TIMED_OUT",
  STOPPED: "STOPPED",
  CANCELLED: "CANCELLED"
} as const
/** @since 0.1.0 */
export type PluginOperationStatus = (typeof PluginOperationStatus)[keyof typeof PluginOperationStatus]

/** Whether one attempt (of a step or a `waitForCondition` check) succeeded. @since 0.1.0 */
export const AttemptEndInfoOutcome = {
  SUCCEEDED: "SUCCEEDED",
  FAILED: "FAILED"
} as const
/** @since 0.1.0 */
export type AttemptEndInfoOutcome = (typeof AttemptEndInfoOutcome)[keyof typeof AttemptEndInfoOutcome]

/**
 * An operation as plugins see it: its wire id, type, subtype, name, parent, status, timestamps, result (the
 * serialized payload) and error (rebuilt from the recorded error).
 *
 * @since 0.1.0
 */
export interface OperationInfo {
  id: string
  name?: string
  type: string
  subType?: string
  parentId?: string
  status?: PluginOperationStatus
  startTimestamp?: Date
  endTimestamp?: Date
  result?: string
  /** The error the operation failed with, rebuilt from the recorded error data. */
  error?: Error
  /** The attempt number (1-based) recorded for steps. */
  attempt?: number
  /** True when this operation was started by an earlier invocation. */
  isReplay: boolean
}

/** What `onOperationEnd` receives. @since 0.1.0 */
export interface OperationEndInfo extends OperationInfo {
  error?: Error
}

/**
 * One attempt of a step or `waitForCondition` check. `semantics` (steps only) is an addition of this SDK: the
 * step's at-least-once / at-most-once guarantee.
 *
 * @since 0.1.0
 */
export interface AttemptInfo extends OperationInfo {
  attempt: number
  semantics?: StepSemantics
}

/** What `onOperationAttemptEnd` receives. @since 0.1.0 */
export interface AttemptEndInfo extends AttemptInfo {
  outcome: AttemptEndInfoOutcome
  error?: Error
}

/** What every invocation hook receives. @since 0.1.0 */
export interface InvocationBaseInfo {
  requestId: string
  executionArn: string
  /** The execution's input (parsed JSON). */
  executionInput: unknown
  /** Every operation loaded for this invocation, by wire id. */
  operations: Record<string, OperationInfo>
  /** When the execution started (the same for every invocation of it). */
  executionStartTimestamp?: Date
}

/** What `onInvocationStart` and `wrapInvocation` receive. @since 0.1.0 */
export interface InvocationInfo extends InvocationBaseInfo {
  /** True when no operation was recorded yet (the execution's first invocation). */
  isFirstInvocation: boolean
  /** The operations the service reports as changed since the previous invocation (empty on the first). */
  updatedOperations: Record<string, OperationInfo>
}

/** What `onInvocationEnd` receives. @since 0.1.0 */
export interface InvocationEndInfo extends InvocationBaseInfo {
  status: PluginInvocationStatus
  executionResult?: unknown
  executionError?: Error
}

/** What `onOperationChange` receives after a checkpoint response changed operation statuses. @since 0.1.0 */
export interface OperationChangeInfo {
  executionArn: string
  updatedOperations: Record<string, OperationInfo>
  operations: Record<string, OperationInfo>
}

/** The value a wrapped function returns (a promise for async work). @since 0.1.0 */
export type CustomerFnResult = unknown
/** A function a `wrap*` hook receives and must call once. @since 0.1.0 */
export type CustomerFn = () => CustomerFnResult

/**
 * An instrumentation plugin: every hook is optional. See the module documentation for the call rules.
 *
 * **Gotchas**: hooks are awaited, so their time adds to the invocation's. Do not start un-awaited work in
 * `onInvocationEnd`: Lambda freezes the environment right after it.
 *
 * @since 0.1.0
 */
export interface DurableInstrumentationPlugin {
  onInvocationStart?(info: InvocationInfo): Promise<void>
  wrapInvocation?(info: InvocationInfo, fn: () => Promise<InvocationOutput>): Promise<InvocationOutput>
  onInvocationEnd?(info: InvocationEndInfo): Promise<void>
  onOperationStart?(info: OperationInfo): Promise<void>
  wrapChildContextFn?(info: OperationInfo, fn: CustomerFn): CustomerFnResult
  onOperationEnd?(info: OperationEndInfo): Promise<void>
  onOperationAttemptStart?(info: AttemptInfo): Promise<void>
  wrapOperationAttemptFn?(info: AttemptInfo, fn: CustomerFn): CustomerFnResult
  onOperationAttemptEnd?(info: AttemptEndInfo): Promise<void>
  onOperationChange?(info: OperationChangeInfo): Promise<void>
  /**
   * An addition of this SDK: the trace header (X-Ray format, `Root=...;Parent=...;Sampled=...`) a chained
   * invoke this invocation starts sends as `ChainedInvokeOptions.XAmznTraceId`, so the target execution's
   * trace can link to the caller's (the service hands it to the target's invocations). Called synchronously
   * right before the invoke's `START`; the first plugin returning a non-empty string wins; `undefined`: the
   * service's default (the caller's own trace header).
   */
  chainedInvokeTraceHeader?(info: OperationInfo): string | undefined
  /** Extra fields for every log record of `context.logger`. */
  enrichLogContext?(): Record<string, string | number | boolean> | undefined
}

/** A plugin class (what a provider declares as `pluginType`). @since 0.1.0 */
export type DurableInstrumentationPluginType<
  Plugin extends DurableInstrumentationPlugin = DurableInstrumentationPlugin
> = abstract new (...args: never[]) => Plugin

/**
 * What a module listed in `DURABLE_EXECUTION_PLUGINS` exports as `durableExecutionPluginProvider`.
 *
 * @since 0.1.0
 */
export interface DurableInstrumentationPluginProvider<
  Plugin extends DurableInstrumentationPlugin = DurableInstrumentationPlugin
> {
  readonly pluginApiVersion: typeof DURABLE_INSTRUMENTATION_PLUGIN_API_VERSION
  readonly pluginType: DurableInstrumentationPluginType<Plugin>
  createPlugin(): Plugin
}

/**
 * A plugin listed in `DURABLE_EXECUTION_PLUGINS` could not be loaded (bad list, missing module, invalid
 * provider). The invocation fails with it before the handler runs.
 *
 * @since 0.1.0
 */
export class PluginLoadError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(`Dynamic plugin configuration failed: ${message}`, options)
    this.name = "PluginLoadError"
  }
}

/** Settings that change what plugins can observe (the official `pluginsConfig`). @since 0.1.0 */
export interface PluginsConfig {
  /**
   * How many levels of child-context operations the service keeps after their context completed, so later
   * invocations still see them (0 or undefined: none; 1: children of top-level contexts; `Infinity`: all).
   * Kept contexts are rebuilt by replaying their children. Anything but a non-negative integer or `Infinity`
   * fails the execution before the handler runs.
   */
  childOperationsDepth?: number | undefined
}

/**
 * The plugins of a program and their settings.
 *
 * @since 0.1.0
 */
export interface Plugins {
  readonly plugins: ReadonlyArray<DurableInstrumentationPlugin>
  readonly pluginsConfig?: PluginsConfig | undefined
}

/**
 * The plugins in effect for the Effect API (a `Context.Reference`, default: none). They run after those given
 * in the handler's config.
 *
 * @since 0.1.0
 */
export const Instrumentation = Context.Reference<Plugins>("@durable-lambda/core/Instrumentation", {
  defaultValue: () => ({ plugins: [] })
})

/**
 * Provides plugins to an Effect-API handler.
 *
 * **Example**
 * ```ts
 * const handler = toLambdaHandler(Handler.make(program), { services: Instrumentation.layer([myPlugin]) })
 * ```
 *
 * @since 0.1.0
 */
export const layer = (
  plugins: ReadonlyArray<DurableInstrumentationPlugin>,
  pluginsConfig?: PluginsConfig
): Layer.Layer<never> => Layer.succeed(Instrumentation, { plugins, pluginsConfig })

/**
 * Where plugins selected outside the code come from (a `Context.Reference`, default: nowhere). The Node
 * platform (`@durable-lambda/backend-aws`) supplies one reading `DURABLE_EXECUTION_PLUGINS`; a failure is a
 * `PluginLoadError` and fails the invocation before the handler runs.
 *
 * @since 0.1.0
 */
export const PluginSource = Context.Reference<{
  readonly load: Effect.Effect<ReadonlyArray<DurableInstrumentationPlugin>, PluginLoadError>
}>("@durable-lambda/core/Instrumentation/PluginSource", { defaultValue: () => ({ load: Effect.succeed([]) }) })

/**
 * A step attempt as test harnesses record it (the fault checker of `@durable-lambda/testing` builds these
 * from `onOperationAttemptStart`).
 *
 * @since 0.1.0
 */
export interface StepAttempt {
  readonly executionArn: string
  /** The wire id of the step. */
  readonly operationId: string
  /** The raw id (for example `"2-1"`), when the recorder knows it. */
  readonly rawId?: string | undefined
  readonly name: string | undefined
  /** 1-based attempt number. */
  readonly attempt: number
  readonly semantics: StepSemantics | undefined
}
