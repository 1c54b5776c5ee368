import { ServiceState } from "@durable-lambda/backend-mock"
import type { Operation } from "@durable-lambda/core"
import { Result } from "effect"

/** 2023-11-14T22:13:20.000Z: a round epoch so timestamps in assertions stay readable. */
export const T0 = 1_700_000_000_000

/** A ServiceState on a manual clock. */
export const makeState = (options: Omit<ServiceState.ServiceStateOptions, "now"> = {}) => {
  let clock = T0
  const state = new ServiceState.ServiceState({ ...options, now: () => clock })
  return {
    state,
    now: () => clock,
    advance: (ms: number) => {
      clock += ms
    },
    setTime: (ms: number) => {
      clock = ms
    }
  }
}

/** The success of a Result, or a thrown description of the unexpected error. */
export const ok = <A>(result: Result.Result<A, ServiceState.ServiceError>): A => {
  if (Result.isFailure(result)) {
    throw new Error(`expected success, got ${result.failure.code}: ${result.failure.message}`)
  }
  return result.success
}

/** The ServiceError of a Result, or a thrown complaint when it succeeded. */
export const err = <A>(result: Result.Result<A, ServiceState.ServiceError>): ServiceState.ServiceError => {
  if (Result.isSuccess(result))
    throw new Error(`expected a ServiceError, got success ${JSON.stringify(result.success)}`)
  return result.failure
}

/** A driver for one execution: keeps the current token like the SDK does. */
export const start = (state: ServiceState.ServiceState, params: ServiceState.StartExecutionParams = {}) => {
  const started = state.startExecution(params)
  const arn = started.durableExecutionArn
  let token = started.invocationInput.CheckpointToken
  return {
    arn,
    started,
    token: () => token,
    /** Checkpoints with the current token and advances it; returns the response. */
    checkpoint: (updates: ReadonlyArray<ServiceState.OperationUpdateInput>, clientToken?: string) => {
      const response = ok(state.checkpoint(arn, token, updates, clientToken))
      token = response.CheckpointToken
      return response
    },
    /** Checkpoints with the current token, expecting a ServiceError. */
    reject: (updates: ReadonlyArray<ServiceState.OperationUpdateInput>) => err(state.checkpoint(arn, token, updates)),
    /** Ends the current invocation and begins the next one. */
    reinvoke: (outcome: ServiceState.InvocationOutcome = { Status: "PENDING" }) => {
      ok(state.completeInvocation(arn, outcome))
      const next = ok(state.beginInvocation(arn))
      token = next.invocationInput.CheckpointToken
      return next
    },
    complete: (outcome: ServiceState.InvocationOutcome) => ok(state.completeInvocation(arn, outcome)),
    begin: () => {
      const next = ok(state.beginInvocation(arn))
      token = next.invocationInput.CheckpointToken
      return next
    },
    history: () => ok(state.getHistory(arn)),
    op: (id: string): Operation.Operation => {
      const found = state.operation(arn, id)
      if (found === undefined) throw new Error(`no operation ${id}`)
      return found
    }
  }
}

/** Shorthands for updates as the SDK sends them. */
export const step = (Id: string, Action: string, extra: Partial<ServiceState.OperationUpdateInput> = {}) =>
  ({ Id, Type: "STEP", SubType: "Step", Action, ...extra }) as ServiceState.OperationUpdateInput
export const context = (Id: string, Action: string, extra: Partial<ServiceState.OperationUpdateInput> = {}) =>
  ({ Id, Type: "CONTEXT", SubType: "RunInChildContext", Action, ...extra }) as ServiceState.OperationUpdateInput
export const wait = (Id: string, seconds: number, extra: Partial<ServiceState.OperationUpdateInput> = {}) =>
  ({
    Id,
    Type: "WAIT",
    SubType: "Wait",
    Action: "START",
    WaitOptions: { WaitSeconds: seconds },
    ...extra
  }) as ServiceState.OperationUpdateInput
export const callback = (
  Id: string,
  options: { TimeoutSeconds?: number; HeartbeatTimeoutSeconds?: number } = {},
  extra: Partial<ServiceState.OperationUpdateInput> = {}
) =>
  ({
    Id,
    Type: "CALLBACK",
    SubType: "Callback",
    Action: "START",
    CallbackOptions: options,
    ...extra
  }) as ServiceState.OperationUpdateInput

/** Event types of a history, in order. */
export const types = (events: ReadonlyArray<ServiceState.HistoryEvent>) => events.map((event) => event.EventType)

/** Treats test updates as core's `OperationUpdate` (for `DurableBackend` calls). */
export const updates = (
  ...list: ReadonlyArray<ServiceState.OperationUpdateInput>
): ReadonlyArray<Operation.OperationUpdate> => list as ReadonlyArray<Operation.OperationUpdate>
