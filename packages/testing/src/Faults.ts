/**
 * Seeded fault injection at checkpoint boundaries, and a checker that runs a handler under N fault schedules
 * and verifies the invariants a durable workflow must keep: the same final result as the fault-free run,
 * no operation result lost or mixed up, and no at-most-once effect performed twice.
 *
 * Checkpoint boundary `k` is the `k`-th checkpoint call of the root execution (counted across invocations); a
 * fault's `site` moves it to the `k`-th `GetDurableExecutionState` call, an invoked child execution's calls or a
 * duplicate delivery's calls.
 * A schedule is data: write it by hand, or generate it from a seed; a failing seed reproduces exactly.
 *
 * @since 0.1.0
 */
import type { Instrumentation } from "@durable-lambda/core"
import { Effect } from "effect"
import {
  crashAfter,
  crashBefore,
  delay,
  duplicateInvocation,
  type Fault,
  type FaultKind,
  type FaultSite,
  lose,
  serviceError,
  type SiteKey,
  siteKey,
  staleToken,
  throttle
} from "./internal/faultPlan.ts"
import { intBetween, prng } from "./internal/prng.ts"
import type { ExecutionStatus } from "./DurableOperation.ts"
import * as ExecutionView from "./ExecutionView.ts"
import type { Simulation } from "./internal/simulation.ts"
import { encodeInput, makeSimulation, resolveTarget } from "./internal/runner.ts"
import type { RunnableHandler, RunnerOptions } from "./internal/runnerOptions.ts"
import { TestResult } from "./TestResult.ts"

export {
  crashAfter,
  crashBefore,
  delay,
  duplicateInvocation,
  lose,
  serviceError,
  siteKey,
  staleToken,
  throttle
} from "./internal/faultPlan.ts"
export type { CallFault, Fault, FaultKind, FaultSite, SiteKey } from "./internal/faultPlan.ts"

/**
 * Options of `schedule`.
 *
 * @since 0.1.0
 */
export interface ScheduleOptions {
  /** Checkpoint boundaries to choose from: 1..checkpoints (take it from a fault-free run). */
  readonly checkpoints: number
  /** Invocations of the fault-free run (for duplicate deliveries). Default 1. */
  readonly invocations?: number
  /**
   * Calls at the other sites in a fault-free run (`checkFaults` fills these in): sites with calls can be drawn
   * too. The calls of a duplicate delivery are drawn whenever the schedule duplicates an invocation.
   */
  readonly calls?: Partial<Record<SiteKey, number>>
  /** How many faults (default: 1 to 3, chosen by the seed). */
  readonly count?: number
  /** Kinds to draw from (default all). */
  readonly kinds?: ReadonlyArray<FaultKind>
  /** Sites to draw from (default: every site with calls; the root's checkpoints always). */
  readonly sites?: ReadonlyArray<SiteKey>
}

const ALL_KINDS: ReadonlyArray<FaultKind> = [
  "CrashBeforeCheckpoint",
  "CrashAfterCheckpoint",
  "LoseCheckpoint",
  "Throttle",
  "ServiceError",
  "StaleToken",
  "DelayResponse",
  "DuplicateInvocation"
]

const OTHER_SITES: ReadonlyArray<SiteKey> = [
  "root/GetDurableExecutionState",
  "invoked/Checkpoint",
  "invoked/GetDurableExecutionState",
  "duplicate/Checkpoint",
  "duplicate/GetDurableExecutionState"
]

const siteOf = (key: SiteKey): FaultSite => {
  const [execution, call] = key.split("/") as [FaultSite["execution"], FaultSite["call"]]
  return { execution, call }
}

/**
 * A fault schedule generated from `seed`: the same seed and options always give the same schedule.
 *
 * Half of the call-bound faults (or all, when no other site has calls) strike the root's checkpoints; the
 * others strike a site drawn from those with calls: the root's state reads, an invoked child execution's calls,
 * a duplicate delivery's calls.
 *
 * @since 0.1.0
 */
