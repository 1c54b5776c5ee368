/**
 * The fault scenario of this example, shared by its fault test and the repository's `pnpm faults` script.
 */
import type { Faults } from "@durable-lambda/testing"
import { makeHandler } from "../src/handler.ts"
import { fakeServices } from "./fakes.ts"
import { approvesAfter, claim, HOUR } from "./scenarios.ts"

export const faultScenario = (): Faults.CheckFaultsOptions => ({
  makeHandler: (effects) => makeHandler(fakeServices({ payrollFailures: 1, effects }).services),
  payload: claim,
  callbackActions: [approvesAfter(3 * HOUR)]
})
