import { assert, describe, it } from "@effect/vitest"
import { Faults } from "../src/index.ts"
import * as Unsafe from "./fixtures/unsafeStart.ts"

const fixture = new URL("./fixtures/unsafeStart.ts", import.meta.url)

/** The crash that makes the next invocation decide again whether the body already started. */
const crash = [Faults.crashBefore(2)]

const repeated = /at-most-once step "wire-transfer" \([0-9a-f]+\) ran attempt 1 2 times/

describe("Faults: the at-most-once check under worker isolation", () => {
  it("in-process: a backend that drops STEP STARTs makes the body start twice, and the check says so", async () => {
    const run = await Faults.checkSchedule({ handler: Unsafe.droppedStarts }, crash)
    assert.match(run.violations.join("\n"), repeated)
  })

  it("worker: the same mutation is caught from the attempts the worker forwards", async () => {
    const run = await Faults.checkSchedule(
      {
        handler: Unsafe.droppedStarts,
        isolation: "worker",
        handlerModule: fixture,
        handlerExport: "droppedStarts"
      },
      crash
    )
    assert.match(run.violations.join("\n"), repeated)
  })

  it("worker: the unmutated workflow under the same crash keeps the invariant", async () => {
    const run = await Faults.checkSchedule(
      { handler: Unsafe.safeTransfer, isolation: "worker", handlerModule: fixture, handlerExport: "safeTransfer" },
      crash
    )
    assert.deepStrictEqual(run.violations, [])
    assert.deepStrictEqual(run.applied, crash)
  })
})
