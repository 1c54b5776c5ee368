/**
 * What the workflow works on and the systems it talks to, plus the production implementation: the catalog
 * API (JSON over HTTP, base URL from `CATALOG_URL`).
 */

/** One row of a supplier's product feed. */
export interface FeedRow {
  readonly sku: string
  readonly name: string
  readonly price: number
}

export interface ImportJob {
  readonly jobId: string
  readonly supplier: string
  readonly rows: ReadonlyArray<FeedRow>
}

/** The catalog API. Each call runs inside a durable step. */
export interface Services {
  /** Creates or updates the product (idempotent per SKU); returns its catalog id. Throws `InvalidRow`. */
  upsert(row: FeedRow): Promise<string>
  /** Publishes the import report to the supplier portal. */
  publishReport(jobId: string, report: ImportReport): Promise<void>
}

export interface ImportReport {
  readonly status: "IMPORTED" | "ABORTED"
  readonly imported: number
  readonly rejected: ReadonlyArray<{ readonly sku: string; readonly reason: string }>
  /** Rows still in flight when the import stopped early (their outcome is not waited for). */
  readonly unfinished: number
  /** Rows the import never started because it stopped early. */
  readonly skipped: number
}

/** The row is invalid (the catalog answered 422): retrying will not help. */
export class InvalidRow extends Error {
  override readonly name = "InvalidRow"
}

/** The production services, from `CATALOG_URL`. */
export const httpServices = (env: Record<string, string | undefined>): Services => {
  const call = async <T>(path: string, body: unknown): Promise<T> => {
    if (env.CATALOG_URL === undefined) throw new Error("CATALOG_URL is not set")
    const response = await fetch(new URL(path, env.CATALOG_URL), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body)
    })
    if (response.status === 422) throw new InvalidRow(await response.text())
    if (!response.ok) throw new Error(`PUT ${path}: HTTP ${response.status}`)
    return (await response.json()) as T
  }
  return {
    upsert: async (row) => (await call<{ id: string }>(`/products/${encodeURIComponent(row.sku)}`, row)).id,
    publishReport: async (jobId, report) => {
      await call(`/imports/${encodeURIComponent(jobId)}/report`, report)
    }
  }
}
