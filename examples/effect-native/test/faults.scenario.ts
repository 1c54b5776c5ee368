/**
 * The fault scenario of this example, shared by its fault test and the repository's `pnpm faults` script.
 */
import type { Faults } from "@durable-lambda/testing"
import { makeHandler } from "../src/handler.ts"
import { fakeServices } from "./fakes.ts"
import { goldenOutcomes, subscription } from "./scenarios.ts"

export const faultScenario = (): Faults.CheckFaultsOptions => ({
  makeHandler: (effects) => makeHandler(fakeServices(goldenOutcomes, effects).layer),
  payload: subscription
})
