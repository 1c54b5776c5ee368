/**
 * The outcome of a simulated execution (`TestResult`) and live handles on its operations
 * (`DurableOperation`), with the official testing library's method names so existing tests port by changing
 * the import, plus extras: invocation records, cost summary, timeline, child executions of chained invokes.
 *
 * @since 0.1.0
 */
export * from "./DurableOperation.ts"
export * from "./TestResult.ts"
