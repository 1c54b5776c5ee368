/**
 * The batch algorithm (map and parallel) over an allocated id: completion policy, concurrency, item names and
 * the stored summary. Shared by `Batch.map` / `Batch.parallel` and the async API. Engine-internal (not part of
 * the package's public surface).
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as BatchResults from "./batchResult.ts"
import * as ChildContext from "../../ChildContext.ts"
import type { ContextState } from "../../DurableContext.ts"
import type { Allocation } from "./allocation.ts"
import { ChildContextError, clampErrorObject, toErrorObject } from "../../Errors.ts"
import type { ErrorObject } from "../../Operation.ts"
import { isTerminal, OperationSubType } from "../../Operation.ts"
import * as OperationId from "../../OperationId.ts"
import type { Serdes } from "../../Serdes.ts"
import * as Alloc from "./allocation.ts"
import * as ChildContextEngine from "./childContext.ts"
import * as Ticks from "../ticks.ts"
import {
  BatchItemStatus,
  CompletionOutcome,
  NestingType,
  restoreResult,
  type BatchItem,
  type BatchResult,
  type CompletionConfig,
  type CompletionReason,
  type MapConfig,
  type ParallelConfig,
  type ThresholdCompletionConfig
} from "../../Batch.ts"

/**
 * Microtasks the official SDK's batch takes (internal/ticks.ts): from an item's outcome to starting the next
 * items, from the last outcome to the batch's result, and from the batch's SUCCEED to the code that awaits it
 * (beyond a child context's).
 */
const SETTLE_TICKS = 1
const DONE_TICKS = 4
const RESULT_TICKS = 6

/**
 * The engine's view of one unit of work: its operation name and its body over the item's child context.
 *
 * @internal
 */
export interface EngineItem<O> {
  readonly name: string
  readonly run: (child: ContextState) => Effect.Effect<O, unknown>
}

/** @internal */
export interface EngineConfig<O> {
  readonly kind: "map" | "parallel"
  readonly maxConcurrency?: number | undefined
  readonly completionConfig?: CompletionConfig | undefined
  readonly serdes?: Serdes<BatchResult<O>> | undefined
  readonly itemSerdes?: Serdes<O> | undefined
  readonly summaryGenerator?: ((result: BatchResult<O>) => string) | undefined
  /** `nesting: FLAT`: items run in virtual contexts. */
  readonly flat: boolean
}

/**
 * Validates the options of `map` / `parallel` (both faces) and turns them into the engine's config. Throws the
 * official messages as `TypeError`s, before any id is taken.
 *
 * @internal
 */
export const engineConfig = <O>(
  kind: "map" | "parallel",
  config: (MapConfig<any, O> | ParallelConfig<O>) | undefined
): EngineConfig<O> => {
  validateMaxConcurrency(config?.maxConcurrency)
  const completion = config?.completionConfig as
    | {
        shouldComplete?: unknown
        minSuccessful?: unknown
        toleratedFailureCount?: unknown
        toleratedFailurePercentage?: unknown
      }
    | undefined
  if (
    completion?.shouldComplete !== undefined &&
    (completion.minSuccessful !== undefined ||
      completion.toleratedFailureCount !== undefined ||
      completion.toleratedFailurePercentage !== undefined)
  ) {
    throw new TypeError(
      "completionConfig.shouldComplete is mutually exclusive with minSuccessful, toleratedFailureCount, and toleratedFailurePercentage"
    )
  }
  if (completion?.shouldComplete !== undefined && typeof completion.shouldComplete !== "function") {
    throw new TypeError("completionConfig.shouldComplete must be a function")
  }
  return {
    flat: config?.nesting === NestingType.FLAT,
    kind,
    maxConcurrency: config?.maxConcurrency,
    completionConfig: config?.completionConfig,
    serdes: config?.serdes,
    itemSerdes: config?.itemSerdes,
    summaryGenerator: config?.summaryGenerator
  }
}

