/**
 * The replay-every-prefix determinism check: after a run, restart the handler from the state recorded just
 * before each checkpoint call (as if Lambda had suspended or crashed at that boundary) and require that it
 * sends the same next operation — same Id, type, subtype, name and parent, so no recorded result can be
 * consumed by the wrong operation — and, from the final state, returns the same result without new work.
 *
 * It flags the bugs replay makes deadly: branching on `Date.now()`, `Math.random()`, module state or the
 * environment outside steps, iteration order of unordered data, conditional durable calls.
 *
 * **Example**
 * ```ts
 * const report = await Determinism.check(handler, { payload: { id: 1 } })
 * expect(report.ok, report.summary).toBe(true)
 * ```
 *
 * @since 0.1.0
 */
import { DurableBackend, type Handler, type Invocation, type Operation } from "@durable-lambda/core"
import { Clock, Effect, Exit, Fiber, Random } from "effect"
import * as CrashGuard from "./internal/crashGuard.ts"
import * as ExecutionView from "./ExecutionView.ts"
import type { Simulation } from "./internal/simulation.ts"
import type { Snapshot } from "./internal/simulation/records.ts"
import { TestResult } from "./TestResult.ts"
import { encodeInput, makeSimulation, resolveTarget } from "./internal/runner.ts"
import type { RunnableHandler, RunParams } from "./TestRunner.ts"
import { VirtualClock } from "./VirtualClock.ts"

/**
 * The identity of an operation update: what must be the same on every replay.
 *
 * @since 0.1.0
 */
export interface UpdateIdentity {
  readonly Id: string
  readonly Type: string
  readonly SubType: string | undefined
  readonly Name: string | undefined
  readonly ParentId: string | undefined
  readonly Action: string
}

/**
 * What a restarted invocation did first.
 *
 * @since 0.1.0
 */
export type ReplayOutcome =
  | { readonly _tag: "Checkpoint"; readonly update: UpdateIdentity; readonly updates: ReadonlyArray<UpdateIdentity> }
  | { readonly _tag: "Output"; readonly output: Invocation.InvocationOutput }
  | { readonly _tag: "InvocationError"; readonly error: Operation.ErrorObject }

/**
 * The first point where a restarted invocation differed from the recorded run.
 *
 * @since 0.1.0
 */
export interface Divergence {
  /** Checkpoint boundary the invocation was restarted before (`final` after the last checkpoint). */
  readonly boundary: number | "final"
  /** Operations the restarted invocation was given (as `Type/SubType "Name" = Status`). */
  readonly state: ReadonlyArray<string>
  /** What the recorded run did next. */
  readonly expected: string
  /** What the restarted invocation did. */
  readonly actual: string
}

/**
 * The report of a determinism check.
 *
 * @since 0.1.0
 */
export interface DeterminismReport {
  readonly ok: boolean
  /** The recorded (original) run. */
  readonly result: TestResult
  /** Restarts performed (one per checkpoint boundary plus the final state). */
  readonly checked: number
  /** The first divergence, if any. */
  readonly divergence: Divergence | undefined
  /** Readable description of the divergence with both sides, or "". */
  readonly summary: string
}

const identity = (u: Operation.OperationUpdate): UpdateIdentity => ({
  Id: u.Id,
  Type: u.Type,
  SubType: u.SubType,
  Name: u.Name,
  ParentId: u.ParentId,
  Action: u.Action
})

const showUpdate = (u: UpdateIdentity): string =>
  `${u.Action} ${u.Type}/${u.SubType ?? "-"} "${u.Name ?? ""}" id=${u.Id}${u.ParentId === undefined ? "" : ` parent=${u.ParentId}`}`

const showOutput = (o: Invocation.InvocationOutput): string =>
  o.Status === "SUCCEEDED"
    ? `returned SUCCEEDED ${o.Result ?? "(no result)"}`
    : o.Status === "FAILED"
      ? `returned FAILED ${o.Error?.ErrorType ?? ""}: ${o.Error?.ErrorMessage ?? ""}`
      : "returned PENDING"

const showOutcome = (o: ReplayOutcome): string =>
  o._tag === "Checkpoint"
    ? `checkpointed ${showUpdate(o.update)}`
    : o._tag === "Output"
      ? showOutput(o.output)
      : `threw ${o.error.ErrorType}: ${o.error.ErrorMessage}`

const showState = (ops: ReadonlyArray<Operation.Operation>): ReadonlyArray<string> =>
  ops
    .filter((op) => op.Type !== "EXECUTION")
    .map((op) => `${op.Type}/${op.SubType ?? "-"} "${op.Name ?? ""}" id=${op.Id} = ${op.Status}`)

const sameIdentity = (a: UpdateIdentity, b: UpdateIdentity) =>
  a.Id === b.Id && a.Type === b.Type && a.SubType === b.SubType && a.Name === b.Name && a.ParentId === b.ParentId

