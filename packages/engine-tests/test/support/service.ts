/**
 * Runs durable handlers against the one service model: a `ServiceState` on a virtual clock, with
 * `MockBackend.layerWith` as the `DurableBackend` (so every call is recorded). One execution per instance.
 *
 * Every service decision (tokens, validation, visibility, timers, callbacks, chained invokes, history) is
 * `ServiceState`'s, and the steps every runner shares (begin and complete an invocation, Exit → outcome, the
 * Lambda context, and the loop of `runWith`: invoke until the execution closes, moving the clock between
 * invocations) are backend-mock's `ServiceDriver`. This module runs the handler of each invocation, answers
 * callbacks and chained invokes while the execution is suspended (`policy`), and keeps a timeline of every
 * step taken against the state, so a run can be replayed into a fresh state: up to any checkpoint followed by
 * a crash (`crashAfter`), or restricted to the first operations it created (`cutTo`).
 */
import { type DurableBackend, Handler, type Invocation, type Operation, OperationId } from "@durable-lambda/core"
import { Context, Effect, Exit, Layer } from "effect"
import { MockBackend, ServiceDriver, ServiceState as Service } from "@durable-lambda/backend-mock"

type ChainedInvokeOutcome = Service.ChainedInvokeOutcome
type ExecutionStatus = Service.ExecutionStatus
type HistoryEventOf<T extends Service.EventType> = Service.HistoryEventOf<T>
type InvocationOutcome = Service.InvocationOutcome
type InvocationStarted = Service.InvocationStarted
type StartedExecution = Service.StartedExecution
type ServiceState = Service.ServiceState
const ServiceState = Service.ServiceState

type InvocationOutput = Invocation.InvocationOutput
type ErrorObject = Operation.ErrorObject

/** What the service can run: a `DurableHandler` or a Lambda handler function built by core. */
export type AnyHandler = Handler.DurableHandler<never> | Handler.DurableLambdaHandler

/**
 * One stored operation with its type's details flattened (`Result`, `Error`, `Attempt`, `CallbackId`,
 * `ReplayChildren`, `InputPayload`, ...). A chained invoke also carries the `FunctionName`, `TenantId` and
 * input (`InputPayload`) its ChainedInvokeStarted event recorded.
 */
export type Rec = Omit<
  Operation.Operation,
  "ExecutionDetails" | "ContextDetails" | "StepDetails" | "WaitDetails" | "CallbackDetails" | "ChainedInvokeDetails"
> &
  NonNullable<Operation.Operation["ExecutionDetails"]> &
  NonNullable<Operation.Operation["ContextDetails"]> &
  NonNullable<Operation.Operation["StepDetails"]> &
  NonNullable<Operation.Operation["WaitDetails"]> &
  NonNullable<Operation.Operation["CallbackDetails"]> & {
    readonly FunctionName?: string
    readonly TenantId?: string
  }

/** How a test answers a callback still waiting: a result or a failure. */
export type CallbackAnswer = { readonly result?: string | undefined } | { readonly error: ErrorObject }

/** A deterministic way to make progress while an execution is suspended. */
export interface Policy {
  /** Answer for a callback still waiting; `undefined` leaves it waiting. */
  readonly callback?: ((cb: Rec) => CallbackAnswer | undefined) | undefined
  /** Outcome for a chained invoke still running; `undefined` leaves it running. */
  readonly invoke?: ((inv: Rec) => ChainedInvokeOutcome | undefined) | undefined
}

/** How one invocation ended: the handler's output, or the invocation error it threw (tag and message). */
export type Outcome =
  InvocationOutput | { readonly InvocationError: { readonly _tag: string; readonly message: string } }

export interface RunOptions {
  /** Answers callbacks and chained invokes while the execution is suspended. */
  readonly policy?: Policy | undefined
  /** Default 50; a run that needs more dies (`ServiceDriverError`). */
  readonly maxInvocations?: number | undefined
  /** Live milliseconds after which invocation `n` is cut off, as a crashed process (`Runtime.ExitError`). */
  readonly interruptAfterMillis?: ((invocation: number) => number | undefined) | undefined
}

