/**
 * History events in the service's exact format (`GetDurableExecutionHistory` with
 * `IncludeExecutionData=true`): the `Event` envelope of the Lambda model plus exactly one
 * `<EventType>Details` member.
 *
 * @internal
 */
import type { Operation } from "@durable-lambda/core"

/**
 * The platform's `Date`, captured when this module loads. A test harness may replace the global `Date` with
 * a fake one while a run is in progress (`@sinonjs/fake-timers` under `skipTime`): its constructor is a
 * subclass behind a `Proxy` that defines a property on every instance, several times slower than the native
 * one. The service always builds its timestamps from explicit epoch milliseconds, so the native constructor
 * gives the same `Date` (and `instanceof Date` still holds against the fake one).
 */
const NativeDate: DateConstructor = Date

/**
 * A `Date` at epoch milliseconds `ms`, built with the platform's constructor.
 *
 * @internal
 */
export const dateOf = (ms: number): Date => new NativeDate(ms)

/**
 * A deep copy of stored data (plain objects, arrays, `Date`s, primitives), as `structuredClone` would make it
 * and several times faster on a long history. Anything else (not expected in stored events) goes through
 * `structuredClone`.
 *
 * @internal
 */
export const copyData = <A>(value: A): A => copyValue(value) as A

const copyValue = (value: unknown): unknown => {
  if (value === null || typeof value !== "object") return value
  if (Array.isArray(value)) return value.map(copyValue)
  const proto = Object.getPrototypeOf(value)
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value)) out[key] = copyValue((value as Record<string, unknown>)[key])
    return out
  }
  if (value instanceof NativeDate) return new NativeDate(value.getTime())
  return structuredClone(value)
}

/** Every `EventType` of the Lambda model. @since 0.1.0 */
export type EventType =
  | "ExecutionStarted"
  | "ExecutionSucceeded"
  | "ExecutionFailed"
  | "ExecutionTimedOut"
  | "ExecutionStopped"
  | "ContextStarted"
  | "ContextSucceeded"
  | "ContextFailed"
  | "WaitStarted"
  | "WaitSucceeded"
  | "WaitCancelled"
  | "StepStarted"
  | "StepSucceeded"
  | "StepFailed"
  | "ChainedInvokeStarted"
  | "ChainedInvokeSucceeded"
  | "ChainedInvokeFailed"
  | "ChainedInvokeTimedOut"
  | "ChainedInvokeStopped"
  | "CallbackStarted"
  | "CallbackSucceeded"
  | "CallbackFailed"
  | "CallbackTimedOut"
  | "InvocationCompleted"

/** `EventInput` / `EventResult`: a payload string; `Truncated: false` whenever a payload is present. @since 0.1.0 */
export interface EventPayload {
  readonly Payload?: string
  readonly Truncated?: boolean
}

/** `EventError`: an `ErrorObject`; `Truncated: false` whenever an error is present. @since 0.1.0 */
export interface EventError {
  readonly Payload?: Operation.ErrorObject
  readonly Truncated?: boolean
}

/** `RetryDetails` of StepSucceeded / StepFailed. @since 0.1.0 */
export interface RetryDetails {
  /** 1-based number of the attempt that just finished. */
  readonly CurrentAttempt: number
  /** Present iff a retry was scheduled (RETRY action). */
  readonly NextAttemptDelaySeconds?: number
}

/** The details member of each event type. @since 0.1.0 */
export interface EventDetails {
  readonly ExecutionStarted: { readonly Input: EventPayload; readonly ExecutionTimeout: number }
  readonly ExecutionSucceeded: { readonly Result: EventPayload }
  readonly ExecutionFailed: { readonly Error: EventError }
  readonly ExecutionTimedOut: { readonly Error: EventError }
  readonly ExecutionStopped: { readonly Error: EventError }
  readonly ContextStarted: {}
  readonly ContextSucceeded: { readonly Result: EventPayload }
  readonly ContextFailed: { readonly Error: EventError }
  readonly WaitStarted: { readonly Duration: number; readonly ScheduledEndTimestamp: Date }
  readonly WaitSucceeded: { readonly Duration: number }
  readonly WaitCancelled: { readonly Error: EventError }
  readonly StepStarted: {}
  readonly StepSucceeded: { readonly Result: EventPayload; readonly RetryDetails: RetryDetails }
  readonly StepFailed: { readonly Error: EventError; readonly RetryDetails: RetryDetails }
  readonly ChainedInvokeStarted: {
    readonly FunctionName: string
    readonly TenantId?: string
    readonly Input: EventPayload
    readonly ExecutedVersion: string
    readonly DurableExecutionArn: string
  }
  readonly ChainedInvokeSucceeded: { readonly Result: EventPayload }
  readonly ChainedInvokeFailed: { readonly Error: EventError }
  readonly ChainedInvokeTimedOut: { readonly Error: EventError }
  readonly ChainedInvokeStopped: { readonly Error: EventError }
  readonly CallbackStarted: {
    readonly CallbackId: string
    readonly HeartbeatTimeout?: number
    readonly Timeout?: number
  }
  readonly CallbackSucceeded: { readonly Result: EventPayload }
  readonly CallbackFailed: { readonly Error: EventError }
  readonly CallbackTimedOut: { readonly Error: EventError }
  readonly InvocationCompleted: {
    readonly StartTimestamp: Date
    readonly EndTimestamp: Date
    readonly RequestId: string
    readonly Error?: EventError
  }
}

/** The fields every event carries. `Id`, `Name`, `SubType`, `ParentId` are omitted when not applicable. @since 0.1.0 */
export interface EventEnvelope {
  readonly SubType?: string
  readonly EventId: number
  readonly Id?: string
  readonly Name?: string
  readonly EventTimestamp: Date
  readonly ParentId?: string
}

/**
 * One history event: `EventType`, the envelope, and the single `<EventType>Details` member.
 *
 * @since 0.1.0
 */
export type HistoryEvent = {
  readonly [T in EventType]: { readonly EventType: T } & EventEnvelope & {
      readonly [K in `${T}Details`]: EventDetails[T]
    }
}[EventType]

/** A history event of one given type. @since 0.1.0 */
export type HistoryEventOf<T extends EventType> = Extract<HistoryEvent, { readonly EventType: T }>

/** Wraps a payload string as `EventInput`/`EventResult`. */
export const payload = (value: string | undefined): EventPayload =>
  value === undefined ? {} : { Payload: value, Truncated: false }

/** Wraps an `ErrorObject` as `EventError`. */
export const error = (value: Operation.ErrorObject | undefined): EventError =>
  value === undefined ? {} : { Payload: value, Truncated: false }

/** The subject of an event: the operation fields copied into the envelope. */
export interface EventSubject {
  readonly Id?: string | undefined
  readonly Name?: string | undefined
  readonly SubType?: string | undefined
  readonly ParentId?: string | undefined
}

/** Builds an event with the envelope fields in the service's order, omitting absent ones. */
export const makeEvent = <T extends EventType>(
  type: T,
  eventId: number,
  timestamp: number,
  subject: EventSubject,
  details: EventDetails[T]
): HistoryEventOf<T> => {
  const event: Record<string, unknown> = { EventType: type }
  if (subject.SubType !== undefined) event.SubType = subject.SubType
  event.EventId = eventId
  if (subject.Id !== undefined) event.Id = subject.Id
  if (subject.Name !== undefined) event.Name = subject.Name
  event.EventTimestamp = dateOf(timestamp)
  if (subject.ParentId !== undefined) event.ParentId = subject.ParentId
  event[`${type}Details`] = details
  return event as unknown as HistoryEventOf<T>
}
