/**
 * Everything one invocation shares across its contexts: the ledger, the checkpointer, the suspension
 * decision and the termination signal. Created per invocation, never shared between executions.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import type { BackendError } from "../DurableBackend.ts"
import type { ResolvedConfig } from "../Config.ts"
import type { DurableLogger } from "../Logger.ts"
import { Limits } from "../Config.ts"
import { PayloadTooLargeError } from "../Errors.ts"
import { isTerminal, type OperationStatus, type OperationUpdate } from "../Operation.ts"
import { utf8Length } from "./bytes.ts"
import { Checkpointer } from "./checkpointer.ts"
import type { Ledger } from "./ledger.ts"
import { backendFailed, executionFailed, suspended, type Termination } from "./termination.ts"
import { operationInfoMap, PluginRunner } from "./plugins.ts"

type Backend = import("../DurableBackend.ts").DurableBackend["Service"]

/**
 * The backend with `onOperationChange` reported after every checkpoint response that changes the status of
 * an operation (awaited before the response is applied).
 */
const reportingChanges = (backend: Backend, ledger: Ledger, arn: string, plugins: PluginRunner): Backend => ({
  ...backend,
  checkpoint: (request) =>
    Effect.tap(backend.checkpoint(request), (response) => {
      const ops = response.newExecutionState?.Operations ?? []
      const changed = ops.filter((op) => ledger.get(op.Id)?.Status !== op.Status)
      if (changed.length === 0) return Effect.void
      return plugins.emit("onOperationChange", () => {
        const all = new Map(ledger.all().map((op) => [op.Id, op]))
        for (const op of ops) all.set(op.Id, op)
        return {
          executionArn: arn,
          updatedOperations: operationInfoMap(changed),
          operations: operationInfoMap(all.values())
        }
      })
    })
})

/** Whether the user is blocked on an operation (the async API only knows once the promise is awaited). */
export interface AwaitHandle {
  awaited: boolean
}

export interface RuntimeOptions {
  readonly arn: string
  readonly token: string
  /** Drawn once per invocation; see `CheckpointerOptions.invocationNonce`. */
  readonly invocationNonce: string
  readonly ledger: Ledger
  readonly backend: Backend
  readonly config: ResolvedConfig
  readonly scope: Scope.Scope
  readonly termination: Deferred.Deferred<Termination>
  /** The engine's own warnings (bound to the execution's log data). */
  readonly logger: DurableLogger
  readonly requestId: string | undefined
  readonly tenantId: string | undefined
  readonly lambdaContext: unknown
  /** The instrumentation plugins of this invocation (default: none). */
  readonly plugins?: PluginRunner
  /** Wire ids the service reported as changed since the previous invocation. */
  readonly updatedOperationIds?: ReadonlySet<string>
  /** `pluginsConfig.childOperationsDepth` (validated; 0 when unset). */
  readonly childOperationsDepth?: number
}

export class Runtime {
  readonly arn: string
  readonly ledger: Ledger
  readonly config: ResolvedConfig
  readonly checkpointer: Checkpointer
  readonly scope: Scope.Scope
  readonly logger: DurableLogger
  readonly requestId: string | undefined
  readonly tenantId: string | undefined
  readonly lambdaContext: unknown
  readonly plugins: PluginRunner
  readonly updatedOperationIds: ReadonlySet<string>
  readonly childOperationsDepth: number
  private readonly termination: Deferred.Deferred<Termination>
  private executing = 0
  private readonly waiting = new Set<AwaitHandle>()
  private generation = 0
  private suspendScheduled = false
  private terminated = false
  /** Parent (wire id) of every operation this invocation sent an update for. */
  private readonly parents = new Map<string, string | undefined>()
  /** Contexts whose completion was queued, or that the batch engine closed early (wire ids). */
  private readonly finished = new Set<string>()

