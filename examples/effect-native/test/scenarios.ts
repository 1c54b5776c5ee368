/** The runs the tests and the golden history share. */
import { TestRunner } from "@durable-lambda/testing"
import { Effect } from "effect"
import { renewal, type Subscription } from "../src/handler.ts"
import { fakeServices, type Outcome } from "./fakes.ts"

export const DAY = 86_400_000

export const subscription: Subscription = {
  subscriptionId: "sub-17",
  customerId: "cust-3",
  email: "ana@example.com",
  plan: "pro",
  amount: 1_900,
  period: "2025-02"
}

/** Runs the durable handler with the Effect-native harness entry; the fake services are provided as layers. */
export const runRenewal = (outcomes: ReadonlyArray<Outcome>, payload: unknown = subscription) => {
  const fake = fakeServices(outcomes)
  return TestRunner.run(renewal, { payload }).pipe(
    Effect.provide(fake.layer),
    Effect.map((result) => ({ result, fake }))
  )
}

/** The golden run: the first charge is declined; 3 days later the gateway times out once, then it goes through. */
export const goldenOutcomes: ReadonlyArray<Outcome> = ["declined", "flaky"]
export const goldenRun = () => runRenewal(goldenOutcomes)