/** The completion rules of a batch: when to stop starting items, when it is done, and why. */
const policy = (config: CompletionConfig | undefined, names: ReadonlyArray<string>) => {
  const total = names.length
  const custom = config?.shouldComplete
  const threshold = config as ThresholdCompletionConfig | undefined
  const set =
    threshold !== undefined &&
    (threshold.minSuccessful !== undefined ||
      threshold.toleratedFailureCount !== undefined ||
      threshold.toleratedFailurePercentage !== undefined)
  const decide = (entries: ReadonlyArray<BatchItem<unknown> | undefined>, success: number, failure: number) =>
    custom!({
      successCount: success,
      failureCount: failure,
      completedCount: success + failure,
      totalCount: total,
      items: names.map((name, index) => {
        const status = entries[index]?.status
        return status === undefined ? { index, name } : { index, name, status }
      })
    })
  const exceeded = (failure: number): boolean =>
    !set
      ? failure > 0
      : (threshold!.toleratedFailureCount !== undefined && failure > threshold!.toleratedFailureCount) ||
        (threshold!.toleratedFailurePercentage !== undefined &&
          total > 0 &&
          (failure / total) * 100 > threshold!.toleratedFailurePercentage)
  const minReached = (success: number): boolean =>
    threshold?.minSuccessful !== undefined && success >= threshold.minSuccessful
  return {
    custom: custom !== undefined,
    /** Whether the batch completes now (no more items start; running ones are abandoned). */
    isDone: (entries: ReadonlyArray<BatchItem<unknown> | undefined>, success: number, failure: number): boolean =>
      success + failure === total ||
      (custom !== undefined ? decide(entries, success, failure).complete : minReached(success) || exceeded(failure)),
    reason: (
      entries: ReadonlyArray<BatchItem<unknown> | undefined>,
      success: number,
      failure: number
    ): CompletionReason => {
      if (custom !== undefined) {
        const decision = decide(entries, success, failure)
        return !decision.complete
          ? "ALL_COMPLETED"
          : decision.outcome === CompletionOutcome.FAILED
            ? "CUSTOM_COMPLETION_FAILED"
            : "CUSTOM_COMPLETION_SUCCEEDED"
      }
      return exceeded(failure)
        ? "FAILURE_TOLERANCE_EXCEEDED"
        : success + failure === total
          ? "ALL_COMPLETED"
          : minReached(success)
            ? "MIN_SUCCESSFUL_REACHED"
            : "ALL_COMPLETED"
    }
  }
}

/**
 * Which items finished, one character per item in index order: `S` succeeded, `F` failed, `-` neither (still
 * running or never started). Stored in the summary so a rebuild knows which items to replay: a FLAT item has no
 * record of its own to tell.
 */
const itemStatuses = (r: BatchResult<unknown>): string => {
  let last = -1
  for (const item of r.all) if (item.index > last) last = item.index
  const markers = Array.from({ length: last + 1 }, () => "-")
  for (const item of r.all) {
    if (item.status === BatchItemStatus.SUCCEEDED) markers[item.index] = "S"
    else if (item.status === BatchItemStatus.FAILED) markers[item.index] = "F"
  }
  return markers.join("")
}

/**
 * What is stored instead of a result over 256 KiB (as the official SDK stores it): counts, status, completion
 * reason and item statuses; a custom `summaryGenerator`'s string goes under `summary`, for observability only.
 */
const summary =
  <O>(kind: "map" | "parallel", custom: ((result: BatchResult<O>) => string) | undefined) =>
  (value: BatchResult<unknown>) => {
    const r = restoreResult<O>(value)
    return JSON.stringify({
      type: kind === "map" ? "MapResult" : "ParallelResult",
      totalCount: r.totalCount,
      successCount: r.successCount,
      failureCount: r.failureCount,
      ...(kind === "parallel" ? { startedCount: r.startedCount } : {}),
      completionReason: r.completionReason,
      status: r.status,
      itemStatuses: itemStatuses(r),
      ...(custom === undefined ? {} : { summary: custom(r) })
    })
  }

const completionReasons: ReadonlySet<string> = new Set<CompletionReason>([
  "ALL_COMPLETED",
  "MIN_SUCCESSFUL_REACHED",
  "FAILURE_TOLERANCE_EXCEEDED",
  "CUSTOM_COMPLETION_SUCCEEDED",
  "CUSTOM_COMPLETION_FAILED"
])

/** The completion reason and item statuses a stored summary (or full result) recorded, where readable. */
const recordedSummary = (
  payload: string | undefined
): { readonly reason: CompletionReason | undefined; readonly statuses: string | undefined } => {
  let parsed: unknown
  try {
    parsed = payload === undefined ? undefined : JSON.parse(payload)
  } catch {
    parsed = undefined
  }
  if (parsed === null || typeof parsed !== "object") return { reason: undefined, statuses: undefined }
  const record = parsed as { completionReason?: unknown; itemStatuses?: unknown; all?: unknown }
  const reason =
    typeof record.completionReason === "string" && completionReasons.has(record.completionReason)
      ? (record.completionReason as CompletionReason)
      : undefined
  const statuses = Object.hasOwn(record, "itemStatuses")
    ? typeof record.itemStatuses === "string" && /^[SF-]+$/.test(record.itemStatuses)
      ? record.itemStatuses
      : undefined
    : Array.isArray(record.all)
      ? itemStatuses(restoreResult(record))
      : undefined
  return { reason, statuses: statuses === "" ? undefined : statuses }
}

/**
 * Whether a FLAT item finished, from its own operations, for a summary without item statuses: every recorded
 * operation of the item (`<item>-1`, `<item>-2`, ... up to the first gap) is terminal, and there is one.
 */
