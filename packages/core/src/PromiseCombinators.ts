/**
 * Durable `all` / `allSettled` / `any` / `race` over operations that are already running (the async API's
 * `context.promise.*`). The combined outcome is checkpointed as a STEP (no retries), so a replay returns
 * exactly what the first run observed, even when several inputs have completed by then in another order.
 *
 * **Example**
 * ```ts
 * // async API
 * const [approval] = await context.createCallback("approval")
 * const timeout = context.wait("approval-timeout", { hours: 24 })
 * const winner = await context.promise.race("first", [approval, timeout.then(() => "timeout")])
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { DurableContext } from "./DurableContext.ts"
import { fromErrorObject, toErrorObject, type DurableOperationError } from "./Errors.ts"
import type { ErrorObject } from "./Operation.ts"
import { OperationSubType } from "./Operation.ts"
import type { Serdes } from "./Serdes.ts"
import { withSyncPath } from "./internal/syncSerdes.ts"
import { withName } from "./internal/namedArgs.ts"
import * as Alloc from "./internal/engine/allocation.ts"
import * as PromiseCombinatorsEngine from "./internal/engine/promiseCombinators.ts"

/** The four combinators. @since 0.1.0 */
export type Combinator = "all" | "allSettled" | "any" | "race"

/**
 * One settled input of `allSettled`, as `Promise.allSettled` reports it.
 *
 * @since 0.1.0
 */
export type Settled<T> =
  { readonly status: "fulfilled"; readonly value: T } | { readonly status: "rejected"; readonly reason: unknown }

/** A rejection reason back from its ErrorObject: operation errors as their class, others as a named `Error`. */
const revive = (o: ErrorObject): unknown => {
  const rebuilt = fromErrorObject(o)
  if (o.ErrorType !== undefined && rebuilt._tag === o.ErrorType) return rebuilt
  const error = new Error(o.ErrorMessage ?? "")
  error.name = o.ErrorType ?? "Error"
  return error
}

/**
 * Stores `allSettled` results with each rejection reason as a service `ErrorObject`, and rebuilds it on read
 * (operation errors keep their class; other errors come back as an `Error` with the same name and message).
 *
 * @since 0.1.0
 */
export const settledSerdes: Serdes<ReadonlyArray<Settled<unknown>>> = withSyncPath<ReadonlyArray<Settled<unknown>>>({
  serialize: (value) =>
    value === undefined
      ? undefined
      : JSON.stringify(
          value.map((r) => (r.status === "fulfilled" ? r : { status: "rejected", reason: toErrorObject(r.reason) }))
        ),
  deserialize: (data) =>
    data === undefined
      ? undefined
      : (JSON.parse(data) as Array<{ status: string; value?: unknown; reason?: ErrorObject }>).map((r) =>
          r.status === "fulfilled"
            ? { status: "fulfilled" as const, value: r.value }
            : { status: "rejected" as const, reason: revive(r.reason ?? {}) }
        )
})

const squash = (exit: Exit.Exit<unknown, unknown>): unknown => {
  if (Exit.isSuccess(exit)) return undefined
  for (const r of exit.cause.reasons) if (r._tag === "Fail") return r.error
  for (const r of exit.cause.reasons) if (r._tag === "Die") return r.defect
  return new Error("interrupted")
}

const combineFibers = (
  kind: Combinator,
  fibers: ReadonlyArray<Fiber.Fiber<unknown, unknown>>
): Effect.Effect<unknown, unknown> => {
  switch (kind) {
    case "all":
      return Effect.all(
        fibers.map((f) => Fiber.join(f)),
        { concurrency: "unbounded" }
      )
    case "allSettled":
      return Effect.forEach(fibers, (f) => Fiber.await(f)).pipe(
        Effect.map((exits) =>
          exits.map((exit): Settled<unknown> =>
            Exit.isSuccess(exit)
              ? { status: "fulfilled", value: exit.value }
              : { status: "rejected", reason: squash(exit) }
          )
        )
      )
    case "any":
      if (fibers.length === 0) return Effect.fail(new AggregateError([], "All promises were rejected"))
      return Effect.raceAll(fibers.map((f) => Fiber.join(f))).pipe(
        Effect.catch(() =>
          Effect.forEach(fibers, (f) => Fiber.await(f)).pipe(
            Effect.flatMap((exits) => Effect.fail(new AggregateError(exits.map(squash), "All promises were rejected")))
          )
        )
      )
    case "race":
      if (fibers.length === 0) return Effect.never
      return Effect.raceAllFirst(fibers.map((f) => Fiber.join(f)))
  }
}