export const schedule = (seed: string | number, options: ScheduleOptions): ReadonlyArray<Fault> => {
  const next = prng(`faults:${seed}`)
  const nextSite = prng(`faults-site:${seed}`)
  const kinds = options.kinds ?? ALL_KINDS
  const max = Math.max(1, options.checkpoints)
  const count = options.count ?? intBetween(next, 1, 3)
  const out: Array<Fault> = []
  const used = new Set<number>()
  for (let i = 0; i < count; i++) {
    const kind = kinds[intBetween(next, 0, kinds.length - 1)]!
    if (kind === "DuplicateInvocation") {
      out.push(duplicateInvocation(intBetween(next, 1, Math.max(1, options.invocations ?? 1))))
      continue
    }
    let k = intBetween(next, 1, max)
    for (let tries = 0; used.has(k) && tries < max; tries++) k = (k % max) + 1
    used.add(k)
    switch (kind) {
      case "CrashBeforeCheckpoint":
        out.push(crashBefore(k))
        break
      case "CrashAfterCheckpoint":
        out.push(crashAfter(k))
        break
      case "LoseCheckpoint":
        out.push(lose(k))
        break
      case "Throttle":
        out.push(throttle(k))
        break
      case "ServiceError":
        out.push(serviceError(k, [500, 502, 503][intBetween(next, 0, 2)]))
        break
      case "StaleToken":
        out.push(staleToken(k))
        break
      case "DelayResponse":
        out.push(delay(k, [10, 1000, 30_000][intBetween(next, 0, 2)]!))
        break
    }
  }
  // Sites are drawn from their own stream, so the kinds and root boundaries of a seed stay what they were.
  const duplicated = out.some((f) => f._tag === "DuplicateInvocation")
  const calls = options.calls ?? {}
  const allowed = options.sites ?? ["root/Checkpoint", ...OTHER_SITES]
  const others = OTHER_SITES.filter(
    (key) =>
      allowed.includes(key) &&
      (key.startsWith("duplicate/")
        ? duplicated && (key === "duplicate/Checkpoint" || (calls["root/GetDurableExecutionState"] ?? 0) > 0)
        : (calls[key] ?? 0) > 0)
  )
  const rootAllowed = allowed.includes("root/Checkpoint")
  return out.map((fault) => {
    if (fault._tag === "DuplicateInvocation" || others.length === 0) return fault
    if (rootAllowed && intBetween(nextSite, 0, 1) === 0) return fault
    const key = others[intBetween(nextSite, 0, others.length - 1)]!
    const n = key.startsWith("duplicate/")
      ? Math.min(3, Math.max(1, key.endsWith("Checkpoint") ? max : (calls["root/GetDurableExecutionState"] ?? 1)))
      : (calls[key] ?? 1)
    return { ...fault, checkpoint: ((fault.checkpoint - 1) % n) + 1, site: siteOf(key) }
  })
}

/**
 * A record of external effects a handler performs, so invariants can check them: call `atMostOnce(key)`
 * where the handler does something that must never happen twice for `key` (charge a card for an order, send
 * an email) and `record(key)` for effects that may repeat.
 *
 * **When to use**: build the handler under test from a factory taking an `EffectLog`
 * (`checkFaults({ makeHandler: (effects) => buildHandler(effects) })`); each run gets a fresh log.
 *
 * @since 0.1.0
 */
export class EffectLog {
  readonly #counts = new Map<string, number>()
  readonly #atMostOnce = new Set<string>()

  /** Records an effect that must happen at most once per execution. */
  atMostOnce(key: string): void {
    this.#atMostOnce.add(key)
    this.record(key)
  }

