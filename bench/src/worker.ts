/**
 * One measurement in a fresh Node process: `node --conditions=@durable-lambda/source --expose-gc worker.ts
 * '<task json>'`. Prints one line `@@RESULT <json>` and exits; anything else it prints is the SDKs' own
 * logging, shown by the runner only when the task fails.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { loadBinder, type Checkpointing, type Sdk } from "./adapters.ts"
import { loadHarness } from "./harness.ts"
import { RecordingService, runExecution, type RecordedOperation, type ServiceStats } from "./service.ts"
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

const arn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:bench:$LATEST/durable-execution/${name}`

const economy = async (task: Extract<Task, { kind: "economy" }>): Promise<TaskResult> => {
  const bind = await loadBinder(task.sdk)
  const handler = bind(bodies[task.workload], task.checkpointing)
  const total: ServiceStats & { operations: number } = {
    checkpointCalls: 0,
    checkpointBytes: 0,
    checkpointClientBytes: 0,
    updates: 0,
    getStateCalls: 0,
    invocations: 0,
    operations: 0
  }
  const executions = executionsOf(task.workload, task)
  const t0 = nowMs()
  for (const { payload, expected } of executions) {
    const service = new RecordingService(arn(uniqueId()), payload)
    handler.use(service)
    const outcome = await runExecution(service, handler.invoke)
    if (task.sdk === "ours" && task.workload === "map" && isUnsupported(outcome.error)) {
      return { status: "pending", reason: "context.map is not implemented in @durable-lambda/core yet" }
    }
    check(`${task.sdk} ${task.checkpointing} ${task.workload}`, outcome.status, outcome.result, expected, outcome.error)
    for (const key of Object.keys(service.stats) as Array<keyof ServiceStats>) total[key] += service.stats[key]
    total.operations += service.operationCount
  }
  return { status: "ok", executions: executions.length, wallMs: nowMs() - t0, ...total }
}

const record = async (task: Extract<Task, { kind: "record" }>): Promise<TaskResult> => {
  const bind = await loadBinder(task.sdk)
  const handler = bind(W.sequential, "eager")
  const service = new RecordingService(arn("record"), { n: task.n })
  handler.use(service)
  const t0 = nowMs()
  const outcome = await runExecution(service, handler.invoke)
  check(`${task.sdk} record ${task.n}`, outcome.status, outcome.result, W.expected.sequential(task.n), outcome.error)
  const operations = service.recorded((op) => op.Type === "EXECUTION" || op.Status === "SUCCEEDED")
  writeFileSync(task.stateFile, JSON.stringify(operations))
  return { status: "ok", wallMs: nowMs() - t0, operations: operations.length }
}

const MB = 1024 * 1024

const replay = async (task: Extract<Task, { kind: "replay" }>): Promise<TaskResult> => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error("replay needs --expose-gc")
  const operations = JSON.parse(readFileSync(task.stateFile, "utf8")) as Array<RecordedOperation>
  const steps = operations.length - 1
  if (steps !== task.n) throw new Error(`${task.stateFile} holds ${steps} steps, expected ${task.n}`)
  const bind = await loadBinder(task.sdk)
  const handler = bind(W.sequential, "eager")

  // Warm-up: replay a prefix of the same history a few times (JIT, runtime construction), as a warm
  // container that has replayed before.
  const w = Math.min(task.warmup, steps)
  const prefix = [{ ...operations[0]!, InputPayload: JSON.stringify({ n: w }) }, ...operations.slice(1, 1 + w)]
  for (let round = 0; round < task.warmupRounds; round++) {
    const warm = RecordingService.fromRecorded(arn("warmup"), prefix)
    handler.use(warm)
    const warmOut = await handler.invoke(warm.invocationEvent())
    check(`${task.sdk} replay warm-up`, warmOut.Status, Number(warmOut.Result), W.expected.sequential(w), warmOut.Error)
  }

  const service = RecordingService.fromRecorded(arn("replay"), operations)
  handler.use(service)
  const event = service.invocationEvent()
  gc()
  gc()
  const before = process.memoryUsage()
  const maxRssBefore = process.resourceUsage().maxRSS * 1024
  const cpu0 = process.cpuUsage()
  const t0 = nowMs()
  const output = await handler.invoke(event)
  const wallMs = nowMs() - t0
  const cpu = cpuMs(cpu0)
  const maxRssAfter = process.resourceUsage().maxRSS * 1024
  const after = process.memoryUsage()
  check(
    `${task.sdk} replay ${task.n}`,
    output.Status,
    Number(output.Result),
    W.expected.sequential(task.n),
    output.Error
  )
  return {
    status: "ok",
    wallMs,
    cpuMs: cpu,
    usPerOp: (cpu * 1000) / task.n,
    rssBeforeMB: before.rss / MB,
    peakRssMB: maxRssAfter / MB,
    /** Growth of the process's RSS high-water mark over the RSS just before the invocation. */
    peakRssDeltaMB: (maxRssAfter - before.rss) / MB,
    /** Non-zero when the high-water mark was already above the pre-invocation RSS (the delta is then an upper bound). */
    maxRssSlackMB: Math.max(0, maxRssBefore - before.rss) / MB,
    heapUsedDeltaMB: (after.heapUsed - before.heapUsed) / MB,
    checkpointCalls: service.stats.checkpointCalls,
    getStateCalls: service.stats.getStateCalls
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
