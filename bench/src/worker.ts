/**
 * One measurement in a fresh Node process: `node --conditions=@durable-lambda/source --expose-gc worker.ts
 * '<task json>'`. Prints one line `@@RESULT <json>` and exits; anything else it prints is the SDKs' own
 * logging, shown by the runner only when the task fails.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { GCProfiler, getHeapStatistics } from "node:v8"
import { loadBinder, type Checkpointing, type Sdk } from "./adapters.ts"
import { loadHarness } from "./harness.ts"
import type { RecordedOperation } from "./service.ts"
import * as W from "./workflows.ts"

// Captured before any harness installs fake timers (the official runner fakes hrtime and performance.now).
const realHrtime = process.hrtime.bigint.bind(process.hrtime)
const nowMs = () => Number(realHrtime()) / 1e6
const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since)
  return (d.user + d.system) / 1000
}

export type Workload = "sequential" | "retryWaitChild" | "map"

export interface WorkloadSize {
  /** Steps (sequential) or items (map). */
  readonly n: number
  /** Executions of retryWaitChild. */
  readonly executions: number
  readonly concurrency: number
}

export type Task =
  | ({
      readonly kind: "harness"
      readonly sdk: Sdk
      readonly workload: Workload
      readonly skipTime: boolean
    } & WorkloadSize)
  | ({
      readonly kind: "economy"
      readonly sdk: Sdk
      readonly workload: Workload
      readonly checkpointing: Checkpointing
    } & WorkloadSize)
  | { readonly kind: "record"; readonly sdk: Sdk; readonly n: number; readonly stateFile: string }
  | {
      readonly kind: "replay"
      readonly sdk: Sdk
      readonly n: number
      readonly stateFile: string
      /** Operations replayed per warm-up round, and how many rounds run before the measured invocation. */
      readonly warmup: number
      readonly warmupRounds: number
      /** A memory sample (run with a 1 MB young generation); its CPU figures are not used. */
      readonly memory?: boolean
    }

export type TaskResult =
  { readonly status: "ok"; readonly [key: string]: unknown } | { readonly status: "pending"; readonly reason: string }

const bodies = { sequential: W.sequential, retryWaitChild: W.retryWaitChild, map: W.mapItems } as const

let executionSeq = 0
const uniqueId = () => `${process.pid}-${++executionSeq}`

/** The payloads of one run of a workload, and the result each execution must produce. */
const executionsOf = (workload: Workload, size: WorkloadSize): Array<{ payload: unknown; expected: unknown }> => {
  switch (workload) {
    case "sequential":
      return [{ payload: { n: size.n }, expected: W.expected.sequential(size.n) }]
    case "map":
      return [{ payload: { n: size.n, concurrency: size.concurrency }, expected: W.expected.mapItems(size.n) }]
    case "retryWaitChild":
      return Array.from({ length: size.executions }, () => ({
        payload: { id: uniqueId() },
        expected: W.expected.retryWaitChild()
      }))
  }
}

const check = (what: string, status: unknown, result: unknown, expected: unknown, error?: unknown) => {
  if (status !== "SUCCEEDED" || JSON.stringify(result) !== JSON.stringify(expected)) {
    throw new Error(
      `${what}: expected SUCCEEDED with ${JSON.stringify(expected)}, got ${String(status)} with ${JSON.stringify(result)}${
        error === undefined ? "" : ` (error ${JSON.stringify(error)})`
      }`
    )
  }
}

const warmupSize: WorkloadSize = { n: 10, executions: 1, concurrency: 5 }

const isUnsupported = (error: unknown) =>
  /UnsupportedOperation|not available in this version/.test(JSON.stringify(error ?? ""))