  /** Records an effect. */
  record(key: string): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1)
  }

  /** How many times `key` was recorded. */
  count(key: string): number {
    return this.#counts.get(key) ?? 0
  }

  /** Every key and its count. */
  entries(): ReadonlyArray<readonly [string, number]> {
    return [...this.#counts.entries()]
  }

  /** At-most-once keys recorded more than once. */
  violations(): ReadonlyArray<string> {
    return [...this.#atMostOnce].filter((key) => (this.#counts.get(key) ?? 0) > 1)
  }
}

/**
 * Options of `checkFaults`.
 *
 * @since 0.1.0
 */
export interface CheckFaultsOptions extends RunnerOptions {
  /** The handler under test (use `makeHandler` to record effects). */
  readonly handler?: RunnableHandler
  /** A factory receiving a fresh `EffectLog` for each run (the baseline and every seed). */
  readonly makeHandler?: (effects: EffectLog) => RunnableHandler
  readonly payload?: unknown
  /** Seeds to try: a count (seeds 1..n) or explicit seeds. Default 20. */
  readonly seeds?: number | ReadonlyArray<string | number>
  /** Schedule shape for generated seeds. */
  readonly schedule?: Omit<ScheduleOptions, "checkpoints" | "invocations">
  /** Compares results (default: deep equality of parsed JSON, or of ErrorType/ErrorMessage when failed). */
  readonly sameOutcome?: (baseline: TestResult, faulty: TestResult) => boolean
  /**
   * What the fault-free run must end with, or the check fails with a `BaselineError` before any seed runs
   * (a broken baseline would otherwise be taken as the truth). Default `{ status: "SUCCEEDED" }`; `result`,
   * when given, must equal the baseline's result (deep JSON equality).
   */
  readonly expect?: { readonly status?: ExecutionStatus; readonly result?: unknown }
  /**
   * Names of operations whose result legitimately differs from run to run (a step that mints an id or reads
   * the clock). Their results are not compared with the baseline; instead each run's recorded value stands
   * in for it wherever it appears in later results and in the final result, so a run that lost or mixed up
   * the recorded value is still caught.
   */
  readonly nondeterministicSteps?: ReadonlyArray<string>
  /** Extra invariant: return a message to report a violation. */
  readonly invariant?: (run: FaultRun) => string | undefined
}

/**
 * One run under a fault schedule.
 *
 * @since 0.1.0
 */
export interface FaultRun {
  readonly seed: string | number | undefined
  readonly faults: ReadonlyArray<Fault>
  /** Faults of the schedule that were reached (a boundary beyond the run's last checkpoint never is). */
  readonly applied: ReadonlyArray<Fault>
  readonly result: TestResult | undefined
  /** Why the run itself failed (budget exceeded, too many errors), if it did. */
  readonly runError: string | undefined
  readonly effects: EffectLog
  readonly violations: ReadonlyArray<string>
}

/**
 * The report of `checkFaults`.
 *
 * @since 0.1.0
 */
export interface FaultReport {
  readonly baseline: TestResult
  readonly baselineEffects: EffectLog
  /** What the seeds' schedules were generated with: `schedule(seed, scheduleOptions)` reproduces a run's faults. */
  readonly scheduleOptions: ScheduleOptions
  readonly runs: ReadonlyArray<FaultRun>
  /** Runs with at least one violation. */
  readonly failures: ReadonlyArray<FaultRun>
  /** True when no run violated an invariant. */
  readonly ok: boolean
  /** Readable description of the first failure (seed, schedule, violations), or "" when ok. */
  readonly summary: string
}

const describeSite = (site: FaultSite | undefined): string => {
  const key = siteKey(site)
  if (key === "root/Checkpoint") return "checkpoint"
  const execution = site?.execution ?? "root"
  const call = site?.call === "GetDurableExecutionState" ? "GetDurableExecutionState call" : "checkpoint"
  return execution === "root" ? call : `${execution === "invoked" ? "invoked execution" : "duplicate delivery"} ${call}`
}

const describeFault = (f: Fault): string =>
  f._tag === "DuplicateInvocation"
    ? `DuplicateInvocation(invocation ${f.invocation})`
    : `${f._tag}(${describeSite(f.site)} ${f.checkpoint}${f._tag === "DelayResponse" ? `, ${f.millis} ms` : f._tag === "ServiceError" ? `, ${f.statusCode ?? 500}` : ""})`

/** Human-readable schedule. @since 0.1.0 */
export const describeSchedule = (faults: ReadonlyArray<Fault>): string =>
  faults.length === 0 ? "(no faults)" : faults.map(describeFault).join(", ")

const outcomeOf = (r: TestResult) => {
  if (r.getStatus() === "SUCCEEDED") return { status: "SUCCEEDED", value: r.getResult() }
  let error: unknown
  try {
    const e = r.getError()
    error = { type: e.errorType, message: e.errorMessage }
  } catch {
    error = undefined
  }
  return { status: r.getStatus(), error }
}

const equal = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/**
 * The fault-free run did not end as the check expects (`CheckFaultsOptions.expect`): it cannot serve as the
 * truth the fault runs are compared with. Fix the handler or the scenario, or state the expected outcome.
 *
 * @since 0.2.0
 */
export class BaselineError extends Error {
  override readonly name = "BaselineError"
  /** The fault-free run. */
  readonly baseline: TestResult
  constructor(message: string, baseline: TestResult) {
    super(message)
    this.baseline = baseline
  }
}

const checkBaseline = (options: CheckFaultsOptions, baseline: TestResult): void => {
  const expected = options.expect?.status ?? "SUCCEEDED"
  const outcome = outcomeOf(baseline)
  if (outcome.status !== expected) {
    throw new BaselineError(
      `The fault-free baseline ended ${String(outcome.status)}${outcome.error === undefined ? "" : ` ${JSON.stringify(outcome.error)}`} but the check expects ${expected}: the baseline is wrong, so no fault schedule was run. Fix the handler or scenario, or pass expect: { status: "${String(outcome.status)}" } if that outcome is intended.\n${baseline.format({ operations: false })}`,
      baseline
    )
  }
  if (
    options.expect !== undefined &&
    "result" in options.expect &&
    !equal(baseline.getResult(), options.expect.result)
  ) {
    throw new BaselineError(
      `The fault-free baseline returned ${JSON.stringify(baseline.getResult())} but the check expects ${JSON.stringify(options.expect.result)}`,
      baseline
    )
  }
}

type RawOperation = ReturnType<TestResult["getRawOperations"]>[number]

const resultOf = (op: RawOperation): string | undefined =>
  op.StepDetails?.Result ?? op.ContextDetails?.Result ?? op.CallbackDetails?.Result ?? op.ChainedInvokeDetails?.Result

/**
 * The recorded results of the run's nondeterministic operations, each with the placeholder that replaces it
 * (the operation id: the same in every run), longest first so a value inside another is replaced after it.
 */
const substitutions = (
  options: CheckFaultsOptions,
  ops: ReadonlyArray<RawOperation>
): ReadonlyArray<readonly [string, string]> => {
  const names = new Set(options.nondeterministicSteps ?? [])
  if (names.size === 0) return []
  const out: Array<readonly [string, string]> = []
  for (const op of ops) {
    if (op.Name === undefined || !names.has(op.Name) || op.Status !== "SUCCEEDED") continue
    const text = resultOf(op)
    if (text === undefined || text === "") continue
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      value = text
    }
    // A string appears inside other JSON texts without its quotes; anything else as its JSON text.
    out.push([typeof value === "string" ? value : text, `<${op.Name}:${op.Id}>`])
  }
  return out.filter(([from]) => from.length > 0).sort((a, b) => b[0].length - a[0].length)
}

