/**
 * Fan-out: import a supplier's product feed into the catalog, one row per map item, at most 4 rows at a time
 * (the catalog API's rate limit). Transient API errors are retried per row; invalid rows are rejected. The
 * completion policy tolerates up to 10% rejected rows: beyond that the map stops starting new rows, the
 * import is reported as aborted and the execution fails.
 *
 * `handler` is exported exactly as it is deployed; `makeHandler` builds the same workflow over any services.
 */
import { createRetryStrategy, withDurableExecution, type RetryDecision } from "@durable-lambda/backend-aws"
import { httpServices, type ImportJob, type ImportReport, type Services } from "./services.ts"

export type { FeedRow, ImportJob, ImportReport, Services } from "./services.ts"
export { InvalidRow } from "./services.ts"

/** The import stopped: more than 10% of the rows were rejected. */
export class ImportAborted extends Error {
  override readonly name = "ImportAborted"
}

const backoff = createRetryStrategy({ maxAttempts: 3, initialDelay: { seconds: 2 }, jitter: "NONE" })
/** Retry transient catalog errors (3 attempts), never an invalid row. */
const upsertRetry = (error: Error, attempt: number): RetryDecision =>
  error.name === "InvalidRow" ? { shouldRetry: false } : backoff(error, attempt)

export const makeHandler = (services: Services) =>
  withDurableExecution(async (job: ImportJob, context): Promise<ImportReport> => {
    const batch = await context.map(
      "import-rows",
      [...job.rows],
      async (item, row) => item.step("upsert", async () => services.upsert(row), { retryStrategy: upsertRetry }),
      {
        maxConcurrency: 4,
        itemNamer: (row) => `row-${row.sku}`,
        completionConfig: { toleratedFailurePercentage: 10 }
      }
    )

    const report: ImportReport = {
      status: batch.completionReason === "FAILURE_TOLERANCE_EXCEEDED" ? "ABORTED" : "IMPORTED",
      imported: batch.successCount,
      rejected: batch.failed().map((item) => ({ sku: job.rows[item.index]!.sku, reason: item.error.message })),
      unfinished: batch.started().length,
      skipped: job.rows.length - batch.totalCount
    }
    await context.step("publish-report", async () => services.publishReport(job.jobId, report))
    if (report.status === "ABORTED") {
      throw new ImportAborted(`${report.rejected.length} of ${job.rows.length} rows rejected (more than 10%)`)
    }
    return report
  })

/** The deployed handler. */
export const handler = makeHandler(httpServices(process.env))
