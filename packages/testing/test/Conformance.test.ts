/**
 * Golden tests over the public conformance requirements vendored in `test/conformance/requirements/`
 * (Apache-2.0, see the LICENSE and NOTICE there): for every YAML file, run the handler its prose describes
 * through the runner and match the history with the suite's rules. The last test checks that every vendored
 * file ran and that every handler has its file.
 */
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Yaml } from "effect/encoding"
import { Conformance, History, LocalDurableTestRunner } from "../src/index.ts"
import { handlers, type LogSink } from "./conformance/handlers.ts"

const ROOT = new URL("./conformance/requirements/", import.meta.url)
const SUITES = ["step", "wait", "callback"] as const
/** How many requirement files the vendored suite holds (step 20, wait 5, callback 19). */
const EXPECTED_FILES = 44

const files = SUITES.flatMap((suite) =>
  readdirSync(new URL(`${suite}/`, ROOT))
    .filter((f) => f.endsWith(".yaml"))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
    .map((file) => ({
      suite,
      file,
      id: file.replace(/\.yaml$/, ""),
      path: fileURLToPath(new URL(`${suite}/${file}`, ROOT))
    }))
)

/** Ids of the files whose test body started: filled by each test, checked by the last one. */
const ran = new Set<string>()

describe("Conformance", () => {
  for (const suite of SUITES) {
    const cases = files.filter((f) => f.suite === suite)
    describe(suite, () => {
      for (const { id, path } of cases) {
        const spec = Yaml.parse(readFileSync(path, "utf8")) as Conformance.Spec
        it(`${id}: ${spec.description ?? ""}`, async () => {
          ran.add(id)
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

  it("ran every vendored conformance file, each with its handler", () => {
    const ids = files.map((f) => f.id)
    assert.strictEqual(files.length, EXPECTED_FILES, `vendored files: ${ids.join(", ")}`)
    assert.deepStrictEqual(
      ids.filter((id) => !ran.has(id)),
      [],
      "vendored files that did not run"
    )
    assert.deepStrictEqual(
      Object.keys(handlers).filter((id) => !ids.includes(id)),
      [],
      "handlers without a vendored file"
    )
    assert.deepStrictEqual(
      ids.filter((id) => handlers[id] === undefined),
      [],
      "vendored files without a handler"
    )
  })
})