const substitute = (text: string | undefined, subs: ReadonlyArray<readonly [string, string]>): string | undefined => {
  if (text === undefined) return undefined
  let out = text
  for (const [from, to] of subs) out = out.split(from).join(to)
  return out
}

const runOnce = async (
  options: CheckFaultsOptions,
  faults: ReadonlyArray<Fault>
): Promise<{ result?: TestResult; error?: string; effects: EffectLog; sim: Simulation }> => {
  const effects = new EffectLog()
  const handler = options.makeHandler !== undefined ? options.makeHandler(effects) : options.handler
  if (handler === undefined) throw new TypeError("checkFaults needs handler or makeHandler")
  const runOptions: RunnerOptions = { ...options, faults }
  // The at-most-once check reads every step attempt.
  const sim = makeSimulation({ ...runOptions, recordStepAttempts: true })
  try {
    const arn = await sim.run(resolveTarget(handler, runOptions), encodeInput(options.payload))
    return { result: new TestResult(ExecutionView.ofSimulation(sim, arn), arn), effects, sim }
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error), effects, sim }
  }
}

/**
 * Runs the handler fault-free, then once per seed under a generated fault schedule, and checks after each:
 * 1. same final status and result (or error type and message) as the fault-free run;
 * 2. nothing lost: every operation of the fault-free run exists, with the same type, name and status;
 * 3. no result mixed up: every operation that succeeded in both runs has the same result payload;
 * 4. no at-most-once effect (`EffectLog.atMostOnce`) performed twice, and no at-most-once step body started twice
 *    for the same attempt (observed through the engine's `Instrumentation` hooks, no handler cooperation needed;
 *    under `isolation: "worker"` the worker forwards the attempts to the checker);
 * 5. the run itself finished (no runaway re-invocation), plus your own `invariant`.
 *
 * **Example**
 * ```ts
 * const report = await Faults.checkFaults({ makeHandler: (effects) => buildHandler(effects), seeds: 50 })
 * expect(report.ok, report.summary).toBe(true)
 * ```
 *
 * @since 0.1.0
 */
