import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { withDurableExecution } from "@durable-lambda/core/async"
import { assert, describe, it } from "@effect/vitest"
import { LocalDurableTestRunner } from "../src/index.ts"

const fixture = new URL("./fixtures/idle.ts", import.meta.url)
const marker = () => join(mkdtempSync(join(tmpdir(), "durable-idle-")), "marker")
/** Never run: under worker isolation the worker loads `fixture` instead. */
const unused = withDurableExecution(async () => undefined)

const worker = (handlerExport: string) =>
  new LocalDurableTestRunner({ handlerFunction: unused, isolation: "worker", handlerModule: fixture, handlerExport })

const errorTypes = (result: {
  getInvocations(): ReadonlyArray<{ error?: { errorType?: string | undefined } | undefined }>
}) => result.getInvocations().map((i) => i.error?.errorType ?? null)

describe("Worker isolation: when time moves is decided from the harness's own state", () => {
  it("a handle a step leaves open does not stop virtual time: the stuck invocation reaches its deadline, the wait fires", async () => {
    const result = await worker("stuckWithPool").run({ payload: { marker: marker() } })
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.strictEqual(result.getResult(), "done")
    assert.deepStrictEqual(errorTypes(result), ["InvocationDeadlineError", null, null])
    assert.deepStrictEqual(
      result.getOperations().map((op) => [op.getName(), op.getStatus()]),
      [
        ["connect", "SUCCEEDED"],
        ["pause", "SUCCEEDED"]
      ]
    )
  }, 30_000)

  it("a step body awaiting a real timer is waited for, even after handles the worker had open close", async () => {
    const result = await worker("realTimerAfterClose").run()
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.strictEqual(result.getResult(), "rested")
    assert.deepStrictEqual(errorTypes(result), [null])
  }, 30_000)
})
