/**
 * `map` and `parallel`: run many durable units of work concurrently, each in its own child context (so each
 * numbers its own operations and replays deterministically), with bounded concurrency and a completion
 * policy. The outcome is a `BatchResult`: per item a result or an error, in index order, and why the batch
 * completed.
 *
 * **Example**
 * ```ts
 * const results = yield* Batch.map(
 *   "charge-all",
 *   orders,
 *   (order) => Step.run("charge", Effect.promise(() => charge(order))),
 *   { maxConcurrency: 5, completionConfig: { toleratedFailurePercentage: 10 } }
 * )
 * const charged = results.getResults()
 * ```
 *
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as ChildContext from "./ChildContext.ts"
import type { Allocation, ContextState } from "./DurableContext.ts"
import * as Ctx from "./DurableContext.ts"
import { DurableContext } from "./DurableContext.ts"
import { ChildContextError, clampErrorObject, fromErrorObject, toErrorObject } from "./Errors.ts"
import type { ErrorObject } from "./Operation.ts"
import { isTerminal, OperationSubType } from "./Operation.ts"
import * as OperationId from "./OperationId.ts"
import type { Serdes } from "./Serdes.ts"
import { withName } from "./internal/namedArgs.ts"

/** Status of one item of a batch. @since 0.1.0 */
export const BatchItemStatus = { SUCCEEDED: "SUCCEEDED", FAILED: "FAILED", STARTED: "STARTED" } as const
/** @since 0.1.0 */
export type BatchItemStatus = (typeof BatchItemStatus)[keyof typeof BatchItemStatus]

/**
 * Why a batch completed: every started item finished (`ALL_COMPLETED`), `minSuccessful` items succeeded
 * (`MIN_SUCCESSFUL_REACHED`), failures went over the tolerance (`FAILURE_TOLERANCE_EXCEEDED`), or a custom
 * `shouldComplete` predicate completed it as a success or a failure (`CUSTOM_COMPLETION_SUCCEEDED` /
 * `CUSTOM_COMPLETION_FAILED`).
 *
 * @since 0.1.0
 */
export type CompletionReason =
  | "ALL_COMPLETED"
  | "MIN_SUCCESSFUL_REACHED"
  | "FAILURE_TOLERANCE_EXCEEDED"
  | "CUSTOM_COMPLETION_SUCCEEDED"
  | "CUSTOM_COMPLETION_FAILED"

/**
 * Whether completing a batch through a custom `shouldComplete` decision counts as a success or a failure of
 * the whole batch (not of an item).
 *
 * @since 0.1.0
 */
export const CompletionOutcome = { SUCCEEDED: "SUCCEEDED", FAILED: "FAILED" } as const
/** @since 0.1.0 */
export type CompletionOutcome = (typeof CompletionOutcome)[keyof typeof CompletionOutcome]

/**
 * What a `shouldComplete` predicate returns: complete now (with an outcome, default `SUCCEEDED`) or go on.
 * Build it with `completeBatch` / `continueBatch`.
 *
 * @since 0.1.0
 */
export type CompletionDecision = { complete: true; outcome?: CompletionOutcome } | { complete: false }

/** Complete the batch now, as a success unless `outcome` says `FAILED`. @since 0.1.0 */
export const completeBatch = (outcome: CompletionOutcome = CompletionOutcome.SUCCEEDED): CompletionDecision => ({
  complete: true,
  outcome
})

/** Keep the batch running. @since 0.1.0 */
export const continueBatch = (): CompletionDecision => ({ complete: false })

/** One item as a `shouldComplete` predicate sees it (`status` is absent for items not started yet). @since 0.1.0 */
export interface CompletionItemStatus {
  index: number
  name?: string
  status?: BatchItemStatus
}

/** The progress of a batch, handed to a `shouldComplete` predicate after every item settles. @since 0.1.0 */
export interface CompletionStatus {
  successCount: number
  failureCount: number
  completedCount: number
  totalCount: number
  /** Every item, in index order. */
  items: ReadonlyArray<CompletionItemStatus>
}

