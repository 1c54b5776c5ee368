import { trace } from "@opentelemetry/api"
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import * as Aws from "@durable-lambda/backend-aws"
import { Handler, Instrumentation } from "@durable-lambda/core"
import { LocalDurableTestRunner } from "@durable-lambda/testing"
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { durableIdGenerator } from "../src/index.ts"
import { checkExecution, describe as lines } from "./harness.ts"

/** Builds a handler while `DURABLE_EXECUTION_PLUGINS` lists `list`, then waits for the plugins to load. */
const withEnvironmentPlugins = async (list: string, build: () => Aws.DurableLambdaHandler) => {
  const previous = process.env.DURABLE_EXECUTION_PLUGINS
  process.env.DURABLE_EXECUTION_PLUGINS = list
  let handler: Aws.DurableLambdaHandler
  try {
    handler = build()
  } finally {
    if (previous === undefined) delete process.env.DURABLE_EXECUTION_PLUGINS
    else process.env.DURABLE_EXECUTION_PLUGINS = previous
  }
  const services = Handler.lambdaHandlerInfo(handler)?.services
  if (services !== undefined) {
    await Effect.runPromise(
      Effect.gen(function* () {
        const source = yield* Instrumentation.PluginSource
        yield* Effect.ignore(source.load)
      }).pipe(Effect.provide(services))
    )
  }
  return handler
}

describe("DURABLE_EXECUTION_PLUGINS", () => {
  afterEach(() => {
    trace.disable()
  })

  it("the package's provider is loaded by the production entry and traces the execution", async () => {
    const exporter = new InMemorySpanExporter()
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ idGenerator: durableIdGenerator, spanProcessors: [new SimpleSpanProcessor(exporter)] })
    )
    // the package's entry module, as `DURABLE_EXECUTION_PLUGINS=@durable-lambda/otel` resolves it once installed
    const entry = fileURLToPath(new URL("../src/index.ts", import.meta.url))
    const handler = await withEnvironmentPlugins(entry, () =>
      Aws.withDurableExecution(async (_event: unknown, ctx) => {
        await ctx.wait("w", { seconds: 1 })
        return ctx.step("s", async () => "done")
      })
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getResult(), "done")
    const spans = exporter.getFinishedSpans()
    checkExecution(spans, String(spans.at(-1)?.attributes["durable.execution.arn"]))
    assert.deepStrictEqual(lines(spans), [
      "w <- Invocation OK operation.name=w operation.status=STARTED operation.subtype=Wait operation.type=WAIT",
      "Invocation <- Workflow OK invocation.first=true invocation.status=PENDING",
      "w <- Invocation OK operation.name=w operation.status=SUCCEEDED operation.subtype=Wait operation.type=WAIT",
      "s attempt 1 <- s OK attempt.number=1 attempt.outcome=SUCCEEDED operation.name=s operation.status=SUCCEEDED operation.subtype=Step operation.type=STEP",
      "s <- Invocation OK attempt.number=1 operation.name=s operation.status=SUCCEEDED operation.subtype=Step operation.type=STEP",
      "Invocation <- Workflow OK invocation.first=false invocation.status=SUCCEEDED",
      "Workflow <- root OK execution.status=SUCCEEDED"
    ])
  })
})