export interface RunResult {
  readonly arn: string
  /** The execution's status when the run stopped. */
  readonly status: ExecutionStatus
  /** The execution's output once it SUCCEEDED or FAILED (`GetDurableExecution`'s result or error). */
  readonly output: InvocationOutput | undefined
  readonly invocations: number
  /** Every invocation of this run, in order. */
  readonly outcomes: ReadonlyArray<Outcome>
  readonly last: Outcome
  /** Causes of the invocation errors, in order. */
  readonly invocationErrors: ReadonlyArray<unknown>
  /** Outputs of every invocation of the service that returned one (not only this run's). */
  readonly outputs: ReadonlyArray<InvocationOutput>
}

/** A point of a run to replay from: right after the applied checkpoint call with this sequence number. */
export interface Snapshot {
  readonly sequence: number
}

/** Writes the history of earlier invocations (`FakeDurableService.withHistory`). */
export interface HistoryWriter {
  /** Checkpoints with the current token, as the earlier invocation's SDK would have. */
  readonly checkpoint: (...updates: ReadonlyArray<Operation.OperationUpdate>) => void
  /** Moves the clock and fires what became due. */
  readonly advance: (millis: number) => void
}

export interface ServiceOptions {
  /** The execution input (JSON-serialized). Default `{}`. */
  readonly input?: unknown
  /** Page size forced on invocation events and `getExecutionState`. */
  readonly pageSize?: number | undefined
}

/** One step the harness took against the state (handler checkpoints come from the recorded calls). */
type Entry =
  | {
      readonly kind: "checkpoint"
      readonly updates: ReadonlyArray<Operation.OperationUpdate>
      readonly sequence?: number | undefined
    }
  | { readonly kind: "begin" }
  | { readonly kind: "complete"; readonly outcome: InvocationOutcome }
  | { readonly kind: "clock"; readonly now: number }
  | {
      readonly kind: "callback"
      readonly operationId: string
      readonly answer: CallbackAnswer | { readonly heartbeat: true }
    }
  | { readonly kind: "invoke"; readonly operationId: string; readonly outcome: ChainedInvokeOutcome }

const CRASH: ErrorObject = { ErrorType: "Runtime.ExitError", ErrorMessage: "crashed" }

const ok = ServiceDriver.orThrow

const invokeHandler = (fn: unknown, event: unknown, context: Handler.LambdaContextLike) =>
  Handler.lambdaHandlerInfo(fn) !== undefined
    ? Handler.invokeWith(fn as Handler.DurableLambdaHandler, event, context)
    : (fn as Handler.DurableHandler<never>).invoke(event, context)

/** An invocation's outcome (`ServiceDriver.outcomeOfExit`), its function error as an `InvocationError`. */
const outcomeOf = (outcome: InvocationOutcome): Outcome => {
  if (!("functionError" in outcome)) return outcome
  const { ErrorType = "Unknown", ErrorMessage = "" } = outcome.functionError
  return { InvocationError: { _tag: ErrorType, message: ErrorMessage } }
}

const flatten = (operation: Operation.Operation, invokes: ReadonlyMap<string, Partial<Rec>>): Rec => {
  const { ExecutionDetails, ContextDetails, StepDetails, WaitDetails, CallbackDetails, ChainedInvokeDetails, ...base } =
    operation
  return {
    ...base,
    ...ExecutionDetails,
    ...ContextDetails,
    ...StepDetails,
    ...WaitDetails,
    ...CallbackDetails,
    ...ChainedInvokeDetails,
    ...invokes.get(operation.Id)
  }
}

type Identified = Pick<Operation.Operation, "Id" | "Type" | "SubType" | "Name" | "ParentId" | "Status">

const identify = (operations: ReadonlyArray<Identified>): Array<string> =>
  operations
    .filter((o) => o.Type !== "EXECUTION")
    .map((o) => `${o.Id} ${o.Type}/${o.SubType ?? ""} ${o.Name ?? "-"} parent=${o.ParentId ?? "-"} ${o.Status}`)
    .sort()