/**
 * Restarts `handler` once from `operations` (EXECUTION first) and reports what it does first: its first
 * non-empty checkpoint (the invocation is then stopped), or its output.
 *
 * @since 0.1.0
 */
export const replayFrom = async (
  handler: Handler.DurableHandler<any>,
  operations: ReadonlyArray<Operation.Operation>,
  options: { readonly at: number; readonly seed: string; readonly arn: string; readonly services?: any }
): Promise<ReplayOutcome> => {
  const clock = new VirtualClock(options.at)
  let captured: ReadonlyArray<Operation.OperationUpdate> | undefined
  let stop: () => void = () => {}
  const stopped = new Promise<void>((resolve) => (stop = resolve))
  let tokens = 0
  const backend = DurableBackend.DurableBackend.of({
    checkpoint: (request) =>
      Effect.suspend(() => {
        if (captured !== undefined) return Effect.never
        if (request.updates.length === 0) {
          return Effect.succeed({ checkpointToken: `cmVwbGF5${++tokens}`, newExecutionState: { Operations: [] } })
        }
        captured = request.updates
        stop()
        return Effect.never
      }),
    getExecutionState: () => Effect.succeed({ Operations: [] })
  })
  const event = {
    DurableExecutionArn: options.arn,
    CheckpointToken: "cmVwbGF5MA==",
    InitialExecutionState: { Operations: operations, NextMarker: "" }
  }
  let program = handler
    .invoke(event, { awsRequestId: "replay", getRemainingTimeInMillis: () => 900_000 })
    .pipe(
      Effect.provideService(DurableBackend.DurableBackend, backend),
      Effect.provideService(Clock.Clock, clock.effectClock())
    ) as Effect.Effect<Invocation.InvocationOutput, unknown, any>
  program = Random.withSeed(program, options.seed)
  if (options.services !== undefined) program = program.pipe(Effect.provide(options.services))
  let crashed: Operation.ErrorObject | undefined
  const fiber = CrashGuard.runGuarded(
    {
      crash: (c) => {
        crashed = { ErrorType: "Runtime.ExitError", ErrorMessage: `runtime crashed (${c._tag})` }
        stop()
      }
    },
    () => Effect.runFork(program as Effect.Effect<Invocation.InvocationOutput, unknown, never>)
  )
  const exit = await Promise.race([
    new Promise<Exit.Exit<Invocation.InvocationOutput, unknown>>((resolve) => fiber.addObserver(resolve)),
    stopped.then(() => undefined)
  ])
  if (exit === undefined) {
    Effect.runFork(Fiber.interrupt(fiber))
    if (crashed !== undefined) return { _tag: "InvocationError", error: crashed }
    const updates = (captured ?? []).map(identity)
    return { _tag: "Checkpoint", update: updates[0]!, updates }
  }
  if (Exit.isSuccess(exit)) return { _tag: "Output", output: exit.value }
  const reason = exit.cause.reasons[0]
  const error = reason?._tag === "Fail" ? reason.error : reason?._tag === "Die" ? reason.defect : undefined
  const e = error as { _tag?: string; name?: string; message?: string } | undefined
  return {
    _tag: "InvocationError",
    error: { ErrorType: e?._tag ?? e?.name ?? "Error", ErrorMessage: e?.message ?? String(error) }
  }
}

/**
 * Runs `handler` once (recording the state before every checkpoint), then restarts it from every prefix and
 * compares. Resolves with a report; never throws for a divergence (see `assertDeterministic`).
 *
 * **Details**: the comparison at boundary `k` accepts any first update that the recorded run sent at or
 * after `k` for an operation with the same Id, type, subtype, name and parent (concurrent branches may
 * legitimately reorder); an update for an Id the recorded run used differently, or an Id it never used, is
 * a divergence, as is a different result from the final state. A step that was STARTED at the boundary may
 * close differently (an at-most-once step reports the interruption): only its identity is compared.
 *
 * **Gotchas**: the handler must run in-process (the check restarts it many times); `isolation: "worker"`
 * is ignored here.
 *
 * @since 0.1.0
 */
