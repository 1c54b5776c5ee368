/**
 * The async/await API, with the official `@aws/durable-execution-sdk-js` signatures: `withDurableExecution`
 * and a `DurableContext` whose methods take the name as an optional first argument and the config last. It
 * runs on the same engine as the Effect API.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as Batch from "./Batch.ts"
import * as Callback from "./Callback.ts"
import * as ChildContext from "./ChildContext.ts"
import type { DurableConfig } from "./Config.ts"
import type { ContextState, SerdesDefaults } from "./DurableContext.ts"
import * as Ctx from "./DurableContext.ts"
import { DurableContext as DurableContextService } from "./DurableContext.ts"
import type { DurableBackend } from "./DurableBackend.ts"
import { toValidSeconds, type Duration } from "./Duration.ts"
import { DurablePromise } from "./DurablePromise.ts"
import { ChildContextError, isDurableOperationError } from "./Errors.ts"
import * as Handler from "./Handler.ts"
import * as Invoke from "./Invoke.ts"
import type { DurableContextLogger, DurableLogger, LoggerConfig } from "./Logger.ts"
import { OperationSubType } from "./Operation.ts"
import * as PromiseCombinators from "./PromiseCombinators.ts"
import type { Serdes } from "./Serdes.ts"
import * as Step from "./Step.ts"
import * as WaitForCondition from "./WaitForCondition.ts"
import * as Attempt from "./internal/attempt.ts"
import type { AwaitHandle } from "./internal/runtime.ts"
import { isFunction, parseNamedCall, withName } from "./internal/namedArgs.ts"
import * as Alloc from "./internal/engine/allocation.ts"
import * as StepEngine from "./internal/engine/step.ts"
import * as WaitEngine from "./internal/engine/wait.ts"
import * as ChildContextEngine from "./internal/engine/childContext.ts"
import * as InvokeEngine from "./internal/engine/invoke.ts"
import * as WaitForConditionEngine from "./internal/engine/waitForCondition.ts"
import * as CallbackEngine from "./internal/engine/callback.ts"
import * as BatchEngine from "./internal/engine/batch.ts"
import * as PromiseCombinatorsEngine from "./internal/engine/promiseCombinators.ts"

/**
 * `context.executionContext`: the execution and the time the current invocation has left.
 *
 * **Details**: the invocation event carries no deadline of the execution itself (its `ExecutionTimeout` is
 * set on the function and not sent to the handler), so none is exposed here.
 *
 * @since 0.1.0
 */
export interface ExecutionContext {
  /** The ARN of the durable execution (the official field). */
  readonly durableExecutionArn: string
  /**
   * Milliseconds until Lambda stops this invocation, as the Lambda context's `getRemainingTimeInMillis()`
   * (this SDK's addition). The engine ends the invocation `deadlineMarginMillis` (default 5 s) earlier.
   * `Infinity` when the handler runs without a Lambda context that reports it.
   */
  getRemainingTimeInMillis(): number
}

/** What a step body receives. @since 0.1.0 */
export interface StepContext<L extends DurableLogger = DurableLogger> {
  /** Never suppressed: a running step is always live. Records carry the step's id and attempt. */
  readonly logger: DurableContextLogger<L>
  /** The 1-based number of this attempt (2 on the first retry). */
  readonly attempt: number
  /**
   * Aborted when this attempt should stop (this SDK's addition): its `timeout` passed (`reason` is a
   * `StepTimeoutError`), the invocation reached its deadline (`InvocationDeadlineError`), or the invocation
   * ended otherwise (`InvocationEndedError`). Pass it to `fetch` and other cancellable work.
   *
   * **Gotchas**: nothing a body does after its invocation ended is checkpointed, whether it stops or not.
   */
  readonly signal: AbortSignal
}

/** A step body. @since 0.1.0 */
export type StepFunc<T, L extends DurableLogger = DurableLogger> = (context: StepContext<L>) => Promise<T>

