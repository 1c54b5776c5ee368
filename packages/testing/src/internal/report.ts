/**
 * The reports behind `Timeline` and `TestResult.format` / `print`, computed from an execution's view of a
 * local run: the official operations table, a timeline of invocations, events, attempts and suspensions on
 * (virtual) time with replayed-vs-new counts, and a cost summary.
 *
 * @internal
 */
import type { ExecutionView, LocalRun } from "../ExecutionView.ts"
import type { HistoryEvent } from "../History.ts"

/**
 * Costs of a run, for the cost summary.
 *
 * @since 0.1.0
 */
export interface CostSummary {
  readonly invocations: number
  /** Invocations that ended with a function error or crash. */
  readonly failedInvocations: number
  readonly checkpointCalls: number
  /** UTF-8 bytes of every checkpoint request (token + updates). */
  readonly checkpointBytes: number
  readonly getStateCalls: number
  /** History events recorded. */
  readonly events: number
  /**
   * Billed-duration estimate: per invocation, the virtual time it spanned plus the real compute time it
   * took here, rounded up to 1 ms, summed.
   */
  readonly billedDurationMillis: number
  /** GB-seconds at the configured memory size. */
  readonly gbSeconds: number
  /** Virtual (or real) time from start to the end of the execution. */
  readonly elapsedMillis: number
}

/** The local-run data of a view; throws for a cloud run. */
const localOf = (view: ExecutionView): LocalRun => {
  if (view.local === undefined) throw new Error("The timeline and cost summary are available for local runs only")
  return view.local
}

/**
 * Options of `print` / `format`. The column switches are the official library's; `timeline`, `operations`
 * and `cost` switch whole sections.
 *
 * @since 0.1.0
 */
export interface PrintOptions {
  readonly parentId?: boolean
  readonly name?: boolean
  readonly type?: boolean
  readonly subType?: boolean
  readonly status?: boolean
  readonly startTime?: boolean
  readonly endTime?: boolean
  readonly duration?: boolean
  readonly operations?: boolean
  readonly timeline?: boolean
  readonly cost?: boolean
  /** Where `print` writes (default `console.log`). */
  readonly write?: (text: string) => void
}

/** `+1d 02:03:04.005` style offset from the execution start. */
export const offset = (ms: number): string => {
  if (ms < 1000) return `+${ms}ms`
  const days = Math.floor(ms / 86_400_000)
  const rest = ms % 86_400_000
  const h = Math.floor(rest / 3_600_000)
  const m = Math.floor((rest % 3_600_000) / 60_000)
  const s = Math.floor((rest % 60_000) / 1000)
  const milli = rest % 1000
  const clock = `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}${milli === 0 ? "" : `.${String(milli).padStart(3, "0")}`}`
  return days > 0 ? `+${days}d ${clock}` : `+${clock}`
}

const duration = (ms: number): string => (ms < 1000 ? `${ms}ms` : offset(ms).slice(1))

const describeDetails = (event: HistoryEvent): string => {
  const e = event as unknown as Record<string, any>
  const d = e[`${event.EventType}Details`] ?? {}
  switch (event.EventType) {
    case "StepSucceeded":
    case "StepFailed": {
      const r = d.RetryDetails ?? {}
      const attempt = r.CurrentAttempt === undefined ? "" : ` attempt ${r.CurrentAttempt}`
      const retry = r.NextAttemptDelaySeconds === undefined ? "" : `, retry in ${r.NextAttemptDelaySeconds}s`
      const body =
        event.EventType === "StepSucceeded"
          ? d.Result?.Payload === undefined
            ? ""
            : ` → ${short(d.Result.Payload)}`
          : ` ✗ ${d.Error?.Payload?.ErrorType ?? ""}: ${short(d.Error?.Payload?.ErrorMessage ?? "")}`
      return `${attempt}${retry}${body}`
    }
    case "WaitStarted":
      return ` ${d.Duration}s`
    case "CallbackStarted":
      return `${d.Timeout === undefined ? "" : ` timeout ${d.Timeout}s`}${d.HeartbeatTimeout === undefined ? "" : ` heartbeat ${d.HeartbeatTimeout}s`}`
    case "CallbackSucceeded":
    case "ContextSucceeded":
    case "ChainedInvokeSucceeded":
    case "ExecutionSucceeded":
      return d.Result?.Payload === undefined ? "" : ` → ${short(d.Result.Payload)}`
    case "CallbackFailed":
    case "CallbackTimedOut":
    case "ContextFailed":
    case "ChainedInvokeFailed":
    case "ChainedInvokeTimedOut":
    case "ChainedInvokeStopped":
    case "ExecutionFailed":
    case "ExecutionTimedOut":
    case "ExecutionStopped":
      return ` ✗ ${d.Error?.Payload?.ErrorType ?? ""}: ${short(d.Error?.Payload?.ErrorMessage ?? "")}`
    case "ChainedInvokeStarted":
      return ` ${d.FunctionName}`
    default:
      return ""
  }
}