const combinator =
  (kind: Combinator) =>
  (...args: ReadonlyArray<any>): Effect.Effect<any, DurableOperationError, any> => {
    const [name, effects] = withName(args) as [string | undefined, ReadonlyArray<Effect.Effect<unknown, unknown, any>>]
    return Effect.gen(function* () {
      if (!Array.isArray(effects)) throw new TypeError(`promise.${kind}: expected an array of effects`)
      const state = yield* DurableContext
      // Inputs start in order, each synchronously up to its first suspension, so their ids are allocated in
      // array order; then the combinator takes its own id (as the official SDK does at await time).
      const fibers: Array<Fiber.Fiber<unknown, unknown>> = []
      for (const effect of effects) fibers.push(yield* Effect.forkChild(effect, { startImmediately: true }))
      const alloc = Alloc.allocate(state, "STEP", OperationSubType.STEP, name, `promise.${kind}`)
      return yield* PromiseCombinatorsEngine.execute(
        alloc,
        combineFibers(kind, fibers),
        kind === "allSettled" ? (settledSerdes as Serdes<unknown>) : undefined
      ).pipe(Effect.ensuring(Fiber.interruptAll(fibers)))
    })
  }

/**
 * Runs the effects concurrently in the current context and succeeds with all their results (in order), or
 * fails as soon as one fails. The combined outcome is checkpointed.
 *
 * **Gotchas**: the inputs share the current context's counter: each should be a single durable operation
 * (or wrap composite work in `ChildContext.run`), otherwise ids depend on timing. Prefer `Batch.parallel`
 * for durable fan-out. A failure comes back rebuilt from its checkpoint (operation errors keep their class;
 * others become `StepError`).
 *
 * @since 0.1.0
 */
export const all: {
  <A, E, R>(
    name: string | undefined,
    effects: ReadonlyArray<Effect.Effect<A, E, R>>
  ): Effect.Effect<Array<A>, DurableOperationError, R | DurableContext>
  <A, E, R>(
    effects: ReadonlyArray<Effect.Effect<A, E, R>>
  ): Effect.Effect<Array<A>, DurableOperationError, R | DurableContext>
} = combinator("all")

/**
 * Runs the effects concurrently and succeeds with the outcome of each, like `Promise.allSettled`. Rejection
 * reasons are stored as `ErrorObject`s and rebuilt (operation errors keep their class).
 *
 * @since 0.1.0
 */
export const allSettled: {
  <A, E, R>(
    name: string | undefined,
    effects: ReadonlyArray<Effect.Effect<A, E, R>>
  ): Effect.Effect<Array<Settled<A>>, DurableOperationError, R | DurableContext>
  <A, E, R>(
    effects: ReadonlyArray<Effect.Effect<A, E, R>>
  ): Effect.Effect<Array<Settled<A>>, DurableOperationError, R | DurableContext>
} = combinator("allSettled")

/**
 * Succeeds with the first effect to succeed; fails (a `StepError` whose cause is an `AggregateError`) if all
 * fail. Inputs still running then are interrupted.
 *
 * @since 0.1.0
 */
export const any: {
  <A, E, R>(
    name: string | undefined,
    effects: ReadonlyArray<Effect.Effect<A, E, R>>
  ): Effect.Effect<A, DurableOperationError, R | DurableContext>
  <A, E, R>(effects: ReadonlyArray<Effect.Effect<A, E, R>>): Effect.Effect<A, DurableOperationError, R | DurableContext>
} = combinator("any")

/**
 * Settles like the first effect to finish (success or failure). Inputs still running then are interrupted.
 * The winner is checkpointed, so a replay returns the same winner even if every input has finished by then.
 *
 * @since 0.1.0
 */
export const race: {
  <A, E, R>(
    name: string | undefined,
    effects: ReadonlyArray<Effect.Effect<A, E, R>>
  ): Effect.Effect<A, DurableOperationError, R | DurableContext>
  <A, E, R>(effects: ReadonlyArray<Effect.Effect<A, E, R>>): Effect.Effect<A, DurableOperationError, R | DurableContext>
} = combinator("race")
