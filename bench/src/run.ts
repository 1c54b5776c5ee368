/**
 * `pnpm bench` / `pnpm bench:smoke`: runs the four workload groups of issue 7 for both SDKs, each
 * measurement in a fresh Node process, repetitions interleaved (ours, theirs, ours, theirs, ...), and writes
 * `results/latest.json` and `results/latest.md` (smoke: `results/smoke.*.tmp`, git-ignored).
 *
 * Options: `--smoke` (tiny sizes, one repetition), `--only=harness,replay,economy,coldstart`, `--reps=N`,
 * `--render` (only re-render `latest.md` from `latest.json`).
 */
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Checkpointing, Sdk } from "./adapters.ts"
import { bundle, ColdStartEndpoint, externalDirFor, probe, type BundleInfo, type ProbeResult } from "./coldstart.ts"
import { renderMarkdown } from "./report.ts"
import type { RecordedOperation } from "./service.ts"
import { median, ratio, round, summarize, type Summary } from "./stats.ts"
import type { Task, TaskResult, Workload, WorkloadSize } from "./worker.ts"

const args = process.argv.slice(2)
const smoke = args.includes("--smoke")
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",")
const repsArg = args.find((a) => a.startsWith("--reps="))
const enabled = (group: string) => only === undefined || only.includes(group)

if (Number(process.versions.node.split(".")[0]) < 22) {
  console.error(`Node ${process.versions.node}: the bench needs Node 22 (run it through pnpm: pnpm bench).`)
  process.exit(2)
}

const config = smoke
  ? {
      reps: { harness: 1, replay: 1, replayMemory: 1, economy: 1, coldStart: 1 },
      sequential: 10,
      executions: 2,
      mapItems: 10,
      concurrency: 10,
      replaySizes: [50],
      replayWarmup: 10,
      replayWarmupRounds: 1
    }
  : {
      reps: { harness: 3, replay: 5, replayMemory: 3, economy: 3, coldStart: 10 },
      sequential: 1000,
      executions: 100,
      mapItems: 1000,
      concurrency: 10,
      replaySizes: [1000, 10000, 20000],
      replayWarmup: 1000,
      replayWarmupRounds: 3
    }
if (repsArg !== undefined) {
  const n = Number(repsArg.slice("--reps=".length))
  config.reps = { harness: n, replay: n, replayMemory: n, economy: n, coldStart: n }
}

const here = fileURLToPath(new URL(".", import.meta.url))
const benchDir = join(here, "..")
const resultsDir = join(benchDir, "results")
const workDir = mkdtempSync(join(tmpdir(), "durable-lambda-bench-"))
const workerPath = join(here, "worker.ts")
const SDKS: ReadonlyArray<Sdk> = ["ours", "theirs"]
const failures: Array<string> = []

const log = (line: string) => console.log(line)

/** Runs one task in a fresh Node process. */
const runWorker = (task: Task, timeoutMs = 20 * 60_000): Promise<TaskResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--conditions=@durable-lambda/source",
        "--expose-gc",
        // Memory samples: a 1 MB young generation, so garbage never hides in (or inflates) the nursery.
        ...(task.kind === "replay" && task.memory ? ["--max-semi-space-size=1"] : []),
        workerPath,
        JSON.stringify(task)
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, AWS_LAMBDA_LOG_LEVEL: "ERROR" } }
    )
    let out = ""
    let err = ""
    child.stdout.on("data", (c: Buffer) => (out += c.toString()))
    child.stderr.on("data", (c: Buffer) => (err += c.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      const line = out.split("\n").find((l) => l.startsWith("@@RESULT "))
      if (code === 0 && line !== undefined) return resolve(JSON.parse(line.slice("@@RESULT ".length)) as TaskResult)
      reject(new Error(`${describe(task)} exited ${code}:\n${(err || out).trim().split("\n").slice(-15).join("\n")}`))
    })
  })

const describe = (task: Task): string => {
  switch (task.kind) {
    case "harness":
      return `harness ${task.workload} ${task.sdk}${task.skipTime ? "" : " (real time)"}`
    case "economy":
      return `economy ${task.workload} ${task.sdk}${task.sdk === "ours" ? ` ${task.checkpointing}` : ""}`
    case "record":
      return `record ${task.n} ${task.sdk}`
    case "replay":
      return `replay ${task.n} ${task.sdk}${task.memory ? " (memory)" : ""}`
  }
}

