/**
 * Regenerates `every-operation.history.json` from the happy path. Run it only when the workflow changed on
 * purpose, and review the diff: `node --conditions=@durable-lambda/source test/write-history.ts`.
 */
import { History } from "@durable-lambda/testing"
import { writeFileSync } from "node:fs"
import { runOnboarding } from "./scenarios.ts"

const { result } = await runOnboarding()
const file = new URL("./every-operation.history.json", import.meta.url)
writeFileSync(file, `${JSON.stringify(History.normalize(result.getHistoryEvents()), null, 2)}\n`)
console.log(`wrote ${file.pathname}`)
