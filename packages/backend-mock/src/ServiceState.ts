/**
 * An in-memory model of the Lambda durable-execution service: executions, operations, checkpoint tokens,
 * validation, history, server-side timers and the external callback / chained-invoke / stop APIs.
 *
 * Plain synchronous TypeScript driven by a clock the caller owns, so the same state machine can back
 * `MockBackend`'s `DurableBackend` layer, an HTTP loopback endpoint and the testing harness.
 *
 * @since 0.1.0
 */
import type { Invocation, Operation } from "@durable-lambda/core"
import { Result } from "effect"
import { type ApplyContext, applyUpdate } from "./internal/apply.ts"
import { decodeMarker, encodeCallbackId, isWellFormedCallbackId, sequentialUuid } from "./internal/codec.ts"
import { Errors, type ServiceError } from "./internal/errors.ts"
import { copyData, dateOf, error, type HistoryEvent, payload } from "./internal/history.ts"
import { checkToken, closeExecution, expireTokens, issueToken, newExecution, pageOf } from "./internal/lifecycle.ts"
import {
  appendEvent,
  type CheckpointResponse,
  type ExecutionRecord,
  type ExecutionStatus,
  isClosed,
  type OperationRecord,
  subjectOf,
  toOperation,
  visibleOperations
} from "./internal/model.ts"
import { compareTimers, fireOperationTimer, type Timer, timersOf } from "./internal/timers.ts"
import { asValid, type OperationUpdateInput, validateModel, validateUpdates } from "./internal/validation.ts"

export { type AwsErrorCode, INVALID_TOKEN_PREFIX, ServiceError } from "./internal/errors.ts"
export type {
  EventDetails,
  EventEnvelope,
  EventError,
  EventPayload,
  EventType,
  HistoryEvent,
  HistoryEventOf,
  RetryDetails
} from "./internal/history.ts"
export type { CheckpointResponse, ExecutionStatus } from "./internal/model.ts"
export { CALLBACK_HEARTBEAT_ERROR, CALLBACK_TIMEOUT_ERROR, type Timer, type TimerKind } from "./internal/timers.ts"
export {
  MAX_CALLBACK_TIMEOUT_SECONDS,
  MAX_DELAY_SECONDS,
  MAX_ERROR_BYTES,
  MAX_PAYLOAD_LENGTH,
  type OperationUpdateInput
} from "./internal/validation.ts"

/**
 * Configuration of a `ServiceState`.
 *
 * @since 0.1.0
 */
export interface ServiceStateOptions {
  /** The service clock, epoch milliseconds. Virtual (a test clock) or real; never read from `Date.now()`. */
  readonly now: () => number
  /** Region in generated ARNs. Default `"us-east-1"`. */
  readonly region?: string | undefined
  /** Account in generated ARNs. Default `"123456789012"`. */
  readonly accountId?: string | undefined
  /**
   * Page size forced on the invocation event's first page and on every `getExecutionState` page (the
   * smaller of it and `MaxItems` wins). Default: none (the whole state in the event, 100 per state page).
   */
  readonly pageSize?: number | undefined
  /**
   * What a checkpoint response's `NewExecutionState` carries: `"delta"` (default, as the service: the
   * operations the request touched plus those the service changed since the previous checkpoint) or
   * `"full"` (every operation, as the official TS emulator).
   */
  readonly newExecutionState?: "delta" | "full" | undefined
  /**
   * Fire due timers at the start of every service API call, as the always-running service would have.
   * Default `true`. Inspection methods (`operations`, `timers`, `dueTimers`, ...) never fire timers.
   */
  readonly autoFireTimers?: boolean | undefined
  /** Execution timeout when `startExecution` gives none. Default one year (31 622 400 s, the maximum). */
  readonly defaultExecutionTimeoutSeconds?: number | undefined
  /** Id generator for execution ids, the EXECUTION operation id and request ids. Default: deterministic. */
  readonly generateId?: (() => string) | undefined
}

/**
 * Parameters of `startExecution`.
 *
 * @since 0.1.0
 */
export interface StartExecutionParams {
  /** Function name in the ARN. Default `"durable-function"`. */
  readonly functionName?: string | undefined
  /** The JSON input payload. Default `"{}"`. */
  readonly input?: string | undefined
  /** `DurableExecutionName`. Default: the execution id. */
  readonly executionName?: string | undefined
  /** `ExecutionTimeout` in seconds. Default: the state's `defaultExecutionTimeoutSeconds`. */
  readonly timeoutSeconds?: number | undefined
}

