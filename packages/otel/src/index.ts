/**
 * `@durable-lambda/otel`: OpenTelemetry spans for durable executions, as an instrumentation plugin.
 *
 * @since 0.1.0
 */
export { Attributes } from "./attributes.ts"
export { DurableOtelPlugin, type DurableOtelPluginOptions } from "./DurableOtelPlugin.ts"
export { DurableIdGenerator, durableIdGenerator, operationSpanIdOf, traceIdOf, workflowSpanIdOf } from "./ids.ts"
export { durableExecutionPluginProvider } from "./provider.ts"
export { formatTraceHeader, parseTraceHeader } from "./traceHeader.ts"
