/**
 * Engine settings for one durable function: checkpointing mode, suspension cooldown, logging.
 *
 * @since 0.1.0
 */
import type { DurableInstrumentationPlugin, PluginsConfig } from "./Instrumentation.ts"
import type { DurableLogger } from "./Logger.ts"

/**
 * When checkpoints are sent, trading durability for fewer service calls (as in the Rust SDK):
 * - `eager` (default): every step's result is durable before the step returns. Updates that need no answer (an
 *   at-least-once step's START, a child context's START and completion, whose operations are already durable)
 *   ride along with the next call.
 * - `batched`: step and child-context results are queued and sent together at the next macrotask, or sooner
 *   when a batch fills or an update needs an answer. A crash may lose (and so re-run) the last batch.
 * - `optimistic`: nothing is awaited unless the engine needs the answer (an at-most-once START, a wait's
 *   START before suspending); updates stream in the background. Fewest calls, most re-runs after a crash.
 *
 * Before suspending and before returning, every mode flushes and awaits everything queued.
 *
 * @since 0.1.0
 */
export type CheckpointingMode = "eager" | "batched" | "optimistic"

/**
 * Options of `withDurableExecution` / `Handler.make`.
 *
 * @since 0.1.0
 */
export interface DurableConfig {
  /** Default `"eager"`. */
  readonly checkpointing?: CheckpointingMode
  /**
   * How long the engine waits, once nothing runs and something awaits the service, before it suspends
   * (default 0: the next macrotask). Raise it if handlers do non-durable async work next to awaited waits.
   */
  readonly suspendCooldownMillis?: number
  /** Logger behind `context.logger` (default: JSON lines like the Lambda runtime). */
  readonly logger?: DurableLogger
  /** Suppress `context.logger` output while replaying (default true). */
  readonly modeAwareLogging?: boolean
  /** Size budget of one checkpoint request (default 750 KiB, the service's batch limit). */
  readonly maxBatchBytes?: number
  /**
   * When the Lambda context reports less than this much remaining time, the engine stops the invocation,
   * flushes what is queued, and ends it with `InvocationDeadlineError` so Lambda invokes again and replays,
   * instead of being killed mid-checkpoint (default 5000 ms).
   */
  readonly deadlineMarginMillis?: number
  /** Instrumentation plugins, called in order (see `Instrumentation`). Their errors never fail the execution. */
  readonly plugins?: ReadonlyArray<DurableInstrumentationPlugin>
  /** Settings that change what plugins can observe (`childOperationsDepth`). */
  readonly pluginsConfig?: PluginsConfig
}

/** The engine settings with every default applied (what `DurableHandler.config` holds). @since 0.1.0 */
export interface ResolvedConfig {
  readonly checkpointing: CheckpointingMode
  readonly suspendCooldownMillis: number
  readonly logger: DurableLogger | undefined
  readonly modeAwareLogging: boolean
  readonly maxBatchBytes: number
  readonly deadlineMarginMillis: number
  readonly plugins: ReadonlyArray<DurableInstrumentationPlugin>
  readonly pluginsConfig: PluginsConfig | undefined
}

/** Service limits the engine checks before sending. @since 0.1.0 */
export const Limits = {
  /** Largest handler result returned inline; larger results are checkpointed on the EXECUTION operation. */
  responseBytes: 6 * 1024 * 1024 - 50,
  /** Largest payload of an EXECUTION update (a synchronous execution's result). */
  executionPayloadBytes: 6 * 1024 * 1024,
  /** Largest payload of one operation update (step result, context result, ...). */
  operationPayloadBytes: 1024 * 1024,
  /** Child-context results above this are not stored; the children are replayed instead. */
  childResultBytes: 256 * 1024,
  /** Largest error object. */
  errorBytes: 32 * 1024
} as const
