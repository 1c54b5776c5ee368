/**
 * The OpenTelemetry instrumentation plugin: a `Workflow` span per execution, an `Invocation` span per
 * invocation, a span per operation and a span per attempt, correlated across invocations by ids derived from
 * the execution ARN (see the package README for the span model and its design).
 *
 * @since 0.1.0
 */
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes as OtelAttributes,
  type Link,
  type Span,
  type SpanContext,
  type Tracer
} from "@opentelemetry/api"
import type {
  AttemptEndInfo,
  AttemptInfo,
  DurableInstrumentationPlugin,
  InvocationEndInfo,
  InvocationInfo,
  OperationEndInfo,
  OperationInfo
} from "@durable-lambda/core/async"
import { Attributes } from "./attributes.ts"
import { durableIdGenerator, operationSpanIdOf, traceIdOf, workflowSpanIdOf, type DurableIdGenerator } from "./ids.ts"
import { formatTraceHeader, parseTraceHeader } from "./traceHeader.ts"

/**
 * Options of `DurableOtelPlugin`.
 *
 * @since 0.1.0
 */
export interface DurableOtelPluginOptions {
  /** The tracer to emit spans with (default: `trace.getTracer("@durable-lambda/otel")` of the global API). */
  readonly tracer?: Tracer | undefined
  /**
   * The id generator registered with the tracer's provider (default: `durableIdGenerator`). The plugin pins
   * the ids of the `Workflow` and chained-invoke spans on it.
   */
  readonly idGenerator?: DurableIdGenerator | undefined
  /** The `Workflow` span's name (default `"Workflow"`). */
  readonly workflowSpanName?: string | undefined
  /**
   * The trace header this invocation was started with (X-Ray format, `Root=...;Parent=...;Sampled=...`), read
   * once per invocation; the `Workflow` span links to the span it names. Default: the `_X_AMZN_TRACE_ID`
   * environment variable Lambda sets, which for the target of a chained invoke is the header the caller sent.
   */
  readonly traceHeader?: ((info: InvocationInfo) => string | undefined) | undefined
  /** The wall clock for span times (default `Date.now`). */
  readonly now?: (() => number) | undefined
}

/** Operation statuses whose spans end with an ERROR status. */
const failedStatuses = new Set(["FAILED", "TIMED_OUT", "STOPPED", "CANCELLED"])

interface OpenOperation {
  readonly span: Span
  readonly info: OperationInfo
  attempt: number | undefined
}

interface Invocation {
  readonly arn: string
  readonly span: Span
  readonly workflow: SpanContext
  readonly startedAt: Date
  readonly upstream: SpanContext | undefined
  readonly operations: Map<string, OpenOperation>
  readonly attempts: Map<string, Span>
}

type WrapInvocation = NonNullable<DurableInstrumentationPlugin["wrapInvocation"]>
type CustomerFn = () => unknown

const operationName = (info: OperationInfo): string => info.name ?? info.subType ?? info.type

/**
 * The OpenTelemetry plugin. One instance serves one handler; Lambda runs one invocation at a time per
 * environment, and so does the plugin (an invocation starting while another is open on the same instance
 * closes the older one's spans first).
 *
 * **Example**
 * ```ts
 * const idGenerator = durableIdGenerator
 * const provider = new NodeTracerProvider({ idGenerator, spanProcessors: [processor] })
 * export const handler = withDurableExecution(fn, {
 *   plugins: [new DurableOtelPlugin({ tracer: provider.getTracer("orders") })]
 * })
 * ```
 *
 * **Gotchas**: register the same `DurableIdGenerator` with the tracer provider, or the `Workflow` root gets
 * random ids (reported as a hook failure). Spans are ended, not flushed: flush the provider's processor in
 * the handler (or use a simple processor), since Lambda freezes the environment after the invocation.
 *
 * @since 0.1.0
 */
export class DurableOtelPlugin implements DurableInstrumentationPlugin {
  private readonly options: DurableOtelPluginOptions
  private current: Invocation | undefined

  constructor(options: DurableOtelPluginOptions = {}) {
    this.options = options
  }

  private get tracer(): Tracer {
    return this.options.tracer ?? trace.getTracer("@durable-lambda/otel")
  }

  private get ids(): DurableIdGenerator {
    return this.options.idGenerator ?? durableIdGenerator
  }

  private now(): Date {
    return new Date((this.options.now ?? Date.now)())
  }