const harness = async (task: Extract<Task, { kind: "harness" }>): Promise<TaskResult> => {
  const load = await loadHarness(task.sdk, task.skipTime)
  if (load._tag === "pending") return { status: "pending", reason: load.reason }
  const { harness } = load
  const handler = harness.wrap(bodies[task.workload])
  try {
    for (const { payload, expected } of executionsOf(task.workload, warmupSize)) {
      const result = await harness.run(handler, payload)
      if (task.sdk === "ours" && task.workload === "map" && isUnsupported(safeError(result))) {
        return { status: "pending", reason: "context.map is not implemented in @durable-lambda/core yet" }
      }
      check(`${task.sdk} harness warm-up`, result.getStatus(), result.getResult(), expected, safeError(result))
    }
    // Timed twice: the first run in the process (after only the small warm-up: what one test file sees),
    // then the same run again with the JIT warm.
    const timed = async () => {
      const executions = executionsOf(task.workload, task)
      const cpu0 = process.cpuUsage()
      const t0 = nowMs()
      for (const { payload, expected } of executions) {
        const result = await harness.run(handler, payload)
        check(
          `${task.sdk} harness ${task.workload}`,
          result.getStatus(),
          result.getResult(),
          expected,
          safeError(result)
        )
      }
      return { wallMs: nowMs() - t0, cpuMs: cpuMs(cpu0), executions: executions.length }
    }
    const first = await timed()
    const second = await timed()
    return { status: "ok", ...first, warmWallMs: second.wallMs, warmCpuMs: second.cpuMs }
  } finally {
    await harness.teardown()
  }
}

const safeError = (result: unknown): unknown => {
  try {
    return (result as { getError?: () => unknown }).getError?.()
  } catch {
    return undefined
  }
}

// The bench service (and `ServiceState` behind it) is loaded only by the tasks that use it, so a harness
// process loads nothing but the harness it measures.
const loadService = () => import("./service.ts")

const economy = async (task: Extract<Task, { kind: "economy" }>): Promise<TaskResult> => {
  const { BenchService, runExecution } = await loadService()
  const bind = await loadBinder(task.sdk)
  const service = new BenchService()
  const handler = bind(bodies[task.workload], task.checkpointing, service)
  const executions = executionsOf(task.workload, task)
  let operations = 0
  const t0 = nowMs()
  for (const { payload, expected } of executions) {
    const arn = service.startExecution(payload)
    const outcome = await runExecution(service, arn, handler)
    if (task.sdk === "ours" && task.workload === "map" && isUnsupported(outcome.error)) {
      return { status: "pending", reason: "context.map is not implemented in @durable-lambda/core yet" }
    }
    check(`${task.sdk} ${task.checkpointing} ${task.workload}`, outcome.status, outcome.result, expected, outcome.error)
    operations += service.operations(arn).length
  }
  return { status: "ok", executions: executions.length, wallMs: nowMs() - t0, ...service.stats, operations }
}

const record = async (task: Extract<Task, { kind: "record" }>): Promise<TaskResult> => {
  const { BenchService, runExecution } = await loadService()
  const bind = await loadBinder(task.sdk)
  const service = new BenchService()
  const handler = bind(W.sequential, "eager", service)
  const arn = service.startExecution({ n: task.n })
  const t0 = nowMs()
  const outcome = await runExecution(service, arn, handler)
  check(`${task.sdk} record ${task.n}`, outcome.status, outcome.result, W.expected.sequential(task.n), outcome.error)
  const operations = service.operations(arn).filter((op) => op.Type === "EXECUTION" || op.Status === "SUCCEEDED")
  writeFileSync(task.stateFile, JSON.stringify(operations))
  return { status: "ok", wallMs: nowMs() - t0, operations: operations.length }
}

const MB = 1024 * 1024

