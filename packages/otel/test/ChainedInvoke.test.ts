import { withDurableExecution } from "@durable-lambda/core/async"
import { LocalDurableTestRunner } from "@durable-lambda/testing"
import { assert, describe, it } from "@effect/vitest"
import { Attributes, operationSpanIdOf, parseTraceHeader, traceIdOf, workflowSpanIdOf } from "../src/index.ts"
import { checkExecution, describe as lines, tracing } from "./harness.ts"

describe("chained invoke", () => {
  it("the target execution has its own Workflow root, linked to the caller's invoke span through the trace header", async () => {
    const t = tracing()
    const caller = t.plugin()
    // Stands in for the Lambda service, which hands ChainedInvokeOptions.XAmznTraceId to the target's
    // invocations as `_X_AMZN_TRACE_ID` (the plugin's default `traceHeader` source).
    let sent: string | undefined
    const header = caller.chainedInvokeTraceHeader.bind(caller)
    caller.chainedInvokeTraceHeader = (info) => (sent = header(info))
    const handler = withDurableExecution(
      async (_e: unknown, ctx) => {
        const greeting = await ctx.invoke<{ name: string }, string>("greet", "greeter", { name: "Ada" })
        return greeting.toUpperCase()
      },
      { plugins: [caller] }
    )
    const greeter = withDurableExecution(
      async (event: { name: string }, ctx) => ctx.step("compose", async () => `hello ${event.name}`),
      { plugins: [t.plugin({ traceHeader: () => sent })] }
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler })
      .registerDurableFunction("greeter", greeter)
      .run()
    assert.strictEqual(result.getResult(), "HELLO ADA")

    const spans = t.spans()
    const arns = [...new Set(spans.map((s) => String(s.attributes[Attributes.EXECUTION_ARN])))]
    assert.strictEqual(arns.length, 2)
    const workflowOf = (arn: string) =>
      spans.find((s) => s.name === "Workflow" && s.attributes[Attributes.EXECUTION_ARN] === arn)!
    const callerArn = arns.find((arn) => workflowOf(arn).links.length === 0)!
    const targetArn = arns.find((arn) => arn !== callerArn)!
    const of = (arn: string) => spans.filter((s) => s.attributes[Attributes.EXECUTION_ARN] === arn)
    checkExecution(of(callerArn), callerArn)
    checkExecution(of(targetArn), targetArn)
    assert.notStrictEqual(traceIdOf(callerArn), traceIdOf(targetArn))

    // the caller: the invoke's span (in the invocation that started it) has the id the header names
    assert.deepStrictEqual(lines(of(callerArn)), [
      "greet <- Invocation OK operation.name=greet operation.status=STARTED operation.subtype=ChainedInvoke operation.type=CHAINED_INVOKE",
      "Invocation <- Workflow OK invocation.first=true invocation.status=PENDING",
      "greet <- Invocation OK operation.name=greet operation.status=SUCCEEDED operation.subtype=ChainedInvoke operation.type=CHAINED_INVOKE",
      "Invocation <- Workflow OK invocation.first=false invocation.status=SUCCEEDED",
      "Workflow <- root OK execution.status=SUCCEEDED"
    ])
    const invokeSpan = of(callerArn).find((s) => s.name === "greet")!
    const invokeId = String(invokeSpan.attributes[Attributes.OPERATION_ID])
    assert.strictEqual(invokeSpan.spanContext().spanId, operationSpanIdOf(callerArn, invokeId))
    const upstream = parseTraceHeader(sent!)
    assert.deepStrictEqual(
      { traceId: upstream?.traceId, spanId: upstream?.spanId },
      { traceId: traceIdOf(callerArn), spanId: invokeSpan.spanContext().spanId }
    )

    // the target: its own root, linked to the caller's invoke span
    const target = workflowOf(targetArn)
    assert.isUndefined(target.parentSpanContext)
    assert.strictEqual(target.spanContext().spanId, workflowSpanIdOf(targetArn))
    assert.deepStrictEqual(
      target.links.map((l) => [l.context.traceId, l.context.spanId]),
      [[invokeSpan.spanContext().traceId, invokeSpan.spanContext().spanId]]
    )
    assert.deepStrictEqual(lines(of(targetArn)), [
      "compose attempt 1 <- compose OK attempt.number=1 attempt.outcome=SUCCEEDED operation.name=compose operation.status=SUCCEEDED operation.subtype=Step operation.type=STEP",
      "compose <- Invocation OK attempt.number=1 operation.name=compose operation.status=SUCCEEDED operation.subtype=Step operation.type=STEP",
      "Invocation <- Workflow OK invocation.first=true invocation.status=SUCCEEDED",
      "Workflow <- root OK execution.status=SUCCEEDED"
    ])
  })
})