/** A child context body. @since 0.1.0 */
export type ChildFunc<T, L extends DurableLogger = DurableLogger> = (context: DurableContext<L>) => Promise<T>

/** What a waitForCondition check receives. @since 0.1.0 */
export interface WaitForConditionContext<L extends DurableLogger = DurableLogger> {
  /** Never suppressed; records carry the operation's id and the check's attempt number. */
  readonly logger: DurableContextLogger<L>
  /** The 1-based number of this check. */
  readonly attempt: number
  /** Aborted when this check should stop; see `StepContext.signal` (this SDK's addition). */
  readonly signal: AbortSignal
}

/** A waitForCondition check: the previous state in, the new state out. @since 0.1.0 */
export type WaitForConditionCheckFunc<T, L extends DurableLogger = DurableLogger> = (
  state: T,
  context: WaitForConditionContext<L>
) => Promise<T>

/** What a waitForCallback submitter receives. @since 0.1.0 */
export interface WaitForCallbackContext<L extends DurableLogger = DurableLogger> {
  readonly logger: DurableContextLogger<L>
}

/**
 * Sends the callback id to the external system (runs as a durable step: it may run again after a failure,
 * so make it idempotent).
 *
 * @since 0.1.0
 */
export type WaitForCallbackSubmitterFunc<L extends DurableLogger = DurableLogger> = (
  callbackId: string,
  context: WaitForCallbackContext<L>
) => Promise<void>

/**
 * What awaiting `createCallback` gives: the promise of the answer (awaiting it suspends the invocation) and
 * the callback id.
 *
 * @since 0.1.0
 */
export type CreateCallbackResult<T> = [DurablePromise<T>, string]

/** A map item's body, in its own child context. @since 0.1.0 */
export type MapFunc<I, O, L extends DurableLogger = DurableLogger> = (
  context: DurableContext<L>,
  item: I,
  index: number,
  array: Array<I>
) => Promise<O>

/** A parallel branch's body, in its own child context. @since 0.1.0 */
export type ParallelFunc<T, L extends DurableLogger = DurableLogger> = (context: DurableContext<L>) => Promise<T>

/** A parallel branch with a name (the name of its operation). @since 0.1.0 */
export interface NamedParallelBranch<T, L extends DurableLogger = DurableLogger> {
  readonly name?: string
  readonly func: ParallelFunc<T, L>
}

type BranchResult<B> =
  B extends NamedParallelBranch<infer T, any> ? T : B extends ParallelFunc<infer T, any> ? T : never

/**
 * `context.promise`: durable `all` / `allSettled` / `any` / `race` over running operations. The combined
 * outcome is checkpointed as a step, so a replay returns what the first run observed.
 *
 * **Gotchas**: the combinator's own id is taken when it is first awaited, not when it is called (as in the
 * official SDK): start other operations before or after, not in between. While it waits the invocation may
 * suspend (the official SDK instead keeps it running until the inputs settle). Prefer `map` / `parallel` for
 * durable fan-out.
 *
 * @since 0.1.0
 */
export interface DurablePromiseCombinators {
  all<T>(name: string | undefined, promises: ReadonlyArray<PromiseLike<T>>): DurablePromise<Array<T>>
  all<T>(promises: ReadonlyArray<PromiseLike<T>>): DurablePromise<Array<T>>
  allSettled<T>(
    name: string | undefined,
    promises: ReadonlyArray<PromiseLike<T>>
  ): DurablePromise<Array<PromiseSettledResult<T>>>
  allSettled<T>(promises: ReadonlyArray<PromiseLike<T>>): DurablePromise<Array<PromiseSettledResult<T>>>
  any<T>(name: string | undefined, promises: ReadonlyArray<PromiseLike<T>>): DurablePromise<T>
  any<T>(promises: ReadonlyArray<PromiseLike<T>>): DurablePromise<T>
  race<T>(name: string | undefined, promises: ReadonlyArray<PromiseLike<T>>): DurablePromise<T>
  race<T>(promises: ReadonlyArray<PromiseLike<T>>): DurablePromise<T>
}

