/**
 * Human-readable reports of a local run's `TestResult`: the official operations table, a timeline of
 * invocations, events, attempts and suspensions on (virtual) time with replayed-vs-new counts, and a cost
 * summary (invocations, checkpoint calls and bytes, billed-duration estimate). `result.print()` and
 * `result.format()` write the same; these functions give the sections one by one.
 *
 * @since 0.1.0
 */
import * as Report from "./internal/report.ts"
import { viewOf } from "./internal/resultViews.ts"
import type { TestResult } from "./TestResult.ts"

export { offset, type PrintOptions } from "./internal/report.ts"

/**
 * Costs of a local run (`result.getCostSummary()`). Throws for a cloud run's result.
 *
 * @since 0.1.0
 */
export const cost = (result: TestResult): Report.CostSummary => Report.cost(viewOf(result))

/**
 * The timeline: every event on the execution's clock (offset from its start), grouped by invocation, with
 * each invocation's replayed-vs-new operation counts, outcome and checkpoint traffic, and service-side
 * events (timers, callbacks) between invocations marked `⏱`. Throws for a cloud run's result.
 *
 * @since 0.1.0
 */
export const timeline = (result: TestResult): string => Report.timeline(viewOf(result))

/**
 * Everything `print` writes, as one string (`result.format(options)`). Throws for a cloud run's result.
 *
 * @since 0.1.0
 */
export const format = (result: TestResult, options?: Report.PrintOptions): string =>
  Report.format(viewOf(result), options)