export const checkFaults = async (options: CheckFaultsOptions): Promise<FaultReport> => {
  const base = await runOnce(options, [])
  if (base.result === undefined) throw new Error(`The fault-free run did not finish: ${base.error}`)
  const baseline = base.result
  checkBaseline(options, baseline)
  const baselineOps = baseline.getRawOperations().filter((op) => op.Type !== "EXECUTION")
  const checkpoints = baseline.getInvocations().reduce((n, i) => n + i.checkpointCalls, 0)
  const invocations = baseline.getInvocations().length
  const scheduleOptions: ScheduleOptions = {
    ...options.schedule,
    checkpoints,
    invocations,
    calls: base.sim.callCounts()
  }
  const seeds: ReadonlyArray<string | number> =
    typeof options.seeds === "number" || options.seeds === undefined
      ? Array.from({ length: typeof options.seeds === "number" ? options.seeds : 20 }, (_, i) => i + 1)
      : options.seeds
  const runs: Array<FaultRun> = []
  for (const seed of seeds) {
    const faults = schedule(seed, scheduleOptions)
    runs.push(await checkRun(options, baseline, baselineOps, faults, seed))
  }
  const failures = runs.filter((r) => r.violations.length > 0)
  const first = failures[0]
  return {
    baseline,
    baselineEffects: base.effects,
    scheduleOptions,
    runs,
    failures,
    ok: failures.length === 0,
    summary:
      first === undefined
        ? ""
        : `${failures.length} of ${runs.length} fault schedules broke an invariant. First: seed ${String(first.seed)}, schedule ${describeSchedule(first.faults)}:\n  - ${first.violations.join("\n  - ")}${first.result === undefined ? "" : `\n${first.result.format({ operations: false })}`}`
  }
}

/**
 * Runs the handler under one hand-written schedule and checks the same invariants as `checkFaults`
 * against a fault-free baseline run.
 *
 * @since 0.1.0
 */
export const checkSchedule = async (options: CheckFaultsOptions, faults: ReadonlyArray<Fault>): Promise<FaultRun> => {
  const base = await runOnce(options, [])
  if (base.result === undefined) throw new Error(`The fault-free run did not finish: ${base.error}`)
  checkBaseline(options, base.result)
  const baselineOps = base.result.getRawOperations().filter((op) => op.Type !== "EXECUTION")
  return checkRun(options, base.result, baselineOps, faults, undefined)
}

/**
 * The violations of "an at-most-once step body runs at most once per attempt" in a list of observed attempts:
 * one message per (execution, step, attempt) that started more than once.
 *
 * @since 0.1.0
 */
