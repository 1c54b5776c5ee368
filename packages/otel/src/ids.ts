/**
 * Deterministic trace and span ids: every invocation of an execution derives the same `Workflow` span
 * context from the execution ARN, so spans emitted by different invocations (different Lambda environments)
 * join one trace under one root.
 *
 * @since 0.1.0
 */
import { createHash, randomBytes } from "node:crypto"

const hex = (input: string, length: number): string => {
  const digest = createHash("sha256").update(input).digest("hex").slice(0, length)
  // An all-zero id is invalid in OpenTelemetry (astronomically unlikely from SHA-256, excluded all the same).
  return /^0+$/.test(digest) ? `${"0".repeat(length - 1)}1` : digest
}

/**
 * The trace id of an execution: the first 32 hex digits of SHA-256 of its ARN.
 *
 * @since 0.1.0
 */
export const traceIdOf = (executionArn: string): string => hex(`trace:${executionArn}`, 32)

/**
 * The span id of an execution's `Workflow` span: 16 hex digits of SHA-256 of `workflow:<ARN>`.
 *
 * @since 0.1.0
 */
export const workflowSpanIdOf = (executionArn: string): string => hex(`workflow:${executionArn}`, 16)

/**
 * The span id of the span of a chained invoke (`operationId` is the operation's wire id), so the header the
 * invoke carries can name its span before the span exists.
 *
 * @since 0.1.0
 */
export const operationSpanIdOf = (executionArn: string, operationId: string): string =>
  hex(`operation:${executionArn}:${operationId}`, 16)

/**
 * An OpenTelemetry `IdGenerator` (the interface of `@opentelemetry/sdk-trace-base`) that hands out random ids,
 * except when the plugin pins the ids of the next span it starts (the `Workflow` span and chained-invoke
 * spans, whose ids every invocation must agree on).
 *
 * **When to use**: give the same instance to your tracer provider (`new BasicTracerProvider({ idGenerator })`
 * / `NodeTracerProvider`) and to the plugin (`new DurableOtelPlugin({ idGenerator })`); the default
 * `durableIdGenerator` is what the plugin uses when none is given.
 *
 * **Gotchas**: without it the `Workflow` span gets random ids and the invocation spans point to a parent that
 * is never exported; the plugin detects that and reports it as a hook failure (logged by the engine).
 *
 * @since 0.1.0
 */
export class DurableIdGenerator {
  private pinnedTraceId: string | undefined
  private pinnedSpanId: string | undefined

  /** Makes the next `generateTraceId` / `generateSpanId` calls return these ids (once each). */
  pin(ids: { readonly traceId?: string | undefined; readonly spanId: string }): void {
    this.pinnedTraceId = ids.traceId
    this.pinnedSpanId = ids.spanId
  }

  /** Drops pinned ids that were not used. */
  unpin(): void {
    this.pinnedTraceId = undefined
    this.pinnedSpanId = undefined
  }

  generateTraceId(): string {
    const pinned = this.pinnedTraceId
    this.pinnedTraceId = undefined
    return pinned ?? randomBytes(16).toString("hex")
  }

  generateSpanId(): string {
    const pinned = this.pinnedSpanId
    this.pinnedSpanId = undefined
    return pinned ?? randomBytes(8).toString("hex")
  }
}

/**
 * The process-wide `DurableIdGenerator` the plugin uses by default (and the one a plugin loaded from
 * `DURABLE_EXECUTION_PLUGINS` uses): register it with your tracer provider.
 *
 * @since 0.1.0
 */
export const durableIdGenerator: DurableIdGenerator = new DurableIdGenerator()
