/**
 * The fault scenario of this example, shared by its fault test and the repository's `pnpm faults` script.
 */
import type { Faults } from "@durable-lambda/testing"
import { makeHandler } from "../src/handler.ts"
import { fakeServices } from "./fakes.ts"
import { trip } from "./scenarios.ts"

/** The hotel refuses, so the saga compensates; every run must end with nothing held at the partners. */
export const faultScenario = (): Faults.CheckFaultsOptions => {
  let last = fakeServices()
  return {
    makeHandler: (effects) => {
      last = fakeServices({ unavailable: ["hotel"], flakyCancel: ["flight"], effects })
      return makeHandler(last.services)
    },
    payload: trip,
    // The hotel is unavailable: the saga compensates and the execution fails, on purpose.
    expect: { status: "FAILED" },
    invariant: () => (last.held.size === 0 ? undefined : `still reserved: ${[...last.held.keys()].join(", ")}`)
  }
}