/**
 * The durable context handed to an async handler and to child-context bodies.
 *
 * **Gotchas**: start durable operations in the same order on every run; for concurrency, give each path its
 * own `runInChildContext` (or use `map` / `parallel`). Inside a child, use the child's context, not the
 * parent's.
 *
 * @since 0.1.0
 */
export interface DurableContext<L extends DurableLogger = DurableLogger> {
  /** The Lambda context of the current invocation. */
  readonly lambdaContext: any
  /** Replay-aware logger: silent while completed operations replay. */
  readonly logger: DurableContextLogger<L>
  /** The execution this context belongs to, and the time this invocation has left. */
  readonly executionContext: ExecutionContext
  /** Durable promise combinators. */
  readonly promise: DurablePromiseCombinators
  step<T>(name: string | undefined, fn: StepFunc<T, L>, config?: Step.StepConfig<T>): DurablePromise<T>
  step<T>(fn: StepFunc<T, L>, config?: Step.StepConfig<T>): DurablePromise<T>
  wait(name: string, duration: Duration): DurablePromise<void>
  wait(duration: Duration): DurablePromise<void>
  runInChildContext<T>(
    name: string | undefined,
    fn: ChildFunc<T, L>,
    config?: ChildContext.ChildConfig<T>
  ): DurablePromise<T>
  runInChildContext<T>(fn: ChildFunc<T, L>, config?: ChildContext.ChildConfig<T>): DurablePromise<T>
  /**
   * Invokes another function and waits for its result.
   *
   * **Details**: the two forms are told apart without the official SDK's misreading of a string input as a
   * function id. In order: a first argument `undefined`, or four or more arguments, is the named form; a second
   * argument that is not a string (or absent) is the unnamed form; a first argument that is an ARN (`arn:...`) is
   * the unnamed form (the string is the input); otherwise a second argument shaped like a function identifier
   * (`Invoke.isFunctionIdentifier`) is the named form, and any other string is the input of the unnamed form.
   *
   * **Gotchas**: `invoke("my-fn", "hello")` is a call named `"my-fn"` of function `"hello"` (both are valid
   * function names). To send a word-like string input, say so: `invoke(undefined, "my-fn", "hello")`.
   */
  invoke<I = any, O = any>(
    name: string | undefined,
    funcId: string,
    input?: I,
    config?: Invoke.InvokeConfig<I, O>
  ): DurablePromise<O>
  invoke<I = any, O = any>(funcId: string, input?: I, config?: Invoke.InvokeConfig<I, O>): DurablePromise<O>
  waitForCondition<T>(
    name: string | undefined,
    check: WaitForConditionCheckFunc<T, L>,
    config: WaitForCondition.WaitForConditionConfig<T>
  ): DurablePromise<T>
  waitForCondition<T>(
    check: WaitForConditionCheckFunc<T, L>,
    config: WaitForCondition.WaitForConditionConfig<T>
  ): DurablePromise<T>
  createCallback<T = string>(
    name: string | undefined,
    config?: Callback.CreateCallbackConfig<T>
  ): DurablePromise<CreateCallbackResult<T>>
  createCallback<T = string>(config?: Callback.CreateCallbackConfig<T>): DurablePromise<CreateCallbackResult<T>>
  waitForCallback<T = string>(
    name: string | undefined,
    submitter: WaitForCallbackSubmitterFunc<L>,
    config?: Callback.WaitForCallbackConfig<T>
  ): DurablePromise<T>
  waitForCallback<T = string>(
    submitter: WaitForCallbackSubmitterFunc<L>,
    config?: Callback.WaitForCallbackConfig<T>
  ): DurablePromise<T>
  map<I, O>(
    name: string | undefined,
    items: Array<I>,
    mapFunc: MapFunc<I, O, L>,
    config?: Batch.MapConfig<I, O>
  ): DurablePromise<Batch.BatchResult<O>>
  map<I, O>(
    items: Array<I>,
    mapFunc: MapFunc<I, O, L>,
    config?: Batch.MapConfig<I, O>
  ): DurablePromise<Batch.BatchResult<O>>
  parallel<T>(
    name: string | undefined,
    branches: Array<ParallelFunc<T, L> | NamedParallelBranch<T, L>>,
    config?: Batch.ParallelConfig<T>
  ): DurablePromise<Batch.BatchResult<T>>
  parallel<T>(
    branches: Array<ParallelFunc<T, L> | NamedParallelBranch<T, L>>,
    config?: Batch.ParallelConfig<T>
  ): DurablePromise<Batch.BatchResult<T>>
  parallel<B extends ReadonlyArray<ParallelFunc<any, L> | NamedParallelBranch<any, L>>>(
    name: string | undefined,
    branches: B,
    config?: Batch.ParallelConfig<BranchResult<B[number]>>
  ): DurablePromise<Batch.BatchResult<BranchResult<B[number]>>>
  parallel<B extends ReadonlyArray<ParallelFunc<any, L> | NamedParallelBranch<any, L>>>(
    branches: B,
    config?: Batch.ParallelConfig<BranchResult<B[number]>>
  ): DurablePromise<Batch.BatchResult<BranchResult<B[number]>>>
  configureLogger(config: LoggerConfig<L>): void
  /**
   * Sets the serdes this context (and child contexts created afterwards) uses when an operation names none:
   * `defaultSerdes` for step, child, map / parallel, invoke and waitForCondition payloads,
   * `defaultCallbackDeserializer` for callback results. Undefined fields leave the current default.
   *
   * **Gotchas**: configure it at the start of the handler, the same way on every invocation, or a replay
   * reads payloads with another serdes than the one that wrote them.
   */
  configureSerdes(config: SerdesDefaults): void
}