  constructor(options: RuntimeOptions) {
    this.arn = options.arn
    this.ledger = options.ledger
    this.config = options.config
    this.scope = options.scope
    this.termination = options.termination
    this.logger = options.logger
    this.requestId = options.requestId
    this.tenantId = options.tenantId
    this.lambdaContext = options.lambdaContext
    this.plugins = options.plugins ?? PluginRunner.none
    this.updatedOperationIds = options.updatedOperationIds ?? new Set()
    this.childOperationsDepth = options.childOperationsDepth ?? 0
    this.checkpointer = new Checkpointer({
      arn: options.arn,
      token: options.token,
      invocationNonce: options.invocationNonce,
      backend: this.plugins.has("onOperationChange")
        ? reportingChanges(options.backend, options.ledger, options.arn, this.plugins)
        : options.backend,
      ledger: options.ledger,
      maxBatchBytes: options.config.maxBatchBytes,
      scope: options.scope,
      concurrentWork: () => this.executing > 0,
      onIdle: () => {
        this.generation++
      }
    })
  }

  private readonly fibers = new Set<Fiber.Fiber<unknown, unknown>>()

  // --- cancellation --------------------------------------------------------------------------------------

  private aborter: AbortController | undefined
  private abortReason: (() => Error) | undefined
  private closed = false
  private readonly deadline = Deferred.makeUnsafe<void>()
  private deadlinePassed = false
  private timedAttempts = 0
  private timedIdle: Array<() => void> = []

  /**
   * Aborted when this invocation ends, whatever the reason: its deadline guard fired (`InvocationDeadlineError`),
   * or it returned, failed or suspended (`InvocationEndedError`). Every attempt's signal follows it. Created on
   * first read, so an invocation whose bodies never read a signal pays nothing for it.
   */
  get signal(): AbortSignal {
    if (this.aborter === undefined) {
      this.aborter = new AbortController()
      if (this.abortReason !== undefined) this.aborter.abort(this.abortReason())
    }
    return this.aborter.signal
  }

  /** Aborts the invocation's signal (the first reason wins; the error is built only if someone listens). */
  abort(reason: () => Error): void {
    if (this.abortReason !== undefined) return
    this.abortReason = reason
    if (this.aborter !== undefined) this.aborter.abort(reason())
  }

  /** Milliseconds the Lambda context reports as left (`Infinity` without one). */
  remainingTimeMillis(): number {
    const context = this.lambdaContext as { getRemainingTimeInMillis?: () => number } | undefined
    const remaining = typeof context?.getRemainingTimeInMillis === "function" ? context.getRemainingTimeInMillis() : NaN
    return typeof remaining === "number" && !Number.isNaN(remaining) ? remaining : Number.POSITIVE_INFINITY
  }

  /** Whether the deadline guard fired: the invocation is ending and a new one will replay. */
  get pastDeadline(): boolean {
    return this.deadlinePassed
  }

  /** Completes when the deadline guard fires (never, when there is no deadline). */
  get deadlineReached(): Effect.Effect<void> {
    return Deferred.await(this.deadline)
  }

  /**
   * Runs the attempt of an operation with a timeout, counted, so the deadline guard waits (bounded) until the
   * attempt has checkpointed how it ended before it flushes and ends the invocation.
   */
  timedAttempt<A, E, R>(body: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.acquireUseRelease(
      Effect.sync(() => {
        this.timedAttempts++
      }),
      () => body,
      () =>
        Effect.sync(() => {
          this.timedAttempts--
          if (this.timedAttempts === 0) for (const wake of this.timedIdle.splice(0)) wake()
        })
    )
  }