/**
 * Threshold completion: without any field set, the first failure completes the batch (fail-fast).
 * `minSuccessful` alone tolerates any number of failures. Tolerances are exceeded when the failure count is
 * strictly greater than `toleratedFailureCount`, or the failure percentage of *all* items strictly greater
 * than `toleratedFailurePercentage` (0 to 100).
 *
 * @since 0.1.0
 */
export interface ThresholdCompletionConfig {
  minSuccessful?: number
  toleratedFailureCount?: number
  toleratedFailurePercentage?: number
  shouldComplete?: never
}

/**
 * Custom completion: `shouldComplete` is called after every item settles (and once before any starts) and owns
 * the decision; when it completes the batch, the reason is `CUSTOM_COMPLETION_SUCCEEDED` or
 * `CUSTOM_COMPLETION_FAILED` (then `status` is `"FAILED"` even if no item failed). If it never completes the
 * batch, the batch ends when every item has settled (`ALL_COMPLETED`).
 *
 * **Gotchas**: keep it a pure function of its argument: it runs again when a batch whose result was too large
 * to store is rebuilt on replay. It cannot be combined with the threshold fields (a `TypeError`).
 *
 * @since 0.1.0
 */
export interface CustomCompletionConfig {
  shouldComplete: (status: CompletionStatus) => CompletionDecision
  minSuccessful?: never
  toleratedFailureCount?: never
  toleratedFailurePercentage?: never
}

/**
 * When a batch stops starting items and completes (the official `CompletionConfig`): thresholds or a custom
 * predicate.
 *
 * @since 0.1.0
 */
export type CompletionConfig = ThresholdCompletionConfig | CustomCompletionConfig

/**
 * How map items and parallel branches are recorded: `NESTED` (default) checkpoints a CONTEXT operation per item
 * (subtype `MapIteration` / `ParallelBranch`) whose operations are its children. `FLAT` runs each item in a
 * virtual context (see `ChildConfig.virtualContext`): no CONTEXT operation per item, the item's operations are
 * recorded with the map / parallel operation as their parent (still numbered `<batch>-<item>-<n>`), and on
 * replay an item's body runs again, its operations replaying from their records. FLAT halves the operations of a
 * batch of one-operation items; the price is that a finished item's body runs again on every replay.
 *
 * @since 0.1.0
 */
export const NestingType = { NESTED: "NESTED", FLAT: "FLAT" } as const
/** @since 0.1.0 */
export type NestingType = (typeof NestingType)[keyof typeof NestingType]

/**
 * One item of a batch: its result or error, by index.
 *
 * @since 0.1.0
 */
export interface BatchItem<T> {
  readonly result?: T
  /** The item's failure; `cause` is the rebuilt error the item threw (its type and message preserved). */
  readonly error?: ChildContextError
  readonly index: number
  readonly status: BatchItemStatus
}

/**
 * The outcome of `map` / `parallel` (the official `BatchResult`).
 *
 * **Gotchas**: a batch never fails because items failed: check `hasFailure` / `failed()` or call
 * `throwIfError()`. Items the batch never started (it completed early) are absent from `all`; items still
 * running when it completed are `STARTED` (and abandoned: their later updates are not checkpointed).
 * `succeeded()` and `getResults()` skip successful items whose result is `undefined`, as in the official SDK.
 *
 * @since 0.1.0
 */
export interface BatchResult<T> {
  /** Every started item, in index order. */
  all: Array<BatchItem<T>>
  readonly completionReason: CompletionReason
  /** `"FAILED"` if any item failed or a custom predicate completed the batch as failed. */
  readonly status: "SUCCEEDED" | "FAILED"
  readonly hasFailure: boolean
  readonly successCount: number
  readonly failureCount: number
  readonly startedCount: number
  /** Number of started items (`all.length`). */
  readonly totalCount: number
  succeeded(): Array<BatchItem<T> & { readonly result: T }>
  failed(): Array<BatchItem<T> & { readonly error: ChildContextError }>
  started(): Array<BatchItem<T>>
  getResults(): Array<T>
  getErrors(): Array<ChildContextError>
  /** Throws the error of the first failed item (in index order), if any. */
  throwIfError(): void
  /** The stored form: items with errors as service `ErrorObject`s, so types and messages survive replay. */
  toJSON(): BatchResultJson
}

