/**
 * The invocation-level side of instrumentation: which plugins an invocation runs (the config's, then the
 * `Instrumentation` service's, then those of the `PluginSource`), the validated `pluginsConfig`, and the
 * information objects of the invocation hooks.
 */
import * as Effect from "effect/Effect"
import type { ResolvedConfig } from "../Config.ts"
import {
  Instrumentation,
  PluginSource,
  type DurableInstrumentationPlugin,
  type InvocationBaseInfo,
  type InvocationInfo,
  type OperationInfo,
  type PluginLoadError
} from "../Instrumentation.ts"
import type { DurableLogger } from "../Logger.ts"
import type { Runtime } from "./runtime.ts"
import { operationInfoMap, PluginRunner } from "./plugins.ts"

export interface Collected {
  readonly plugins: ReadonlyArray<DurableInstrumentationPlugin>
  readonly childOperationsDepth: number | undefined
  /** Why `pluginsConfig` is invalid (the execution fails before the handler runs). */
  readonly configError: string | undefined
}

/** The official rule: `childOperationsDepth` is undefined, a non-negative integer, or `Infinity`. */
const validateDepth = (depth: unknown): string | undefined => {
  if (depth === undefined || depth === Infinity) return undefined
  if (typeof depth !== "number" || !Number.isInteger(depth) || depth < 0) {
    return `pluginsConfig.childOperationsDepth must be a non-negative integer or Infinity; got ${String(depth)}.`
  }
  return undefined
}

/** The plugins and settings of one invocation. */
export const collect = (config: ResolvedConfig): Effect.Effect<Collected, PluginLoadError> =>
  Effect.gen(function* () {
    const service = yield* Instrumentation
    const source = yield* PluginSource
    const loaded = yield* source.load
    const depth = config.pluginsConfig?.childOperationsDepth ?? service.pluginsConfig?.childOperationsDepth
    const configError = validateDepth(depth)
    return {
      plugins: [...config.plugins, ...service.plugins, ...loaded],
      childOperationsDepth: configError === undefined ? depth : undefined,
      configError
    }
  })

/** The runner of `plugins`; hook failures are logged as warnings on `logger`. */
export const runner = (plugins: ReadonlyArray<DurableInstrumentationPlugin>, logger: DurableLogger): PluginRunner =>
  plugins.length === 0
    ? PluginRunner.none
    : new PluginRunner(plugins, (message) => {
        try {
          logger.warn(message)
        } catch {
          // a failing logger must not fail the execution either
        }
      })

/** What every invocation hook receives. */
export const invocationBase = (runtime: Runtime, executionInput: unknown): InvocationBaseInfo => {
  if (!runtime.plugins.active) {
    return { requestId: "", executionArn: runtime.arn, executionInput, operations: {} }
  }
  const base: InvocationBaseInfo = {
    requestId: runtime.requestId ?? "",
    executionArn: runtime.arn,
    executionInput,
    operations: operationInfoMap(runtime.ledger.all())
  }
  const started = runtime.ledger.execution()?.StartTimestamp
  if (started !== undefined) base.executionStartTimestamp = started
  return base
}

/** What `onInvocationStart` and `wrapInvocation` receive. */
export const invocationInfo = (runtime: Runtime, base: InvocationBaseInfo): InvocationInfo => {
  const updatedOperations: Record<string, OperationInfo> = {}
  for (const id of runtime.updatedOperationIds) {
    const info = base.operations[id]
    if (info !== undefined) updatedOperations[id] = info
  }
  return { ...base, isFirstInvocation: runtime.ledger.initialCount <= 1, updatedOperations }
}
