/** A tracer provider with an in-memory exporter and the durable id generator, and checks of the span model. */
import { SpanKind, SpanStatusCode } from "@opentelemetry/api"
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan
} from "@opentelemetry/sdk-trace-base"
import { assert } from "@effect/vitest"
import { Attributes, DurableIdGenerator, DurableOtelPlugin, traceIdOf, workflowSpanIdOf } from "../src/index.ts"

export const tracing = () => {
  const exporter = new InMemorySpanExporter()
  const idGenerator = new DurableIdGenerator()
  const provider = new BasicTracerProvider({ idGenerator, spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const plugin = (options: ConstructorParameters<typeof DurableOtelPlugin>[0] = {}) =>
    new DurableOtelPlugin({ tracer: provider.getTracer("test"), idGenerator, ...options })
  return { exporter, provider, plugin, spans: () => exporter.getFinishedSpans() }
}

const millis = (t: readonly [number, number]) => t[0] * 1000 + t[1] / 1e6
export const start = (s: ReadableSpan) => millis(s.startTime)
export const end = (s: ReadableSpan) => millis(s.endTime)

/** One line per span: name, its parent's name, status, and its sorted attributes (operation id and ARN left out). */
export const describe = (spans: ReadonlyArray<ReadableSpan>): Array<string> => {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]))
  return spans.map((s) => {
    const parent = s.parentSpanContext === undefined ? "root" : (byId.get(s.parentSpanContext.spanId)?.name ?? "?")
    const attrs = Object.entries(s.attributes)
      .filter(([k]) => k !== Attributes.EXECUTION_ARN && k !== Attributes.OPERATION_ID)
      .map(([k, v]) => `${k.replace("durable.", "")}=${String(v)}`)
      .sort()
      .join(" ")
    const status =
      s.status.code === SpanStatusCode.OK ? "OK" : s.status.code === SpanStatusCode.ERROR ? "ERROR" : "UNSET"
    return `${s.name} <- ${parent} ${status} ${attrs}`.trimEnd()
  })
}

const operationAttributes = [
  Attributes.EXECUTION_ARN,
  Attributes.OPERATION_ID,
  Attributes.OPERATION_TYPE,
  Attributes.OPERATION_SUBTYPE,
  Attributes.OPERATION_NAME,
  Attributes.OPERATION_STATUS,
  Attributes.ATTEMPT_NUMBER
]
const allowed: Record<string, Array<string>> = {
  workflow: [Attributes.EXECUTION_ARN, Attributes.EXECUTION_STATUS],
  invocation: [Attributes.EXECUTION_ARN, Attributes.INVOCATION_FIRST, Attributes.INVOCATION_STATUS],
  operation: operationAttributes,
  attempt: [...operationAttributes, Attributes.ATTEMPT_OUTCOME]
}

const role = (s: ReadableSpan) =>
  s.name === "Workflow"
    ? "workflow"
    : s.name === "Invocation"
      ? "invocation"
      : / attempt \d+$/.test(s.name)
        ? "attempt"
        : "operation"

/**
 * The rules every span of one execution obeys: one trace (derived from the ARN) under one `Workflow` root with
 * the derived span id, every span carrying the ARN and only its contract's `durable.` attributes, kind INTERNAL,
 * status OK or ERROR, operation spans linked to the `Workflow` span, and every parent's time span containing
 * its children's.
 */
export const checkExecution = (spans: ReadonlyArray<ReadableSpan>, arn: string): void => {
  const traceId = traceIdOf(arn)
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]))
  const workflows = spans.filter((s) => role(s) === "workflow")
  assert.strictEqual(workflows.length, 1, "one Workflow span")
  const workflow = workflows[0]!
  assert.isUndefined(workflow.parentSpanContext, "the Workflow span is a root")
  assert.strictEqual(workflow.spanContext().spanId, workflowSpanIdOf(arn))
  for (const s of spans) {
    assert.strictEqual(s.spanContext().traceId, traceId, `${s.name}: trace of the execution`)
    assert.strictEqual(s.kind, SpanKind.INTERNAL, `${s.name}: kind`)
    assert.strictEqual(s.attributes[Attributes.EXECUTION_ARN], arn, `${s.name}: ARN`)
    assert.include([SpanStatusCode.OK, SpanStatusCode.ERROR], s.status.code, `${s.name}: status`)
    const durable = Object.keys(s.attributes).filter((k) => k.startsWith("durable."))
    for (const k of durable) assert.include(allowed[role(s)] ?? [], k, `${s.name}: attribute ${k}`)
    if (role(s) === "workflow") continue
    const parent = byId.get(s.parentSpanContext?.spanId ?? "")
    assert.isDefined(parent, `${s.name}: its parent is exported`)
    assert.isAtMost(start(parent!), start(s), `${s.name} starts within ${parent!.name}`)
    assert.isAtLeast(end(parent!), end(s), `${s.name} ends within ${parent!.name}`)
    if (role(s) === "invocation") assert.strictEqual(parent, workflow)
    if (role(s) === "operation") {
      assert.strictEqual(role(parent!), "invocation", `${s.name}: parented to an invocation`)
      assert.deepStrictEqual(
        s.links.map((l) => l.context.spanId),
        [workflow.spanContext().spanId],
        `${s.name}: linked to the Workflow span`
      )
    }
    if (role(s) === "attempt") assert.strictEqual(role(parent!), "operation", `${s.name}: parented to its operation`)
  }
}