/**
 * How a `BatchResult` is stored (and what `JSON.stringify` of one gives): errors are service `ErrorObject`s
 * of the error each item threw.
 *
 * @since 0.1.0
 */
export interface BatchResultJson {
  readonly all: ReadonlyArray<{
    readonly result?: unknown
    readonly error?: ErrorObject
    readonly index: number
    readonly status: BatchItemStatus
  }>
  readonly completionReason: CompletionReason
}

/** The ErrorObject of the error an item threw, kept for each item error the engine builds or rebuilds. */
const innerErrors = new WeakMap<ChildContextError, ErrorObject>()

/** The item error for the ErrorObject of what the item threw (as a child context rebuilds it). */
const itemError = (inner: ErrorObject | undefined, fallback?: ChildContextError): ChildContextError => {
  if (inner === undefined) return fallback ?? new ChildContextError("Child context failed")
  const cause = fromErrorObject(inner)
  const error = new ChildContextError(cause.message, cause)
  innerErrors.set(error, inner)
  return error
}

const innerOf = (error: ChildContextError): ErrorObject => {
  const known = innerErrors.get(error)
  if (known !== undefined) return known
  const cause = error.cause
  return cause === undefined ? toErrorObject(error) : clampErrorObject(toErrorObject(cause))
}

class BatchResultImpl<T> implements BatchResult<T> {
  readonly all: Array<BatchItem<T>>
  readonly completionReason: CompletionReason
  constructor(all: ReadonlyArray<BatchItem<T>>, completionReason: CompletionReason) {
    this.all = [...all]
    this.completionReason = completionReason
  }
  get status(): "SUCCEEDED" | "FAILED" {
    if (this.completionReason === "CUSTOM_COMPLETION_FAILED") return "FAILED"
    if (this.completionReason === "CUSTOM_COMPLETION_SUCCEEDED") return "SUCCEEDED"
    return this.hasFailure ? "FAILED" : "SUCCEEDED"
  }
  get hasFailure(): boolean {
    return this.all.some((i) => i.status === BatchItemStatus.FAILED)
  }
  get successCount(): number {
    return this.all.filter((i) => i.status === BatchItemStatus.SUCCEEDED).length
  }
  get failureCount(): number {
    return this.all.filter((i) => i.status === BatchItemStatus.FAILED).length
  }
  get startedCount(): number {
    return this.all.filter((i) => i.status === BatchItemStatus.STARTED).length
  }
  get totalCount(): number {
    return this.all.length
  }
  succeeded(): Array<BatchItem<T> & { readonly result: T }> {
    return this.all.filter(
      (i): i is BatchItem<T> & { readonly result: T } =>
        i.status === BatchItemStatus.SUCCEEDED && i.result !== undefined
    )
  }
  failed(): Array<BatchItem<T> & { readonly error: ChildContextError }> {
    return this.all.filter(
      (i): i is BatchItem<T> & { readonly error: ChildContextError } =>
        i.status === BatchItemStatus.FAILED && i.error !== undefined
    )
  }
  started(): Array<BatchItem<T>> {
    return this.all.filter((i) => i.status === BatchItemStatus.STARTED)
  }
  getResults(): Array<T> {
    return this.succeeded().map((i) => i.result)
  }
  getErrors(): Array<ChildContextError> {
    return this.failed().map((i) => i.error)
  }
  throwIfError(): void {
    const first = this.failed()[0]
    if (first !== undefined) throw first.error
  }
  toJSON(): BatchResultJson {
    return {
      all: this.all.map((i) =>
        i.status === BatchItemStatus.FAILED
          ? { index: i.index, status: i.status, ...(i.error === undefined ? {} : { error: innerOf(i.error) }) }
          : i.status === BatchItemStatus.SUCCEEDED
            ? { result: i.result, index: i.index, status: i.status }
            : { index: i.index, status: i.status }
      ),
      completionReason: this.completionReason
    }
  }
}

/**
 * Builds a `BatchResult` from its items (index order) and completion reason.
 *
 * @since 0.1.0
 */