/**
 * A started invocation: the event to pass to the handler and the request id its InvocationCompleted event
 * will carry (use it as the Lambda context's `awsRequestId`).
 *
 * @since 0.1.0
 */
export interface InvocationStarted {
  readonly invocationInput: Invocation.InvocationInput
  readonly requestId: string
}

/**
 * A started execution and its first invocation.
 *
 * @since 0.1.0
 */
export interface StartedExecution extends InvocationStarted {
  readonly durableExecutionArn: string
}

/**
 * How an invocation ended: the handler's output, or a function error (a crash, a thrown unrecoverable
 * error, a timeout) which the service answers by invoking again.
 *
 * @since 0.1.0
 */
export type InvocationOutcome = Invocation.InvocationOutput | { readonly functionError: Operation.ErrorObject }

/**
 * How a chained invoke's target execution ended (`completeChainedInvoke`).
 *
 * @since 0.1.0
 */
export type ChainedInvokeOutcome =
  | { readonly result: string | undefined }
  | { readonly error: Operation.ErrorObject }
  | { readonly timedOut: true; readonly error?: Operation.ErrorObject | undefined }
  | { readonly stopped: true; readonly error?: Operation.ErrorObject | undefined }

/**
 * `GetDurableExecution`'s answer.
 *
 * @since 0.1.0
 */
export interface ExecutionDescription extends ExecutionSummary {
  readonly InputPayload: string
  readonly Result?: string
  readonly Error?: Operation.ErrorObject
}

/**
 * One entry of `listExecutions`.
 *
 * @since 0.1.0
 */
export interface ExecutionSummary {
  readonly DurableExecutionArn: string
  readonly DurableExecutionName: string
  readonly FunctionArn: string
  readonly Status: ExecutionStatus
  readonly StartTimestamp: Date
  readonly EndTimestamp?: Date
}

/** The idempotency window of `ClientToken`. */
const CLIENT_TOKEN_TTL_MS = 15 * 60 * 1000
const DEFAULT_MAX_ITEMS = 100
const MAX_MAX_ITEMS = 1000
const MAX_CALLBACK_RESULT_BYTES = 262144

type Outcome<A> = Result.Result<A, ServiceError>

const ok = <A>(value: A): Outcome<A> => Result.succeed(value)
const fail = (error: ServiceError): Outcome<never> => Result.fail(error)

/**
 * The durable-execution service's state machine.
 *
 * **When to use**: behind `MockBackend.layer` (it creates one for you), shared between a `MockBackend` layer
 * and a test harness via `MockBackend.layerWith(state)`, or behind an HTTP endpoint. Every method is
 * synchronous; every service API returns a `Result` whose failure is a `ServiceError` carrying the AWS error
 * code, HTTP status and exact message.
 *
 * **Details**:
 * - Tokens: each invocation gets a fresh token; each checkpoint consumes the token it presents and returns
 *   the next; `getExecutionState` accepts any token of the running invocation without rotating it. Tokens
 *   of an ended invocation, consumed tokens and foreign tokens are rejected with
 *   `InvalidParameterValueException` "Invalid Checkpoint Token: ..." (the SDK's retry-by-reinvocation
 *   class). Server-side transitions never invalidate a token.
 * - Validation: the exact rules and messages of the service (emulator.md §1.6), against the pre-request
 *   state, after the model constraints (`ValidationException`).
 * - History: one EventId counter per execution starting at 1 (ExecutionStarted); each invocation's
 *   InvocationCompleted follows its checkpoint events; the terminal Execution event is always last — when an
 *   execution is closed while an invocation runs (EXECUTION checkpoint, timeout, stop), the terminal event
 *   waits for that invocation's InvocationCompleted.
 * - Time: only `options.now()`. Timers fire in `fireDueTimers()` and, unless disabled, at the start of every
 *   service API call.
 *
 * **Gotchas**: returned operations and events are copies; mutate them freely. A `ServiceState` never runs a
 * handler: a harness calls `beginInvocation`, runs the handler against the returned event (checkpointing
 * through `checkpoint` / `MockBackend`), then `completeInvocation`.
 *
 * **Example**
 *
 * ```ts
 * const state = new ServiceState({ now: () => clock })
 * const { durableExecutionArn, invocationInput } = state.startExecution({ input: '{"n":1}' })
 * const res = state.checkpoint(durableExecutionArn, invocationInput.CheckpointToken, [
 *   { Id: "c4ca4238a0b92382", Type: "STEP", SubType: "Step", Action: "SUCCEED", Payload: "2" }
 * ])
 * state.completeInvocation(durableExecutionArn, { Status: "SUCCEEDED", Result: "2" })
 * ```
 *
 * @since 0.1.0
 */
