/**
 * An in-memory `DurableBackend` for tests: core's backend service implemented over a `ServiceState`, plus an
 * inspection service (`MockBackend`) that records every call and injects faults.
 *
 * @since 0.1.0
 */
import { DurableBackend, type Operation } from "@durable-lambda/core"
import { Clock, Context, Duration, Effect, Layer, Ref, Result } from "effect"
import * as RecordedCall from "./RecordedCall.ts"
import { ServiceState, type ServiceStateOptions } from "./ServiceState.ts"

/**
 * A `BackendError` reason to inject: a reason value, or just its tag (a default message is used).
 *
 * @since 0.1.0
 */
export type ReasonInput = DurableBackend.BackendErrorReason | DurableBackend.BackendErrorReason["_tag"]

/**
 * Options of `failNext`.
 *
 * @since 0.1.0
 */
export interface FailNextOptions {
  /**
   * Apply the checkpoint to the service state first, then fail the call anyway — a response lost on the way
   * back (tests ClientToken retries). Ignored for `getExecutionState`. Default `false`.
   */
  readonly afterApply?: boolean | undefined
}

/**
 * Options of `MockBackend.layer`: every `ServiceState` option (the clock defaults to Effect's `Clock`, so
 * `TestClock` drives it under `it.effect`) plus artificial latency.
 *
 * @since 0.1.0
 */
export interface MockBackendOptions extends Omit<ServiceStateOptions, "now"> {
  /** The service clock. Default: Effect's `Clock` at layer construction (`TestClock` in `it.effect`). */
  readonly now?: (() => number) | undefined
  /** Latency added before every call (`Effect.sleep`). Default none. */
  readonly latency?: Duration.Input | undefined
}

/**
 * Options of `MockBackend.layerWith`.
 *
 * @since 0.1.0
 */
export interface MockBackendWithOptions {
  /** Latency added before every call (`Effect.sleep`). Default none. */
  readonly latency?: Duration.Input | undefined
}

interface Fault {
  readonly remaining: number
  readonly reason: DurableBackend.BackendErrorReason
  readonly afterApply: boolean
}

/**
 * The inspection and fault-injection side of the mock backend.
 *
 * **When to use**: `yield* MockBackend` in a test that runs code against `DurableBackend` provided by
 * `MockBackend.layer()`, to start executions (`state.startExecution()`), assert what was checkpointed, and make
 * the next calls fail.
 *
 * **Gotchas**: with `latency` under `it.effect`, calls sleep on the `TestClock`: advance it (or fork the call)
 * or they never finish. `failNext` failures are recorded with `injected: true` and never reach the state.
 *
 * @since 0.1.0
 */
export class MockBackend extends Context.Service<
  MockBackend,
  {
    /** The service state behind the backend (start executions, drive timers and callbacks, read history). */
    readonly state: ServiceState
    /** The `DurableBackend` implementation the layer also provides. */
    readonly backend: DurableBackend.DurableBackend["Service"]
    /** Every recorded call, in call order. */
    readonly calls: Effect.Effect<ReadonlyArray<RecordedCall.RecordedCall>>
    /** The recorded checkpoint calls, in call order (successful, rejected and injected). */
    readonly checkpoints: () => Effect.Effect<ReadonlyArray<RecordedCall.Checkpoint>>
    /** Every update with this operation Id from applied checkpoint calls, in order. */
    readonly updatesFor: (operationId: string) => Effect.Effect<ReadonlyArray<Operation.OperationUpdate>>
    /** How many calls of a kind were recorded. */
    readonly countBy: (kind: RecordedCall.Kind) => Effect.Effect<number>
    /** Every stored operation of an execution (visible or not), EXECUTION first. */
    readonly operations: (durableExecutionArn: string) => Effect.Effect<ReadonlyArray<Operation.Operation>>
    /**
     * Fails the next `count` calls of `kind` with `reason` (queued after earlier `failNext`s of that kind).
     */
    readonly failNext: (
      kind: RecordedCall.Kind,
      count: number,
      reason: ReasonInput,
      options?: FailNextOptions
    ) => Effect.Effect<void>
    /** Forces small pages on invocation events and `getExecutionState` (`undefined` restores defaults). */
    readonly forcePageSize: (size: number | undefined) => Effect.Effect<void>
    /** Sets (or with `undefined` removes) the latency added before every call. */
    readonly setLatency: (latency: Duration.Input | undefined) => Effect.Effect<void>
    /** Forgets the recorded calls (the sequence restarts at 1) and pending faults. */
    readonly reset: Effect.Effect<void>
  }