/** Runs a task, logging it; a failure is recorded and returns undefined. */
const attempt = async (task: Task): Promise<TaskResult | undefined> => {
  const t0 = performance.now()
  try {
    const result = await runWorker(task)
    const info =
      result.status === "pending"
        ? `pending: ${result.reason}`
        : ["wallMs", "cpuMs", "usPerOp", "peakHeapDeltaMB", "checkpointCalls", "checkpointBytes"]
            .filter((k) => typeof result[k] === "number")
            .map((k) => `${k}=${round(result[k] as number, 2)}`)
            .join(" ")
    log(`  ${describe(task).padEnd(40)} ${info}  [${((performance.now() - t0) / 1000).toFixed(1)} s]`)
    return result
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    failures.push(message)
    log(`  ${describe(task).padEnd(40)} FAILED\n${message.replace(/^/gm, "    ")}`)
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------- results

export type SideStatus = "ok" | "pending" | "failed"

export interface TimedSide {
  readonly status: SideStatus
  readonly reason?: string
  /** The first timed run in the process (after a 10-step / 1-execution warm-up). */
  readonly wallMs?: Summary
  readonly cpuMs?: Summary
  /** The same run again in the same process (JIT warm). */
  readonly warmWallMs?: Summary
  readonly warmCpuMs?: Summary
}

const timedSide = (results: ReadonlyArray<TaskResult | undefined>): TimedSide => {
  const pending = results.find((r) => r?.status === "pending")
  if (pending !== undefined && pending.status === "pending") return { status: "pending", reason: pending.reason }
  const ok = results.filter((r): r is Extract<TaskResult, { status: "ok" }> => r?.status === "ok")
  if (ok.length === 0 || ok.length < results.length) return { status: "failed" }
  return {
    status: "ok",
    wallMs: summarize(ok.map((r) => r.wallMs as number)),
    cpuMs: summarize(ok.map((r) => r.cpuMs as number)),
    ...(ok.every((r) => typeof r.warmWallMs === "number")
      ? {
          warmWallMs: summarize(ok.map((r) => r.warmWallMs as number)),
          warmCpuMs: summarize(ok.map((r) => r.warmCpuMs as number))
        }
      : {})
  }
}

export interface HarnessRow {
  readonly workload: Workload
  readonly label: string
  readonly ours: TimedSide
  readonly theirs: TimedSide
  /** The official runner in real time (`skipTime: false`), where the workload has no long waits. */
  readonly theirsRealTime?: TimedSide
  /** ours / theirs, median wall time of the first run. */
  readonly ratio: number | null
  /** ours / theirs, median wall time of the second (warm) run. */
  readonly warmRatio: number | null
  readonly ratioVsRealTime?: number | null
  readonly warmRatioVsRealTime?: number | null
}

export interface ReplaySide {
  readonly status: SideStatus
  readonly cpuMs?: Summary
  readonly wallMs?: Summary
  readonly usPerOp?: Summary
  readonly grossCpuMs?: Summary
  readonly serviceCpuMs?: Summary
  readonly getStateCalls?: Summary
  readonly peakHeapDeltaMB?: Summary
  readonly peakRssDeltaMB?: Summary
  readonly peakRssMB?: Summary
  readonly heapUsedDeltaMB?: Summary
  readonly maxRssSlackMB?: Summary
  readonly recordMs?: number
}

export interface ReplayRow {
  readonly n: number
  readonly ours: ReplaySide
  readonly theirs: ReplaySide
  readonly ratios: {
    readonly cpu: number | null
    readonly peakHeapDelta: number | null
    readonly peakRssDelta: number | null
    readonly heapUsedDelta: number | null
  }
  /** Both SDKs recorded the same operations (ids, names, types, statuses, results). */
  readonly recordedStatesIdentical: boolean | null
}

export interface EconomySide {
  readonly status: SideStatus
  readonly reason?: string
  readonly calls?: number
  readonly bytes?: number
  readonly clientBytes?: number
  readonly updates?: number
  readonly invocations?: number
  readonly getStateCalls?: number
  readonly callsRange?: readonly [number, number]
  readonly bytesRange?: readonly [number, number]
}

export interface EconomyRow {
  readonly workload: Workload
  readonly label: string
  readonly executions: number
  readonly theirs: EconomySide
  readonly ours: Readonly<Record<Checkpointing, EconomySide>>
  readonly ratios: Readonly<Record<Checkpointing, { readonly calls: number | null; readonly bytes: number | null }>>
}

export interface ColdSide {
  readonly bundle: Omit<BundleInfo, "file">
  readonly plain: {
    readonly imported: boolean
    readonly ok: boolean
    readonly error?: string
    readonly importMs?: number
  }
  readonly banner: {
    readonly ok: boolean
    readonly error?: string
    readonly importMs: Summary
    readonly firstInvocationMs: Summary
    readonly importPlusFirstInvocationMs: Summary
    readonly processMs: Summary
  }
  /**
   * The same handler bundled with `@aws-sdk/*` and `@smithy/*` external (banner variant), imported from where
   * they resolve to the SDK's own AWS SDK (as the Lambda runtime's preinstalled copy would).
   */
  readonly external?: {
    readonly bundle: Omit<BundleInfo, "file">
    readonly ok: boolean
    readonly error?: string
    readonly importMs: Summary
    readonly firstInvocationMs: Summary
    readonly importPlusFirstInvocationMs: Summary
  }
}

export interface ColdStart {
  readonly ours?: ColdSide
  readonly theirs?: ColdSide
  readonly ratios: {
    readonly bundleBytes: number | null
    readonly gzipBytes: number | null
    readonly importMs: number | null
    readonly firstInvocationMs: number | null
    readonly importPlusFirstInvocationMs: number | null
    readonly processMs: number | null
    readonly externalBundleBytes?: number | null
    readonly externalGzipBytes?: number | null
    readonly externalImportMs?: number | null
    readonly externalImportPlusFirstInvocationMs?: number | null
  }
}

export interface Target {
  readonly id: string
  readonly target: string
  readonly measured: string
  readonly met: boolean | null
}

export interface Results {
  readonly meta: Readonly<Record<string, unknown>>
  readonly harness: ReadonlyArray<HarnessRow>
  readonly replay: { readonly rows: ReadonlyArray<ReplayRow>; readonly linearity: Readonly<Record<Sdk, number | null>> }
  readonly economy: ReadonlyArray<EconomyRow>
  readonly coldStart: ColdStart | null
  readonly targets: ReadonlyArray<Target>
  readonly failures: ReadonlyArray<string>
}

const size: WorkloadSize = { n: config.sequential, executions: config.executions, concurrency: config.concurrency }
const workloads: ReadonlyArray<{ workload: Workload; label: string; size: WorkloadSize }> = [
  { workload: "sequential", label: `1 execution × ${config.sequential} sequential steps`, size },
  {
    workload: "retryWaitChild",
    label: `${config.executions} executions × (retried step, 1-hour wait, child context)`,
    size
  },
  {
    workload: "map",
    label: `map over ${config.mapItems} items, concurrency ${config.concurrency}`,
    size: { ...size, n: config.mapItems }
  }
]

// --------------------------------------------------------------------------------------------- group 1

const runHarness = async (): Promise<Array<HarnessRow>> => {
  log(`\n# 1. Local test harness (${config.reps.harness} repetitions)`)
  const rows: Array<HarnessRow> = []
  for (const { workload, label, size } of workloads) {
    const samples: Record<"ours" | "theirs" | "theirsRealTime", Array<TaskResult | undefined>> = {
      ours: [],
      theirs: [],
      theirsRealTime: []
    }
    // Real time is only feasible without the 1-hour wait.
    const realTime = workload !== "retryWaitChild"
    for (let rep = 0; rep < config.reps.harness; rep++) {
      for (const sdk of SDKS) {
        samples[sdk].push(await attempt({ kind: "harness", sdk, workload, skipTime: true, ...size }))
      }
      if (realTime) {
        samples.theirsRealTime.push(
          await attempt({ kind: "harness", sdk: "theirs", workload, skipTime: false, ...size })
        )
      }
    }
    const ours = timedSide(samples.ours)
    const theirs = timedSide(samples.theirs)
    const theirsRealTime = realTime ? timedSide(samples.theirsRealTime) : undefined
    rows.push({
      workload,
      label,
      ours,
      theirs,
      ratio: ratio(ours.wallMs?.median, theirs.wallMs?.median),
      warmRatio: ratio(ours.warmWallMs?.median, theirs.warmWallMs?.median),
      ...(theirsRealTime === undefined
        ? {}
        : {
            theirsRealTime,
            ratioVsRealTime: ratio(ours.wallMs?.median, theirsRealTime.wallMs?.median),
            warmRatioVsRealTime: ratio(ours.warmWallMs?.median, theirsRealTime.warmWallMs?.median)
          })
    })
  }
  return rows
}

// --------------------------------------------------------------------------------------------- group 2

const comparable = (ops: ReadonlyArray<RecordedOperation>) =>
  JSON.stringify(
    ops.map((o) => [
      o.Id,
      o.ParentId,
      o.Name,
      o.Type,
      o.SubType,
      o.Status,
      o.StepDetails?.Result,
      o.StepDetails?.Attempt
    ])
  )

const runReplay = async (): Promise<Results["replay"]> => {
  log(`\n# 2. Replay (${config.reps.replay} repetitions, each in a fresh process)`)
  const stateFile = (sdk: Sdk, n: number) => join(workDir, `state-${sdk}-${n}.json`)
  const recordMs = new Map<string, number>()
  for (const n of config.replaySizes) {
    for (const sdk of SDKS) {
      const r = await attempt({ kind: "record", sdk, n, stateFile: stateFile(sdk, n) })
      if (r?.status === "ok") recordMs.set(`${sdk}-${n}`, r.wallMs as number)
    }
  }
  // Each repetition runs a CPU sample (default V8 flags) and, for the first `reps.replayMemory`
  // repetitions, a memory sample (a 1 MB young generation, so the used heap's peak is the live data's).
  const samples = new Map<string, Array<TaskResult | undefined>>()
  const memorySamples = new Map<string, Array<TaskResult | undefined>>()
  for (let rep = 0; rep < config.reps.replay; rep++) {
    for (const n of config.replaySizes) {
      for (const sdk of SDKS) {
        const key = `${sdk}-${n}`
        if (!recordMs.has(key)) continue
        for (const memory of rep < config.reps.replayMemory ? [false, true] : [false]) {
          const into = memory ? memorySamples : samples
          const list = into.get(key) ?? []
          list.push(
            await attempt({
              kind: "replay",
              sdk,
              n,
              stateFile: stateFile(sdk, n),
              warmup: config.replayWarmup,
              warmupRounds: config.replayWarmupRounds,
              memory
            })
          )
          into.set(key, list)
        }
      }
    }
  }
  const okOf = (list: ReadonlyArray<TaskResult | undefined>) => {
    const ok = list.filter((r): r is Extract<TaskResult, { status: "ok" }> => r?.status === "ok")
    return ok.length === 0 || ok.length < list.length ? undefined : ok
  }
  const side = (sdk: Sdk, n: number): ReplaySide => {
    const cpu = okOf(samples.get(`${sdk}-${n}`) ?? [])
    const mem = okOf(memorySamples.get(`${sdk}-${n}`) ?? [])
    if (cpu === undefined || mem === undefined) return { status: "failed" }
    const pick = (from: typeof cpu, k: string) => summarize(from.map((r) => r[k] as number))
    return {
      status: "ok",
      cpuMs: pick(cpu, "cpuMs"),
      wallMs: pick(cpu, "wallMs"),
      usPerOp: pick(cpu, "usPerOp"),
      grossCpuMs: pick(cpu, "grossCpuMs"),
      serviceCpuMs: pick(cpu, "serviceCpuMs"),
      getStateCalls: pick(cpu, "getStateCalls"),
      peakHeapDeltaMB: pick(mem, "peakHeapDeltaMB"),
      peakRssDeltaMB: pick(mem, "peakRssDeltaMB"),
      peakRssMB: pick(mem, "peakRssMB"),
      heapUsedDeltaMB: pick(mem, "heapUsedDeltaMB"),
      maxRssSlackMB: pick(mem, "maxRssSlackMB"),
      ...(recordMs.has(`${sdk}-${n}`) ? { recordMs: recordMs.get(`${sdk}-${n}`)! } : {})
    }
  }
  const rows = config.replaySizes.map((n): ReplayRow => {
    const ours = side("ours", n)
    const theirs = side("theirs", n)
    let identical: boolean | null = null
    try {
      const read = (sdk: Sdk) => JSON.parse(readFileSync(stateFile(sdk, n), "utf8")) as Array<RecordedOperation>
      identical = comparable(read("ours")) === comparable(read("theirs"))
    } catch {
      identical = null
    }
    return {
      n,
      ours,
      theirs,
      ratios: {
        cpu: ratio(ours.cpuMs?.median, theirs.cpuMs?.median),
        peakHeapDelta: ratio(ours.peakHeapDeltaMB?.median, theirs.peakHeapDeltaMB?.median),
        peakRssDelta: ratio(ours.peakRssDeltaMB?.median, theirs.peakRssDeltaMB?.median),
        heapUsedDelta: ratio(ours.heapUsedDeltaMB?.median, theirs.heapUsedDeltaMB?.median)
      },
      recordedStatesIdentical: identical
    }
  })
  const linearity = (sdk: Sdk): number | null => {
    const first = rows[0]?.[sdk].usPerOp?.median
    const last = rows[rows.length - 1]?.[sdk].usPerOp?.median
    return rows.length < 2 ? null : ratio(last, first)
  }
  return { rows, linearity: { ours: linearity("ours"), theirs: linearity("theirs") } }
}

// --------------------------------------------------------------------------------------------- group 3

const MODES: ReadonlyArray<Checkpointing> = ["eager", "batched", "optimistic"]

const economySide = (results: ReadonlyArray<TaskResult | undefined>): EconomySide => {
  const pending = results.find((r) => r?.status === "pending")
  if (pending !== undefined && pending.status === "pending") return { status: "pending", reason: pending.reason }
  const ok = results.filter((r): r is Extract<TaskResult, { status: "ok" }> => r?.status === "ok")
  if (ok.length === 0 || ok.length < results.length) return { status: "failed" }
  const values = (k: string) => ok.map((r) => r[k] as number)
  const calls = values("checkpointCalls")
  const bytes = values("checkpointBytes")
  return {
    status: "ok",
    calls: median(calls),
    bytes: median(bytes),
    clientBytes: median(values("checkpointClientBytes")),
    updates: median(values("updates")),
    invocations: median(values("invocations")),
    getStateCalls: median(values("getStateCalls")),
    callsRange: [Math.min(...calls), Math.max(...calls)],
    bytesRange: [Math.min(...bytes), Math.max(...bytes)]
  }
}

const runEconomy = async (): Promise<Array<EconomyRow>> => {
  log(`\n# 3. Checkpoint economy (${config.reps.economy} repetitions)`)
  const rows: Array<EconomyRow> = []
  for (const { workload, label, size } of workloads) {
    const theirs: Array<TaskResult | undefined> = []
    const ours: Record<Checkpointing, Array<TaskResult | undefined>> = { eager: [], batched: [], optimistic: [] }
    for (let rep = 0; rep < config.reps.economy; rep++) {
      for (const mode of MODES) {
        ours[mode].push(await attempt({ kind: "economy", sdk: "ours", workload, checkpointing: mode, ...size }))
        if (mode === "eager") {
          theirs.push(await attempt({ kind: "economy", sdk: "theirs", workload, checkpointing: "eager", ...size }))
        }
      }
    }
    const theirSide = economySide(theirs)
    const ourSides = {
      eager: economySide(ours.eager),
      batched: economySide(ours.batched),
      optimistic: economySide(ours.optimistic)
    }
    const ratios = Object.fromEntries(
      MODES.map((m) => [
        m,
        { calls: ratio(ourSides[m].calls, theirSide.calls), bytes: ratio(ourSides[m].bytes, theirSide.bytes) }
      ])
    ) as EconomyRow["ratios"]
    rows.push({
      workload,
      label,
      executions: workload === "retryWaitChild" ? size.executions : 1,
      theirs: theirSide,
      ours: ourSides,
      ratios
    })
  }
  return rows
}

// --------------------------------------------------------------------------------------------- group 4

const runColdStart = async (): Promise<ColdStart> => {
  log(`\n# 4. Cold start (${config.reps.coldStart} repetitions)`)
  const endpoint = new ColdStartEndpoint()
  await endpoint.start()
  const bundleDir = join(workDir, "bundles")
  mkdirSync(bundleDir, { recursive: true })
  const sides: Partial<Record<Sdk, ColdSide>> = {}
  const externalDirs = new Set<string>()
  try {
    const bundles = new Map<string, BundleInfo>()
    for (const sdk of SDKS) {
      for (const variant of ["plain", "banner"] as const) {
        const info = await bundle(sdk, variant, bundleDir)
        bundles.set(`${sdk}-${variant}`, info)
        log(`  bundle ${sdk} ${variant}: ${info.bytes} B, gzip ${info.gzipBytes} B`)
      }
      const dir = externalDirFor(sdk)
      externalDirs.add(dir)
      const info = await bundle(sdk, "banner", dir, "external")
      bundles.set(`${sdk}-external`, info)
      log(`  bundle ${sdk} external AWS SDK: ${info.bytes} B, gzip ${info.gzipBytes} B`)
    }
    const plain = new Map<Sdk, ProbeResult>()
    for (const sdk of SDKS) {
      const r = await probe(bundles.get(`${sdk}-plain`)!.file, endpoint, workDir)
      plain.set(sdk, r)
      log(
        `  plain ESM ${sdk}: ${r.ok ? "first invocation SUCCEEDED" : `${r.imported ? "import ok, invocation failed" : "import crashed"}: ${r.error ?? JSON.stringify(r.output)}`}`
      )
    }
    const banner: Record<Sdk, Array<ProbeResult>> = { ours: [], theirs: [] }
    const external: Record<Sdk, Array<ProbeResult>> = { ours: [], theirs: [] }
    for (let rep = 0; rep < config.reps.coldStart; rep++) {
      for (const sdk of SDKS) {
        const r = await probe(bundles.get(`${sdk}-banner`)!.file, endpoint, workDir)
        banner[sdk].push(r)
        log(
          `  banner ESM ${sdk}: import ${round(r.importMs, 1)} ms, first invocation ${round(r.firstInvocationMs ?? Number.NaN, 1)} ms${r.ok ? "" : ` FAILED: ${r.error ?? JSON.stringify(r.output)}`}`
        )
      }
      for (const sdk of SDKS) {
        const r = await probe(bundles.get(`${sdk}-external`)!.file, endpoint, workDir)
        external[sdk].push(r)
        log(
          `  external AWS SDK ${sdk}: import ${round(r.importMs, 1)} ms, first invocation ${round(r.firstInvocationMs ?? Number.NaN, 1)} ms${r.ok ? "" : ` FAILED: ${r.error ?? JSON.stringify(r.output)}`}`
        )
      }
    }
    for (const sdk of SDKS) {
      const info = bundles.get(`${sdk}-plain`)!
      const runs = banner[sdk]
      const p = plain.get(sdk)!
      const failed = runs.find((r) => !r.ok)
      if (failed !== undefined)
        failures.push(`cold start ${sdk} (banner bundle): ${failed.error ?? JSON.stringify(failed.output)}`)
      const ext = bundles.get(`${sdk}-external`)!
      const extRuns = external[sdk]
      const extFailed = extRuns.find((r) => !r.ok)
      if (extFailed !== undefined)
        failures.push(`cold start ${sdk} (external AWS SDK): ${extFailed.error ?? JSON.stringify(extFailed.output)}`)
      sides[sdk] = {
        bundle: { bytes: info.bytes, gzipBytes: info.gzipBytes, topPackages: info.topPackages },
        external: {
          bundle: { bytes: ext.bytes, gzipBytes: ext.gzipBytes, topPackages: ext.topPackages },
          ok: extFailed === undefined,
          ...(extFailed?.error === undefined ? {} : { error: extFailed.error }),
          importMs: summarize(extRuns.map((r) => r.importMs)),
          firstInvocationMs: summarize(extRuns.map((r) => r.firstInvocationMs ?? Number.NaN)),
          importPlusFirstInvocationMs: summarize(extRuns.map((r) => r.importMs + (r.firstInvocationMs ?? Number.NaN)))
        },
        plain: {
          imported: p.imported,
          ok: p.ok,
          ...(p.error === undefined ? {} : { error: p.error }),
          ...(p.imported ? { importMs: p.importMs } : {})
        },
        banner: {
          ok: failed === undefined,
          ...(failed?.error === undefined ? {} : { error: failed.error }),
          importMs: summarize(runs.map((r) => r.importMs)),
          firstInvocationMs: summarize(runs.map((r) => r.firstInvocationMs ?? Number.NaN)),
          importPlusFirstInvocationMs: summarize(runs.map((r) => r.importMs + (r.firstInvocationMs ?? Number.NaN))),
          processMs: summarize(runs.map((r) => r.processMs))
        }
      }
    }
  } catch (error) {
    failures.push(`cold start: ${error instanceof Error ? error.message : String(error)}`)
    log(`  cold start FAILED: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    await endpoint.stop()
    for (const dir of externalDirs) rmSync(dir, { recursive: true, force: true })
  }
  const { ours, theirs } = sides
  return {
    ...(ours === undefined ? {} : { ours }),
    ...(theirs === undefined ? {} : { theirs }),
    ratios: {
      bundleBytes: ratio(ours?.bundle.bytes, theirs?.bundle.bytes),
      gzipBytes: ratio(ours?.bundle.gzipBytes, theirs?.bundle.gzipBytes),
      importMs: ratio(ours?.banner.importMs.median, theirs?.banner.importMs.median),
      firstInvocationMs: ratio(ours?.banner.firstInvocationMs.median, theirs?.banner.firstInvocationMs.median),
      importPlusFirstInvocationMs: ratio(
        ours?.banner.importPlusFirstInvocationMs.median,
        theirs?.banner.importPlusFirstInvocationMs.median
      ),
      processMs: ratio(ours?.banner.processMs.median, theirs?.banner.processMs.median),
      externalBundleBytes: ratio(ours?.external?.bundle.bytes, theirs?.external?.bundle.bytes),
      externalGzipBytes: ratio(ours?.external?.bundle.gzipBytes, theirs?.external?.bundle.gzipBytes),
      externalImportMs: ratio(ours?.external?.importMs.median, theirs?.external?.importMs.median),
      externalImportPlusFirstInvocationMs: ratio(
        ours?.external?.importPlusFirstInvocationMs.median,
        theirs?.external?.importPlusFirstInvocationMs.median
      )
    }
  }
}

// --------------------------------------------------------------------------------------------- targets

const fmt = (x: number | null | undefined, digits = 3) =>
  x === null || x === undefined ? "n/a" : String(round(x, digits))

const targetsOf = (r: Omit<Results, "targets" | "meta" | "failures">): Array<Target> => {
  const targets: Array<Target> = []
  const seq = r.harness.find((h) => h.workload === "sequential")
  if (seq !== undefined) {
    const inv = (x: number | null | undefined) => (x === null || x === undefined ? null : 1 / x)
    const speedup = inv(seq.ratio)
    targets.push({
      id: "harness-100x",
      target: "harness ≥ 100× faster than the official runner on sequential steps",
      measured: `${fmt(speedup, 1)}× first run, ${fmt(inv(seq.warmRatio), 1)}× warm (official skipTime: true); vs official in real time ${fmt(inv(seq.ratioVsRealTime), 1)}× / ${fmt(inv(seq.warmRatioVsRealTime), 1)}×`,
      met: seq.ours.status === "pending" ? null : speedup === null ? false : speedup >= 100
    })
  }
  const tenK = r.replay.rows.find((row) => row.n === 10000) ?? r.replay.rows[r.replay.rows.length - 1]
  if (tenK !== undefined) {
    targets.push({
      id: "replay-cpu-tenth",
      target: `replay CPU ≤ 0.1 × official at 10,000 operations`,
      measured: `${fmt(tenK.ratios.cpu)} at ${tenK.n} operations`,
      met: tenK.ratios.cpu === null ? false : tenK.ratios.cpu <= 0.1
    })
  }
  const lin = r.replay.linearity.ours
  targets.push({
    id: "replay-flat",
    target: "replay µs/operation flat as N grows (largest N within 1.25× of smallest N)",
    measured: `ours ${fmt(lin, 2)}× (official ${fmt(r.replay.linearity.theirs, 2)}×)`,
    met: lin === null ? null : lin <= 1.25
  })
  for (const row of r.economy) {
    const e = row.ratios.eager
    const ok = e.calls !== null && e.bytes !== null
    targets.push({
      id: `economy-${row.workload}`,
      target: `checkpoint calls and bytes ≤ official (${row.label}, eager)`,
      measured: `calls ${fmt(e.calls)}, bytes ${fmt(e.bytes)} (batched: calls ${fmt(row.ratios.batched.calls)}, bytes ${fmt(row.ratios.batched.bytes)})`,
      met: row.ours.eager.status === "pending" ? null : ok ? e.calls! <= 1 && e.bytes! <= 1 : false
    })
  }
  const c = r.coldStart
  if (c !== null) {
    targets.push({
      id: "bundle-size",
      target: "full bundle no larger than the official one (minified ESM; gzip)",
      measured: `${fmt(c.ratios.bundleBytes)} (gzip ${fmt(c.ratios.gzipBytes)})`,
      met: c.ratios.bundleBytes === null ? false : c.ratios.bundleBytes <= 1 && (c.ratios.gzipBytes ?? 2) <= 1
    })
    targets.push({
      id: "import-time",
      target: "bundle import no slower than the official one",
      measured: `${fmt(c.ratios.importMs)} (import + first invocation: ${fmt(c.ratios.importPlusFirstInvocationMs)})`,
      met: c.ratios.importMs === null ? false : c.ratios.importMs <= 1
    })
    targets.push({
      id: "first-invocation",
      target: "import + first invocation no slower than the official one (both bundled the same way)",
      measured: `all bundled ${fmt(c.ratios.importPlusFirstInvocationMs)}; AWS SDK external ${fmt(c.ratios.externalImportPlusFirstInvocationMs)}`,
      met:
        c.ratios.importPlusFirstInvocationMs === null
          ? false
          : c.ratios.importPlusFirstInvocationMs <= 1 && (c.ratios.externalImportPlusFirstInvocationMs ?? 2) <= 1
    })
    const extBytes = c.ours?.external?.bundle.bytes
    targets.push({
      id: "bundle-external-160k",
      target: "with @aws-sdk/* and @smithy/* external: ours ≤ 160 KiB minified",
      measured: `${extBytes === undefined ? "n/a" : `${fmt(extBytes / 1024, 1)} KiB`} (official ${c.theirs?.external === undefined ? "n/a" : `${fmt(c.theirs.external.bundle.bytes / 1024, 1)} KiB`}; gzip ${fmt(c.ratios.externalGzipBytes)}×)`,
      met: extBytes === undefined ? false : extBytes <= 160 * 1024
    })
    targets.push({
      id: "esm-no-banner",
      target: "the esbuild ESM bundle runs its first invocation without a createRequire banner",
      measured: `ours: ${c.ours?.plain.ok ? "runs" : `fails (${c.ours?.plain.error ?? "?"})`}; official: ${c.theirs?.plain.ok ? "runs" : `fails (${c.theirs?.plain.error ?? "?"})`}`,
      met: c.ours?.plain.ok ?? false
    })
  }
  return targets
}

// --------------------------------------------------------------------------------------------- main

const git = (...gitArgs: Array<string>) =>
  new Promise<string>((resolve) => {
    const child = spawn("git", gitArgs, { cwd: benchDir, stdio: ["ignore", "pipe", "ignore"] })
    let out = ""
    child.stdout.on("data", (c: Buffer) => (out += c.toString()))
    child.on("close", () => resolve(out.trim()))
    child.on("error", () => resolve(""))
  })
/** The commit measured, and whether the SDK sources differ from it (uncommitted changes). */
const gitState = async () => {
  const sha = (await git("rev-parse", "--short", "HEAD")) || "unknown"
  const dirty = (await git("status", "--porcelain", "--", "../packages")) !== ""
  return { sha, dirty, label: `${sha}${dirty ? "+uncommitted" : ""}` }
}
const gitStart = await gitState()
const gitSha = gitStart.label
const pkgVersion = (name: string): string => {
  try {
    return (
      JSON.parse(readFileSync(join(benchDir, "node_modules", name, "package.json"), "utf8")) as { version: string }
    ).version
  } catch {
    return "unknown"
  }
}

if (args.includes("--render")) {
  // Re-renders results/latest.md from results/latest.json (after a change to the report layout).
  const json = join(resultsDir, "latest.json")
  writeFileSync(join(resultsDir, "latest.md"), renderMarkdown(JSON.parse(readFileSync(json, "utf8")) as Results))
  rmSync(workDir, { recursive: true, force: true })
  log(`rendered ${join(resultsDir, "latest.md")} from ${json}`)
  process.exit(0)
}

const started = Date.now()
log(
  `durable-lambda bench (${smoke ? "smoke" : "full"}), Node ${process.versions.node}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`
)
try {
  const harness = enabled("harness") ? await runHarness() : []
  const replay = enabled("replay") ? await runReplay() : { rows: [], linearity: { ours: null, theirs: null } }
  const economy = enabled("economy") ? await runEconomy() : []
  const coldStart = enabled("coldstart") ? await runColdStart() : null
  // A full run limited with `--only` keeps the other groups' figures from the previous `latest.json` (their
  // run is recorded in `meta.keptFromPrevious`), so the committed results always hold every group.
  const previous: Results | undefined =
    only !== undefined && !smoke && existsSync(join(resultsDir, "latest.json"))
      ? (JSON.parse(readFileSync(join(resultsDir, "latest.json"), "utf8")) as Results)
      : undefined
  const kept = previous === undefined ? [] : ["harness", "replay", "economy", "coldstart"].filter((g) => !enabled(g))
  const partial = {
    harness: kept.includes("harness") ? previous!.harness : harness,
    replay: kept.includes("replay") ? previous!.replay : replay,
    economy: kept.includes("economy") ? previous!.economy : economy,
    coldStart: kept.includes("coldstart") ? previous!.coldStart : coldStart
  }
  const results: Results = {
    meta: {
      date: new Date(started).toISOString(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      mode: smoke ? "smoke" : "full",
      node: process.versions.node,
      platform: `${process.platform} ${process.arch}`,
      cpu: `${cpus().length} × ${cpus()[0]?.model ?? "unknown"}`,
      git: gitSha,
      // Set when the workspace changed while the bench ran: the groups then measured different code.
      ...(await gitState().then((end) => (end.label === gitStart.label ? {} : { gitAtEnd: end.label }))),
      versions: {
        ours: `workspace @ ${gitSha}`,
        official: pkgVersion("@aws/durable-execution-sdk-js"),
        officialTesting: pkgVersion("@aws/durable-execution-sdk-js-testing"),
        esbuild: pkgVersion("esbuild")
      },
      config,
      ...(kept.length === 0
        ? {}
        : {
            keptFromPrevious: {
              groups: kept,
              date: previous!.meta.date,
              git: previous!.meta.git,
              ...(previous!.meta.keptFromPrevious === undefined ? {} : { earlier: previous!.meta.keptFromPrevious })
            }
          })
    },
    ...partial,
    targets: targetsOf(partial),
    failures
  }
  mkdirSync(resultsDir, { recursive: true })
  const base = smoke ? "smoke" : "latest"
  const ext = smoke ? ".tmp" : ""
  const json = join(resultsDir, `${base}.json${ext}`)
  const md = join(resultsDir, `${base}.md${ext}`)
  writeFileSync(json, `${JSON.stringify(results, (_k, v) => (typeof v === "number" ? round(v, 4) : v), 2)}\n`)
  writeFileSync(md, renderMarkdown(results))
  log(`\nwrote ${json}\nwrote ${md}`)
  log(`\n${renderMarkdown(results)}`)
} finally {
  rmSync(workDir, { recursive: true, force: true })
}
if (failures.length > 0) {
  console.error(`\n${failures.length} measurement(s) failed:\n${failures.join("\n")}`)
  process.exit(1)
}
