/**
 * The fault scenario of this example, shared by its fault test and the repository's `pnpm faults` script.
 */
import type { Faults } from "@durable-lambda/testing"
import { makeHandler } from "../src/handler.ts"
import { fakeServices } from "./fakes.ts"
import { job } from "./scenarios.ts"

export const faultScenario = (): Faults.CheckFaultsOptions => ({
  makeHandler: (effects) => makeHandler(fakeServices({ invalid: ["SKU-4"], flaky: ["SKU-7"], effects }).services),
  payload: job
})
