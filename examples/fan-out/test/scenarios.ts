/** The runs the tests and the golden history share. */
import { LocalDurableTestRunner } from "@durable-lambda/testing"
import { makeHandler, type ImportJob } from "../src/handler.ts"
import { fakeServices, type FakeOptions } from "./fakes.ts"

/** A feed of 10 rows. */
export const job: ImportJob = {
  jobId: "import-2025-01",
  supplier: "acme",
  rows: Array.from({ length: 10 }, (_, i) => ({ sku: `SKU-${i + 1}`, name: `Product ${i + 1}`, price: 10 + i }))
}

/** Runs the deployed workflow over the fake catalog. */
export const runImport = async (options: FakeOptions) => {
  const fake = fakeServices(options)
  const result = await new LocalDurableTestRunner({ handlerFunction: makeHandler(fake.services) }).run({ payload: job })
  return { result, fake }
}

/** The golden run: SKU-4 is invalid (10%, tolerated), SKU-7 fails once and is retried. */
export const goldenRun = () => runImport({ invalid: ["SKU-4"], flaky: ["SKU-7"] })
