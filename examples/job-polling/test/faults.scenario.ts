/**
 * The fault scenario of this example, shared by its fault test and the repository's `pnpm faults` script.
 */
import type { Faults } from "@durable-lambda/testing"
import { makeHandler } from "../src/handler.ts"
import { fakeServices, finishes } from "./fakes.ts"
import { request } from "./scenarios.ts"

export const faultScenario = (): Faults.CheckFaultsOptions => ({
  makeHandler: (effects) => makeHandler(fakeServices(finishes, effects).services),
  payload: request
})
