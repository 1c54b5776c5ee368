/**
 * The fault scenario of this example, shared by its fault test and the repository's `pnpm faults` script:
 * the happy path under seeded schedules that strike the root's checkpoints and state reads, the provisioning
 * execution's calls and duplicate deliveries. Small state pages make every re-invocation read its state in
 * several `GetDurableExecutionState` calls, so faults reach them too.
 */
import type { Faults } from "@durable-lambda/testing"
import { makeHandler } from "../src/handler.ts"
import { fakeServices } from "./fakes.ts"
import { PROVISION, provisioning, signsAndApproves, vendor } from "./scenarios.ts"

export const faultScenario = (): Faults.CheckFaultsOptions => ({
  makeHandler: (effects) => makeHandler(fakeServices({ effects }).services, PROVISION),
  payload: vendor,
  callbackActions: signsAndApproves,
  functions: provisioning(),
  pageSize: 4
})