export class ServiceState {
  /** The service clock. */
  readonly now: () => number
  readonly #region: string
  readonly #accountId: string
  readonly #newExecutionState: "delta" | "full"
  readonly #autoFire: boolean
  readonly #defaultTimeoutSeconds: number
  readonly #generateId: () => string
  #pageSize: number | undefined
  #idCounter = 0
  #callbackCounter = 0
  readonly #executions = new Map<string, ExecutionRecord>()
  readonly #bySequence: Array<ExecutionRecord> = []
  readonly #callbacks = new Map<string, { readonly execution: ExecutionRecord; readonly operationId: string }>()

  constructor(options: ServiceStateOptions) {
    this.now = options.now
    this.#region = options.region ?? "us-east-1"
    this.#accountId = options.accountId ?? "123456789012"
    this.#newExecutionState = options.newExecutionState ?? "delta"
    this.#autoFire = options.autoFireTimers ?? true
    this.#defaultTimeoutSeconds = options.defaultExecutionTimeoutSeconds ?? 31622400
    this.#generateId = options.generateId ?? (() => sequentialUuid(++this.#idCounter))
    this.#pageSize = options.pageSize
  }

  // -------------------------------------------------------------------------------------------------------------
  // Configuration
  // -------------------------------------------------------------------------------------------------------------

  /** The forced page size, if any (see `ServiceStateOptions.pageSize`). */
  get pageSize(): number | undefined {
    return this.#pageSize
  }

  /**
   * Forces small pages on invocation events and `getExecutionState` (`undefined` restores the defaults), so
   * tests exercise the SDK's pagination.
   */
  setPageSize(size: number | undefined): void {
    if (size !== undefined && (!Number.isInteger(size) || size < 1)) {
      throw new RangeError(`pageSize must be a positive integer, got ${size}`)
    }
    this.#pageSize = size
  }

  // -------------------------------------------------------------------------------------------------------------
  // Executions and invocations
  // -------------------------------------------------------------------------------------------------------------