/**
 * What a map item or parallel branch is, as the official SDK's internal executor sees it (exported for type
 * compatibility).
 *
 * @since 0.1.0
 */
export interface ConcurrentExecutionItem<T> {
  id: string
  data: T
  index: number
  name?: string
}

/** The official SDK's internal per-item executor type (exported for type compatibility). @since 0.1.0 */
export type ConcurrentExecutor<TItem, TResult, L extends DurableLogger = DurableLogger> = (
  item: ConcurrentExecutionItem<TItem>,
  childContext: DurableContext<L>
) => Promise<TResult>

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

const rejected = <T>(error: unknown): DurablePromise<T> => new DurablePromise<T>(() => Promise.reject(error))

/** Runs a user promise as an Effect; the thrown value is the failure. */
const fromPromise = <T>(f: () => Promise<T> | T): Effect.Effect<T, unknown> =>
  Effect.tryPromise({ try: async () => f(), catch: (e) => e })

/** A durable promise already settled with a replayed outcome (no fiber needed). */
const settled = <T>(exit: Exit.Exit<T, unknown>): DurablePromise<T> =>
  new DurablePromise(() =>
    Exit.isSuccess(exit) ? Promise.resolve(exit.value) : Promise.reject(Cause.squash(exit.cause))
  )

/** What a step body, a waitForCondition check or a callback submitter receives, in its step scope. */
const operationContext = <L extends DurableLogger>(scope: ContextState): StepContext<L> => ({
  logger: Ctx.loggerOf(scope) as DurableContextLogger<L>,
  attempt: scope.insideStep?.attempt ?? 1,
  get signal(): AbortSignal {
    return scope.insideStep?.signal?.signal ?? scope.runtime.signal
  }
})

/** The implementation of `DurableContext` over one engine context. */
class AsyncDurableContext<L extends DurableLogger> implements DurableContext<L> {
  readonly #state: ContextState
  readonly #services: Context.Context<never>

