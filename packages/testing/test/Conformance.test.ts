/**
 * Golden tests over the public conformance requirements in shared/conformance: for every YAML file, run the
 * handler its prose describes through the runner and match the history with the suite's rules.
 *
 * Suites whose durable operations core does not provide yet are enumerated but not run; the last test
 * prints them and checks that every file is accounted for.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { withDurableExecution } from "@durable-lambda/core/async"
import { assert, describe, it } from "@effect/vitest"
import { parse } from "yaml"
import { Conformance, History, LocalDurableTestRunner } from "../src/index.ts"
import { handlers, type LogSink, type Needs } from "./conformance/handlers.ts"

const ROOT = new URL("../../../../shared/conformance/", import.meta.url)
const SUITES = ["step", "wait", "callback"] as const

const files = SUITES.flatMap((suite) =>
  readdirSync(new URL(`${suite}/`, ROOT))
    .filter((f) => f.endsWith(".yaml"))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
    .map((file) => ({
      suite,
      file,
      id: file.replace(/\.yaml$/, ""),
      path: join(new URL(`${suite}/`, ROOT).pathname, file)
    }))
)

/** Whether core's async DurableContext provides an operation (an unsupported one throws UnsupportedOperationError). */
const probe = async (op: Needs): Promise<boolean> => {
  const handler = withDurableExecution(async (_event, ctx) => {
    const anyCtx = ctx as unknown as Record<string, (...args: Array<unknown>) => Promise<unknown>>
    switch (op) {
      case "step":
        return anyCtx.step!(async () => 1)
      case "wait":
        return anyCtx.wait!({ seconds: 1 })
      case "runInChildContext":
        return anyCtx.runInChildContext!(async () => 1)
      case "createCallback":
        return anyCtx.createCallback!("probe")
    }
  })
  const result = await new LocalDurableTestRunner({ handlerFunction: handler, executionTimeoutSeconds: 60 }).run()
  if (result.getStatus() !== "FAILED") return true
  return result.getError().errorType !== "UnsupportedOperationError"
}

const allNeeds: ReadonlyArray<Needs> = ["step", "wait", "runInChildContext", "createCallback"]
const available = new Map<Needs, boolean>()
for (const need of allNeeds) available.set(need, await probe(need))

const runnable = files.filter((f) => handlers[f.id]?.needs.every((n) => available.get(n)) === true)
const pending = files.filter((f) => !runnable.includes(f))

describe("Conformance", () => {
  for (const suite of SUITES) {
    const cases = runnable.filter((f) => f.suite === suite)
    if (cases.length === 0) continue
    describe(suite, () => {
      for (const { id, path } of cases) {
        const spec = parse(readFileSync(path, "utf8")) as Conformance.Spec
        it(`${id}: ${spec.description ?? ""}`, async () => {
          const prepared = Conformance.prepare(spec, id)
          const logs: LogSink = []
          const handler = handlers[id]!.make(logs)
          const runner = new LocalDurableTestRunner({
            handlerFunction: handler,
            callbackActions: prepared.callbackActions
          })
          const result = await runner.run({ payload: prepared.input })
          const verification = Conformance.verify(prepared, result, prepared.expectedLogs.length > 0 ? logs : undefined)
          assert.deepStrictEqual(
            verification.mismatches,
            [],
            `${id} does not conform:\n${verification.mismatches.join("\n")}\n${History.describe(result.getHistoryEvents())}`
          )
          // Every expected event must exist: guard against an empty expectation matching vacuously.
          assert.isAbove(prepared.expectedHistory.length, 0)
        })
      }
    })
  }

  it("accounts for every conformance file (pending suites are listed, not silently skipped)", () => {
    const missing = Object.fromEntries(allNeeds.filter((n) => available.get(n) !== true).map((n) => [n, true]))
    const lines = pending.map(
      (f) =>
        `${f.suite}/${f.file}: needs ${(handlers[f.id]?.needs ?? ["(no handler)"]).filter((n) => missing[n] === true || handlers[f.id] === undefined).join(", ")}`
    )
    if (pending.length > 0) {
      console.log(`Conformance files NOT run (operation missing in core), ${pending.length}:\n  ${lines.join("\n  ")}`)
    }
    console.log(`Conformance files run: ${runnable.length} of ${files.length}`)
    assert.strictEqual(files.length, 44)
    assert.strictEqual(runnable.length + pending.length, files.length)
    // Every file has a handler, so a file is pending only because core lacks one of its operations.
    for (const f of files) assert.isDefined(handlers[f.id], `no handler for ${f.suite}/${f.file}`)
    for (const f of pending) assert.isTrue(handlers[f.id]!.needs.some((n) => available.get(n) !== true))
  })
})
