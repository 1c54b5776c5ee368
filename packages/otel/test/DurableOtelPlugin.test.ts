import { createRetryStrategy, withDurableExecution } from "@durable-lambda/core/async"
import { Handler, Instrumentation, Step } from "@durable-lambda/core"
import { Callbacks, LocalDurableTestRunner } from "@durable-lambda/testing"
import { Effect } from "effect"
import { assert, describe as suite, it } from "@effect/vitest"
import { Attributes } from "../src/index.ts"
import { checkExecution, describe, end, start, tracing } from "./harness.ts"

const arnOf = (spans: ReturnType<ReturnType<typeof tracing>["spans"]>) =>
  String(spans.find((s) => s.name === "Workflow")?.attributes[Attributes.EXECUTION_ARN])

suite("DurableOtelPlugin", () => {
  it("a step: Workflow root, Invocation, the operation and its attempt", async () => {
    const t = tracing()
    const handler = withDurableExecution(async (_e: unknown, ctx) => ctx.step("charge", async () => 42), {
      plugins: [t.plugin()]
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getResult(), 42)
    const spans = t.spans()
    checkExecution(spans, arnOf(spans))
    assert.deepStrictEqual(describe(spans), [
      "charge attempt 1 <- charge OK attempt.number=1 attempt.outcome=SUCCEEDED operation.name=charge operation.status=SUCCEEDED operation.subtype=Step operation.type=STEP",
      "charge <- Invocation OK attempt.number=1 operation.name=charge operation.status=SUCCEEDED operation.subtype=Step operation.type=STEP",
      "Invocation <- Workflow OK invocation.first=true invocation.status=SUCCEEDED",
      "Workflow <- root OK execution.status=SUCCEEDED"
    ])
    const workflow = spans.find((s) => s.name === "Workflow")!
    const invocation = spans.find((s) => s.name === "Invocation")!
    // the Invocation span names the Workflow span as its parent before that span exists
    assert.strictEqual(invocation.parentSpanContext?.spanId, workflow.spanContext().spanId)
    assert.isString(spans.find((s) => s.name === "charge")!.attributes[Attributes.OPERATION_ID])
  })

  it("a step retried across invocations: a span per invocation that ran it, one per attempt", async () => {
    const t = tracing()
    let calls = 0
    const handler = withDurableExecution(
      async (_e: unknown, ctx) =>
        ctx.step(
          "flaky",
          async () => {
            if (++calls < 2) throw new Error("boom")
            return "ok"
          },
          { retryStrategy: createRetryStrategy({ maxAttempts: 3, initialDelay: { seconds: 5 } }) }
        ),
      { plugins: [t.plugin()] }
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getResult(), "ok")
    const spans = t.spans()
    checkExecution(spans, arnOf(spans))
    assert.deepStrictEqual(describe(spans), [
      "flaky attempt 1 <- flaky ERROR attempt.number=1 attempt.outcome=FAILED operation.name=flaky operation.status=PENDING operation.subtype=Step operation.type=STEP",
      "flaky <- Invocation OK attempt.number=1 operation.name=flaky operation.status=PENDING operation.subtype=Step operation.type=STEP",
      "Invocation <- Workflow OK invocation.first=true invocation.status=PENDING",
      "flaky attempt 2 <- flaky OK attempt.number=2 attempt.outcome=SUCCEEDED operation.name=flaky operation.status=SUCCEEDED operation.subtype=Step operation.type=STEP",
      "flaky <- Invocation OK attempt.number=2 operation.name=flaky operation.status=SUCCEEDED operation.subtype=Step operation.type=STEP",
      "Invocation <- Workflow OK invocation.first=false invocation.status=SUCCEEDED",
      "Workflow <- root OK execution.status=SUCCEEDED"
    ])
    const [first, second] = spans.filter((s) => s.name === "Invocation")
    assert.notStrictEqual(first!.spanContext().spanId, second!.spanContext().spanId)
    // the failed attempt recorded its error
    assert.strictEqual(spans[0]!.events[0]?.attributes?.["exception.message"], "boom")
  })

  it("a wait: started in one invocation, completed in the next; replayed operations emit nothing", async () => {
    const t = tracing()
    const handler = withDurableExecution(
      async (_e: unknown, ctx) => {
        const n = await ctx.step("before", async () => 1)
        await ctx.wait("pause", { seconds: 30 })
        return n
      },
      { plugins: [t.plugin()] }
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getResult(), 1)
    const spans = t.spans()
    checkExecution(spans, arnOf(spans))
    assert.deepStrictEqual(describe(spans), [
      "before attempt 1 <- before OK attempt.number=1 attempt.outcome=SUCCEEDED operation.name=before operation.status=SUCCEEDED operation.subtype=Step operation.type=STEP",
      "before <- Invocation OK attempt.number=1 operation.name=before operation.status=SUCCEEDED operation.subtype=Step operation.type=STEP",
      "pause <- Invocation OK operation.name=pause operation.status=STARTED operation.subtype=Wait operation.type=WAIT",
      "Invocation <- Workflow OK invocation.first=true invocation.status=PENDING",
      // invocation 2 replays the step (no span) and observes the wait's completion
      "pause <- Invocation OK operation.name=pause operation.status=SUCCEEDED operation.subtype=Wait operation.type=WAIT",
      "Invocation <- Workflow OK invocation.first=false invocation.status=SUCCEEDED",
      "Workflow <- root OK execution.status=SUCCEEDED"
    ])
    const [waitStarted, waitDone] = spans.filter((s) => s.name === "pause")
    assert.strictEqual(waitStarted!.attributes[Attributes.OPERATION_ID], waitDone!.attributes[Attributes.OPERATION_ID])
  })

  it("a callback", async () => {
    const t = tracing()
    const handler = withDurableExecution(
      async (_e: unknown, ctx) => {
        const [answer] = await ctx.createCallback<string>("approval")
        return answer
      },
      { plugins: [t.plugin()] }
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler })
      .onCallback("approval", Callbacks.success('"yes"', 1000))
      .run()
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    const spans = t.spans()
    checkExecution(spans, arnOf(spans))
    assert.deepStrictEqual(describe(spans), [
      "approval <- Invocation OK operation.name=approval operation.status=STARTED operation.subtype=Callback operation.type=CALLBACK",
      "Invocation <- Workflow OK invocation.first=true invocation.status=PENDING",
      "approval <- Invocation OK operation.name=approval operation.status=SUCCEEDED operation.subtype=Callback operation.type=CALLBACK",
      "Invocation <- Workflow OK invocation.first=false invocation.status=SUCCEEDED",
      "Workflow <- root OK execution.status=SUCCEEDED"
    ])
  })

  it("map and parallel: every operation of the batch under the invocation that ran it", async () => {
    const t = tracing()
    const handler = withDurableExecution(
      async (_e: unknown, ctx) => {
        const mapped = await ctx.map("items", [1, 2], async (c, x) => c.step("double", async () => x * 2))
        const par = await ctx.parallel("branches", [async (c) => c.step("p", async () => 3)])
        return [...mapped.getResults(), ...par.getResults()]
      },
      { plugins: [t.plugin()] }
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.deepStrictEqual(result.getResult(), [2, 4, 3])
    const spans = t.spans()
    checkExecution(spans, arnOf(spans))
    const lines = describe(spans).map((l) => l.replace(/ (attempt|operation)\.\S+/g, ""))
    assert.deepStrictEqual(
      lines.sort(),
      [
        "double attempt 1 <- double OK",
        "double attempt 1 <- double OK",
        "double <- Invocation OK",
        "double <- Invocation OK",
        "map-item-0 <- Invocation OK",
        "map-item-1 <- Invocation OK",
        "items <- Invocation OK",
        "p attempt 1 <- p OK",
        "p <- Invocation OK",
        "parallel-branch-0 <- Invocation OK",
        "branches <- Invocation OK",
        "Invocation <- Workflow OK invocation.first=true invocation.status=SUCCEEDED",
        "Workflow <- root OK execution.status=SUCCEEDED"
      ].sort()
    )
    const subtypes = spans.map((s) => s.attributes[Attributes.OPERATION_SUBTYPE]).filter((x) => x !== undefined)
    assert.deepStrictEqual(
      (subtypes as Array<string>).sort(),
      [
        "Step",
        "Step",
        "Step",
        "Step",
        "MapIteration",
        "MapIteration",
        "Map",
        "Step",
        "Step",
        "ParallelBranch",
        "Parallel"
      ].sort()
    )
    // the batch's span contains its items' spans (siblings under the invocation)
    const items = spans.find((s) => s.name === "items")!
    for (const item of spans.filter((s) => s.name.startsWith("map-item-"))) {
      assert.isAtMost(start(items), start(item))
      assert.isAtLeast(end(items), end(item))
    }
  })

  it("a failed execution: ERROR on the Workflow, the Invocation, the operation and the attempt", async () => {
    const t = tracing()
    const handler = withDurableExecution(
      async (_e: unknown, ctx) =>
        ctx.step(
          "doomed",
          async () => {
            throw new Error("no luck")
          },
          { retryStrategy: () => ({ shouldRetry: false }) }
        ),
      { plugins: [t.plugin()] }
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getStatus(), "FAILED")
    const spans = t.spans()
    checkExecution(spans, arnOf(spans))
    assert.deepStrictEqual(describe(spans), [
      "doomed attempt 1 <- doomed ERROR attempt.number=1 attempt.outcome=FAILED operation.name=doomed operation.status=FAILED operation.subtype=Step operation.type=STEP",
      "doomed <- Invocation ERROR attempt.number=1 operation.name=doomed operation.status=FAILED operation.subtype=Step operation.type=STEP",
      "Invocation <- Workflow ERROR invocation.first=true invocation.status=FAILED",
      "Workflow <- root ERROR execution.status=FAILED"
    ])
    assert.strictEqual(spans.find((s) => s.name === "Workflow")!.status.message, "no luck")
  })

  it("the Effect API gets the same spans through Instrumentation.layer", async () => {
    const t = tracing()
    const program = () => Step.run("e", Effect.succeed(5))
    const handler = Handler.toLambdaHandler(Handler.make(program), undefined, Instrumentation.layer([t.plugin()]))
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getResult(), 5)
    const spans = t.spans()
    checkExecution(spans, arnOf(spans))
    assert.deepStrictEqual(describe(spans), [
      "e attempt 1 <- e OK attempt.number=1 attempt.outcome=SUCCEEDED operation.name=e operation.status=SUCCEEDED operation.subtype=Step operation.type=STEP",
      "e <- Invocation OK attempt.number=1 operation.name=e operation.status=SUCCEEDED operation.subtype=Step operation.type=STEP",
      "Invocation <- Workflow OK invocation.first=true invocation.status=SUCCEEDED",
      "Workflow <- root OK execution.status=SUCCEEDED"
    ])
  })
})