const probeFinished = (child: ContextState, rawItem: string): boolean => {
  let found = false
  for (let n = 1; ; n++) {
    const record = child.runtime.ledger.get(OperationId.hash(OperationId.child(rawItem, n)))
    if (record === undefined) return found
    if (!isTerminal(record.Status)) return false
    found = true
  }
}

/** Validates the shared options; throws the official messages as `TypeError`s. @internal */
export const validateMaxConcurrency = (maxConcurrency: unknown): void => {
  if (maxConcurrency !== undefined && maxConcurrency !== null) {
    if (typeof maxConcurrency !== "number" || !(maxConcurrency > 0)) {
      throw new TypeError(
        `Invalid maxConcurrency: ${String(maxConcurrency)}. Must be a positive number or undefined for unlimited concurrency.`
      )
    }
  }
}

/**
 * The map/parallel engine over an allocated outer CONTEXT (subtype `Map` / `Parallel`).
 *
 * **Details**: items start strictly in index order (item `i` is `<outer>-<i+1>`), at most `maxConcurrency` at
 * a time; each runs in its own child context (subtype `MapIteration` / `ParallelBranch`; a virtual one when
 * `flat`, rebuilt on replay from the item statuses its summary recorded). When the
 * completion policy is met the outer context is marked finished at once (so abandoned items cannot
 * checkpoint any more), the abandoned items are interrupted, and the result is stored. An empty batch
 * completes at once. A result over 256 KiB is stored as a summary and rebuilt on replay from the items' own
 * records, in index order.
 *
 * @internal
 */
