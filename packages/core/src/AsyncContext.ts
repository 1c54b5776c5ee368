/**
 * The async/await API, with the official `@aws/durable-execution-sdk-js` signatures: `withDurableExecution`
 * and a `DurableContext` whose methods take the name as an optional first argument and the config last. It
 * runs on the same engine as the Effect API.
 *
 * @since 0.1.0
 */
import { Context, Effect, type Layer } from "effect"
import * as ChildContext from "./ChildContext.ts"
import type { DurableConfig } from "./Config.ts"
import type { ContextState } from "./DurableContext.ts"
import * as Ctx from "./DurableContext.ts"
import { DurableContext as DurableContextService } from "./DurableContext.ts"
import type { DurableBackend } from "./DurableBackend.ts"
import { toValidSeconds, type Duration } from "./Duration.ts"
import { DurablePromise } from "./DurablePromise.ts"
import { UnsupportedOperationError } from "./Errors.ts"
import * as Handler from "./Handler.ts"
import type { DurableContextLogger, DurableLogger, LoggerConfig } from "./Logger.ts"
import { OperationSubType } from "./Operation.ts"
import * as Step from "./Step.ts"
import * as Wait from "./Wait.ts"
import type { AwaitHandle } from "./internal/runtime.ts"

/** What a step body receives. @since 0.1.0 */
export interface StepContext<L extends DurableLogger = DurableLogger> {
  /** Never suppressed: a running step is always live. Records carry the step's id and attempt. */
  readonly logger: DurableContextLogger & Partial<Pick<L, never>>
}

/** A step body. @since 0.1.0 */
export type StepFunc<T, L extends DurableLogger = DurableLogger> = (context: StepContext<L>) => Promise<T>

/** A child context body. @since 0.1.0 */
export type ChildFunc<T, L extends DurableLogger = DurableLogger> = (context: DurableContext<L>) => Promise<T>

/**
 * The durable context handed to an async handler and to child-context bodies.
 *
 * **Gotchas**: start durable operations in the same order on every run; for concurrency, give each path its
 * own `runInChildContext`. Inside a child, use the child's context, not the parent's.
 *
 * @since 0.1.0
 */
export interface DurableContext<L extends DurableLogger = DurableLogger> {
  /** The Lambda context of the current invocation. */
  readonly lambdaContext: unknown
  /** Replay-aware logger: silent while completed operations replay. */
  readonly logger: DurableContextLogger
  step<T>(name: string | undefined, fn: StepFunc<T, L>, config?: Step.StepConfig<T>): DurablePromise<T>
  step<T>(fn: StepFunc<T, L>, config?: Step.StepConfig<T>): DurablePromise<T>
  wait(name: string, duration: Duration): DurablePromise<void>
  wait(duration: Duration): DurablePromise<void>
  runInChildContext<T>(name: string | undefined, fn: ChildFunc<T, L>, config?: ChildContext.ChildConfig<T>): DurablePromise<T>
  runInChildContext<T>(fn: ChildFunc<T, L>, config?: ChildContext.ChildConfig<T>): DurablePromise<T>
  configureLogger(config: LoggerConfig<L>): void
  /** Not in this version: calling it throws `UnsupportedOperationError`. */
  invoke(...args: ReadonlyArray<unknown>): DurablePromise<never>
  /** Not in this version: calling it throws `UnsupportedOperationError`. */
  waitForCondition(...args: ReadonlyArray<unknown>): DurablePromise<never>
  /** Not in this version: calling it throws `UnsupportedOperationError`. */
  createCallback(...args: ReadonlyArray<unknown>): DurablePromise<never>
  /** Not in this version: calling it throws `UnsupportedOperationError`. */
  waitForCallback(...args: ReadonlyArray<unknown>): DurablePromise<never>
  /** Not in this version: calling it throws `UnsupportedOperationError`. */
  map(...args: ReadonlyArray<unknown>): DurablePromise<never>
  /** Not in this version: calling it throws `UnsupportedOperationError`. */
  parallel(...args: ReadonlyArray<unknown>): DurablePromise<never>
}

/** An async durable handler. @since 0.1.0 */
export type DurableExecutionHandler<TEvent = any, TResult = any, L extends DurableLogger = DurableLogger> = (
  event: TEvent,
  context: DurableContext<L>
) => Promise<TResult>

/**
 * Options of `withDurableExecution`: the engine settings, plus the backend layer. `@durable-lambda/backend-aws`
 * fills `backend` with the Lambda API; `client` is accepted for compatibility and used by that package.
 *
 * @since 0.1.0
 */
export interface DurableExecutionConfig extends DurableConfig {
  readonly backend?: Layer.Layer<DurableBackend, any, never>
  readonly client?: unknown
}

const unsupported = (operation: string): never => {
  throw new UnsupportedOperationError({
    message: `context.${operation} is not available in this version of @durable-lambda/core`,
    operation
  })
}

const parseNamed = <F>(args: ReadonlyArray<unknown>): [string | undefined, F, any] =>
  typeof args[0] === "string" || args[0] === undefined
    ? [args[0] as string | undefined, args[1] as F, args[2]]
    : [undefined, args[0] as F, args[1]]

