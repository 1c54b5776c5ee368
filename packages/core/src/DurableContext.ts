/**
 * The durable context as an Effect service: which context (root or child) the running code belongs to, its
 * operation counter, and whether it is replaying. Every durable operation reads it, so child contexts need no
 * manual threading: `ChildContext.run` provides the child's context to its body.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type { DurableLogData, DurableLogger } from "./Logger.ts"
import * as Logger from "./Logger.ts"
import * as OperationId from "./OperationId.ts"
import type { Serdes } from "./Serdes.ts"
import type { AttemptSignal } from "./internal/attempt.ts"
import type { Runtime } from "./internal/runtime.ts"

/**
 * `replay`: operations found are completed ones being replayed (logs suppressed); `execute`: new work;
 * `replaySucceeded`: re-running a completed child whose result was too large to store (never runs new work).
 *
 * @internal
 */
export type Mode = "replay" | "execute" | "replaySucceeded"

/**
 * The state of one context. Created by the engine; user code reaches it through the `DurableContext` service
 * and treats it as opaque (its members are the engine's).
 *
 * @since 0.1.0
 */
export interface ContextState {
  /** @internal */
  readonly runtime: Runtime
  /** Raw id of this child context (its operations are numbered `<rawId>-1`, ...); undefined at the root. @internal */
  readonly rawId: string | undefined
  /** Wire id of this child context (the `ParentId` of its operations). @internal */
  readonly id: string | undefined
  /** Name of this child context, if it has one (the `operationName` of its log records). @internal */
  readonly name?: string | undefined
  /** Operations started so far in this context. @internal */
  counter: number
  /** @internal */
  mode: Mode
  /** Set while a step body runs: durable operations are not allowed there. @internal */
  readonly insideStep:
    | {
        readonly rawId: string
        readonly attempt: number
        readonly name?: string | undefined
        /** The attempt's cancellation (its `AbortSignal`). */
        readonly signal?: AttemptSignal | undefined
      }
    | undefined
  /** @internal */
  logger: DurableLogger
  /** @internal */
  modeAware: boolean
  /** Set by `configureSerdes`; inherited by child contexts created afterwards. @internal */
  serdesDefaults: SerdesDefaults | undefined
  /** The wire id of operation `counter + 1`, when replay already computed it (saves hashing it twice). @internal */
  peeked?: { readonly counter: number; readonly id: string } | undefined
  /**
   * How many virtual contexts (never checkpointed: `virtualContext`, FLAT map items) enclose this one: their
   * segments of `rawId` are not levels of the recorded operation tree. @internal
   */
  readonly virtualDepth: number
}

/** A serdes of any value. @since 0.1.0 */
export type AnySerdes = Serdes<any>
/** The reading half of a serdes (what a callback result needs). @since 0.1.0 */
export type AnySerdesDeserializer = Pick<AnySerdes, "deserialize">

/**
 * The serdes a context uses when an operation names none (the official `SerdesConfig`).
 *
 * @since 0.1.0
 */
export interface SerdesDefaults {
  /** For step, child context, map / parallel, invoke and waitForCondition payloads (default JSON). */
  readonly defaultSerdes?: AnySerdes | undefined
  /** For callback results (default: the raw string). */
  readonly defaultCallbackDeserializer?: AnySerdesDeserializer | undefined
}

/**
 * The durable context service.
 *
 * **Gotchas**: operations must be started in the same order on every replay. To run operations
 * concurrently, give each concurrent path its own child context (each has its own counter).
 *
 * @since 0.1.0
 */
export class DurableContext extends Context.Service<DurableContext, ContextState>()(
  "@durable-lambda/core/DurableContext"
) {}

/** Log data of a context: execution, request, the active operation (id and name) and attempt. @since 0.1.0 */
export const logData = (state: ContextState): DurableLogData => {
  const r = state.runtime
  const step = state.insideStep
  const operationRaw = step?.rawId ?? state.rawId
  const operationName = step === undefined ? state.name : step.name
  return {
    requestId: r.requestId ?? "",
    executionArn: r.arn,
    ...(r.tenantId === undefined ? {} : { tenantId: r.tenantId }),
    ...(operationRaw === undefined ? {} : { operationId: OperationId.hash(operationRaw) }),
    ...(operationRaw === undefined || operationName === undefined ? {} : { operationName }),
    ...(step === undefined ? {} : { attempt: step.attempt }),
    // Plugins' fields (e.g. a trace id) reach custom loggers too; the official SDK gives them to its default
    // logger only (see packages/compat/DIFFERENCES.md, [log-enrichment]).
    ...r.plugins.enrichLogContext()
  }
}

/** The context's logger: replay-aware outside steps, always on inside step bodies. @since 0.1.0 */
export const loggerOf = (state: ContextState) =>
  Logger.bind(
    state.logger,
    () => logData(state),
    () => !state.modeAware || state.insideStep !== undefined || state.mode === "execute"
  )