export const makeResult = <T>(all: ReadonlyArray<BatchItem<T>>, completionReason: CompletionReason): BatchResult<T> =>
  new BatchResultImpl(all, completionReason)

/**
 * Whether a value is a `BatchResult` built by this module.
 *
 * @since 0.1.0
 */
export const isBatchResult = (u: unknown): u is BatchResult<unknown> => u instanceof BatchResultImpl

/**
 * Rebuilds a `BatchResult` from its stored form (`toJSON`, or a plain object a custom serdes returned): item
 * errors become `ChildContextError`s whose `cause` is rebuilt from the stored `ErrorObject`.
 *
 * @since 0.1.0
 */
export const restoreResult = <T>(u: unknown): BatchResult<T> => {
  if (u instanceof BatchResultImpl) return u as BatchResult<T>
  const json = u as Partial<BatchResultJson> | undefined
  const all = Array.isArray(json?.all) ? json.all : []
  return new BatchResultImpl<T>(
    all.map((i) =>
      i.status === BatchItemStatus.FAILED
        ? { index: i.index, status: i.status, error: itemError(i.error as ErrorObject | undefined) }
        : i.status === BatchItemStatus.SUCCEEDED
          ? { result: i.result as T, index: i.index, status: i.status }
          : { index: i.index, status: BatchItemStatus.STARTED }
    ),
    json?.completionReason ?? "ALL_COMPLETED"
  )
}

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
    return (config.flat ? ChildContext.executeVirtual : ChildContext.execute)<O, unknown>(
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
          error: itemError(thrown ?? itemAlloc.record?.ContextDetails?.Error, error),
          index,
          status: BatchItemStatus.FAILED
        })
      ),
      // Never leave the batch waiting on an item that died (an engine defect): record it as failed.
      Effect.catchDefect((defect) =>
        Effect.succeed<BatchItem<O>>({
          error: itemError(clampErrorObject(toErrorObject(defect))),
          index,
          status: BatchItemStatus.FAILED
        })
      )
    )
  }

  const allocateItem = (child: ContextState, index: number) =>
    config.flat
      ? ChildContext.allocateVirtual(child, iterationSubType, items[index]!.name, config.kind)
      : Ctx.allocate(child, "CONTEXT", iterationSubType, items[index]!.name, config.kind)

  const build = (entries: ReadonlyArray<BatchItem<O> | undefined>): BatchResult<O> => {
    const all = entries.filter((e): e is BatchItem<O> => e !== undefined)
    const success = all.filter((e) => e.status === BatchItemStatus.SUCCEEDED).length
    const failure = all.filter((e) => e.status === BatchItemStatus.FAILED).length
    return new BatchResultImpl(all, rules.reason(entries, success, failure))
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
        return recorded.reason === undefined ? build(entries) : new BatchResultImpl(entries, recorded.reason)
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
        // for the next turn, which keeps the start/settle chain from nesting.
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
                  Effect.flatMap((item) => child.runtime.executingScope(Effect.andThen(Effect.yieldNow, settle(item))))
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
        return build(entries)
      })
    )

  return ChildContext.execute<BatchResult<O>, never>(
    alloc,
    (child) => (child.mode === "replaySucceeded" ? replayCompleted(child) : runConcurrently(child)),
    {
      ...(config.serdes === undefined ? {} : { serdes: config.serdes }),
      summaryGenerator: summary(config.kind, config.summaryGenerator)
    }
  ).pipe(Effect.map((value) => restoreResult<O>(value)))
}

/**
 * Options of `map` (the official `MapConfig`).
 *
 * @since 0.1.0
 */
export interface MapConfig<I, O> {
  /** Items running at once (default: all). */
  readonly maxConcurrency?: number
  /** The name of item `index`'s operation (default `map-item-<index>`); printable ASCII, 1 to 256 characters. */
  readonly itemNamer?: (item: I, index: number) => string
  /** How the whole result is stored (default JSON of `BatchResult.toJSON()`). */
  readonly serdes?: Serdes<BatchResult<O>>
  /** How each item's result is stored (default JSON). */
  readonly itemSerdes?: Serdes<O>
  readonly completionConfig?: CompletionConfig
  /**
   * What is stored instead of the result when it is over 256 KiB (the result is then rebuilt on replay from
   * the items' own records). Default: a JSON summary of counts, status and completion reason.
   */
  readonly summaryGenerator?: (result: BatchResult<O>) => string
  /** `NESTED` (default): a CONTEXT operation per item; `FLAT`: none (see `NestingType`). */
  readonly nesting?: NestingType
}