/** An entry restricted to the operations in `ids` (a history cut there), or `undefined` when nothing is left. */
const restrict = (entry: Entry, ids: ReadonlySet<string>): Entry | undefined => {
  switch (entry.kind) {
    case "checkpoint":
      return { ...entry, updates: entry.updates.filter((u) => u.Type !== "EXECUTION" && ids.has(u.Id)) }
    case "complete":
      // the invocation that closed the execution crashes instead: a cut history is still running
      return "Status" in entry.outcome && entry.outcome.Status !== "PENDING"
        ? { kind: "complete", outcome: { functionError: CRASH } }
        : entry
    case "callback":
    case "invoke":
      return ids.has(entry.operationId) ? entry : undefined
    default:
      return entry
  }
}

/** One execution on a `ServiceState`, driven the way Lambda drives a durable function. */
export class FakeDurableService {
  readonly state: ServiceState
  /** The service clock, epoch milliseconds (virtual: it moves only through `advance` / `skipToNextTimer`). */
  readonly clock = { now: 0 }
  /** `DurableBackend` and `MockBackend`, built once: every invocation shares one recording backend. */
  readonly layer: Layer.Layer<DurableBackend.DurableBackend | MockBackend.MockBackend>
  /** Outputs of every invocation that returned one. */
  readonly outputs: Array<InvocationOutput> = []
  readonly #options: ServiceOptions
  readonly #mock: MockBackend.MockBackend["Service"]
  readonly #steps: Array<{ readonly entry: Entry; readonly calls: number }> = []
  #started: StartedExecution | undefined
  /** The invocation `startExecution` began, until a handler or a direct step uses it. */
  #fresh: InvocationStarted | undefined
  /** The token for the harness's own checkpoints (history writing, replays). */
  #token = ""

  constructor(options: ServiceOptions = {}) {
    this.#options = options
    this.state = new ServiceState({ now: () => this.clock.now, pageSize: options.pageSize })
    const context = Effect.runSync(Effect.scoped(Layer.build(MockBackend.layerWith(this.state))))
    this.layer = Layer.succeedContext(context)
    this.#mock = Context.get(context, MockBackend.MockBackend)
  }

  /**
   * A service whose history earlier invocations wrote: `write` checkpoints and moves the clock through the
   * service's API (not recorded as `requests`), then that invocation ends (PENDING).
   */
  static withHistory(write: (history: HistoryWriter) => void, options?: ServiceOptions): FakeDurableService {
    const service = new FakeDurableService(options)
    write({
      checkpoint: (...updates) => service.#do({ kind: "checkpoint", updates }),
      advance: (millis) => service.advance(millis)
    })
    service.#endInvocation({ Status: "PENDING" })
    return service
  }