export const repeatedAtMostOnceAttempts = (
  attempts: ReadonlyArray<Instrumentation.StepAttempt>
): ReadonlyArray<string> => {
  const seen = new Map<string, { readonly attempt: Instrumentation.StepAttempt; count: number }>()
  for (const attempt of attempts) {
    if (attempt.semantics !== "AT_MOST_ONCE_PER_RETRY") continue
    const key = `${attempt.executionArn}|${attempt.operationId}|${attempt.attempt}`
    const entry = seen.get(key)
    if (entry === undefined) seen.set(key, { attempt, count: 1 })
    else entry.count++
  }
  return [...seen.values()]
    .filter((e) => e.count > 1)
    .map(
      ({ attempt, count }) =>
        `at-most-once step ${attempt.name === undefined ? "" : `"${attempt.name}" `}(${attempt.rawId ?? attempt.operationId}) ran attempt ${attempt.attempt} ${count} times`
    )
}

const checkRun = async (
  options: CheckFaultsOptions,
  baseline: TestResult,
  baselineOps: ReadonlyArray<RawOperation>,
  faults: ReadonlyArray<Fault>,
  seed: string | number | undefined
): Promise<FaultRun> => {
  const run = await runOnce(options, faults)
  const violations: Array<string> = []
  const result = run.result
  if (result === undefined) {
    violations.push(`the run did not finish: ${run.error}`)
  } else {
    const runOps = result.getRawOperations()
    const baseSubs = substitutions(options, baselineOps)
    const runSubs = substitutions(options, runOps)
    const normalizedOutcome = (r: TestResult, subs: ReadonlyArray<readonly [string, string]>) =>
      substitute(JSON.stringify(outcomeOf(r)), subs)
    const same =
      options.sameOutcome ??
      ((a: TestResult, b: TestResult) => normalizedOutcome(a, baseSubs) === normalizedOutcome(b, runSubs))
    if (!same(baseline, result)) {
      violations.push(
        `final outcome differs: fault-free ${normalizedOutcome(baseline, baseSubs)}, with faults ${normalizedOutcome(result, runSubs)}`
      )
    }
    const nondeterministic = new Set(options.nondeterministicSteps ?? [])
    const ops = new Map(runOps.map((op) => [op.Id, op]))
    for (const expected of baselineOps) {
      const actual = ops.get(expected.Id)
      if (actual === undefined) {
        violations.push(`operation ${expected.Id} (${expected.Type} ${expected.Name ?? ""}) is missing`)
        continue
      }
      if (actual.Type !== expected.Type || actual.Name !== expected.Name || actual.SubType !== expected.SubType) {
        violations.push(
          `operation ${expected.Id} is ${actual.Type}/${actual.SubType} "${actual.Name}" instead of ${expected.Type}/${expected.SubType} "${expected.Name}"`
        )
      }
      if (actual.Status !== expected.Status) {
        violations.push(
          `operation ${expected.Id} (${expected.Name ?? expected.Type}) ended ${actual.Status} instead of ${expected.Status}`
        )
      }
      if (expected.Name !== undefined && nondeterministic.has(expected.Name)) continue
      const actualResult = substitute(resultOf(actual), runSubs)
      const expectedResult = substitute(resultOf(expected), baseSubs)
      if (actual.Status === "SUCCEEDED" && expected.Status === "SUCCEEDED" && actualResult !== expectedResult) {
        violations.push(
          `operation ${expected.Id} (${expected.Name ?? expected.Type}) result ${actualResult} instead of ${expectedResult}`
        )
      }
    }
  }
  for (const key of run.effects.violations()) {
    violations.push(`at-most-once effect "${key}" happened ${run.effects.count(key)} times`)
  }
  for (const repeated of repeatedAtMostOnceAttempts(run.sim.stepAttempts)) violations.push(repeated)
  const applied = run.sim.appliedFaults
  const faultRun: FaultRun = {
    seed,
    faults,
    applied: [...applied, ...faults.filter((f) => f._tag === "DuplicateInvocation")],
    result,
    runError: run.error,
    effects: run.effects,
    violations
  }
  const extra = options.invariant?.(faultRun)
  if (extra !== undefined) violations.push(extra)
  return faultRun
}

/**
 * `checkFaults` as an Effect.
 *
 * @since 0.1.0
 */
export const check = (options: CheckFaultsOptions): Effect.Effect<FaultReport, Error> =>
  Effect.tryPromise({ try: () => checkFaults(options), catch: (e) => (e instanceof Error ? e : new Error(String(e))) })