/**
 * Options of `parallel` (the official `ParallelConfig`).
 *
 * @since 0.1.0
 */
export interface ParallelConfig<T> {
  readonly maxConcurrency?: number
  readonly serdes?: Serdes<BatchResult<T>>
  readonly itemSerdes?: Serdes<T>
  readonly completionConfig?: CompletionConfig
  /** As in `MapConfig`. */
  readonly summaryGenerator?: (result: BatchResult<T>) => string
  /** As in `MapConfig`. */
  readonly nesting?: NestingType
}

/**
 * The options of the official SDK's internal map/parallel executor (exported for type compatibility; `map` and
 * `parallel` take `MapConfig` / `ParallelConfig`).
 *
 * @since 0.1.0
 */
export interface ConcurrencyConfig<T> {
  maxConcurrency?: number
  topLevelSubType?: string
  iterationSubType?: string
  summaryGenerator?: (result: BatchResult<T>) => string
  serdes?: Serdes<BatchResult<T>>
  itemSerdes?: Serdes<T>
  completionConfig?: CompletionConfig
  nesting?: NestingType
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
    Ctx.validateName(name, "map")
    return name
  })

/**
 * The name of a parallel branch, validated (before any id is taken).
 *
 * @internal
 */
export const branchName = (name: string | undefined, index: number): string => {
  const resolved = name ?? `parallel-branch-${index}`
  Ctx.validateName(resolved, "parallel")
  return resolved
}

/**
 * Runs `f` over every item, each in its own child context, and returns the `BatchResult`.
 *
 * **Details**: one CONTEXT operation (subtype `Map`) with one child context per started item (subtype
 * `MapIteration`, named by `itemNamer` or `map-item-<index>`). Inside `f`, durable operations belong to the
 * item's context. With `nesting: NestingType.FLAT` no CONTEXT operation is recorded per item: the items' own
 * operations are recorded under the `Map` operation (see `NestingType`). See `CompletionConfig` for when the
 * batch completes; item failures are in the result, never in the error channel.
 *
 * **Gotchas**: an invalid `maxConcurrency` (0, negative) or item name is a defect (`TypeError`) raised before
 * anything is checkpointed. Items abandoned by an early completion are interrupted.
 *
 * @since 0.1.0
 */
export const map: {
  <I, O, E = never, R = never>(
    name: string | undefined,
    items: ReadonlyArray<I>,
    f: (item: I, index: number, items: ReadonlyArray<I>) => Effect.Effect<O, E, R>,
    config?: MapConfig<I, O>
  ): Effect.Effect<BatchResult<O>, never, R | DurableContext>
  <I, O, E = never, R = never>(
    items: ReadonlyArray<I>,
    f: (item: I, index: number, items: ReadonlyArray<I>) => Effect.Effect<O, E, R>,
    config?: MapConfig<I, O>
  ): Effect.Effect<BatchResult<O>, never, R | DurableContext>
} = (...args: ReadonlyArray<any>): Effect.Effect<any, never, any> => {
  const [name, items, f, config] = withName(args) as [
    string | undefined,
    ReadonlyArray<unknown>,
    (item: unknown, index: number, items: ReadonlyArray<unknown>) => Effect.Effect<unknown, unknown, any>,
    MapConfig<unknown, unknown> | undefined
  ]
  return Effect.gen(function* () {
    if (!Array.isArray(items)) throw new TypeError("Map operation requires an array of items")
    if (typeof f !== "function") throw new TypeError("Map operation requires a function to process items")
    const engine = engineConfig("map", config)
    const names = mapItemNames(items, config?.itemNamer)
    const state = yield* DurableContext
    const context = yield* Effect.context<any>()
    const alloc = Ctx.allocate(state, "CONTEXT", OperationSubType.MAP, name, "map")
    return yield* execute(
      alloc,
      items.map((item, index) => ({
        name: names[index]!,
        run: (child: ContextState) =>
          f(item, index, items).pipe(
            Effect.provideService(DurableContext, child),
            Effect.provideContext(context)
          ) as Effect.Effect<unknown, unknown>
      })),
      engine
    ).pipe(Effect.orDie)
  })
}

