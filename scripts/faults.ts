/**
 * `pnpm faults [--seeds N] [--example NAME ...] [--from S]`: runs every example's fault scenario
 * (`examples/<name>/test/faults.scenario.ts`, the same one its fault test uses) under N seeded fault schedules
 * (default 1,000) and prints per-example counts: seeds, passed, violations, time. Runs whose only violations
 * are at-most-once repeats under a duplicate delivery are counted apart (`dup-delivery`), so that defect class
 * stays visible on its own. Exits 1 if any run broke an invariant, 2 on a usage or baseline error.
 *
 * Run from the repository root: `node --conditions=@durable-lambda/source scripts/faults.ts --seeds 100`. The
 * handlers' own log lines are not shown.
 */
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { Faults } from "../packages/testing/src/index.ts"

interface Args {
  readonly seeds: number
  readonly from: number
  readonly examples: ReadonlyArray<string>
}

const usage = "usage: pnpm faults [--seeds N] [--from FIRST_SEED] [--example NAME]..."

const parseArgs = (argv: ReadonlyArray<string>): Args => {
  let seeds = 1000
  let from = 1
  const examples: Array<string> = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const value = (): string => {
      const v = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i]
      if (v === undefined) throw new Error(`${arg} needs a value\n${usage}`)
      return v
    }
    const count = (v: string): number => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < 1) throw new Error(`${arg}: expected a positive integer, got ${v}\n${usage}`)
      return n
    }
    if (arg === "--") continue
    else if (arg === "--seeds" || arg.startsWith("--seeds=")) seeds = count(value())
    else if (arg === "--from" || arg.startsWith("--from=")) from = count(value())
    else if (arg === "--example" || arg.startsWith("--example=")) examples.push(value())
    else if (arg === "--help" || arg === "-h") {
      console.log(usage)
      process.exit(0)
    } else throw new Error(`unknown argument ${arg}\n${usage}`)
  }
  return { seeds, from, examples }
}

/** Seeds per `checkFaults` call: keeps memory flat (a report holds every run's result). */
const CHUNK = 100

/** An at-most-once repeat under a duplicate delivery: the defect class of issue 12 §1, reported apart. */
const duplicateDeliveryOnly = (run: Faults.FaultRun): boolean =>
  run.faults.some((f) => f._tag === "DuplicateInvocation") &&
  run.violations.every((v) => /^at-most-once (step|effect) /.test(v))

interface Tally {
  readonly example: string
  seeds: number
  passed: number
  violations: number
  duplicateDelivery: number
  millis: number
  first: string | undefined
  error: string | undefined
}

const runExample = async (root: string, example: string, args: Args): Promise<Tally> => {
  const tally: Tally = {
    example,
    seeds: 0,
    passed: 0,
    violations: 0,
    duplicateDelivery: 0,
    millis: 0,
    first: undefined,
    error: undefined
  }
  const started = performance.now()
  try {
    const module = (await import(pathToFileURL(join(root, example, "test", "faults.scenario.ts")).href)) as {
      readonly faultScenario: () => Faults.CheckFaultsOptions
    }
    for (let start = args.from; start < args.from + args.seeds; start += CHUNK) {
      const seeds = Array.from({ length: Math.min(CHUNK, args.from + args.seeds - start) }, (_, i) => start + i)
      const report = await Faults.checkFaults({ ...module.faultScenario(), seeds })
      for (const run of report.runs) {
        tally.seeds++
        if (run.violations.length === 0) tally.passed++
        else if (duplicateDeliveryOnly(run)) tally.duplicateDelivery++
        else {
          tally.violations++
          tally.first ??= `seed ${String(run.seed)}: ${run.violations.join("; ")}`
        }
      }
    }
  } catch (error) {
    tally.error = error instanceof Error ? error.message.split("\n")[0] : String(error)
  }
  tally.millis = performance.now() - started
  return tally
}

/** The script's own output; the handlers' logs (`context.logger` writes with `console`) are silenced. */
const print = console.log.bind(console)
const silence = () => {
  for (const method of ["log", "info", "warn", "error", "debug"] as const) console[method] = () => {}
}

const main = async () => {
  let args: Args
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (error) {
    console.error((error as Error).message)
    process.exit(2)
  }
  const root = new URL("../examples/", import.meta.url).pathname
  const all = readdirSync(root)
    .filter((name) => existsSync(join(root, name, "test", "faults.scenario.ts")))
    .sort()
  const unknown = args.examples.filter((name) => !all.includes(name))
  if (unknown.length > 0) {
    console.error(`no fault scenario for: ${unknown.join(", ")} (examples with one: ${all.join(", ")})`)
    process.exit(2)
  }
  const examples = args.examples.length > 0 ? args.examples : all
  silence()
  print(`fault schedules: seeds ${args.from}..${args.from + args.seeds - 1} for ${examples.length} example(s)`)
  const header = ["example", "seeds", "passed", "violations", "dup-delivery", "time"]
  const rows: Array<Array<string>> = []
  const tallies: Array<Tally> = []
  for (const example of examples) {
    const t = await runExample(root, example, args)
    tallies.push(t)
    const row = [
      t.example,
      String(t.seeds),
      String(t.passed),
      String(t.violations),
      String(t.duplicateDelivery),
      `${(t.millis / 1000).toFixed(1)} s`
    ]
    rows.push(row)
    print(row.join("  "))
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")
  print(`\n${line(header)}\n${rows.map(line).join("\n")}`)
  for (const t of tallies) {
    if (t.error !== undefined) print(`\n${t.example}: ${t.error}`)
    if (t.first !== undefined) print(`\n${t.example}: first violation, ${t.first}`)
    if (t.duplicateDelivery > 0) {
      print(
        `\n${t.example}: ${t.duplicateDelivery} run(s) repeated an at-most-once attempt under a duplicate delivery (ClientToken defect, issue 12 §1)`
      )
    }
  }
  if (tallies.some((t) => t.error !== undefined)) process.exit(2)
  if (tallies.some((t) => t.violations > 0 || t.duplicateDelivery > 0)) process.exit(1)
}

await main()
