/** The runs the tests, the golden history and the demo share. */
import { Callbacks, LocalDurableTestRunner, type TestRunner } from "@durable-lambda/testing"
import { ApprovalRejected, makeHandler, type ExpenseClaim } from "../src/handler.ts"
import { fakeServices, type FakeOptions } from "./fakes.ts"

export const HOUR = 3_600_000

export const claim: ExpenseClaim = {
  claimId: "claim-42",
  employee: "ana@example.com",
  manager: "bo@example.com",
  amount: 180,
  description: "Train tickets to the customer workshop"
}

/**
 * The manager's answers, scripted on the run's virtual clock. The callback inside `waitForCallback` has no
 * name of its own, so the scripts match any callback (`"*"`).
 */
export const approvesAfter = (millis: number) =>
  Callbacks.respond("*", Callbacks.success(JSON.stringify({ approvedBy: "bo@example.com" }), millis))

export const rejectsAfter = (millis: number) =>
  Callbacks.respond(
    "*",
    Callbacks.failure(
      {
        ErrorType: "ApprovalRejected",
        ErrorMessage: "over the travel budget",
        ErrorData: ApprovalRejected.errorData(
          new ApprovalRejected({ reason: "over the travel budget", rejectedBy: "bo@example.com" })
        )
      },
      millis
    )
  )

/** Runs the deployed workflow over fakes with the given scripted answers. */
export const runClaim = async (
  callbackActions: NonNullable<TestRunner.RunnerOptions["callbackActions"]>,
  options: FakeOptions = {}
) => {
  const fake = fakeServices(options)
  const runner = new LocalDurableTestRunner({ handlerFunction: makeHandler(fake.services), callbackActions })
  const result = await runner.run({ payload: claim })
  return { result, fake }
}

/** The golden run: approved 3 hours later; the payroll API fails once and is retried. */
export const approvedRun = () => runClaim([approvesAfter(3 * HOUR)], { payrollFailures: 1 })
