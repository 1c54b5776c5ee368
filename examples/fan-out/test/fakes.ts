/**
 * An in-memory catalog API: rejects the SKUs it is told to, fails transiently on request, tracks how many
 * upserts run at once, and keeps one report per job (publishing is a PUT, so a repeated step is harmless).
 */
import type { Faults } from "@durable-lambda/testing"
import { InvalidRow, type ImportReport, type Services } from "../src/handler.ts"

export interface FakeOptions {
  /** SKUs the catalog rejects as invalid. */
  readonly invalid?: ReadonlyArray<string>
  /** SKUs whose first upsert fails with a transient 503. */
  readonly flaky?: ReadonlyArray<string>
  /** Where new reports are recorded (the portal must show one report per job). */
  readonly effects?: Faults.EffectLog
}

export const fakeServices = (options: FakeOptions = {}) => {
  const products = new Map<string, string>()
  const attempts = new Map<string, number>()
  const reports = new Map<string, ImportReport>()
  let reportCalls = 0
  let inFlight = 0
  let maxInFlight = 0
  const services: Services = {
    upsert: async (row) => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      try {
        await new Promise((resolve) => setImmediate(resolve)) // the request takes a moment
        const n = (attempts.get(row.sku) ?? 0) + 1
        attempts.set(row.sku, n)
        if (options.invalid?.includes(row.sku) === true) throw new InvalidRow(`${row.sku}: price must be positive`)
        if (options.flaky?.includes(row.sku) === true && n === 1) throw new Error("catalog unavailable (503)")
        const id = products.get(row.sku) ?? `prod-${row.sku}`
        products.set(row.sku, id)
        return id
      } finally {
        inFlight--
      }
    },
    // PUT /imports/{jobId}/report: publishing the same report again replaces it.
    publishReport: async (jobId, report) => {
      reportCalls++
      options.effects?.record(`publish-call:${jobId}`)
      if (!reports.has(jobId)) options.effects?.atMostOnce(`report:${jobId}`)
      reports.set(jobId, report)
    }
  }
  return { services, products, attempts, reports, reportCalls: () => reportCalls, maxInFlight: () => maxInFlight }
}