  /** Starts the execution with `input` (the first invocation is begun, as the service does). */
  start(input: unknown = this.#options.input ?? {}): StartedExecution {
    if (this.#started !== undefined) throw new Error("the execution is already started")
    this.#started = this.state.startExecution({ input: JSON.stringify(input) })
    this.#fresh = this.#started
    this.#token = this.#started.invocationInput.CheckpointToken
    return this.#started
  }

  /** The execution's ARN (starting it with the constructor's input if nothing did yet). */
  get arn(): string {
    return (this.#started ?? this.start()).durableExecutionArn
  }

  /** Virtual time, milliseconds. */
  get now(): number {
    return this.clock.now
  }

  get status(): ExecutionStatus {
    return ok(this.state.getExecution(this.arn)).Status
  }

  /** The execution's output once it SUCCEEDED or FAILED. */
  get closed(): InvocationOutput | undefined {
    const execution = ok(this.state.getExecution(this.arn))
    switch (execution.Status) {
      case "SUCCEEDED":
        return execution.Result === undefined
          ? { Status: "SUCCEEDED" }
          : { Status: "SUCCEEDED", Result: execution.Result }
      case "FAILED":
        return execution.Error === undefined ? { Status: "FAILED" } : { Status: "FAILED", Error: execution.Error }
      default:
        return undefined
    }
  }

  /** The recording backend's inspection service. */
  mock(): Effect.Effect<MockBackend.MockBackend["Service"]> {
    return Effect.succeed(this.#mock)
  }

  // -----------------------------------------------------------------------------------------------------------
  // Invocations

  /** The next invocation: the one `startExecution` began, else a new one (`beginInvocation`). */
  event(): InvocationStarted {
    if (this.#started === undefined) this.start()
    const fresh = this.#fresh
    if (fresh !== undefined) {
      this.#fresh = undefined
      return fresh
    }
    return this.#do({ kind: "begin" })!
  }

  /**
   * Runs one invocation of `handler` and completes it: with its output, or with a function error when it
   * failed (the returned Exit) or ran past `interruptAfterMillis`.
   */
  invoke(
    handler: AnyHandler,
    options?: { readonly interruptAfterMillis?: number | undefined }
  ): Effect.Effect<Exit.Exit<InvocationOutput, unknown>> {
    return Effect.gen({ self: this }, function* () {
      const exit = yield* this.#runHandler(handler, this.event(), options?.interruptAfterMillis)
      this.#do({ kind: "complete", outcome: ServiceDriver.outcomeOfExit(exit) })
      return exit
    })
  }

  /** Invokes until the execution closes (see `runWith`). */
  run(handler: AnyHandler, options?: RunOptions): Effect.Effect<RunResult> {
    return this.runWith(() => handler, options)
  }

  /**
   * Invokes `handlerFor(n)` until the execution closes, with backend-mock's `ServiceDriver.runToCompletion`
   * (it dies when `maxInvocations` are not enough): after a function error the service invokes again; while
   * suspended, `policy` answers callbacks and invokes, otherwise the clock jumps to the next timer (ultimately
   * the execution timeout). Every step is logged for the replays.
   */
  runWith(handlerFor: (invocation: number) => AnyHandler, options: RunOptions = {}): Effect.Effect<RunResult> {
    return Effect.gen({ self: this }, function* () {
      if (this.#started === undefined) this.start()
      const outcomes: Array<Outcome> = []
      const invocationErrors: Array<unknown> = []
      if (this.status === "RUNNING") {
        const first = this.#fresh
        this.#fresh = undefined
        const { policy } = options
        // the handlers run on this fiber's services (its clock, for instance), as a child would
        const runPromise = Effect.runPromiseWith(yield* Effect.context<never>())
        yield* Effect.promise((signal) =>
          ServiceDriver.runToCompletion(this.state, this.arn, {
            first,
            maxInvocations: options.maxInvocations ?? 50,
            clock: { now: () => this.clock.now, advanceTo: (now) => void this.#do({ kind: "clock", now }) },
            wakeOn: ServiceDriver.ALL_TIMERS,
            onBegun: (started) => {
              this.#token = started.invocationInput.CheckpointToken
              if (started !== first) this.#log({ kind: "begin" })
            },
            onCompleted: (outcome) => this.#log({ kind: "complete", outcome }),
            onSuspended: policy === undefined ? undefined : () => this.applyPolicy(policy),
            invoke: async (started, n) => {
              const handler = handlerFor(n - 1)
              const limit = options.interruptAfterMillis?.(n - 1)
              const exit = await runPromise(this.#runHandler(handler, started, limit), { signal })
              const outcome = ServiceDriver.outcomeOfExit(exit)
              outcomes.push(outcomeOf(outcome))
              if (Exit.isFailure(exit)) invocationErrors.push(exit.cause)
              return outcome
            }
          })
        )
      }
      return {
        arn: this.arn,
        status: this.status,
        output: this.closed,
        invocations: outcomes.length,
        outcomes,
        last: outcomes[outcomes.length - 1]!,
        invocationErrors,
        outputs: this.outputs
      }
    })
  }

  // -----------------------------------------------------------------------------------------------------------
  // What happens outside the function

  /** `SendDurableExecutionCallbackSuccess`. */
  completeCallback(callbackId: string, result?: string): void {
    this.#do({ kind: "callback", operationId: this.#callbackOperation(callbackId), answer: { result } })
  }

  /** `SendDurableExecutionCallbackFailure`. */
  failCallback(callbackId: string, error: ErrorObject): void {
    this.#do({ kind: "callback", operationId: this.#callbackOperation(callbackId), answer: { error } })
  }

  /** `SendDurableExecutionCallbackHeartbeat`. */
  heartbeat(callbackId: string): void {
    this.#do({ kind: "callback", operationId: this.#callbackOperation(callbackId), answer: { heartbeat: true } })
  }

  /** The target of a running chained invoke finished. `match` is the invoke's name, function name or wire id. */
  completeInvoke(match: string, outcome: ChainedInvokeOutcome): void {
    const invoke = this.records().find(
      (r) => r.Type === "CHAINED_INVOKE" && r.Status === "STARTED" && [r.Name, r.FunctionName, r.Id].includes(match)
    )
    if (invoke === undefined) throw new Error(`no running invoke ${match}`)
    this.#do({ kind: "invoke", operationId: invoke.Id, outcome })
  }

  /** Answers every waiting callback and running invoke the policy has an answer for; true if any. */
  applyPolicy(policy: Policy): boolean {
    let changed = false
    for (const r of this.records()) {
      if (r.Status !== "STARTED") continue
      if (r.Type === "CALLBACK" && policy.callback !== undefined) {
        const answer = policy.callback(r)
        if (answer === undefined) continue
        this.#do({ kind: "callback", operationId: r.Id, answer })
        changed = true
      } else if (r.Type === "CHAINED_INVOKE" && policy.invoke !== undefined) {
        const outcome = policy.invoke(r)
        if (outcome === undefined) continue
        this.#do({ kind: "invoke", operationId: r.Id, outcome })
        changed = true
      }
    }
    return changed
  }

  /** When the next timer is due (the execution timeout at the latest). */
  nextTimerAt(): number | undefined {
    return this.state.nextTimerAt(this.arn)
  }

  /** Moves the clock forward and fires every timer due. */
  advance(millis: number): void {
    this.#do({ kind: "clock", now: this.clock.now + millis })
  }

  /** Jumps to the next timer and fires it; false if there is none. */
  skipToNextTimer(): boolean {
    const next = this.nextTimerAt()
    if (next === undefined) return false
    this.#do({ kind: "clock", now: Math.max(this.clock.now, next) })
    return true
  }

  // -----------------------------------------------------------------------------------------------------------
  // Views

  /** Every stored operation (visible or not), flattened, EXECUTION first, in start order. */
  records(): Array<Rec> {
    const operations = this.state.operations(this.arn)
    const invokes = new Map<string, Partial<Rec>>()
    if (operations.some((o) => o.Type === "CHAINED_INVOKE")) {
      for (const event of ok(this.state.getHistory(this.arn))) {
        if (event.EventType !== "ChainedInvokeStarted" || event.Id === undefined) continue
        const details = (event as HistoryEventOf<"ChainedInvokeStarted">).ChainedInvokeStartedDetails
        invokes.set(event.Id, {
          FunctionName: details.FunctionName,
          ...(details.TenantId === undefined ? {} : { TenantId: details.TenantId }),
          ...(details.Input.Payload === undefined ? {} : { InputPayload: details.Input.Payload })
        })
      }
    }
    return operations.map((operation) => flatten(operation, invokes))
  }

  /** The stored operation of a raw step id (for example `"2-1"`). */
  op(rawId: string): Rec | undefined {
    const id = OperationId.hash(rawId)
    return this.records().find((r) => r.Id === id)
  }

  /** The service-assigned callback id of the CALLBACK with this raw step id. */
  callbackId(rawId: string): string {
    const callbackId = this.op(rawId)?.CallbackId
    if (callbackId === undefined) throw new Error(`no callback ${rawId}`)
    return callbackId
  }

  /** Stored operations of a type, in start order. */
  ofType(type: Operation.OperationType): Array<Rec> {
    return this.records().filter((r) => r.Type === type)
  }

  /** The operations a client is given (descendants of completed contexts left out unless replayed). */
  visible(): ReadonlyArray<Operation.Operation> {
    return this.state.visibleOperations(this.arn)
  }

  /** Every checkpoint request the handler's invocations got applied, in order. */
  get requests(): ReadonlyArray<{
    readonly token: string
    readonly updates: ReadonlyArray<Operation.OperationUpdate>
  }> {
    return this.#appliedCheckpoints().map((call) => ({ token: call.checkpointToken, updates: call.updates }))
  }

  /** One snapshot after each applied checkpoint request (see `crashAfter`). */
  get snapshots(): ReadonlyArray<Snapshot> {
    return this.#appliedCheckpoints().map((call) => ({ sequence: call.sequence }))
  }

  /** Every update applied, flattened, in order. */
  updates(): Array<Operation.OperationUpdate> {
    return this.requests.flatMap((request) => request.updates)
  }

  /** Compact `ACTION TYPE/SubType "name"` lines of every update applied (for readable assertions). */
  trace(): Array<string> {
    return this.updates().map(
      (u) => `${u.Action} ${u.Type}${u.SubType ? `/${u.SubType}` : ""}${u.Name === undefined ? "" : ` "${u.Name}"`}`
    )
  }

  /** Identity of every stored operation (for comparing two runs). */
  identities(): Array<string> {
    return identify(this.state.operations(this.arn))
  }

  /** Identity of the operations a client is given. */
  visibleIdentities(): Array<string> {
    return identify(this.visible())
  }

  // -----------------------------------------------------------------------------------------------------------
  // Replays

  /**
   * A fresh service holding this run's state right after the checkpoint of `snapshot`, whose invocation then
   * crashed (a function error): its next invocation is the service's re-invocation.
   */
  crashAfter(snapshot: Snapshot): FakeDurableService {
    const replay = new FakeDurableService(this.#options)
    for (const entry of this.#timeline()) {
      replay.#do(entry)
      if (entry.kind === "checkpoint" && entry.sequence === snapshot.sequence) break
    }
    replay.#endInvocation({ functionError: CRASH })
    return replay
  }

  /**
   * A fresh service holding only the operations in `ids`, each brought to its final state of this run by the
   * same updates, timers, callbacks and invokes — a history cut there — with the execution still running.
   */
  cutTo(ids: ReadonlySet<string>): FakeDurableService {
    const replay = new FakeDurableService(this.#options)
    for (const entry of this.#timeline()) {
      const kept = restrict(entry, ids)
      if (kept !== undefined) replay.#do(kept)
    }
    replay.#endInvocation({ functionError: CRASH })
    return replay
  }

  // -----------------------------------------------------------------------------------------------------------
  // Internals

  #appliedCheckpoints(): ReadonlyArray<{
    readonly sequence: number
    readonly checkpointToken: string
    readonly updates: ReadonlyArray<Operation.OperationUpdate>
  }> {
    return Effect.runSync(this.#mock.checkpoints()).filter((call) => call.applied)
  }

  /** The harness's own steps merged with the handlers' applied checkpoints, in the order they happened. */
  #timeline(): Array<Entry> {
    const checkpoints = this.#appliedCheckpoints()
    const timeline: Array<Entry> = []
    let next = 0
    const upTo = (calls: number) => {
      for (; next < checkpoints.length && checkpoints[next]!.sequence <= calls; next++) {
        const { sequence, updates } = checkpoints[next]!
        timeline.push({ kind: "checkpoint", updates, sequence })
      }
    }
    for (const { entry, calls } of this.#steps) {
      upTo(calls)
      timeline.push(entry)
    }
    upTo(Number.POSITIVE_INFINITY)
    return timeline
  }

  #callbackOperation(callbackId: string): string {
    const callback = this.records().find((r) => r.Type === "CALLBACK" && r.CallbackId === callbackId)
    if (callback === undefined) throw new Error(`no callback ${callbackId}`)
    return callback.Id
  }

  /** Runs `handler` for the invocation `started` on the recording backend (cut off after `limit` live ms). */
  #runHandler(
    handler: AnyHandler,
    { invocationInput, requestId }: InvocationStarted,
    limit: number | undefined
  ): Effect.Effect<Exit.Exit<InvocationOutput, unknown>> {
    const context = ServiceDriver.lambdaContext({ functionName: "engine", requestId, remainingMillis: () => 900_000 })
    const invocation: Effect.Effect<InvocationOutput, unknown> = invokeHandler(handler, invocationInput, context).pipe(
      Effect.provide(this.layer)
    )
    return Effect.exit(
      limit === undefined
        ? invocation
        : invocation.pipe(
            Effect.timeoutOrElse({
              duration: limit,
              orElse: () => Effect.fail({ _tag: CRASH.ErrorType, message: CRASH.ErrorMessage })
            })
          )
    ).pipe(
      Effect.map((exit) => {
        if (Exit.isSuccess(exit)) this.outputs.push(exit.value)
        return exit
      })
    )
  }

  #endInvocation(outcome: InvocationOutcome): void {
    if (this.state.isInvocationActive(this.arn)) this.#do({ kind: "complete", outcome })
  }

  /** Applies one step to the state through its API and logs it (for replays). */
  #do(entry: Entry): InvocationStarted | undefined {
    const arn = this.arn
    let begun: InvocationStarted | undefined
    this.#fresh = undefined
    switch (entry.kind) {
      case "checkpoint":
        this.#token = ok(this.state.checkpoint(arn, this.#token, entry.updates)).CheckpointToken
        break
      case "begin":
        begun = ServiceDriver.beginInvocation(this.state, arn)
        this.#token = begun.invocationInput.CheckpointToken
        break
      case "complete":
        ServiceDriver.completeInvocation(this.state, arn, entry.outcome)
        break
      case "clock":
        this.clock.now = entry.now
        this.state.fireDueTimers(arn)
        break
      case "callback": {
        const callbackId = this.state.operation(arn, entry.operationId)?.CallbackDetails?.CallbackId ?? ""
        const answer = entry.answer
        ok(
          "heartbeat" in answer
            ? this.state.sendCallbackHeartbeat(callbackId)
            : "error" in answer
              ? this.state.sendCallbackFailure(callbackId, answer.error)
              : this.state.sendCallbackSuccess(callbackId, answer.result)
        )
        break
      }
      case "invoke":
        ok(this.state.completeChainedInvoke(arn, entry.operationId, entry.outcome))
        break
    }
    this.#log(entry)
    return begun
  }

  /** Logs a step taken against the state (for replays), with the number of backend calls made before it. */
  #log(entry: Entry): void {
    // a replayed handler checkpoint is this service's own step: its sequence belonged to the other recording
    const logged: Entry = entry.kind === "checkpoint" ? { kind: "checkpoint", updates: entry.updates } : entry
    this.#steps.push({ entry: logged, calls: Effect.runSync(this.#mock.calls).length })
  }
}

// -------------------------------------------------------------------------------------------------------------
// Replay checks
//
// Not `@durable-lambda/testing`'s `Determinism.check`, on purpose: the two ask different questions.
// `Determinism.check` restarts a single invocation from each state the recorded run passed through (just before
// each checkpoint call) and compares the first update it sends, plus the final output. These checks drive whole
// runs on the raw service model: `crashReplayMismatches` crashes the invocation after each applied checkpoint
// and lets the service's re-invocation path (InvocationCompleted with an error, a new token, the visibility
// rule, `policy` answering callbacks and invokes) run to the close, comparing the output and every stored
// operation; `prefixReplayMismatches` cuts the history to each prefix of operations in their final states
// (closed child contexts included), states no run passes through, which snapshots of a run cannot express.

const runOptions = (policy: Policy | undefined): RunOptions => ({ policy })

const compare = (
  label: string,
  result: RunResult,
  operations: Array<string>,
  expected: { readonly output: string; readonly operations: Array<string> }
): Array<string> => {
  const mismatches: Array<string> = []
  const output = JSON.stringify(result.output)
  if (output !== expected.output) mismatches.push(`${label}: output ${output} != ${expected.output}`)
  if (JSON.stringify(operations) !== JSON.stringify(expected.operations)) {
    mismatches.push(
      `${label}: operations differ:\n  got      ${operations.join("\n           ")}\n  expected ${expected.operations.join("\n           ")}`
    )
  }
  return mismatches
}

/**
 * Re-runs `handler` after a crash right after every checkpoint of a reference run (the service re-invokes it
 * on the state that checkpoint left), and reports every run whose output or operations differ. Empty when
 * every replay agrees with the reference.
 */
export const crashReplayMismatches = (
  handler: AnyHandler,
  options: { readonly input?: unknown; readonly policy?: Policy }
): Effect.Effect<{
  readonly reference: RunResult
  readonly service: FakeDurableService
  readonly mismatches: Array<string>
}> =>
  Effect.gen(function* () {
    const service = new FakeDurableService({ input: options.input })
    const reference = yield* service.run(handler, runOptions(options.policy))
    const expected = { output: JSON.stringify(reference.output), operations: service.identities() }
    const mismatches: Array<string> = []
    for (const [i, snapshot] of service.snapshots.entries()) {
      const replay = service.crashAfter(snapshot)
      const result = yield* replay.run(handler, runOptions(options.policy))
      mismatches.push(...compare(`snapshot ${i}`, result, replay.identities(), expected))
    }
    return { reference, service, mismatches }
  })

/**
 * Re-runs `handler` against every prefix of the reference run's operations (in start order, each in its final
 * state), as if the history had been cut there, and reports every run whose output or visible operations
 * differ. Empty when every replay agrees.
 */
export const prefixReplayMismatches = (
  handler: AnyHandler,
  options: { readonly input?: unknown; readonly policy?: Policy }
): Effect.Effect<{ readonly reference: RunResult; readonly prefixes: number; readonly mismatches: Array<string> }> =>
  Effect.gen(function* () {
    const service = new FakeDurableService({ input: options.input })
    const reference = yield* service.run(handler, runOptions(options.policy))
    const expected = { output: JSON.stringify(reference.output), operations: service.visibleIdentities() }
    const operations = service.records().filter((r) => r.Type !== "EXECUTION")
    const mismatches: Array<string> = []
    for (let k = 0; k <= operations.length; k++) {
      const replay = service.cutTo(new Set(operations.slice(0, k).map((r) => r.Id)))
      const result = yield* replay.run(handler, runOptions(options.policy))
      mismatches.push(...compare(`prefix ${k}`, result, replay.visibleIdentities(), expected))
    }
    return { reference, prefixes: operations.length + 1, mismatches }
  })

// -------------------------------------------------------------------------------------------------------------
// The engine tests' driver

export type Drive = FakeDurableService

export const makeDrive = (options?: ServiceOptions): Drive => new FakeDurableService(options)

/** Starts the execution with `payload` and runs it (`handlerFor(n)` may differ per invocation: a redeploy). */
export const run = (
  drive: Drive,
  handlerFor: (invocation: number) => AnyHandler,
  payload: unknown = {},
  options?: RunOptions
): Effect.Effect<RunResult> =>
  Effect.suspend(() => {
    drive.start(payload)
    return drive.runWith(handlerFor, options)
  })

/** Runs `fn` with an arbitrary event on the drive's backend, outside any invocation of the service. */
export const invokeWithEvent = (drive: Drive, fn: AnyHandler, event: unknown): Effect.Effect<Outcome> =>
  Effect.map(Effect.exit(invokeHandler(fn, event, { awsRequestId: "req" }).pipe(Effect.provide(drive.layer))), (exit) =>
    outcomeOf(ServiceDriver.outcomeOfExit(exit))
  )

/** The execution's history (`any` events, for terse assertions on their details). */
export const history = (drive: Drive, arn: string = drive.arn): ReadonlyArray<any> => ok(drive.state.getHistory(arn))

export const eventTypes = (drive: Drive, arn: string = drive.arn): Array<string> =>
  history(drive, arn).map((event) => event.EventType as string)