const replay = async (task: Extract<Task, { kind: "replay" }>): Promise<TaskResult> => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error("replay needs --expose-gc")
  const recorded = JSON.parse(readFileSync(task.stateFile, "utf8")) as Array<RecordedOperation>
  const steps = recorded.filter((op) => op.Type !== "EXECUTION")
  if (steps.length !== task.n) throw new Error(`${task.stateFile} holds ${steps.length} steps, expected ${task.n}`)
  const { BenchService, statsDelta } = await loadService()
  const bind = await loadBinder(task.sdk)
  const service = new BenchService()
  const handler = bind(W.sequential, "eager", service)
  const rejections = () => {
    if (service.rejections.length > 0) throw new Error(`the service rejected: ${service.rejections.join("; ")}`)
  }

  // Warm-up: replay a prefix of the same history a few times (JIT, runtime construction), as a warm
  // container that has replayed before.
  const w = Math.min(task.warmup, steps.length)
  for (let round = 0; round < task.warmupRounds; round++) {
    const arn = service.restore({ n: w }, steps.slice(0, w))
    const warmEvent = service.nextInvocation(arn)
    service.prefetchState(warmEvent)
    const warmOut = await handler(warmEvent)
    rejections()
    service.completeInvocation(arn, warmOut)
    check(`${task.sdk} replay warm-up`, warmOut.Status, Number(warmOut.Result), W.expected.sequential(w), warmOut.Error)
  }

  // The recorded state is built (checkpointed into the service) and the invocation event rendered before
  // the measured window.
  const arn = service.restore({ n: task.n }, steps)
  const event = service.nextInvocation(arn)
  const prefetched = service.prefetchState(event)
  gc()
  gc()
  const before = process.memoryUsage()
  const heapBefore = getHeapStatistics().used_heap_size
  const maxRssBefore = process.resourceUsage().maxRSS * 1024
  const stats0 = { ...service.stats }
  // Used heap only grows between collections, so its peak is the largest of: the used size before each
  // collection during the invocation (the GC profiler records it) and the used size at the end.
  const profiler = new GCProfiler()
  profiler.start()
  const cpu0 = process.cpuUsage()
  const t0 = nowMs()
  const output = await handler(event)
  const wallMs = nowMs() - t0
  const grossCpuMs = cpuMs(cpu0)
  const maxRssAfter = process.resourceUsage().maxRSS * 1024
  const after = process.memoryUsage()
  const heapAfter = getHeapStatistics().used_heap_size
  const gcs = profiler.stop()?.statistics ?? []
  const peakHeap = Math.max(heapAfter, ...gcs.map((gc) => gc.beforeGC.heapStatistics.usedHeapSize))
  const calls = statsDelta(service.stats, stats0)
  rejections()
  service.completeInvocation(arn, output)
  check(
    `${task.sdk} replay ${task.n}`,
    output.Status,
    Number(output.Result),
    W.expected.sequential(task.n),
    output.Error
  )
  const cpu = grossCpuMs - calls.serviceCpuMs
  return {
    status: "ok",
    wallMs,
    /** The invocation's CPU without the time spent inside the service model (`serviceCpuMs`). */
    cpuMs: cpu,
    grossCpuMs,
    serviceCpuMs: calls.serviceCpuMs,
    usPerOp: (cpu * 1000) / task.n,
    /** Peak of V8's used heap during the invocation over the used heap just before it (after `gc()`). */
    peakHeapDeltaMB: (peakHeap - heapBefore) / MB,
    collections: gcs.length,
    rssBeforeMB: before.rss / MB,
    peakRssMB: maxRssAfter / MB,
    /** Growth of the process's RSS high-water mark over the RSS just before the invocation. */
    peakRssDeltaMB: (maxRssAfter - before.rss) / MB,
    /** Non-zero when the high-water mark was already above the pre-invocation RSS (the delta is then an upper bound). */
    maxRssSlackMB: Math.max(0, maxRssBefore - before.rss) / MB,
    heapUsedDeltaMB: (after.heapUsed - before.heapUsed) / MB,
    checkpointCalls: calls.checkpointCalls,
    getStateCalls: calls.getStateCalls,
    /** State pages read ahead, and how many of the invocation's state reads they answered. */
    prefetched,
    prefetchedPages: calls.prefetchedPages
  }
}

const runTask = (task: Task): Promise<TaskResult> => {
  switch (task.kind) {
    case "harness":
      return harness(task)
    case "economy":
      return economy(task)
    case "record":
      return record(task)
    case "replay":
      return replay(task)
  }
}

const task = JSON.parse(process.argv[2] ?? "null") as Task | null
if (task === null) {
  console.error("usage: worker.ts '<task json>'")
  process.exit(2)
}
try {
  const result = await runTask(task)
  process.stdout.write(`@@RESULT ${JSON.stringify(result)}\n`)
  process.exit(0)
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error))
  process.exit(1)
}
