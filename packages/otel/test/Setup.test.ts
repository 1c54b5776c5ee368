import { trace } from "@opentelemetry/api"
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { withDurableExecution } from "@durable-lambda/core/async"
import { LocalDurableTestRunner } from "@durable-lambda/testing"
import { afterEach, assert, describe, it } from "@effect/vitest"
import {
  DurableOtelPlugin,
  durableExecutionPluginProvider,
  durableIdGenerator,
  formatTraceHeader,
  parseTraceHeader
} from "../src/index.ts"
import { checkExecution } from "./harness.ts"

describe("setup", () => {
  afterEach(() => {
    trace.disable()
  })

  it("the provider creates a plugin on the global tracer provider and the default id generator", async () => {
    assert.strictEqual(durableExecutionPluginProvider.pluginApiVersion, 1)
    const plugin = durableExecutionPluginProvider.createPlugin()
    assert.instanceOf(plugin, DurableOtelPlugin)
    assert.strictEqual(durableExecutionPluginProvider.pluginType, DurableOtelPlugin)
    const exporter = new InMemorySpanExporter()
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ idGenerator: durableIdGenerator, spanProcessors: [new SimpleSpanProcessor(exporter)] })
    )
    const handler = withDurableExecution(async (_e: unknown, ctx) => ctx.step("s", async () => 1), {
      plugins: [plugin]
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getResult(), 1)
    const spans = exporter.getFinishedSpans()
    assert.deepStrictEqual(
      spans.map((s) => s.name),
      ["s attempt 1", "s", "Invocation", "Workflow"]
    )
    checkExecution(spans, String(spans[3]!.attributes["durable.execution.arn"]))
  })

  it("a tracer provider without the durable id generator: the hook failure is logged, the execution unaffected", async () => {
    const warnings: Array<string> = []
    const logger = {
      log() {},
      error() {},
      info() {},
      debug() {},
      warn: (message: unknown) => {
        warnings.push(String(message))
      }
    }
    const exporter = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
    const handler = withDurableExecution(async (_e: unknown, ctx) => ctx.step("s", async () => 1), {
      plugins: [new DurableOtelPlugin({ tracer: provider.getTracer("t") })],
      logger
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getResult(), 1)
    assert.strictEqual(warnings.length, 1)
    assert.match(warnings[0]!, /onInvocationEnd failed: .*register the plugin's DurableIdGenerator/)
  })

  it("trace headers: X-Ray format both ways; malformed headers name nothing", () => {
    const span = { traceId: "0123456789abcdef0123456789abcdef", spanId: "0123456789abcdef", traceFlags: 1 }
    const header = formatTraceHeader(span)
    assert.strictEqual(header, "Root=1-01234567-89abcdef0123456789abcdef;Parent=0123456789abcdef;Sampled=1")
    assert.deepStrictEqual(parseTraceHeader(header), { ...span, isRemote: true })
    assert.deepStrictEqual(parseTraceHeader(`Root=1-01234567-89abcdef0123456789abcdef;Parent=0123456789abcdef`), {
      ...span,
      traceFlags: 0,
      isRemote: true
    })
    for (const bad of [
      "",
      "Root=1-01234567-89abcdef0123456789abcdef",
      "Root=2-01234567-89abcdef0123456789abcdef;Parent=0123456789abcdef",
      "Root=1-00000000-000000000000000000000000;Parent=0123456789abcdef",
      "Root=1-01234567-89abcdef0123456789abcdef;Parent=0000000000000000",
      "Root=1-01234567-89ABCDEF0123456789abcdef;Parent=0123456789abcdef"
    ]) {
      assert.isUndefined(parseTraceHeader(bad), bad)
    }
  })
})