export const execute = <O>(
  alloc: Allocation,
  items: ReadonlyArray<EngineItem<O>>,
  config: EngineConfig<O>
): Effect.Effect<BatchResult<O>, ChildContextError> => {
  const iterationSubType = config.kind === "map" ? OperationSubType.MAP_ITERATION : OperationSubType.PARALLEL_BRANCH
  const total = items.length
  const rules = policy(
    config.completionConfig,
    items.map((item) => item.name)
  )
  const itemConfig: ChildContext.ChildConfig<O> = config.itemSerdes === undefined ? {} : { serdes: config.itemSerdes }

  /** Runs one item; settles with its batch item (never fails). A defect in the item's body is its failure. */
  const runItem = (_child: ContextState, index: number, itemAlloc: Allocation): Effect.Effect<BatchItem<O>> => {
    let thrown: ErrorObject | undefined
    return (config.flat ? ChildContextEngine.executeVirtual : ChildContextEngine.execute)<O, unknown>(
      itemAlloc,
      (c) =>
        Effect.suspend(() => items[index]!.run(c)).pipe(
          Effect.catchDefect((defect) => Effect.fail(defect)),
          Effect.tapError((e) =>
            Effect.sync(() => {
              thrown = clampErrorObject(toErrorObject(e))
            })
          )
        ),
      itemConfig
    ).pipe(
      Effect.map((result): BatchItem<O> => ({ result, index, status: BatchItemStatus.SUCCEEDED })),
      Effect.catch((error) =>
        Effect.succeed<BatchItem<O>>({
          error: BatchResults.itemError(thrown ?? itemAlloc.record?.ContextDetails?.Error, error),
          index,
          status: BatchItemStatus.FAILED
        })
      ),
      // Never leave the batch waiting on an item that died (an engine defect): record it as failed.
      Effect.catchDefect((defect) =>
        Effect.succeed<BatchItem<O>>({
          error: BatchResults.itemError(clampErrorObject(toErrorObject(defect))),
          index,
          status: BatchItemStatus.FAILED
        })
      )
    )
  }

  const allocateItem = (child: ContextState, index: number) =>
    config.flat
      ? ChildContextEngine.allocateVirtual(child, iterationSubType, items[index]!.name, config.kind)
      : Alloc.allocate(child, "CONTEXT", iterationSubType, items[index]!.name, config.kind)

  const build = (entries: ReadonlyArray<BatchItem<O> | undefined>): BatchResult<O> => {
    const all = entries.filter((e): e is BatchItem<O> => e !== undefined)
    const success = all.filter((e) => e.status === BatchItemStatus.SUCCEEDED).length
    const failure = all.filter((e) => e.status === BatchItemStatus.FAILED).length
    return new BatchResults.BatchResultImpl(all, rules.reason(entries, success, failure))
  }

  /** Rebuilding a completed batch whose result was too large to store: replay the items' records in order. */
  const replayCompleted = (child: ContextState): Effect.Effect<BatchResult<O>> =>
    Effect.gen(function* () {
      const ledger = child.runtime.ledger
      const entries: Array<BatchItem<O>> = []
      if (config.flat) {
        // A FLAT item has no record: the stored item statuses say which items finished (only those are
        // replayed; the others are skipped, as the official SDK does), and the stored reason is the batch's.
        const recorded = recordedSummary(alloc.record?.ContextDetails?.Result)
        for (let index = 0; index < total; index++) {
          const rawItem = OperationId.child(child.rawId, child.counter + 1)
          const marker = recorded.statuses?.[index]
          const finished =
            recorded.statuses === undefined ? probeFinished(child, rawItem) : marker === "S" || marker === "F"
          if (finished) entries.push(yield* runItem(child, index, allocateItem(child, index)))
          else child.counter++
        }
        return recorded.reason === undefined
          ? build(entries)
          : new BatchResults.BatchResultImpl(entries, recorded.reason)
      }
      for (let index = 0; index < total; index++) {
        const record = ledger.get(OperationId.hash(OperationId.child(child.rawId, child.counter + 1)))
        if (record === undefined) break
        if (!isTerminal(record.Status)) {
          child.counter++
          entries.push({ index, status: BatchItemStatus.STARTED })
          continue
        }
        entries.push(yield* runItem(child, index, allocateItem(child, index)))
      }
      return build(entries)
    })

  const runConcurrently = (child: ContextState): Effect.Effect<BatchResult<O>> =>
    Effect.scoped(
      Effect.gen(function* () {
        if (total === 0) return build([])
        const scope = yield* Effect.scope
        const done = yield* Deferred.make<void>()
        const limit = config.maxConcurrency ?? Number.POSITIVE_INFINITY
        const entries: Array<BatchItem<O> | undefined> = []
        let active = 0
        let next = 0
        let success = 0
        let failure = 0
        let finished = false

        const settle = (item: BatchItem<O>): Effect.Effect<void> =>
          Effect.suspend(() => {
            if (finished) return Effect.void
            entries[item.index] = item
            active--
            if (item.status === BatchItemStatus.SUCCEEDED) success++
            else failure++
            if (rules.isDone(entries, success, failure)) {
              finished = true
              child.runtime.markFinished(child.id!)
              Deferred.doneUnsafe(done, Effect.void)
              return Effect.void
            }
            return startMore
          })

        // Items start in index order: each takes its id here, then runs at once up to its first suspension (so
        // its START is queued before any item's outcome is looked at, as in the official SDK). Settling waits
        // a microtask (as the official SDK's), which also keeps the start/settle chain from nesting.
        const startMore: Effect.Effect<void> = Effect.suspend(() => {
          const starting: Array<Effect.Effect<unknown>> = []
          while (active < limit && next < total) {
            const index = next++
            active++
            const itemAlloc = allocateItem(child, index)
            entries[index] = { index, status: BatchItemStatus.STARTED }
            starting.push(
              Effect.forkIn(
                runItem(child, index, itemAlloc).pipe(
                  // Settling and starting the next items counts as running code, so the invocation cannot decide
                  // to suspend in the gap between one item finishing and the next one starting.
                  Effect.flatMap((item) =>
                    child.runtime.executingScope(Effect.andThen(Ticks.ticks(SETTLE_TICKS), settle(item)))
                  )
                ),
                scope,
                { startImmediately: true }
              )
            )
          }
          return Effect.all(starting, { discard: true })
        })

        // A custom predicate may complete the batch before any item starts.
        if (rules.custom && rules.isDone(entries, 0, 0)) return build([])
        yield* startMore
        yield* Deferred.await(done)
        yield* Ticks.ticks(DONE_TICKS)
        return build(entries)
      })
    )

  return ChildContextEngine.execute<BatchResult<O>, never>(
    alloc,
    (child) => (child.mode === "replaySucceeded" ? replayCompleted(child) : runConcurrently(child)),
    {
      ...(config.serdes === undefined ? {} : { serdes: config.serdes }),
      summaryGenerator: summary(config.kind, config.summaryGenerator)
    }
  ).pipe(
    Effect.tap(() => Ticks.ticks(RESULT_TICKS)),
    Effect.map((value) => restoreResult<O>(value))
  )
}

/**
 * The names of a map's items, validated (before any id is taken).
 *
 * @internal
 */
export const mapItemNames = <I>(items: ReadonlyArray<I>, itemNamer: ((item: I, index: number) => string) | undefined) =>
  items.map((item, index) => {
    const name = itemNamer === undefined ? `map-item-${index}` : itemNamer(item, index)
    if (typeof name !== "string") throw new TypeError(`map: itemNamer must return a string, got ${typeof name}`)
    Alloc.validateName(name, "map")
    return name
  })

/**
 * The name of a parallel branch, validated (before any id is taken).
 *
 * @internal
 */
export const branchName = (name: string | undefined, index: number): string => {
  const resolved = name ?? `parallel-branch-${index}`
  Alloc.validateName(resolved, "parallel")
  return resolved
}
