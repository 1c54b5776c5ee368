/** The runs the tests, the golden history and the fault script share. */
import { Callbacks, LocalDurableTestRunner, TestRunner } from "@durable-lambda/testing"
import { makeHandler, type Vendor } from "../src/handler.ts"
import { makeProvisionHandler } from "../src/provision.ts"
import { fakeProvisioning, fakeServices, type FakeOptions } from "./fakes.ts"

export const HOUR = 3_600_000

/** The provisioning function's name as the test registers it. */
export const PROVISION = "vendor-provisioning:live"

export const vendor: Vendor = { vendorId: "v-7", name: " Acme Tools ", sites: ["berlin", "lisbon"] }

/** The provisioning function, registered as a durable chained-invoke target running in the harness. */
export const provisioning = (): NonNullable<TestRunner.RunnerOptions["functions"]> =>
  new Map([[PROVISION, TestRunner.durableFunction(makeProvisionHandler(fakeProvisioning()))]])

/** The contract is signed 2 hours after it was sent; the manager approves an hour after being asked. */
export const signsAndApproves = [
  Callbacks.respond("contract-signature", Callbacks.success("signed-by-acme", 2 * HOUR)),
  Callbacks.respond("manager-approval", Callbacks.success("bo@example.com", HOUR))
]

/** The contract is signed; the manager rejects. */
export const managerRejects = [
  Callbacks.respond("contract-signature", Callbacks.success("signed-by-acme", 2 * HOUR)),
  Callbacks.respond(
    "manager-approval",
    Callbacks.failure({ ErrorType: "Rejected", ErrorMessage: "duplicate vendor" }, HOUR)
  )
]

/** Runs the deployed workflow over fakes with the given scripted answers. */
export const runOnboarding = async (
  callbackActions: NonNullable<TestRunner.RunnerOptions["callbackActions"]> = signsAndApproves,
  options: FakeOptions = {}
) => {
  const fake = fakeServices(options)
  const runner = new LocalDurableTestRunner({
    handlerFunction: makeHandler(fake.services, PROVISION),
    callbackActions,
    functions: provisioning()
  })
  const result = await runner.run({ payload: vendor })
  return { result, fake }
}