>()("@durable-lambda/backend-mock/MockBackend") {
  /**
   * Builds the service over an existing state (no layer).
   *
   * @since 0.1.0
   */
  static readonly make = (state: ServiceState, options: MockBackendWithOptions = {}) => make(state, options)

  /**
   * Provides both `DurableBackend` and `MockBackend` over a fresh `ServiceState`.
   *
   * **Example**
   *
   * ```ts
   * Effect.gen(function*() {
   *   const mock = yield* MockBackend.MockBackend
   *   const { durableExecutionArn, invocationInput } = mock.state.startExecution()
   *   // run the handler with invocationInput; it checkpoints through DurableBackend
   *   assert.strictEqual(yield* mock.countBy("checkpoint"), 1)
   * }).pipe(Effect.provide(MockBackend.layer()))
   * ```
   *
   * @since 0.1.0
   */
  static readonly layer = (
    options: MockBackendOptions = {}
  ): Layer.Layer<DurableBackend.DurableBackend | MockBackend> =>
    Layer.provideMerge(
      backendLayer,
      Layer.effect(
        MockBackend,
        Effect.gen(function* () {
          const clock = yield* Clock.Clock
          const { latency, now, ...stateOptions } = options
          const state = new ServiceState({ ...stateOptions, now: now ?? (() => clock.currentTimeMillisUnsafe()) })
          return yield* make(state, { latency })
        })
      )
    )

  /**
   * Provides both `DurableBackend` and `MockBackend` over an existing `ServiceState`, shared with whoever else
   * holds it (a test harness, an HTTP endpoint, another layer).
   *
   * @since 0.1.0
   */
  static readonly layerWith = (
    state: ServiceState,
    options: MockBackendWithOptions = {}
  ): Layer.Layer<DurableBackend.DurableBackend | MockBackend> =>
    Layer.provideMerge(backendLayer, Layer.effect(MockBackend, make(state, options)))
}

/**
 * Provides `DurableBackend` and `MockBackend` over a fresh `ServiceState` (same as `MockBackend.layer`).
 *
 * @since 0.1.0
 */
export const layer = (options?: MockBackendOptions): Layer.Layer<DurableBackend.DurableBackend | MockBackend> =>
  MockBackend.layer(options)

/**
 * Provides `DurableBackend` and `MockBackend` over an existing `ServiceState` (same as `MockBackend.layerWith`).
 *
 * @since 0.1.0
 */
export const layerWith = (
  state: ServiceState,
  options?: MockBackendWithOptions
): Layer.Layer<DurableBackend.DurableBackend | MockBackend> => MockBackend.layerWith(state, options)

const backendLayer = Layer.effect(
  DurableBackend.DurableBackend,
  Effect.gen(function* () {
    const mock = yield* MockBackend
    return mock.backend
  })
)

/**
 * The reason a tag stands for, with a default message.
 *
 * @since 0.1.0
 */
export const reasonFor = (input: ReasonInput): DurableBackend.BackendErrorReason => {
  if (typeof input !== "string") return input
  switch (input) {
    case "InvalidCheckpointToken":
      return new DurableBackend.InvalidCheckpointToken({ message: "Invalid Checkpoint Token: injected fault" })
    case "Throttled":
      return new DurableBackend.Throttled({ message: "Rate exceeded (injected fault)" })
    case "ServiceUnavailable":
      return new DurableBackend.ServiceUnavailable({ message: "Service unavailable (injected fault)", statusCode: 500 })
    case "InvalidParameter":
      return new DurableBackend.InvalidParameter({
        message: "Invalid parameter (injected fault)",
        errorCode: "InvalidParameterValueException"
      })
    case "PayloadTooLarge":
      return new DurableBackend.PayloadTooLarge({ message: "Request too large (injected fault)" })
    case "KmsError":
      return new DurableBackend.KmsError({
        message: "KMS access denied (injected fault)",
        errorCode: "KMSAccessDeniedException"
      })
    case "ExecutionNotFound":
      return new DurableBackend.ExecutionNotFound({ message: "Execution not found (injected fault)" })
  }
}