  constructor(state: ContextState, services: Context.Context<never>) {
    this.#state = state
    this.#services = services
  }

  get lambdaContext(): any {
    return this.#state.runtime.lambdaContext
  }

  get logger(): DurableContextLogger<L> {
    return Ctx.loggerOf(this.#state) as DurableContextLogger<L>
  }

  get executionContext(): ExecutionContext {
    const runtime = this.#state.runtime
    return {
      durableExecutionArn: runtime.arn,
      getRemainingTimeInMillis: () => runtime.remainingTimeMillis()
    }
  }

  configureSerdes(config: SerdesDefaults): void {
    const current = this.#state.serdesDefaults
    this.#state.serdesDefaults = {
      defaultSerdes: config?.defaultSerdes ?? current?.defaultSerdes,
      defaultCallbackDeserializer: config?.defaultCallbackDeserializer ?? current?.defaultCallbackDeserializer
    }
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
    const {
      name,
      body: fn,
      config
    } = parseNamedCall<StepFunc<T, L>, Step.StepConfig<T>>(
      args,
      isFunction,
      "step: expected a function as the step body"
    )
    Attempt.timeoutMillis(config?.timeout, "step")
    const alloc = Alloc.allocate(this.#state, "STEP", OperationSubType.STEP, name, "step")
    const replayed = StepEngine.replayCompleted<T, never>(alloc, config)
    if (replayed !== undefined) return settled(replayed)
    const handle: AwaitHandle = { awaited: false }
    return this.#launch(
      StepEngine.execute<T, never>(alloc, {
        config,
        handle,
        attempt: (scope) =>
          Effect.tryPromise({
            try: () => fn(operationContext<L>(scope)),
            catch: (e) => e
          })
      }),
      handle
    )
  }