  /**
   * The deadline guard fired: aborts every attempt's signal with `reason`, lets timed attempts record
   * themselves as interrupted, and waits for them (at most `boundMillis`).
   */
  reachDeadline(reason: Error, boundMillis: number): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.deadlinePassed = true
      // abort first: completing the latch may end timed attempts (and unlink their signals) at once
      this.abort(() => reason)
      Deferred.doneUnsafe(this.deadline, Effect.void)
      const settled = Effect.callback<void>((resume) => {
        if (this.timedAttempts === 0) return resume(Effect.void)
        const wake = () => resume(Effect.void)
        this.timedIdle.push(wake)
        return Effect.sync(() => {
          this.timedIdle = this.timedIdle.filter((w) => w !== wake)
        })
      })
      return Effect.raceFirst(Effect.yieldNow.pipe(Effect.andThen(settled)), Effect.sleep(boundMillis))
    })
  }

  /**
   * Ends the invocation for good (after its output is decided and flushed): its signal aborts with `reason`,
   * and no checkpoint is ever sent on its behalf again; a straggling fiber that tries is interrupted.
   */
  close(reason: () => Error): void {
    this.closed = true
    this.terminated = true
    this.checkpointer.close()
    this.abort(reason)
  }

  /**
   * Starts an operation from promise-land (the async API): forks it with the invocation's services and
   * returns a promise that settles with its outcome, or never settles if the invocation ends first (as the
   * official SDK does: code after a suspension point must not run on un-persisted state).
   */
  launch<A>(services: Context.Context<never>, effect: Effect.Effect<A, unknown>): Promise<A> {
    const fiber = Effect.runForkWith(services)(effect)
    this.fibers.add(fiber)
    const promise = new Promise<A>((resolve, reject) => {
      fiber.addObserver((exit) => {
        this.fibers.delete(fiber)
        if (Exit.isSuccess(exit)) return resolve(exit.value)
        for (const r of exit.cause.reasons) if (r._tag === "Fail") return reject(r.error)
        for (const r of exit.cause.reasons) if (r._tag === "Die") return reject(r.defect)
        // interrupted: the invocation ended; never settle
      })
    })
    promise.catch(() => {})
    return promise
  }

  /** Interrupts every operation started through `launch` that is still running. */
  interruptLaunched(): Effect.Effect<void> {
    return Effect.suspend(() => Fiber.interruptAll([...this.fibers]))
  }

  /** Ends the invocation with `t` (first call wins) and never returns. */
  terminate(t: Termination): Effect.Effect<never> {
    return Effect.suspend(() => {
      if (!this.terminated) {
        this.terminated = true
        Deferred.doneUnsafe(this.termination, Effect.succeed(t))
      }
      return Effect.never
    })
  }

  /** Classifies a failed service call and ends the invocation accordingly. */
  backendFailure(error: BackendError): Effect.Effect<never> {
    return this.terminate(backendFailed(error, "Checkpoint failed"))
  }

  /**
   * Marks the context `id` (wire id) as finished: from now on, updates of operations under it are dropped
   * (see `checkpoint`). Completing a context (a CONTEXT SUCCEED/FAIL) does this implicitly; the batch engine
   * calls it as soon as a map/parallel reaches its completion policy, before its result is even serialized.
   */
  markFinished(id: string): void {
    this.finished.add(id)
  }

  /** Whether the update belongs to an operation with a finished (or finishing) ancestor context. */
  private underFinishedContext(update: OperationUpdate): boolean {
    let parent = update.ParentId
    for (let depth = 0; parent !== undefined && depth < 10_000; depth++) {
      if (this.finished.has(parent)) return true
      const record = this.ledger.get(parent)
      if (record !== undefined && record.Type === "CONTEXT" && isTerminal(record.Status)) return true
      parent = this.parents.has(parent) ? this.parents.get(parent) : record?.ParentId
    }
    return false
  }

  /**
   * Queues an update. `awaitAck` decides whether the caller waits for the service's acknowledgement; a
   * non-awaited update is flushed soon in the background. A failed call ends the invocation, and the caller
   * never resumes (its result would not be durable).
   *
   * Two guards run first:
   * - an update under a finished context (an item a map/parallel abandoned after reaching its completion
   *   policy, or an un-awaited operation of a child that already returned) is dropped, and the caller never
   *   resumes: the service would reject it, and the abandoned code path must not go on;
   * - a payload over the service's limit ends the execution with `PayloadTooLargeError` instead of sending a
   *   request the service would reject (operations check their payloads first and fail with a typed error;
   *   this is the last line of defence).
   */
  checkpoint(update: OperationUpdate, awaitAck: boolean): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.interrupt
      if (this.terminated) return Effect.never
      if (update.Type !== "EXECUTION") {
        if (this.underFinishedContext(update)) return Effect.never
        const size = update.Payload === undefined ? 0 : utf8Length(update.Payload)
        if (size > Limits.operationPayloadBytes) {
          return this.terminate(
            executionFailed(
              new PayloadTooLargeError({
                message: `The payload of ${update.Type} operation ${update.Name === undefined ? "" : `"${update.Name}" `}(${update.Id}, ${update.Action}) is ${size} bytes; the service accepts at most ${Limits.operationPayloadBytes}.`,
                stepId: update.Id,
                ...(update.Name === undefined ? {} : { stepName: update.Name }),
                sizeBytes: size,
                limitBytes: Limits.operationPayloadBytes
              })
            )
          )
        }
        this.parents.set(update.Id, update.ParentId)
        if (update.Type === "CONTEXT" && (update.Action === "SUCCEED" || update.Action === "FAIL")) {
          this.finished.add(update.Id)
        }
      }
      const seq = this.checkpointer.enqueue(update)
      this.generation++
      if (!awaitAck) return this.checkpointer.flushSoon(0, (e) => this.backendFailure(e))
      return this.checkpointer.flushThrough(seq).pipe(Effect.catch((e) => this.backendFailure(e)))
    })
  }

  /** Flushes every queued update; failures end the invocation. */
  flush(): Effect.Effect<void> {
    return this.checkpointer.flushAll().pipe(Effect.catch((e) => this.backendFailure(e)))
  }

  /** Runs user code counted as "executing": while any runs, the invocation does not suspend. */
  executingScope<A, E, R>(body: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.acquireUseRelease(
      Effect.sync(() => {
        this.executing++
        this.generation++
      }),
      () => body,
      () =>
        Effect.suspend(() => {
          this.executing--
          this.generation++
          return this.checkSuspend()
        })
    )
  }

  /**
   * Blocks until the operation `id` changes status in the ledger, counting as "waiting on the service" for
   * the suspension decision. While other work keeps the invocation alive, polls the service at `wakeAt`
   * (then with backoff) to notice completions in-process.
   *
   * `seen` is the status the caller last read (`"absent"` when there was no record): if the ledger already
   * holds another status when the watch is installed, this returns at once, so a change that landed between
   * the caller's read and the watch is never missed.
   */
  awaitStatusChange(
    id: string,
    handle: AwaitHandle,
    wakeAt: number | undefined,
    seen?: OperationStatus | "absent"
  ): Effect.Effect<void> {
    const wait = Effect.callback<void>((resume) => {
      const unwatch = this.ledger.watch({ id, wake: () => resume(Effect.void) })
      if (seen !== undefined && (this.ledger.get(id)?.Status ?? "absent") !== seen) resume(Effect.void)
      return Effect.sync(unwatch)
    })
    const poll = Effect.gen({ self: this }, function* () {
      let delay = wakeAt === undefined ? 1000 : Math.max(0, wakeAt - (yield* Clock.currentTimeMillis))
      for (let n = 1; ; n++) {
        yield* Effect.sleep(delay)
        yield* this.checkpointer.refresh().pipe(Effect.catch((e) => this.backendFailure(e)))
        delay = Math.min(n * 1000, 10_000)
      }
    })
    return Effect.acquireUseRelease(
      Effect.sync(() => {
        this.waiting.add(handle)
        this.generation++
      }),
      () => Effect.andThen(this.checkSuspend(), Effect.raceFirst(wait, poll as Effect.Effect<never>)),
      () =>
        Effect.sync(() => {
          this.waiting.delete(handle)
          this.generation++
        })
    )
  }

  /** Re-evaluates the suspension decision (call after a handle becomes awaited). */
  checkSuspend(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.suspendScheduled || this.terminated || !this.canSuspend()) return Effect.void
      this.suspendScheduled = true
      return Effect.forkIn(
        Effect.sleep(this.config.suspendCooldownMillis).pipe(Effect.andThen(this.trySuspend())),
        this.scope
      ).pipe(Effect.asVoid)
    })
  }

  private canSuspend(): boolean {
    if (this.executing > 0) return false
    for (const handle of this.waiting) if (handle.awaited) return true
    return false
  }

  private trySuspend(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.suspendScheduled = false
      if (this.terminated || !this.canSuspend()) return Effect.void
      const before = this.generation
      return this.flush().pipe(
        Effect.andThen(
          Effect.suspend(() => {
            if (this.generation !== before) return this.checkSuspend()
            if (!this.canSuspend()) return Effect.void
            return this.terminate(suspended)
          })
        )
      )
    })
  }
}
