/**
 * Regenerates `chained-invoke.history.json` from the golden run. Run it only when the workflow changed on
 * purpose, and review the diff: `node --conditions=@durable-lambda/source test/write-history.ts`.
 */
import { History } from "@durable-lambda/testing"
import { writeFileSync } from "node:fs"
import { goldenRun } from "./scenarios.ts"

const { result } = await goldenRun()
const file = new URL("./chained-invoke.history.json", import.meta.url)
writeFileSync(file, `${JSON.stringify(History.normalize(result.getHistoryEvents()), null, 2)}\n`)
console.log(`wrote ${file.pathname}`)