  wait(...args: ReadonlyArray<unknown>): DurablePromise<void> {
    const [name, duration] =
      typeof args[0] === "string" ? [args[0], args[1] as Duration] : [undefined, args[0] as Duration]
    const seconds = toValidSeconds(duration, "wait")
    const alloc = Alloc.allocate(this.#state, "WAIT", OperationSubType.WAIT, name, "wait")
    const replayed = WaitEngine.replayCompleted(alloc)
    if (replayed !== undefined) return settled(replayed)
    const handle: AwaitHandle = { awaited: false }
    return this.#launch(WaitEngine.execute(alloc, seconds, handle), handle)
  }

  runInChildContext<T>(...args: ReadonlyArray<unknown>): DurablePromise<T> {
    const {
      name,
      body: fn,
      config
    } = parseNamedCall<ChildFunc<T, L>, ChildContext.ChildConfig<T>>(
      args,
      isFunction,
      "runInChildContext: expected a function as the child body"
    )
    ChildContextEngine.validateConfig(config, "runInChildContext", "async")
    const mapper = config?.errorMapper
    const subType = config?.subType ?? OperationSubType.RUN_IN_CHILD_CONTEXT
    const virtual = config?.virtualContext === true
    const alloc = virtual
      ? ChildContextEngine.allocateVirtual(this.#state, subType, name, "runInChildContext")
      : Alloc.allocate(this.#state, "CONTEXT", subType, name, "runInChildContext")
    const services = this.#services
    return this.#launch(
      (virtual ? ChildContextEngine.executeVirtual : ChildContextEngine.execute)<T, unknown>(
        alloc,
        (child) => Effect.tryPromise({ try: () => fn(new AsyncDurableContext<L>(child, services)), catch: (e) => e }),
        config
      ).pipe(
        Effect.mapError((error) =>
          mapper !== undefined && error instanceof ChildContextError
            ? mapper(isDurableOperationError(error.cause) ? error.cause : error)
            : error
        )
      ),
      { awaited: true }
    )
  }

  invoke<I, O>(...args: ReadonlyArray<unknown>): DurablePromise<O> {
    const { name, functionName, input, config } = InvokeEngine.parseArguments(args)
    if (typeof functionName !== "string" || functionName === "") {
      throw new TypeError("invoke: expected a function name or ARN")
    }
    const alloc = Alloc.allocate(this.#state, "CHAINED_INVOKE", OperationSubType.CHAINED_INVOKE, name, "invoke")
    const handle: AwaitHandle = { awaited: false }
    return this.#launch(InvokeEngine.execute<I, O>(alloc, functionName, input as I, config, handle), handle)
  }

  waitForCondition<T>(...args: ReadonlyArray<unknown>): DurablePromise<T> {
    const { name, body: check, config } = WaitForConditionEngine.parseArguments<WaitForConditionCheckFunc<T, L>>(args)
    Attempt.timeoutMillis(config.timeout, "waitForCondition")
    const alloc = Alloc.allocate(this.#state, "STEP", OperationSubType.WAIT_FOR_CONDITION, name, "waitForCondition")
    const handle: AwaitHandle = { awaited: false }
    return this.#launch(
      WaitForConditionEngine.execute<T>(alloc, {
        config: config as WaitForCondition.WaitForConditionConfig<T>,
        handle,
        check: (state, scope) => fromPromise(() => check(state, operationContext<L>(scope)))
      }),
      handle
    )
  }

  createCallback<T>(...args: ReadonlyArray<unknown>): DurablePromise<CreateCallbackResult<T>> {
    const [name, config] = withName(args) as [string | undefined, Callback.CreateCallbackConfig<T> | undefined]
    const options = CallbackEngine.callbackOptions(config, "createCallback")
    const alloc = Alloc.allocate(this.#state, "CALLBACK", OperationSubType.CALLBACK, name, "createCallback")
    const runtime = this.#state.runtime
    const services = this.#services
    return this.#launch(
      CallbackEngine.execute<T>(alloc, options, config?.serdes).pipe(
        Effect.map((callback): CreateCallbackResult<T> => [
          new DurablePromise<T>(() => runtime.launch(services, callback.result)),
          callback.callbackId
        ])
      ),
      { awaited: true }
    )
  }

  waitForCallback<T>(...args: ReadonlyArray<unknown>): DurablePromise<T> {
    let name: string | undefined
    let submitter: unknown
    let config: Callback.WaitForCallbackConfig<T> | undefined
    if (typeof args[0] === "string" || args[0] === undefined) {
      ;[name, submitter, config] = args as [string | undefined, unknown, Callback.WaitForCallbackConfig<T> | undefined]
      if (typeof submitter !== "function") {
        return rejected(new TypeError("waitForCallback requires a submitter function when name is provided"))
      }
    } else {
      ;[submitter, config] = args as [unknown, Callback.WaitForCallbackConfig<T> | undefined]
      if (typeof submitter !== "function")
        return rejected(new TypeError("waitForCallback requires a submitter function"))
    }
    const submit = submitter as WaitForCallbackSubmitterFunc<L>
    let options: ReturnType<typeof CallbackEngine.callbackOptions>
    let alloc: Alloc.Allocation
    try {
      options = CallbackEngine.callbackOptions(config, "waitForCallback")
      alloc = Alloc.allocate(this.#state, "CONTEXT", OperationSubType.WAIT_FOR_CALLBACK, name, "waitForCallback")
    } catch (error) {
      return rejected(error)
    }
    return this.#launch(
      CallbackEngine.executeWaitFor<T>(
        alloc,
        (callbackId, scope) => fromPromise(() => submit(callbackId, operationContext<L>(scope))),
        options,
        config
      ).pipe(Effect.mapError(CallbackEngine.asyncFailure)),
      { awaited: true }
    )
  }

  map<I, O>(...args: ReadonlyArray<unknown>): DurablePromise<Batch.BatchResult<O>> {
    const [name, items, mapFunc, config] = withName(args) as [
      string | undefined,
      Array<I>,
      MapFunc<I, O, L>,
      Batch.MapConfig<I, O> | undefined
    ]
    let names: Array<string>
    let engine: BatchEngine.EngineConfig<O>
    let alloc: Alloc.Allocation
    try {
      if (!Array.isArray(items)) throw new TypeError("Map operation requires an array of items")
      if (typeof mapFunc !== "function") throw new TypeError("Map operation requires a function to process items")
      engine = BatchEngine.engineConfig("map", config)
      names = BatchEngine.mapItemNames(items, config?.itemNamer)
      alloc = Alloc.allocate(this.#state, "CONTEXT", OperationSubType.MAP, name, "map")
    } catch (error) {
      return rejected(error)
    }
    const services = this.#services
    return this.#launch(
      BatchEngine.execute<O>(
        alloc,
        items.map((item, index) => ({
          name: names[index]!,
          run: (child: ContextState) =>
            fromPromise(() => mapFunc(new AsyncDurableContext<L>(child, services), item, index, items))
        })),
        engine
      ),
      { awaited: true }
    )
  }

  parallel<T>(...args: ReadonlyArray<unknown>): DurablePromise<Batch.BatchResult<T>> {
    const [name, branches, config] = withName(args) as [
      string | undefined,
      Array<ParallelFunc<T, L> | NamedParallelBranch<T, L>>,
      Batch.ParallelConfig<T> | undefined
    ]
    let items: Array<{ name: string; func: ParallelFunc<T, L> }>
    let engine: BatchEngine.EngineConfig<T>
    let alloc: Alloc.Allocation
    try {
      if (!Array.isArray(branches)) throw new TypeError("Parallel operation requires an array of branch functions")
      items = branches.map((branch, index) => {
        if (typeof branch === "function") return { name: BatchEngine.branchName(undefined, index), func: branch }
        if (branch !== null && typeof branch === "object" && typeof branch.func === "function") {
          return { name: BatchEngine.branchName(branch.name, index), func: branch.func }
        }
        throw new TypeError("All branches must be functions or NamedParallelBranch objects")
      })
      engine = BatchEngine.engineConfig("parallel", config)
      alloc = Alloc.allocate(this.#state, "CONTEXT", OperationSubType.PARALLEL, name, "parallel")
    } catch (error) {
      return rejected(error)
    }
    const services = this.#services
    return this.#launch(
      BatchEngine.execute<T>(
        alloc,
        items.map((branch) => ({
          name: branch.name,
          // awaited inside an async function, as the official SDK's branch executor does (one tick less than
          // returning the branch's promise from one, which a map item's executor does)
          run: (child: ContextState) =>
            Effect.tryPromise({
              try: async () => {
                const result = await branch.func(new AsyncDurableContext<L>(child, services))
                return result
              },
              catch: (e) => e
            })
        })),
        engine
      ),
      { awaited: true }
    )
  }

  get promise(): DurablePromiseCombinators {
    const combinator =
      (kind: PromiseCombinators.Combinator) =>
      (...args: ReadonlyArray<unknown>): DurablePromise<any> => {
        const [name, promises] = withName(args) as [string | undefined, ReadonlyArray<PromiseLike<unknown>>]
        return new DurablePromise(() => {
          if (!Array.isArray(promises))
            return Promise.reject(new TypeError(`promise.${kind}: expected an array of promises`))
          // The combinator's id is taken when it is first awaited (as in the official SDK).
          const alloc = Alloc.allocate(this.#state, "STEP", OperationSubType.STEP, name, `promise.${kind}`)
          return this.#state.runtime.launch(
            this.#services,
            PromiseCombinatorsEngine.execute(
              alloc,
              PromiseCombinatorsEngine.combinePromises(kind, promises),
              kind === "allSettled" ? (PromiseCombinators.settledSerdes as Serdes<unknown>) : undefined
            )
          )
        })
      }
    return {
      all: combinator("all"),
      allSettled: combinator("allSettled"),
      any: combinator("any"),
      race: combinator("race")
    }
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