export const check = async (handler: RunnableHandler, params?: RunParams): Promise<DeterminismReport> => {
  const options = { ...params, isolation: "in-process" as const, recordSnapshots: true }
  const target = resolveTarget(handler, options)
  if (target._tag !== "InProcess") throw new TypeError("The determinism check needs an in-process handler")
  const sim = makeSimulation(options)
  const arn = await sim.run(target, encodeInput(params?.payload))
  const result = new TestResult(ExecutionView.ofSimulation(sim, arn), arn)
  const snapshots: ReadonlyArray<Snapshot> = sim.snapshots
  const seed = String(params?.seed ?? "durable-lambda")
  const restart = (ops: ReadonlyArray<Operation.Operation>, at: number, n: number | "final") =>
    replayFrom(target.handler, ops, { at, seed: `${seed}:replay:${n}`, arn, services: target.services })
  let checked = 0
  CrashGuard.install()
  try {
    for (let i = 0; i < snapshots.length; i++) {
      const snapshot = snapshots[i]!
      checked++
      const outcome = await restart(snapshot.operations, snapshot.at, snapshot.boundary)
      const expected = snapshot.updates.map(identity)
      const later = snapshots.slice(i).flatMap((s) => s.updates.map(identity))
      const divergence = compare(snapshot, expected, later, outcome)
      if (divergence !== undefined) return report(result, checked, divergence)
    }
    // The final state: the recorded output, no new work.
    checked++
    const finalOps = visibleFinal(sim, arn)
    const outcome = await restart(finalOps, sim.now(), "final")
    const description = sim.state.getExecution(arn)
    const status = description._tag === "Success" ? description.success.Status : "RUNNING"
    const recorded = description._tag === "Success" ? description.success : undefined
    if (status === "SUCCEEDED" || status === "FAILED") {
      const ok =
        outcome._tag === "Output" &&
        outcome.output.Status === status &&
        (status === "SUCCEEDED"
          ? (outcome.output as { Result?: string }).Result === recorded?.Result
          : (outcome.output as { Error?: Operation.ErrorObject }).Error?.ErrorType === recorded?.Error?.ErrorType &&
            (outcome.output as { Error?: Operation.ErrorObject }).Error?.ErrorMessage === recorded?.Error?.ErrorMessage)
      if (!ok) {
        return report(result, checked, {
          boundary: "final",
          state: showState(finalOps),
          expected:
            status === "SUCCEEDED"
              ? `returned SUCCEEDED ${recorded?.Result ?? "(no result)"}`
              : `returned FAILED ${recorded?.Error?.ErrorType ?? ""}: ${recorded?.Error?.ErrorMessage ?? ""}`,
          actual: showOutcome(outcome)
        })
      }
    }
    return report(result, checked, undefined)
  } finally {
    CrashGuard.uninstall()
  }
}

/** The operations a new invocation would be given now (the service's visibility rule), EXECUTION still open. */
const visibleFinal = (sim: Simulation, arn: string) =>
  sim.state
    .visibleOperations(arn)
    .map((op) => (op.Type === "EXECUTION" ? { ...op, Status: "STARTED" as const, EndTimestamp: undefined } : op))

const compare = (
  snapshot: Snapshot,
  expected: ReadonlyArray<UpdateIdentity>,
  later: ReadonlyArray<UpdateIdentity>,
  outcome: ReplayOutcome
): Divergence | undefined => {
  const state = showState(snapshot.operations)
  const first = expected[0]
  if (first === undefined) return undefined
  const diverged = (actual: string): Divergence => ({
    boundary: snapshot.boundary,
    state,
    expected: `checkpointed ${showUpdate(first)}`,
    actual
  })
  if (outcome._tag !== "Checkpoint") return diverged(showOutcome(outcome))
  const got = outcome.update
  if (sameIdentity(got, first)) return undefined
  // Concurrent branches may reorder: accept an update the recorded run sent later for the same operation.
  const sameId = later.filter((u) => u.Id === got.Id)
  if (sameId.length > 0 && sameId.every((u) => sameIdentity(u, got))) return undefined
  if (sameId.length > 0) {
    const recorded = sameId.find((u) => !sameIdentity(u, got))!
    return diverged(
      `checkpointed ${showUpdate(got)}, but the recorded run used id ${got.Id} for ${recorded.Type}/${recorded.SubType ?? "-"} "${recorded.Name ?? ""}" (a recorded result would be consumed by the wrong operation)`
    )
  }
  return diverged(`checkpointed ${showUpdate(got)}, an operation the recorded run never started at this point`)
}

const report = (result: TestResult, checked: number, divergence: Divergence | undefined): DeterminismReport => ({
  ok: divergence === undefined,
  result,
  checked,
  divergence,
  summary:
    divergence === undefined
      ? ""
      : [
          `Non-deterministic replay at checkpoint boundary ${String(divergence.boundary)}:`,
          `  recorded run: ${divergence.expected}`,
          `  replay:       ${divergence.actual}`,
          `  state given to the replay:`,
          ...(divergence.state.length === 0 ? ["    (no operations)"] : divergence.state.map((s) => `    ${s}`))
        ].join("\n")
})

/**
 * Runs `check` and throws an `Error` with the summary when the handler is not deterministic.
 *
 * @since 0.1.0
 */
export const assertDeterministic = async (handler: RunnableHandler, params?: RunParams): Promise<DeterminismReport> => {
  const r = await check(handler, params)
  if (!r.ok) throw new Error(r.summary)
  return r
}

/**
 * `check` as an Effect.
 *
 * @since 0.1.0
 */
export const checkEffect = (handler: RunnableHandler, params?: RunParams): Effect.Effect<DeterminismReport, Error> =>
  Effect.tryPromise({
    try: () => check(handler, params),
    catch: (e) => (e instanceof Error ? e : new Error(String(e)))
  })