const short = (text: string, max = 60): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text)

/** The official operations table, as text. */
const operationsTable = (view: ExecutionView, options: PrintOptions | undefined): string => {
  const ops = view.operations().filter((op) => op.Type !== "EXECUTION")
  if (ops.length === 0) return "No operations found."
  const columns: Array<[keyof PrintOptions, string, (op: (typeof ops)[number]) => string]> = [
    ["parentId", "parentId", (op) => op.ParentId ?? "-"],
    ["name", "name", (op) => op.Name ?? "-"],
    ["type", "type", (op) => op.Type],
    ["subType", "subType", (op) => op.SubType ?? "-"],
    ["status", "status", (op) => op.Status],
    ["startTime", "startTime", (op) => op.StartTimestamp?.toISOString() ?? "-"],
    ["endTime", "endTime", (op) => op.EndTimestamp?.toISOString() ?? "-"],
    [
      "duration",
      "duration",
      (op) =>
        op.StartTimestamp !== undefined && op.EndTimestamp !== undefined
          ? `${op.EndTimestamp.getTime() - op.StartTimestamp.getTime()}ms`
          : "-"
    ]
  ]
  const shown = columns.filter(([key]) => options?.[key] !== false)
  const rows = ops.map((op) => shown.map(([, , cell]) => cell(op)))
  const header = shown.map(([, label]) => label)
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join(" │ ")
  return [line(header), widths.map((w) => "─".repeat(w)).join("─┼─"), ...rows.map(line)].join("\n")
}

/** Costs of an execution's run. */
export const cost = (view: ExecutionView): CostSummary => {
  const local = localOf(view)
  const invocations = view.invocations()
  const events = view.history()
  let billed = 0
  for (const inv of invocations) {
    const end = inv.endTimestamp?.getTime() ?? inv.startTimestamp.getTime()
    const virtualSpan = end - inv.startTimestamp.getTime()
    const compute = local.virtual ? inv.realDurationMillis : 0
    billed += Math.max(1, Math.ceil(virtualSpan + compute))
  }
  const first = events[0]?.EventTimestamp.getTime() ?? 0
  const last = events[events.length - 1]?.EventTimestamp.getTime() ?? first
  return {
    invocations: invocations.length,
    failedInvocations: invocations.filter((i) => i.status === "ERROR" || i.status === "CRASHED").length,
    checkpointCalls: invocations.reduce((n, i) => n + i.checkpointCalls, 0),
    checkpointBytes: invocations.reduce((n, i) => n + i.checkpointBytes, 0),
    getStateCalls: invocations.reduce((n, i) => n + i.getStateCalls, 0),
    events: events.length,
    billedDurationMillis: billed,
    gbSeconds: (billed / 1000) * (local.memoryMB / 1024),
    elapsedMillis: last - first
  }
}

