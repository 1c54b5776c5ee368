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
import * as Effect from "effect/Effect"
import type { ContextState } from "./DurableContext.ts"
import { DurableContext } from "./DurableContext.ts"
import { BatchCompletionError, ChildContextError } from "./Errors.ts"
import type { ErrorObject } from "./Operation.ts"
import { OperationSubType } from "./Operation.ts"
import type { Serdes } from "./Serdes.ts"
import { withName } from "./internal/namedArgs.ts"
import * as Alloc from "./internal/engine/allocation.ts"
import * as BatchEngine from "./internal/engine/batch.ts"
import * as BatchResults from "./internal/engine/batchResult.ts"

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
  /**
   * Throws the error of the first failed item (in index order), if any; else, when the batch's completion
   * decision completed it as failed (`status` is `"FAILED"`), a `BatchCompletionError`.
   */
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

/**
 * Builds a `BatchResult` from its items (index order) and completion reason.
 *
 * @since 0.1.0
 */
export const makeResult = <T>(all: ReadonlyArray<BatchItem<T>>, completionReason: CompletionReason): BatchResult<T> =>
  new BatchResults.BatchResultImpl(all, completionReason)

/**
 * Whether a value is a `BatchResult` built by this module.
 *
 * @since 0.1.0
 */
export const isBatchResult = (u: unknown): u is BatchResult<unknown> => u instanceof BatchResults.BatchResultImpl

/**
 * Rebuilds a `BatchResult` from its stored form (`toJSON`, or a plain object a custom serdes returned): item
 * errors become `ChildContextError`s whose `cause` is rebuilt from the stored `ErrorObject`. The form the
 * official SDK stores (the item's `ChildContextError` with a `Cause` chain) is read too, and gives the same
 * errors.
 *
 * @since 0.1.0
 */
export const restoreResult = <T>(u: unknown): BatchResult<T> => {
  if (u instanceof BatchResults.BatchResultImpl) return u as BatchResult<T>
  const json = u as Partial<BatchResultJson> | undefined
  const all = Array.isArray(json?.all) ? json.all : []
  return new BatchResults.BatchResultImpl<T>(
    all.map((i) =>
      i.status === BatchItemStatus.FAILED
        ? { index: i.index, status: i.status, error: BatchResults.itemError(BatchResults.storedItemError(i.error)) }
        : i.status === BatchItemStatus.SUCCEEDED
          ? { result: i.result as T, index: i.index, status: i.status }
          : { index: i.index, status: BatchItemStatus.STARTED }
    ),
    json?.completionReason ?? "ALL_COMPLETED"
  )
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
    const engine = BatchEngine.engineConfig("map", config)
    const names = BatchEngine.mapItemNames(items, config?.itemNamer)
    const state = yield* DurableContext
    const context = yield* Effect.context<any>()
    const alloc = Alloc.allocate(state, "CONTEXT", OperationSubType.MAP, name, "map")
    return yield* BatchEngine.execute(
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
        return { name: BatchEngine.branchName(undefined, index), effect: b as Effect.Effect<unknown, unknown, any> }
      const named = b as NamedBranch<unknown, unknown, any> | undefined
      if (named !== undefined && named !== null && typeof named === "object" && Effect.isEffect(named.effect)) {
        return { name: BatchEngine.branchName(named.name, index), effect: named.effect }
      }
      throw new TypeError("All branches must be effects or NamedBranch objects")
    })
    const engine = BatchEngine.engineConfig("parallel", config)
    const state = yield* DurableContext
    const context = yield* Effect.context<any>()
    const alloc = Alloc.allocate(state, "CONTEXT", OperationSubType.PARALLEL, name, "parallel")
    return yield* BatchEngine.execute(
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
 * Fails with the error of the first failed item (index order), if any; else, when the batch's completion
 * decision completed it as failed, with a `BatchCompletionError`; otherwise succeeds with the result. The
 * Effect-API form of `result.throwIfError()`.
 *
 * @since 0.1.0
 */
export const throwIfError = <T>(
  result: BatchResult<T>
): Effect.Effect<BatchResult<T>, ChildContextError | BatchCompletionError> => {
  const first = result.failed()[0]
  if (first !== undefined) return Effect.fail(first.error)
  return result.status === "FAILED"
    ? Effect.fail(new BatchCompletionError(result.completionReason))
    : Effect.succeed(result)
}
