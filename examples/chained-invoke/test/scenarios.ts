/** The runs the tests and the golden history share. */
import { Handler } from "@durable-lambda/core"
import { LocalDurableTestRunner, type TestRunner } from "@durable-lambda/testing"
import { makeBillingHandler } from "../src/billing.ts"
import { makeHandler, type Checkout } from "../src/handler.ts"
import { fakeCheckout, fakeProcessor, type ProcessorOptions } from "./fakes.ts"

/** The billing function as checkout names it: a qualified name, as a chained invoke requires. */
export const BILLING = "billing:live"

export const order: Checkout = { orderId: "o-311", customerId: "cust-5", amount: 249 }

/** Runs checkout with the billing function registered as a durable target on the same virtual clock. */
export const runCheckout = async (processor: ProcessorOptions = {}) => {
  const checkout = fakeCheckout()
  const billing = fakeProcessor(processor)
  const runner = new LocalDurableTestRunner({ handlerFunction: makeHandler(checkout.services, BILLING) })
  runner.registerDurableFunction(BILLING, makeBillingHandler(billing.services))
  const result = await runner.run({ payload: order })
  return { result, checkout, billing }
}

/** The golden run: the processor times out once, then authorizes. */
export const goldenRun = () => runCheckout({ flaky: true })

/**
 * The billing function as a chained-invoke target for `Determinism.check` and `Faults.checkFaults`, which take
 * runner options rather than a runner: `RunnerOptions.functions` is the only way in, and its entry type is
 * not exported by `@durable-lambda/testing` (the runner's `registerDurableFunction` builds it internally), so
 * it is built here in the shape that method uses.
 */
type Registered = NonNullable<TestRunner.RunnerOptions["functions"]> extends ReadonlyMap<string, infer R> ? R : never

export const billingTarget = (billing: Handler.DurableLambdaHandler): TestRunner.RunnerOptions["functions"] => {
  const info = Handler.lambdaHandlerInfo(billing)!
  const registered = { _tag: "Durable", target: { _tag: "InProcess", handler: info.handler, services: info.services } }
  return new Map([[BILLING, registered as Registered]])
}