const make = Effect.fnUntraced(function* (state: ServiceState, options: MockBackendWithOptions) {
  // The call log grows by one entry per call; keep it in one array (appending, never copying) and index the
  // applied checkpoints, so recording and idempotent-replay detection cost O(1) per call on long executions.
  // An entry is built as its `RecordedCall` class (a Schema parse of the whole call, every update included)
  // only when the log is read: under a test harness a long execution makes thousands of calls nobody reads.
  const recorded: Array<RecordedCall.RecordedCall | (() => RecordedCall.RecordedCall)> = []
  const built = (): ReadonlyArray<RecordedCall.RecordedCall> => {
    for (let i = 0; i < recorded.length; i++) {
      const entry = recorded[i]!
      if (typeof entry === "function") recorded[i] = entry()
    }
    return recorded as Array<RecordedCall.RecordedCall>
  }
  // Applied (checkpoint token, ClientToken) pairs per execution ARN: the ARN, long and the same string on every
  // call, is looked up as is rather than hashed again inside a composite key.
  const applied = new Map<string, Set<string>>()
  const appliedKey = (token: string, clientToken: string) => `${token}\u0000${clientToken}`
  const calls = Effect.sync((): ReadonlyArray<RecordedCall.RecordedCall> => [...built()])
  const faults = yield* Ref.make<Record<RecordedCall.Kind, ReadonlyArray<Fault>>>({
    checkpoint: [],
    getExecutionState: []
  })
  const latency = yield* Ref.make<Duration.Duration | undefined>(
    options.latency === undefined ? undefined : Duration.fromInputUnsafe(options.latency)
  )

  const record = (build: (sequence: number) => RecordedCall.RecordedCall) =>
    Effect.sync(() => {
      const sequence = recorded.length + 1
      recorded.push(() => build(sequence))
    })

  /** Indexes a checkpoint the state applied, so a retry with its ClientToken is recognised as a replay. */
  const markApplied = (request: DurableBackend.CheckpointRequest) => {
    if (request.clientToken !== undefined) {
      let keys = applied.get(request.durableExecutionArn)
      if (keys === undefined) applied.set(request.durableExecutionArn, (keys = new Set()))
      keys.add(appliedKey(request.checkpointToken, request.clientToken))
    }
  }

  const takeFault = (kind: RecordedCall.Kind) =>
    Ref.modify(faults, (all): [Fault | undefined, Record<RecordedCall.Kind, ReadonlyArray<Fault>>] => {
      const [head, ...rest] = all[kind]
      if (head === undefined) return [undefined, all]
      const queue = head.remaining > 1 ? [{ ...head, remaining: head.remaining - 1 }, ...rest] : rest
      return [head, { ...all, [kind]: queue }]
    })

  const delay = Effect.gen(function* () {
    const duration = yield* Ref.get(latency)
    if (duration !== undefined) yield* Effect.sleep(duration)
  })

  const isReplay = (request: DurableBackend.CheckpointRequest) => {
    if (request.clientToken === undefined) return false
    const keys = applied.get(request.durableExecutionArn)
    return keys !== undefined && keys.has(appliedKey(request.checkpointToken, request.clientToken))
  }

  const checkpoint = Effect.fn("MockBackend.checkpoint")(function* (request: DurableBackend.CheckpointRequest) {
    yield* delay
    const fault = yield* takeFault("checkpoint")
    const base = {
      durableExecutionArn: request.durableExecutionArn,
      checkpointToken: request.checkpointToken,
      ...(request.clientToken !== undefined ? { clientToken: request.clientToken } : {}),
      // (a copy of the list, as the request was: the entry is built later)
      updates: [...request.updates]
    }
    if (fault !== undefined && !fault.afterApply) {
      const error = DurableBackend.BackendError.of("checkpoint", fault.reason)
      yield* record(
        (sequence) => new RecordedCall.Checkpoint({ ...base, sequence, error, injected: true, applied: false })
      )
      return yield* Effect.fail(error)
    }
    const replay = isReplay(request)
    const result = state.checkpoint(
      request.durableExecutionArn,
      request.checkpointToken,
      request.updates,
      request.clientToken
    )
    if (Result.isFailure(result)) {
      const error = result.failure.toBackendError("checkpoint")
      yield* record(
        (sequence) => new RecordedCall.Checkpoint({ ...base, sequence, error, injected: false, applied: false })
      )
      return yield* Effect.fail(error)
    }
    const response: RecordedCall.CheckpointResponse = {
      checkpointToken: result.success.CheckpointToken,
      newExecutionState: result.success.NewExecutionState
    }
    if (!replay) markApplied(request)
    if (fault !== undefined) {
      const error = DurableBackend.BackendError.of("checkpoint", fault.reason)
      yield* record(
        (sequence) => new RecordedCall.Checkpoint({ ...base, sequence, error, injected: true, applied: !replay })
      )
      return yield* Effect.fail(error)
    }
    yield* record(
      (sequence) => new RecordedCall.Checkpoint({ ...base, sequence, response, injected: false, applied: !replay })
    )
    return response satisfies DurableBackend.CheckpointResult
  })

  const getExecutionState = Effect.fn("MockBackend.getExecutionState")(function* (
    request: DurableBackend.GetExecutionStateRequest
  ) {
    yield* delay
    const fault = yield* takeFault("getExecutionState")
    const base = {
      durableExecutionArn: request.durableExecutionArn,
      checkpointToken: request.checkpointToken,
      ...(request.marker !== undefined ? { marker: request.marker } : {}),
      ...(request.maxItems !== undefined ? { maxItems: request.maxItems } : {})
    }
    if (fault !== undefined) {
      const error = DurableBackend.BackendError.of("getExecutionState", fault.reason)
      yield* record((sequence) => new RecordedCall.GetExecutionState({ ...base, sequence, error, injected: true }))
      return yield* Effect.fail(error)
    }
    const result = state.getExecutionState(
      request.durableExecutionArn,
      request.checkpointToken,
      request.marker,
      request.maxItems
    )
    if (Result.isFailure(result)) {
      const error = result.failure.toBackendError("getExecutionState")
      yield* record((sequence) => new RecordedCall.GetExecutionState({ ...base, sequence, error, injected: false }))
      return yield* Effect.fail(error)
    }
    const response = result.success
    yield* record((sequence) => new RecordedCall.GetExecutionState({ ...base, sequence, response, injected: false }))
    return response
  })

  const checkpoints = () =>
    Effect.map(calls, (recorded) =>
      recorded.filter((call): call is RecordedCall.Checkpoint => call._tag === "Checkpoint")
    )

  return MockBackend.of({
    state,
    backend: DurableBackend.DurableBackend.of({ checkpoint, getExecutionState }),
    calls,
    checkpoints,
    updatesFor: (operationId) =>
      Effect.map(checkpoints(), (recorded) =>
        recorded.filter((call) => call.applied).flatMap((call) => call.updates.filter((u) => u.Id === operationId))
      ),
    countBy: (kind) =>
      Effect.map(calls, (recorded) => recorded.filter((call) => RecordedCall.kindOf(call) === kind).length),
    operations: (durableExecutionArn) => Effect.sync(() => state.operations(durableExecutionArn)),
    failNext: (kind, count, reason, failOptions) =>
      Ref.update(faults, (all) =>
        count <= 0
          ? all
          : {
              ...all,
              [kind]: [
                ...all[kind],
                { remaining: count, reason: reasonFor(reason), afterApply: failOptions?.afterApply ?? false }
              ]
            }
      ),
    forcePageSize: (size) => Effect.sync(() => state.setPageSize(size)),
    setLatency: (input) => Ref.set(latency, input === undefined ? undefined : Duration.fromInputUnsafe(input)),
    reset: Effect.andThen(
      Effect.sync(() => {
        recorded.length = 0
        applied.clear()
      }),
      Ref.set(faults, { checkpoint: [], getExecutionState: [] })
    )
  })
})
