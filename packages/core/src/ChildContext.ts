/**
 * `runInChildContext`: group operations under one CONTEXT operation with its own id space. The child's result
 * is checkpointed; on replay a completed child returns it without running its body. Child contexts are also
 * how concurrent paths stay deterministic: each path numbers its own operations.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import { DurableContext } from "./DurableContext.ts"
import { ChildContextError, DurableOperationError } from "./Errors.ts"
import { OperationSubType } from "./Operation.ts"
import type { Serdes } from "./Serdes.ts"
import { install as installTypedErrors } from "./internal/typedErrors.ts"
import { parseNamedCall } from "./internal/namedArgs.ts"
import * as Alloc from "./internal/engine/allocation.ts"
import * as ChildContextEngine from "./internal/engine/childContext.ts"

/** Child context options (the official `ChildConfig`). @since 0.1.0 */
export interface ChildConfig<A, E = never> {
  readonly serdes?: Serdes<A>
  /**
   * Effect API: a schema for the body's typed failures. A failure it accepts is checkpointed with its encoded
   * form and surfaces as the same typed error (first run and replay) instead of `ChildContextError`.
   */
  readonly error?: Schema.Codec<E, any>
  /** The operation's SubType (default `RunInChildContext`). Changing it breaks replay of running executions. */
  readonly subType?: string
  /** Stored instead of a result over 256 KiB (whose children are then replayed to rebuild it). */
  readonly summaryGenerator?: (result: A) => string
  /**
   * Async API: turns the error the child failed with (the rebuilt inner error) into the error
   * `runInChildContext` rejects with, instead of `ChildContextError`. Applied on the first run and on replay.
   * May return any `Error` (the official type asks for a `DurableOperationError`; ours accepts more).
   */
  readonly errorMapper?: (originalError: DurableOperationError) => Error
  /**
   * `true`: a virtual context. It takes an id (so the operations inside are numbered `<id>-1`, ...) but is never
   * checkpointed: no CONTEXT operation is recorded, the operations inside are recorded with the enclosing
   * context as their parent, and on replay the body runs again (its operations replay from their own records).
   * `map` / `parallel` with `nesting: NestingType.FLAT` run their items this way.
   *
   * **Gotchas**: the result is not stored, so `summaryGenerator` does not apply; `serdes` still round-trips it.
   */
  readonly virtualContext?: boolean
}

/**
 * Runs `body` in a child context named `name` (optional). Inside `body`, every durable operation belongs to
 * the child (its ids are `<child>-1`, `<child>-2`, ...).
 *
 * **Details**: a failure inside the child surfaces as `ChildContextError` whose `cause` is the rebuilt inner
 * error. Results over 256 KiB are not stored: the child's operations are replayed to rebuild the value.
 *
 * @since 0.1.0
 */
export const run: {
  <A, E, R, E2 = never>(
    name: string | undefined,
    body: Effect.Effect<A, E, R>,
    config?: ChildConfig<A, E2>
  ): Effect.Effect<A, ChildContextError | E2, R | DurableContext>
  <A, E, R, E2 = never>(
    body: Effect.Effect<A, E, R>,
    config?: ChildConfig<A, E2>
  ): Effect.Effect<A, ChildContextError | E2, R | DurableContext>
} = (...args: ReadonlyArray<unknown>): Effect.Effect<any, any, any> =>
  Effect.gen(function* () {
    const { name, body, config } = parseNamedCall<Effect.Effect<any, any, any>, ChildConfig<any, any>>(
      args,
      Effect.isEffect,
      "runInChildContext: expected an Effect as the child body"
    )
    ChildContextEngine.validateConfig(config, "runInChildContext", "effect")
    if (config?.error !== undefined) installTypedErrors()
    const state = yield* DurableContext
    const context = yield* Effect.context<any>()
    const subType = config?.subType ?? OperationSubType.RUN_IN_CHILD_CONTEXT
    const virtual = config?.virtualContext === true
    const alloc = virtual
      ? ChildContextEngine.allocateVirtual(state, subType, name, "runInChildContext")
      : Alloc.allocate(state, "CONTEXT", subType, name, "runInChildContext")
    return yield* (virtual ? ChildContextEngine.executeVirtual : ChildContextEngine.execute)(
      alloc,
      (child) => body.pipe(Effect.provideService(DurableContext, child), Effect.provideContext(context)),
      config
    )
  })