  /**
   * Starts an execution: creates the EXECUTION operation (status STARTED, `ExecutionDetails.InputPayload`),
   * records ExecutionStarted (EventId 1) and begins the first invocation.
   */
  startExecution(params: StartExecutionParams = {}): StartedExecution {
    const executionId = this.#generateId()
    const execution = newExecution({
      sequence: this.#bySequence.length,
      executionId,
      executionOperationId: this.#generateId(),
      region: this.#region,
      accountId: this.#accountId,
      functionName: params.functionName ?? "durable-function",
      name: params.executionName ?? executionId,
      input: params.input ?? "{}",
      timeoutSeconds: params.timeoutSeconds ?? this.#defaultTimeoutSeconds,
      now: this.now()
    })
    this.#executions.set(execution.arn, execution)
    this.#bySequence.push(execution)
    return { durableExecutionArn: execution.arn, ...this.#begin(execution) }
  }

  /**
   * Begins a new invocation of a running execution: expires every earlier token, issues a fresh one and
   * builds the invocation event (EXECUTION operation first, visible operations only, first page of
   * `pageSize` when forced, `NextMarker` `""` on the last page). Clears the wake-up flag.
   *
   * Fails with `ResourceNotFoundException` for an unknown ARN and `ResourceConflictException` when the
   * execution is closed or an invocation is already running.
   */
  beginInvocation(durableExecutionArn: string): Outcome<InvocationStarted> {
    const execution = this.#executions.get(durableExecutionArn)
    if (execution === undefined) return fail(Errors.executionNotFound())
    this.#autoFireFor(execution)
    if (isClosed(execution)) return fail(Errors.conflict("The execution is already closed"))
    if (execution.invocation !== undefined) {
      return fail(Errors.conflict("An invocation is already in progress for this execution"))
    }
    return ok(this.#begin(execution))
  }

  /**
   * Ends the running invocation: records InvocationCompleted (with `Error` for a function error) and, for a
   * SUCCEEDED / FAILED output, closes the execution (ExecutionSucceeded / ExecutionFailed as the last event).
   * A function error leaves the execution RUNNING and asks for another invocation (`needsInvocation`).
   *
   * **Gotchas**: when an EXECUTION checkpoint already closed the execution (the large-result path), the
   * output's `Result` is expected to be `""` and is ignored: the checkpointed payload is the result. When a
   * timeout or stop closed the execution during the invocation, the output is ignored likewise.
   */
  completeInvocation(durableExecutionArn: string, outcome: InvocationOutcome): Outcome<void> {
    const execution = this.#executions.get(durableExecutionArn)
    if (execution === undefined) return fail(Errors.executionNotFound())
    this.#autoFireFor(execution)
    const invocation = execution.invocation
    if (invocation === undefined) return fail(Errors.conflict("No invocation is in progress for this execution"))
    const now = this.now()
    expireTokens(execution)
    execution.invocation = undefined
    const functionError = "functionError" in outcome ? outcome.functionError : undefined
    appendEvent(
      execution,
      "InvocationCompleted",
      now,
      {},
      {
        StartTimestamp: dateOf(invocation.startedAt),
        EndTimestamp: dateOf(now),
        RequestId: invocation.requestId,
        ...(functionError !== undefined ? { Error: error(functionError) } : {})
      }
    )
    if (isClosed(execution)) {
      const deferred = execution.deferredTerminal
      execution.deferredTerminal = undefined
      deferred?.emit()
      return ok(undefined)
    }
    if ("functionError" in outcome) {
      execution.wakeUpPending = true
    } else if (outcome.Status === "SUCCEEDED") {
      this.#close(execution, "SUCCEEDED", { result: outcome.Result })
    } else if (outcome.Status === "FAILED") {
      this.#close(execution, "FAILED", { error: outcome.Error })
    }
    return ok(undefined)
  }

  /**
   * Whether the execution is running, idle (no invocation in progress) and a re-invocation trigger happened
   * since its last invocation began: a wait elapsed, a retry became READY, a callback or chained invoke
   * completed or timed out, or the previous invocation ended with a function error.
   */
  needsInvocation(durableExecutionArn: string): boolean {
    const execution = this.#executions.get(durableExecutionArn)
    return (
      execution !== undefined && !isClosed(execution) && execution.invocation === undefined && execution.wakeUpPending
    )
  }

  /** Whether an invocation of the execution is in progress. */
  isInvocationActive(durableExecutionArn: string): boolean {
    return this.#executions.get(durableExecutionArn)?.invocation !== undefined
  }

  /**
   * `StopDurableExecution`: closes a running execution as STOPPED (ExecutionStopped with the given error).
   * Idempotent on a closed execution (returns its end time, changes nothing).
   */
  stopExecution(
    durableExecutionArn: string,
    errorObject?: Operation.ErrorObject
  ): Outcome<{ readonly StopTimestamp: Date }> {
    const execution = this.#executions.get(durableExecutionArn)
    if (execution === undefined) return fail(Errors.executionNotFound())
    this.#autoFireFor(execution)
    if (!isClosed(execution)) this.#close(execution, "STOPPED", { error: errorObject })
    return ok({ StopTimestamp: dateOf(execution.endedAt ?? this.now()) })
  }

  // -------------------------------------------------------------------------------------------------------------
  // The two SDK-facing APIs
  // -------------------------------------------------------------------------------------------------------------

  /**
   * `CheckpointDurableExecution`.
   *
   * **Details**: in order — model constraints (`ValidationException`); execution lookup
   * (`ResourceNotFoundException`); ClientToken replay (the same `clientToken` with the same token within 15
   * minutes returns the stored response without applying anything); token validation and consumption
   * ("Checkpoint token is required" / "Invalid Checkpoint Token: ..."); closed execution ("Invalid Checkpoint
   * Token: the execution has already completed"); the service's validation rules; application of each update
   * in order. An empty `updates` is a pure refresh.
   *
   * The response carries the next token and `NewExecutionState.Operations`: the operations the request
   * touched plus those the service changed since the previous checkpoint (or every operation with
   * `newExecutionState: "full"`), in start order.
   */
  checkpoint(
    durableExecutionArn: string,
    checkpointToken: string,
    updates: ReadonlyArray<OperationUpdateInput>,
    clientToken?: string
  ): Outcome<CheckpointResponse> {
    const modelError = validateModel(updates, clientToken)
    if (modelError !== undefined) return fail(modelError)
    const execution = this.#executions.get(durableExecutionArn)
    if (execution === undefined) return fail(Errors.executionNotFound())
    this.#autoFireFor(execution)
    const now = this.now()
    if (clientToken !== undefined) {
      // Entries are stored in time order: drop expired ones from the front, stop at the first live one.
      for (const [key, entry] of execution.clientTokens) {
        if (now - entry.storedAt <= CLIENT_TOKEN_TTL_MS) break
        execution.clientTokens.delete(key)
      }
      const stored = execution.clientTokens.get(clientToken)
      // The stored response is shared with the first caller; hand replays their own copy.
      if (stored !== undefined && stored.checkpointToken === checkpointToken)
        return ok(structuredClone(stored.response))
    }
    const tokenError = checkToken(execution, checkpointToken, "checkpoint")
    if (tokenError !== undefined) return fail(tokenError)
    if (isClosed(execution)) return fail(Errors.executionClosed())
    const validationError = validateUpdates(updates, execution.operations)
    if (validationError !== undefined) return fail(validationError)

    const touched = new Set<string>()
    const context = this.#applyContext(now)
    for (const update of asValid(updates)) {
      if (update.Type === "EXECUTION") {
        this.#close(
          execution,
          update.Action === "SUCCEED" ? "SUCCEEDED" : "FAILED",
          update.Action === "SUCCEED" ? { result: update.Payload } : { error: update.Error }
        )
        touched.add(execution.executionOperationId)
      } else {
        touched.add(applyUpdate(execution, update, context))
      }
    }

    execution.tokens.set(checkpointToken, "consumed")
    const nextToken = issueToken(execution)
    for (const id of execution.changed) touched.add(id)
    execution.changed.clear()
    const operations =
      this.#newExecutionState === "full"
        ? [...execution.operations.values()]
        : [...touched].flatMap((id) => execution.operations.get(id) ?? [])
    const response: CheckpointResponse = {
      CheckpointToken: nextToken,
      NewExecutionState: { Operations: operations.map(toOperation) }
    }
    if (clientToken !== undefined) {
      execution.clientTokens.set(clientToken, { checkpointToken, storedAt: now, response })
    }
    return ok(response)
  }

  /**
   * `GetDurableExecutionState`: one page of the visible operations in start order. Descendants of a
   * SUCCEEDED/FAILED CONTEXT are omitted unless it completed with `ReplayChildren: true` (transitively).
   *
   * **Details**: `maxItems` defaults to 100 (also for 0), at most 1000 (`ValidationException` above); a forced
   * `pageSize` caps it further. `marker` is the previous page's `NextMarker`; `NextMarker` is absent on the
   * last page. Accepts any token issued to the running invocation (consumed or not) and does not rotate it.
   */
  getExecutionState(
    durableExecutionArn: string,
    checkpointToken: string,
    marker?: string,
    maxItems?: number
  ): Outcome<Invocation.ExecutionStatePage> {
    if (maxItems !== undefined && (maxItems < 0 || maxItems > MAX_MAX_ITEMS || !Number.isInteger(maxItems))) {
      return fail(Errors.invalidMaxItems(maxItems))
    }
    const execution = this.#executions.get(durableExecutionArn)
    if (execution === undefined) return fail(Errors.executionNotFound())
    this.#autoFireFor(execution)
    const tokenError = checkToken(execution, checkpointToken, "read")
    if (tokenError !== undefined) return fail(tokenError)
    let offset = 0
    if (marker !== undefined && marker !== "") {
      const decoded = decodeMarker(marker)
      if (decoded === undefined || decoded.execution !== execution.sequence) return fail(Errors.invalidMarker())
      offset = decoded.offset
    }
    const requested = maxItems === undefined || maxItems === 0 ? DEFAULT_MAX_ITEMS : maxItems
    const size = Math.min(requested, this.#pageSize ?? requested)
    return ok(pageOf(execution, offset, size))
  }

  // -------------------------------------------------------------------------------------------------------------
  // External actors: callbacks and chained invokes
  // -------------------------------------------------------------------------------------------------------------

  /**
   * `SendDurableExecutionCallbackSuccess`: the CALLBACK becomes SUCCEEDED with `CallbackDetails.Result` =
   * `result` (the request body as text), its timers are disarmed, CallbackSucceeded is recorded and an
   * invocation is requested.
   *
   * Fails with `InvalidParameterValueException` "Invalid callback id" (malformed id),
   * `ResourceNotFoundException` "Callback not found" (unknown id), `CallbackTimeoutException` (callback
   * already completed, timed out or cancelled, or execution closed), `ValidationException` (result over
   * 256 KiB).
   */
  sendCallbackSuccess(callbackId: string, result?: string): Outcome<void> {
    if (result !== undefined && new TextEncoder().encode(result).length > MAX_CALLBACK_RESULT_BYTES) {
      return fail(
        Errors.validation([
          `Value at 'result' failed to satisfy constraint: Member must have length less than or equal to ${MAX_CALLBACK_RESULT_BYTES}`
        ])
      )
    }
    return this.#completeCallback(callbackId, (execution, record, now) => {
      record.Status = "SUCCEEDED"
      record.Result = result
      appendEvent(execution, "CallbackSucceeded", now, subjectOf(record), { Result: payload(result) })
    })
  }