/** The implementation of `DurableContext` over one engine context. */
class AsyncDurableContext<L extends DurableLogger> implements DurableContext<L> {
  readonly #state: ContextState
  readonly #services: Context.Context<never>

  constructor(state: ContextState, services: Context.Context<never>) {
    this.#state = state
    this.#services = services
  }

  get lambdaContext(): unknown {
    return this.#state.runtime.lambdaContext
  }

  get logger(): DurableContextLogger {
    return Ctx.loggerOf(this.#state)
  }

  configureLogger(config: LoggerConfig<L>): void {
    if (config.customLogger !== undefined) this.#state.logger = config.customLogger
    if (config.modeAware !== undefined) this.#state.modeAware = config.modeAware
  }

  #launch<T>(effect: Effect.Effect<T, unknown>, handle: AwaitHandle): DurablePromise<T> {
    const runtime = this.#state.runtime
    const promise = runtime.launch(this.#services, effect)
    return new DurablePromise(() => {
      if (!handle.awaited) {
        handle.awaited = true
        runtime.launch(this.#services, runtime.checkSuspend())
      }
      return promise
    })
  }

  step<T>(...args: ReadonlyArray<unknown>): DurablePromise<T> {
    const [name, fn, config] = parseNamed<StepFunc<T, L>>(args)
    if (typeof fn !== "function") throw new TypeError("step: expected a function as the step body")
    const alloc = Ctx.allocate(this.#state, "STEP", OperationSubType.STEP, name, "step")
    const handle: AwaitHandle = { awaited: false }
    return this.#launch(
      Step.execute<T, never>(alloc, {
        config,
        handle,
        attempt: (scope) =>
          Effect.tryPromise({
            try: () => fn({ logger: Ctx.loggerOf(scope) }),
            catch: (e) => e
          })
      }),
      handle
    )
  }

  wait(...args: ReadonlyArray<unknown>): DurablePromise<void> {
    const [name, duration] = typeof args[0] === "string" ? [args[0], args[1] as Duration] : [undefined, args[0] as Duration]
    const seconds = toValidSeconds(duration, "wait")
    const alloc = Ctx.allocate(this.#state, "WAIT", OperationSubType.WAIT, name, "wait")
    const handle: AwaitHandle = { awaited: false }
    return this.#launch(Wait.execute(alloc, seconds, handle), handle)
  }

  runInChildContext<T>(...args: ReadonlyArray<unknown>): DurablePromise<T> {
    const [name, fn, config] = parseNamed<ChildFunc<T, L>>(args)
    if (typeof fn !== "function") throw new TypeError("runInChildContext: expected a function as the child body")
    const subType = (config as ChildContext.ChildConfig<T> | undefined)?.subType ?? OperationSubType.RUN_IN_CHILD_CONTEXT
    const alloc = Ctx.allocate(this.#state, "CONTEXT", subType, name, "runInChildContext")
    const services = this.#services
    return this.#launch(
      ChildContext.execute<T, unknown>(
        alloc,
        (child) => Effect.tryPromise({ try: () => fn(new AsyncDurableContext<L>(child, services)), catch: (e) => e }),
        config
      ),
      { awaited: true }
    )
  }

  invoke(): DurablePromise<never> {
    return unsupported("invoke")
  }
  waitForCondition(): DurablePromise<never> {
    return unsupported("waitForCondition")
  }
  createCallback(): DurablePromise<never> {
    return unsupported("createCallback")
  }
  waitForCallback(): DurablePromise<never> {
    return unsupported("waitForCallback")
  }
  map(): DurablePromise<never> {
    return unsupported("map")
  }
  parallel(): DurablePromise<never> {
    return unsupported("parallel")
  }
}

/**
 * The engine handler of an async handler (backend-independent).
 *
 * @since 0.1.0
 */
export const toDurableHandler = <TEvent, TResult, L extends DurableLogger>(
  handler: DurableExecutionHandler<TEvent, TResult, L>,
  config?: DurableConfig
): Handler.DurableHandler<never> =>
  Handler.make(
    (input: TEvent) =>
      Effect.gen(function* () {
        const state = yield* DurableContextService
        const services = yield* Effect.context<never>()
        const context = new AsyncDurableContext<L>(state, services)
        return yield* Effect.tryPromise({ try: () => handler(input, context), catch: (e) => e })
      }),
    config
  )

/**
 * Wraps an async handler into the Lambda handler of a durable function (the official SDK's entry point).
 *
 * **When to use**: import it from `@durable-lambda/backend-aws`, which supplies the Lambda backend. This
 * core version needs `config.backend`; without it the handler still runs under `@durable-lambda/testing`.
 *
 * **Example**
 * ```ts
 * export const handler = withDurableExecution(async (event, context) => {
 *   const order = await context.step("load", async () => loadOrder(event.id))
 *   await context.wait({ hours: 1 })
 *   return order.total
 * })
 * ```
 *
 * @since 0.1.0
 */
export const withDurableExecution = <TEvent = any, TResult = any, L extends DurableLogger = DurableLogger>(
  handler: DurableExecutionHandler<TEvent, TResult, L>,
  config?: DurableExecutionConfig
): Handler.DurableLambdaHandler => Handler.toLambdaHandler(toDurableHandler(handler, config), config?.backend)