/** The timeline of an execution's run (see `Timeline.timeline`). */
export const timeline = (view: ExecutionView): string => {
  const local = localOf(view)
  const events = view.history()
  const invocations = view.invocations()
  const start = events[0]?.EventTimestamp.getTime() ?? 0
  const names = new Map<string, string>()
  for (const op of view.operations()) {
    if (op.Type !== "EXECUTION")
      names.set(op.Id, `${op.SubType ?? op.Type}${op.Name === undefined ? "" : ` "${op.Name}"`}`)
  }
  const lines: Array<string> = []
  let invocationIndex = 0
  let open = false
  const openInvocation = () => {
    if (open) return
    const inv = invocations[invocationIndex]
    if (inv === undefined) return
    open = true
    lines.push(
      `  ┌ invocation ${inv.index} (request ${inv.requestId}) at ${offset(inv.startTimestamp.getTime() - start)}: replays ${inv.operationsAtStart} operation${inv.operationsAtStart === 1 ? "" : "s"}${inv.fault === undefined ? "" : `, fault ${inv.fault}`}`
    )
  }
  for (const event of events) {
    const at = offset(event.EventTimestamp.getTime() - start).padEnd(14)
    const subject = event.Id === undefined ? "" : ` ${names.get(event.Id) ?? event.Id}`
    if (event.EventType === "ExecutionStarted") {
      lines.push(`${at} #${event.EventId} ExecutionStarted`)
      continue
    }
    if (event.EventType === "InvocationCompleted") {
      openInvocation()
      const inv = invocations[invocationIndex++]
      const outcome =
        inv === undefined
          ? ""
          : inv.status === "PENDING"
            ? "PENDING (suspended)"
            : inv.status === "ERROR" || inv.status === "CRASHED"
              ? `${inv.status} ${inv.error?.ErrorType ?? ""}: ${short(inv.error?.ErrorMessage ?? "", 80)}`
              : inv.status
      const traffic =
        inv === undefined
          ? ""
          : ` · ${inv.newOperationIds.length} new op${inv.newOperationIds.length === 1 ? "" : "s"} · ${inv.checkpointCalls} checkpoint call${inv.checkpointCalls === 1 ? "" : "s"} (${inv.checkpointBytes} B)`
      lines.push(`  └ ${at} #${event.EventId} InvocationCompleted ${outcome}${traffic}`)
      open = false
      continue
    }
    const serviceSide =
      event.EventType === "WaitSucceeded" ||
      event.EventType === "CallbackSucceeded" ||
      event.EventType === "CallbackFailed" ||
      event.EventType === "CallbackTimedOut" ||
      event.EventType === "ChainedInvokeSucceeded" ||
      event.EventType === "ChainedInvokeFailed" ||
      event.EventType === "ChainedInvokeTimedOut" ||
      event.EventType === "ChainedInvokeStopped" ||
      event.EventType === "ExecutionTimedOut" ||
      event.EventType === "ExecutionStopped"
    if (event.EventType === "ExecutionSucceeded" || event.EventType === "ExecutionFailed") {
      lines.push(`${at} #${event.EventId} ${event.EventType}${describeDetails(event)}`)
      continue
    }
    if (serviceSide && !open) {
      lines.push(`⏱ ${at} #${event.EventId} ${event.EventType}${subject}${describeDetails(event)}`)
      continue
    }
    const owner = local.eventOwner(event.EventId)
    if (owner?.duplicate === true) {
      lines.push(
        `  ╎ ${at} #${event.EventId} ${event.EventType}${subject}${describeDetails(event)}   [duplicate delivery of invocation ${owner.index}]`
      )
      continue
    }
    openInvocation()
    lines.push(`  │ ${at} #${event.EventId} ${event.EventType}${subject}${describeDetails(event)}`)
  }
  for (const dup of view.duplicates()) {
    lines.push(
      `  ╎ duplicate delivery of invocation ${dup.index} (request ${dup.requestId}): ${dup.status}${dup.error === undefined ? "" : ` ${dup.error.ErrorType}: ${short(dup.error.ErrorMessage ?? "", 80)}`} · ${dup.newOperationIds.length} new op${dup.newOperationIds.length === 1 ? "" : "s"} · ${dup.checkpointCalls} checkpoint call${dup.checkpointCalls === 1 ? "" : "s"}`
    )
  }
  return lines.join("\n")
}

/** The cost summary as text. */
const costText = (summary: CostSummary): string =>
  [
    `Invocations: ${summary.invocations}${summary.failedInvocations > 0 ? ` (${summary.failedInvocations} failed)` : ""}`,
    `Checkpoint calls: ${summary.checkpointCalls} (${summary.checkpointBytes} bytes)${summary.getStateCalls > 0 ? `, state pages: ${summary.getStateCalls}` : ""}`,
    `History events: ${summary.events}`,
    `Elapsed: ${duration(summary.elapsedMillis)}`,
    `Billed duration (estimate): ${summary.billedDurationMillis} ms (${summary.gbSeconds.toFixed(6)} GB-s)`
  ].join("\n")

/** Everything `print` writes, as one string. */
export const format = (view: ExecutionView, options?: PrintOptions): string => {
  const local = localOf(view)
  const status = view.description()?.Status ?? "UNKNOWN"
  const sections: Array<string> = [`Execution ${view.arn}: ${status}`]
  if (options?.operations !== false) sections.push(operationsTable(view, options))
  if (options?.timeline !== false)
    sections.push(`Timeline (${local.virtual ? "virtual" : "real"} time):\n${timeline(view)}`)
  if (options?.cost !== false) sections.push(costText(cost(view)))
  return sections.join("\n\n")
}