  /**
   * `SendDurableExecutionCallbackFailure`: the CALLBACK becomes FAILED with `CallbackDetails.Error` =
   * `errorObject`, CallbackFailed is recorded and an invocation is requested. Errors as
   * `sendCallbackSuccess`.
   */
  sendCallbackFailure(callbackId: string, errorObject?: Operation.ErrorObject): Outcome<void> {
    return this.#completeCallback(callbackId, (execution, record, now) => {
      record.Status = "FAILED"
      record.Error = errorObject
      appendEvent(execution, "CallbackFailed", now, subjectOf(record), { Error: error(errorObject) })
    })
  }

  /**
   * `SendDurableExecutionCallbackHeartbeat`: restarts the heartbeat timeout (full `HeartbeatTimeoutSeconds`
   * from now). No event. Accepted as a no-op for a callback without heartbeat timeout; errors as
   * `sendCallbackSuccess`.
   */
  sendCallbackHeartbeat(callbackId: string): Outcome<void> {
    const found = this.#openCallback(callbackId)
    if (Result.isFailure(found)) return fail(found.failure)
    const { record } = found.success
    if (record.heartbeatTimeoutSeconds !== undefined) {
      record.heartbeatTimeoutAt = this.now() + record.heartbeatTimeoutSeconds * 1000
    }
    return ok(undefined)
  }

  /**
   * Completes a STARTED CHAINED_INVOKE as its target would: `{ result }` → SUCCEEDED
   * (ChainedInvokeSucceeded), `{ error }` → FAILED, `{ timedOut: true }` → TIMED_OUT, `{ stopped: true }` →
   * STOPPED, each with `ChainedInvokeDetails` and an invocation request.
   *
   * Fails with `ResourceNotFoundException` for an unknown execution or operation,
   * `InvalidParameterValueException` for a non-CHAINED_INVOKE operation and `ResourceConflictException` when
   * it is not running or the execution is closed.
   */
  completeChainedInvoke(
    durableExecutionArn: string,
    operationId: string,
    outcome: ChainedInvokeOutcome
  ): Outcome<void> {
    const execution = this.#executions.get(durableExecutionArn)
    if (execution === undefined) return fail(Errors.executionNotFound())
    this.#autoFireFor(execution)
    const record = execution.operations.get(operationId)
    if (record === undefined) return fail(Errors.operationNotFound())
    if (record.Type !== "CHAINED_INVOKE") {
      return fail(Errors.invalidParameter(`Operation ${operationId} is not a CHAINED_INVOKE`))
    }
    if (isClosed(execution) || record.Status !== "STARTED") {
      return fail(Errors.conflict("The chained invoke is not running"))
    }
    const now = this.now()
    record.EndTimestamp = now
    if ("timedOut" in outcome) {
      record.Status = "TIMED_OUT"
      record.Error = outcome.error
      appendEvent(execution, "ChainedInvokeTimedOut", now, subjectOf(record), { Error: error(outcome.error) })
    } else if ("stopped" in outcome) {
      record.Status = "STOPPED"
      record.Error = outcome.error
      appendEvent(execution, "ChainedInvokeStopped", now, subjectOf(record), { Error: error(outcome.error) })
    } else if ("result" in outcome) {
      record.Status = "SUCCEEDED"
      record.Result = outcome.result
      appendEvent(execution, "ChainedInvokeSucceeded", now, subjectOf(record), { Result: payload(outcome.result) })
    } else {
      record.Status = "FAILED"
      record.Error = outcome.error
      appendEvent(execution, "ChainedInvokeFailed", now, subjectOf(record), { Error: error(outcome.error) })
    }
    execution.changed.add(record.Id)
    execution.wakeUpPending = true
    return ok(undefined)
  }

  // -------------------------------------------------------------------------------------------------------------
  // Timers
  // -------------------------------------------------------------------------------------------------------------

  /** Every pending timer (of one execution, or of all), in firing order. */
  timers(durableExecutionArn?: string): ReadonlyArray<Timer> {
    return this.#select(durableExecutionArn).flatMap(timersOf).sort(compareTimers)
  }

  /** The timers due at `now()` (not yet fired). */
  dueTimers(durableExecutionArn?: string): ReadonlyArray<Timer> {
    const now = this.now()
    return this.timers(durableExecutionArn).filter((timer) => timer.at <= now)
  }

  /** When the next timer is due, or `undefined` when nothing is scheduled. */
  nextTimerAt(durableExecutionArn?: string): number | undefined {
    return this.timers(durableExecutionArn)[0]?.at
  }

  /**
   * Fires every timer due at `now()`, earliest first, and returns them: WAIT → SUCCEEDED (WaitSucceeded),
   * STEP PENDING → READY (no event), CALLBACK → TIMED_OUT (CallbackTimedOut with `Callback.Timeout` /
   * `Callback.Heartbeat`), execution → TIMED_OUT (ExecutionTimedOut). Each firing requests an invocation.
   */
  fireDueTimers(durableExecutionArn?: string): ReadonlyArray<Timer> {
    return this.#select(durableExecutionArn)
      .flatMap((execution) => this.#fireDue(execution))
      .sort(compareTimers)
  }

  // -------------------------------------------------------------------------------------------------------------
  // Inspection
  // -------------------------------------------------------------------------------------------------------------

  /** `GetDurableExecution`: status, input, result or error, timestamps. */
  getExecution(durableExecutionArn: string): Outcome<ExecutionDescription> {
    const execution = this.#executions.get(durableExecutionArn)
    if (execution === undefined) return fail(Errors.executionNotFound())
    this.#autoFireFor(execution)
    return ok({
      ...summaryOf(execution),
      InputPayload: execution.input,
      ...(execution.result !== undefined ? { Result: execution.result } : {}),
      ...(execution.error !== undefined ? { Error: structuredClone(execution.error) } : {})
    })
  }

  /** Every execution, in start order. */
  listExecutions(): ReadonlyArray<ExecutionSummary> {
    return this.#bySequence.map((execution) => {
      this.#autoFireFor(execution)
      return summaryOf(execution)
    })
  }

  /**
   * `GetDurableExecutionHistory` (with execution data): every event in EventId order, or only those from
   * index `start` on. History only grows, so a watcher that has read `start` events reads just the new ones
   * (a copy of the part asked for, not of the whole history).
   */
  getHistory(durableExecutionArn: string, start: number = 0): Outcome<ReadonlyArray<HistoryEvent>> {
    const execution = this.#executions.get(durableExecutionArn)
    if (execution === undefined) return fail(Errors.executionNotFound())
    this.#autoFireFor(execution)
    const events = execution.events
    if (start <= 0) return ok(copyData(events))
    return ok(start >= events.length ? [] : copyData(events.slice(start)))
  }

  /** Every stored operation (visible or not), EXECUTION first, in start order. Empty for an unknown ARN. */
  operations(durableExecutionArn: string): ReadonlyArray<Operation.Operation> {
    const execution = this.#executions.get(durableExecutionArn)
    return execution === undefined ? [] : [...execution.operations.values()].map(toOperation)
  }

  /**
   * The operations a client is given (the invocation event, `getExecutionState`), EXECUTION first, in start
   * order: descendants of a completed CONTEXT are left out unless it replays its children. Unlike
   * `getExecutionState` it needs no token, so it also answers between invocations and after the execution
   * closed. Empty for an unknown ARN.
   */
  visibleOperations(durableExecutionArn: string): ReadonlyArray<Operation.Operation> {
    const execution = this.#executions.get(durableExecutionArn)
    return execution === undefined ? [] : visibleOperations(execution).map(toOperation)
  }

  /** One stored operation by Id. */
  operation(durableExecutionArn: string, operationId: string): Operation.Operation | undefined {
    const record = this.#executions.get(durableExecutionArn)?.operations.get(operationId)
    return record === undefined ? undefined : toOperation(record)
  }

  // -------------------------------------------------------------------------------------------------------------
  // Internals
  // -------------------------------------------------------------------------------------------------------------

  #select(durableExecutionArn: string | undefined): Array<ExecutionRecord> {
    if (durableExecutionArn === undefined) return [...this.#bySequence]
    const execution = this.#executions.get(durableExecutionArn)
    return execution === undefined ? [] : [execution]
  }

  #autoFireFor(execution: ExecutionRecord): void {
    if (this.#autoFire) this.#fireDue(execution)
  }

  #fireDue(execution: ExecutionRecord): Array<Timer> {
    const fired: Array<Timer> = []
    const now = this.now()
    for (;;) {
      const next = timersOf(execution)[0]
      if (next === undefined || next.at > now) return fired
      if (next.kind === "ExecutionTimeout") {
        this.#close(
          execution,
          "TIMED_OUT",
          { error: { ErrorMessage: `Execution timed out after ${execution.timeoutSeconds} seconds.` } },
          next.at
        )
      } else {
        fireOperationTimer(execution, next)
      }
      fired.push(next)
    }
  }

  #begin(execution: ExecutionRecord): InvocationStarted {
    expireTokens(execution)
    const token = issueToken(execution)
    execution.invocation = { requestId: this.#generateId(), startedAt: this.now() }
    execution.invocationCount += 1
    execution.wakeUpPending = false
    // What the service changed since the previous invocation (timers fired, callbacks answered, invokes done).
    const updated = execution.invocationCount > 1 ? [...execution.changed] : []
    execution.changed.clear()
    const first = pageOf(execution, 0, this.#pageSize ?? Number.POSITIVE_INFINITY)
    return {
      invocationInput: {
        DurableExecutionArn: execution.arn,
        CheckpointToken: token,
        InitialExecutionState: { Operations: first.Operations ?? [], NextMarker: first.NextMarker ?? "" },
        UpdatedOperationIds: updated
      },
      requestId: execution.invocation.requestId
    }
  }

  #applyContext(now: number): ApplyContext {
    return {
      now,
      newCallbackId: (execution, operationId) => {
        const id = encodeCallbackId(execution.sequence, operationId, ++this.#callbackCounter)
        this.#callbacks.set(id, { execution, operationId })
        return id
      },
      childExecutionArn: (functionName) => {
        const parts = functionName.split(":")
        const [name, qualifier] = functionName.startsWith("arn:") ? [parts[6], parts[7]] : [parts[0], parts[1]]
        const version = qualifier ?? "$LATEST"
        const id = this.#generateId()
        return {
          arn: `arn:aws:lambda:${this.#region}:${this.#accountId}:function:${name ?? functionName}:${version}/durable-execution/${id}/${id}`,
          version
        }
      }
    }
  }

  #close(
    execution: ExecutionRecord,
    status: Exclude<ExecutionStatus, "RUNNING">,
    data: { readonly result?: string | undefined; readonly error?: Operation.ErrorObject | undefined },
    at: number = this.now()
  ): void {
    closeExecution(execution, status, data, at, this.now)
  }

  #openCallback(
    callbackId: string
  ): Outcome<{ readonly execution: ExecutionRecord; readonly record: OperationRecord }> {
    if (!isWellFormedCallbackId(callbackId)) return fail(Errors.invalidCallbackId())
    const entry = this.#callbacks.get(callbackId)
    if (entry === undefined) return fail(Errors.callbackNotFound())
    const { execution } = entry
    this.#autoFireFor(execution)
    const record = execution.operations.get(entry.operationId)
    if (record === undefined || isClosed(execution) || record.Status !== "STARTED") return fail(Errors.callbackClosed())
    return ok({ execution, record })
  }

  #completeCallback(
    callbackId: string,
    complete: (execution: ExecutionRecord, record: OperationRecord, now: number) => void
  ): Outcome<void> {
    const found = this.#openCallback(callbackId)
    if (Result.isFailure(found)) return fail(found.failure)
    const { execution, record } = found.success
    const now = this.now()
    record.EndTimestamp = now
    record.callbackTimeoutAt = undefined
    record.heartbeatTimeoutAt = undefined
    complete(execution, record, now)
    execution.changed.add(record.Id)
    execution.wakeUpPending = true
    return ok(undefined)
  }
}

const summaryOf = (execution: ExecutionRecord): ExecutionSummary => ({
  DurableExecutionArn: execution.arn,
  DurableExecutionName: execution.name,
  FunctionArn: execution.functionArn,
  Status: execution.status,
  StartTimestamp: dateOf(execution.startedAt),
  ...(execution.endedAt !== undefined ? { EndTimestamp: dateOf(execution.endedAt) } : {})
})