  async onInvocationStart(info: InvocationInfo): Promise<void> {
    if (this.current !== undefined) this.closeInvocation(this.current, undefined)
    const arn = info.executionArn
    const workflow: SpanContext = {
      traceId: traceIdOf(arn),
      spanId: workflowSpanIdOf(arn),
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true
    }
    const startedAt = this.now()
    const span = this.tracer.startSpan(
      "Invocation",
      {
        kind: SpanKind.INTERNAL,
        startTime: startedAt,
        attributes: {
          [Attributes.EXECUTION_ARN]: arn,
          [Attributes.INVOCATION_FIRST]: info.isFirstInvocation
        }
      },
      trace.setSpanContext(ROOT_CONTEXT, workflow)
    )
    const header = (this.options.traceHeader ?? (() => process.env["_X_AMZN_TRACE_ID"]))(info)
    const upstream = header === undefined ? undefined : parseTraceHeader(header)
    this.current = {
      arn,
      span,
      workflow,
      startedAt,
      upstream: upstream?.traceId === workflow.traceId ? undefined : upstream,
      operations: new Map(),
      attempts: new Map()
    }
  }

  wrapInvocation(_info: InvocationInfo, fn: Parameters<WrapInvocation>[1]): ReturnType<WrapInvocation> {
    const span = this.current?.span
    return span === undefined ? fn() : context.with(trace.setSpan(context.active(), span), fn)
  }

  async onInvocationEnd(info: InvocationEndInfo): Promise<void> {
    const invocation = this.current
    if (invocation === undefined || invocation.arn !== info.executionArn) return
    this.current = undefined
    this.closeInvocation(invocation, info)
    if (info.status !== "SUCCEEDED" && info.status !== "FAILED") return
    // The execution ended: emit its Workflow root, with the ids every invocation already used as parent.
    const end = this.now()
    const start = info.executionStartTimestamp ?? invocation.startedAt
    const status = info.status
    this.ids.pin({ traceId: invocation.workflow.traceId, spanId: invocation.workflow.spanId })
    const links: Array<Link> = invocation.upstream === undefined ? [] : [{ context: invocation.upstream }]
    const workflow = this.tracer.startSpan(this.options.workflowSpanName ?? "Workflow", {
      root: true,
      kind: SpanKind.INTERNAL,
      startTime: start < end ? start : end,
      links,
      attributes: { [Attributes.EXECUTION_ARN]: info.executionArn, [Attributes.EXECUTION_STATUS]: status }
    })
    this.ids.unpin()
    const recording = workflow.isRecording()
    workflow.setStatus(
      status === "SUCCEEDED"
        ? { code: SpanStatusCode.OK }
        : { code: SpanStatusCode.ERROR, message: info.executionError?.message ?? "execution failed" }
    )
    workflow.end(end)
    const actual = workflow.spanContext()
    if (recording && (actual.traceId !== invocation.workflow.traceId || actual.spanId !== invocation.workflow.spanId)) {
      throw new Error(
        "@durable-lambda/otel: the Workflow span did not get its deterministic ids; register the plugin's DurableIdGenerator with the tracer provider (idGenerator option)."
      )
    }
  }

  async onOperationStart(info: OperationInfo): Promise<void> {
    const invocation = this.current
    if (invocation === undefined) return
    const open = invocation.operations.get(info.id)
    if (open !== undefined) return
    invocation.operations.set(info.id, this.openOperation(invocation, info))
  }

  wrapChildContextFn(info: OperationInfo, fn: CustomerFn): unknown {
    const span = this.current?.operations.get(info.id)?.span
    return span === undefined ? fn() : context.with(trace.setSpan(context.active(), span), fn)
  }

  async onOperationEnd(info: OperationEndInfo): Promise<void> {
    const invocation = this.current
    if (invocation === undefined) return
    const open = invocation.operations.get(info.id)
    if (open !== undefined) {
      invocation.operations.delete(info.id)
      this.endOperation(open, info, this.now())
      return
    }
    // Replayed from the log: nothing new happened, no span.
    if (info.isReplay) return
    // Completed since the previous invocation (a wait, callback or invoke): this invocation observed it.
    const now = this.now()
    this.endOperation(this.openOperation(invocation, info, now), info, now)
  }

  async onOperationAttemptStart(info: AttemptInfo): Promise<void> {
    const invocation = this.current
    if (invocation === undefined) return
    let open = invocation.operations.get(info.id)
    if (open === undefined) {
      open = this.openOperation(invocation, info)
      invocation.operations.set(info.id, open)
    }
    open.attempt = info.attempt
    open.span.setAttribute(Attributes.ATTEMPT_NUMBER, info.attempt)
    const span = this.tracer.startSpan(
      `${operationName(info)} attempt ${info.attempt}`,
      {
        kind: SpanKind.INTERNAL,
        startTime: this.now(),
        attributes: { ...this.operationAttributes(invocation.arn, info), [Attributes.ATTEMPT_NUMBER]: info.attempt }
      },
      trace.setSpan(ROOT_CONTEXT, open.span)
    )
    invocation.attempts.set(info.id, span)
  }

