/**
 * The fault scenario of this example, shared by its fault test and the repository's `pnpm faults` script.
 */
import type { Faults } from "@durable-lambda/testing"
import { makeBillingHandler } from "../src/billing.ts"
import { makeHandler } from "../src/handler.ts"
import { fakeCheckout, fakeProcessor } from "./fakes.ts"
import { BILLING, billingTarget, order } from "./scenarios.ts"

/** Checkout under faults; billing runs as its own execution, and the faults reach its calls too. */
export const faultScenario = (): Faults.CheckFaultsOptions => ({
  makeHandler: (effects) => makeHandler(fakeCheckout(effects).services, BILLING),
  payload: order,
  functions: billingTarget(makeBillingHandler(fakeProcessor().services))
})
