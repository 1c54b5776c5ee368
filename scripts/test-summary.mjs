#!/usr/bin/env node
// Sums the vitest JSON reports (`.vitest-report.json`) of every workspace package that has a `test` script and
// prints the CI summary line "N passed, N failed"; exits 1 when anything failed.
//
// A failed test counts 1. A test file that failed without a failed test (it failed to load, or a hook threw)
// counts 1. A package whose test step wrote no report counts 1. Usage: node scripts/test-summary.mjs [root]
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

const root = process.argv[2] ?? "."
const groups = ["packages", "examples"]

/** Workspace package folders (relative to root) whose package.json has a `test` script. */
const testedPackages = () => {
  const dirs = [
    ...groups.flatMap((g) => (existsSync(join(root, g)) ? readdirSync(join(root, g)).map((d) => join(g, d)) : [])),
    "bench"
  ]
  return dirs.filter((dir) => {
    const file = join(root, dir, "package.json")
    return existsSync(file) && typeof JSON.parse(readFileSync(file, "utf8")).scripts?.test === "string"
  })
}

let passed = 0
let failed = 0
const problems = []
const packages = testedPackages()
if (packages.length === 0) {
  failed += 1
  problems.push(`no package with a test script under ${root}`)
}
for (const dir of packages) {
  const file = join(root, dir, ".vitest-report.json")
  if (!existsSync(file)) {
    failed += 1
    problems.push(`${dir}: no test report (the test step did not run or crashed)`)
    continue
  }
  let report
  try {
    report = JSON.parse(readFileSync(file, "utf8"))
  } catch (error) {
    failed += 1
    problems.push(`${dir}: unreadable test report (${error.message})`)
    continue
  }
  for (const result of report.testResults ?? []) {
    const tests = result.assertionResults ?? []
    const failedTests = tests.filter((t) => t.status === "failed").length
    passed += tests.filter((t) => t.status === "passed").length
    failed += failedTests
    if (result.status === "failed" && failedTests === 0) {
      failed += 1
      const why = (result.message ?? "").split("\n")[0]
      problems.push(
        `${dir}: ${result.name.slice(result.name.lastIndexOf(`${dir}/`))} failed to run${why ? `: ${why}` : ""}`
      )
    }
  }
}
for (const problem of problems) console.log(`✗ ${problem}`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 ? 1 : 0)