  wrapOperationAttemptFn(info: AttemptInfo, fn: CustomerFn): unknown {
    const span = this.current?.attempts.get(info.id)
    return span === undefined ? fn() : context.with(trace.setSpan(context.active(), span), fn)
  }

  async onOperationAttemptEnd(info: AttemptEndInfo): Promise<void> {
    const invocation = this.current
    const span = invocation?.attempts.get(info.id)
    if (invocation === undefined || span === undefined) return
    invocation.attempts.delete(info.id)
    span.setAttribute(Attributes.ATTEMPT_OUTCOME, info.outcome)
    if (info.status !== undefined) span.setAttribute(Attributes.OPERATION_STATUS, info.status)
    if (info.outcome === "FAILED") {
      if (info.error !== undefined) span.recordException(info.error)
      span.setStatus({ code: SpanStatusCode.ERROR, message: info.error?.message ?? "attempt failed" })
    } else {
      span.setStatus({ code: SpanStatusCode.OK })
    }
    span.end(this.now())
  }

  /**
   * The trace header of a chained invoke this invocation starts: the caller's trace, naming the invoke's span
   * (whose id is pinned when it starts) as the parent. The target's `Workflow` root links to it.
   */
  chainedInvokeTraceHeader(info: OperationInfo): string | undefined {
    const invocation = this.current
    if (invocation === undefined) return undefined
    return formatTraceHeader({
      traceId: invocation.workflow.traceId,
      spanId: operationSpanIdOf(invocation.arn, info.id),
      traceFlags: TraceFlags.SAMPLED
    })
  }

  enrichLogContext(): Record<string, string> | undefined {
    const span = this.current?.span
    if (span === undefined) return undefined
    const { traceId, spanId } = span.spanContext()
    return { traceId, spanId }
  }

  private operationAttributes(arn: string, info: OperationInfo): OtelAttributes {
    const attributes: OtelAttributes = {
      [Attributes.EXECUTION_ARN]: arn,
      [Attributes.OPERATION_ID]: info.id,
      [Attributes.OPERATION_TYPE]: info.type
    }
    if (info.subType !== undefined) attributes[Attributes.OPERATION_SUBTYPE] = info.subType
    if (info.name !== undefined) attributes[Attributes.OPERATION_NAME] = info.name
    if (info.status !== undefined) attributes[Attributes.OPERATION_STATUS] = info.status
    if (info.attempt !== undefined) attributes[Attributes.ATTEMPT_NUMBER] = info.attempt
    return attributes
  }

  private openOperation(invocation: Invocation, info: OperationInfo, startTime: Date = this.now()): OpenOperation {
    const pinned = info.type === "CHAINED_INVOKE" && !info.isReplay
    if (pinned) this.ids.pin({ spanId: operationSpanIdOf(invocation.arn, info.id) })
    const span = this.tracer.startSpan(
      operationName(info),
      {
        kind: SpanKind.INTERNAL,
        startTime,
        links: [{ context: invocation.workflow }],
        attributes: this.operationAttributes(invocation.arn, info)
      },
      trace.setSpan(ROOT_CONTEXT, invocation.span)
    )
    if (pinned) this.ids.unpin()
    return { span, info, attempt: info.attempt }
  }

  private endOperation(open: OpenOperation, info: OperationInfo, end: Date): void {
    const status = info.status
    if (status !== undefined) open.span.setAttribute(Attributes.OPERATION_STATUS, status)
    const attempt = info.attempt ?? open.attempt
    if (attempt !== undefined) open.span.setAttribute(Attributes.ATTEMPT_NUMBER, attempt)
    if (status !== undefined && failedStatuses.has(status)) {
      const error = (info as OperationEndInfo).error
      if (error !== undefined) open.span.recordException(error)
      open.span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message ?? status })
    } else {
      open.span.setStatus({ code: SpanStatusCode.OK })
    }
    open.span.end(end)
  }

  /** Ends what is still open (attempts, operations waiting for later invocations), then the invocation. */
  private closeInvocation(invocation: Invocation, info: InvocationEndInfo | undefined): void {
    const end = this.now()
    for (const span of invocation.attempts.values()) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: "the invocation ended during the attempt" })
      span.end(end)
    }
    invocation.attempts.clear()
    for (const open of invocation.operations.values()) {
      const latest = info?.operations[open.info.id] ?? open.info
      this.endOperation(open, { ...latest, isReplay: open.info.isReplay }, end)
    }
    invocation.operations.clear()
    const span = invocation.span
    if (info !== undefined) {
      span.setAttribute(Attributes.INVOCATION_STATUS, info.status)
      const failed = info.status === "FAILED" || info.status === "RETRYING"
      span.setStatus(
        failed
          ? { code: SpanStatusCode.ERROR, message: info.executionError?.message ?? info.status }
          : { code: SpanStatusCode.OK }
      )
    }
    span.end(end)
  }
}
