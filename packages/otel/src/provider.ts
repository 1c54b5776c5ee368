/**
 * What `DURABLE_EXECUTION_PLUGINS=@durable-lambda/otel` loads.
 *
 * @since 0.1.0
 */
import type { DurableInstrumentationPluginProvider } from "@durable-lambda/core/async"
import { DurableOtelPlugin } from "./DurableOtelPlugin.ts"

/**
 * The plugin provider of this package, for `DURABLE_EXECUTION_PLUGINS`: a `DurableOtelPlugin` with the
 * defaults (the global tracer provider of `@opentelemetry/api`, `durableIdGenerator`).
 *
 * **Gotchas**: register a tracer provider globally, with `idGenerator: durableIdGenerator`, before the
 * handler's first invocation (for example in the module that exports the handler).
 *
 * @since 0.1.0
 */
export const durableExecutionPluginProvider: DurableInstrumentationPluginProvider<DurableOtelPlugin> = {
  pluginApiVersion: 1,
  pluginType: DurableOtelPlugin,
  createPlugin: () => new DurableOtelPlugin()
}