/**
 * A named branch of `parallel` in the Effect API.
 *
 * @since 0.1.0
 */
export interface NamedBranch<A, E = never, R = never> {
  readonly name?: string
  readonly effect: Effect.Effect<A, E, R>
}

/** The success type of a `parallel` branch. @since 0.1.0 */
export type BranchSuccess<B> =
  B extends NamedBranch<infer A, any, any> ? A : B extends Effect.Effect<infer A, any, any> ? A : never

/** The services a `parallel` branch needs. @since 0.1.0 */
export type BranchServices<B> =
  B extends NamedBranch<any, any, infer R> ? R : B extends Effect.Effect<any, any, infer R> ? R : never

/**
 * Runs every branch concurrently, each in its own child context, and returns the `BatchResult`.
 *
 * **Details**: one CONTEXT operation (subtype `Parallel`) with one child context per started branch
 * (subtype `ParallelBranch`, named by the branch's `name` or `parallel-branch-<index>`). Results are in
 * branch order. Same completion rules and `nesting` option as `map`.
 *
 * @since 0.1.0
 */
export const parallel: {
  <const B extends ReadonlyArray<Effect.Effect<any, any, any> | NamedBranch<any, any, any>>>(
    name: string | undefined,
    branches: B,
    config?: ParallelConfig<BranchSuccess<B[number]>>
  ): Effect.Effect<BatchResult<BranchSuccess<B[number]>>, never, BranchServices<B[number]> | DurableContext>
  <const B extends ReadonlyArray<Effect.Effect<any, any, any> | NamedBranch<any, any, any>>>(
    branches: B,
    config?: ParallelConfig<BranchSuccess<B[number]>>
  ): Effect.Effect<BatchResult<BranchSuccess<B[number]>>, never, BranchServices<B[number]> | DurableContext>
} = (...args: ReadonlyArray<any>): Effect.Effect<any, never, any> => {
  const [name, branches, config] = withName(args) as [
    string | undefined,
    ReadonlyArray<unknown>,
    ParallelConfig<unknown> | undefined
  ]
  return Effect.gen(function* () {
    if (!Array.isArray(branches)) throw new TypeError("Parallel operation requires an array of branch functions")
    const normalized = branches.map((b, index) => {
      if (Effect.isEffect(b))
        return { name: branchName(undefined, index), effect: b as Effect.Effect<unknown, unknown, any> }
      const named = b as NamedBranch<unknown, unknown, any> | undefined
      if (named !== undefined && named !== null && typeof named === "object" && Effect.isEffect(named.effect)) {
        return { name: branchName(named.name, index), effect: named.effect }
      }
      throw new TypeError("All branches must be effects or NamedBranch objects")
    })
    const engine = engineConfig("parallel", config)
    const state = yield* DurableContext
    const context = yield* Effect.context<any>()
    const alloc = Ctx.allocate(state, "CONTEXT", OperationSubType.PARALLEL, name, "parallel")
    return yield* execute(
      alloc,
      normalized.map((b) => ({
        name: b.name,
        run: (child: ContextState) =>
          b.effect.pipe(Effect.provideService(DurableContext, child), Effect.provideContext(context)) as Effect.Effect<
            unknown,
            unknown
          >
      })),
      engine
    ).pipe(Effect.orDie)
  })
}

/**
 * Fails with the error of the first failed item (index order), if any; otherwise succeeds with the result.
 * The Effect-API form of `result.throwIfError()`.
 *
 * @since 0.1.0
 */
export const throwIfError = <T>(result: BatchResult<T>): Effect.Effect<BatchResult<T>, ChildContextError> => {
  const first = result.failed()[0]
  return first === undefined ? Effect.succeed(result) : Effect.fail(first.error)
}
