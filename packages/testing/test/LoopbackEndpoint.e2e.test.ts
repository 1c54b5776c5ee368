import { GetDurableExecutionCommand, GetDurableExecutionHistoryCommand } from "@aws-sdk/client-lambda"
import { assert, describe, it } from "@effect/vitest"
import { ServiceState } from "@durable-lambda/backend-mock"
import { Effect } from "effect"
import { withDurableExecution } from "@durable-lambda/backend-aws"
import * as LoopbackEndpoint from "../src/LoopbackEndpoint.ts"
import * as TestRunner from "../src/TestRunner.ts"
import {
  clientFor,
  effectWorkflow,
  failingWorkflow,
  normalizeHistory,
  orderWorkflow,
  sleeper
} from "./fixtures/dev-support/workflows.ts"

const START = Date.UTC(2025, 0, 1)

const runOverHttp = (handler: unknown, input: unknown) =>
  Effect.gen(function* () {
    const endpoint = yield* LoopbackEndpoint.make({
      virtualTime: { startAt: START },
      functions: { "durable-function": handler }
    })
    const arn = endpoint.startExecution("durable-function", input)
    const description = yield* Effect.promise(() => endpoint.awaitExecution(arn))
    const history = endpoint.state.getHistory(arn)
    assert.isTrue(history._tag === "Success")
    return { endpoint, arn, description, history: history._tag === "Success" ? history.success : [] }
  })

describe("LoopbackEndpoint end to end (real LambdaClient, real AwsBackend)", () => {
  it.live("a timer that fires as an invocation begins is on the timeline before that invocation", () =>
    Effect.gen(function* () {
      // Real-time endpoint over a service clock the test moves by hand (the endpoint's own wake-up stays ~10 s
      // away). The first invocation starts a 10 s wait and its checkpoint is applied but answered with a stale
      // token, so the invocation fails and the endpoint retries it; meanwhile the clock passes the wait, so
      // beginning the retry fires it.
      let now = START
      const handler = withDurableExecution(async (_event: unknown, context: any) => {
        const nap = context.wait("nap", { seconds: 10 })
        await context.step("before", async () => "a")
        await nap
        return "done"
      })
      const endpoint = yield* LoopbackEndpoint.make({
        state: new ServiceState.ServiceState({ now: () => now }),
        functions: { "durable-function": handler },
        retryDelayMillis: 200
      })
      endpoint.faults.failNext("CheckpointDurableExecution", 1, "staleToken", { afterApply: true })
      const arn = endpoint.startExecution("durable-function", {})
      yield* Effect.promise(async () => {
        while (!endpoint.timeline.some((e) => e._tag === "InvocationEnded")) await new Promise((r) => setTimeout(r, 5))
      })
      now += 11_000
      const description = yield* Effect.promise(() => endpoint.awaitExecution(arn))
      assert.strictEqual(description.Status, "SUCCEEDED")
      const order = endpoint.timeline.flatMap((event) =>
        event._tag === "InvocationStarted"
          ? [`invocation ${event.invocation}`]
          : event._tag === "History" && event.event.EventType === "WaitSucceeded"
            ? ["WaitSucceeded"]
            : []
      )
      assert.deepStrictEqual(order, ["invocation 1", "WaitSucceeded", "invocation 2"])
    })
  )

  it.live("a production handler with steps, retries, waits and a child context completes through HTTP", () =>
    Effect.gen(function* () {
      const { description, endpoint } = yield* runOverHttp(orderWorkflow(), { n: 21 })
      assert.strictEqual(description.Status, "SUCCEEDED")
      assert.deepStrictEqual(JSON.parse(description.Result ?? "null"), { doubled: 42, flaky: "ok after 3", child: 430 })
      // Every state change went through the REST API: checkpoints only (the event carries the whole state).
      const operations = new Set(endpoint.requests.map((r) => r.operation))
      assert.deepStrictEqual([...operations], ["CheckpointDurableExecution"])
      assert.isTrue(endpoint.requests.every((r) => r.status === 200))
      assert.isTrue(endpoint.requests.length >= 8)
    })
  )

  it.live("records the same history and result as the in-memory harness (async API)", () =>
    Effect.gen(function* () {
      const { description, history } = yield* runOverHttp(orderWorkflow(), { n: 21 })
      const memory = yield* Effect.promise(() =>
        TestRunner.runPromise(orderWorkflow(), { payload: { n: 21 }, startTime: START })
      )
      assert.strictEqual(memory.getStatus(), description.Status)
      assert.strictEqual(memory.getResultPayload(), description.Result)
      assert.deepStrictEqual(normalizeHistory(history), normalizeHistory(memory.getHistoryEvents()))
      const types = history.map((e) => e.EventType)
      assert.deepStrictEqual(types.filter((t) => t === "StepFailed").length, 2)
      assert.deepStrictEqual(types.filter((t) => t === "WaitSucceeded").length, 2)
      assert.deepStrictEqual(types.at(-1), "ExecutionSucceeded")
    })
  )

  it.live("records the same history and result as the in-memory harness (Effect API)", () =>
    Effect.gen(function* () {
      const { description, history } = yield* runOverHttp(effectWorkflow(), { items: [1, 2, 3] })
      const memory = yield* Effect.promise(() =>
        TestRunner.runPromise(effectWorkflow(), { payload: { items: [1, 2, 3] }, startTime: START })
      )
      assert.strictEqual(description.Status, "SUCCEEDED")
      assert.deepStrictEqual(JSON.parse(description.Result ?? "null"), { sum: 6, audited: "clean" })
      assert.strictEqual(memory.getResultPayload(), description.Result)
      assert.deepStrictEqual(normalizeHistory(history), normalizeHistory(memory.getHistoryEvents()))
      const child = history.find((e) => e.EventType === "ContextStarted")
      assert.strictEqual(child?.Name, "audit")
      assert.isTrue(history.some((e) => e.EventType === "StepFailed" && e.ParentId === child?.Id))
    })
  )

  it.live("a failing step fails the execution with the step's error, as in memory", () =>
    Effect.gen(function* () {
      const { description, history } = yield* runOverHttp(failingWorkflow(), {})
      const memory = yield* Effect.promise(() => TestRunner.runPromise(failingWorkflow(), { startTime: START }))
      assert.strictEqual(description.Status, "FAILED")
      assert.match(description.Error?.ErrorMessage ?? "", /card declined/)
      assert.strictEqual(memory.getStatus(), "FAILED")
      assert.deepStrictEqual(normalizeHistory(history), normalizeHistory(memory.getHistoryEvents()))
    })
  )

  it.live("a second client reads the execution and its history through the real SDK", () =>
    Effect.gen(function* () {
      const { arn, endpoint } = yield* runOverHttp(sleeper(60), {})
      const client = yield* clientFor(endpoint.url)
      const got = yield* Effect.promise(() => client.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn })))
      assert.strictEqual(got.Status, "SUCCEEDED")
      assert.strictEqual(got.Result, '"b"')
      assert.instanceOf(got.StartTimestamp, Date)
      assert.strictEqual((got.EndTimestamp?.getTime() ?? 0) - (got.StartTimestamp?.getTime() ?? 0), 60_000)
      const history = yield* Effect.promise(() =>
        client.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn }))
      )
      assert.deepStrictEqual(
        history.Events?.map((e) => e.EventType),
        [
          "ExecutionStarted",
          "StepStarted",
          "StepSucceeded",
          "WaitStarted",
          "InvocationCompleted",
          "WaitSucceeded",
          "StepStarted",
          "StepSucceeded",
          "InvocationCompleted",
          "ExecutionSucceeded"
        ]
      )
      const waitStarted = history.Events?.find((e) => e.EventType === "WaitStarted")
      assert.strictEqual(waitStarted?.WaitStartedDetails?.Duration, 60)
    })
  )

  it.live("real time: a 1-second wait fires on a timer and the execution resumes", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({ functions: { nap: sleeper(1) } })
      assert.isFalse(endpoint.virtualTime)
      const arn = endpoint.startExecution("nap")
      const description = yield* Effect.promise(() => endpoint.awaitExecution(arn))
      assert.strictEqual(description.Status, "SUCCEEDED")
      const invocations = endpoint.timeline.filter((e) => e._tag === "InvocationStarted")
      assert.strictEqual(invocations.length, 2)
      const types = endpoint.timeline.flatMap((e) => (e._tag === "History" ? [e.event.EventType] : []))
      assert.isTrue(types.indexOf("WaitSucceeded") > types.indexOf("WaitStarted"))
    })
  )

  it.live("runs several executions of several functions side by side", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({
        virtualTime: true,
        functions: { orders: orderWorkflow(), sums: effectWorkflow() }
      })
      const a = endpoint.startExecution("orders", { n: 1 })
      const b = endpoint.startExecution("sums", { items: [5] })
      const [da, db] = yield* Effect.promise(() =>
        Promise.all([endpoint.awaitExecution(a), endpoint.awaitExecution(b)])
      )
      assert.deepStrictEqual(JSON.parse(da.Result ?? "null"), { doubled: 2, flaky: "ok after 3", child: 30 })
      assert.deepStrictEqual(JSON.parse(db.Result ?? "null"), { sum: 5, audited: "clean" })
      assert.notStrictEqual(a, b)
    })
  )

  it.live("as a Layer: the endpoint is a service, closed when the layer is released", () =>
    Effect.gen(function* () {
      let url = ""
      const description = yield* Effect.gen(function* () {
        const endpoint = yield* LoopbackEndpoint.LoopbackEndpoint
        url = endpoint.url
        const arn = endpoint.startExecution("nap")
        return yield* Effect.promise(() => endpoint.awaitExecution(arn))
      }).pipe(Effect.provide(LoopbackEndpoint.layer({ virtualTime: true, functions: { nap: sleeper(5) } })))
      assert.strictEqual(description.Status, "SUCCEEDED")
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const refused = yield* Effect.promise(() =>
        fetch(`${url}/local/health`).then(
          () => false,
          () => true
        )
      )
      assert.isTrue(refused)
    })
  )

  it.live("start: a given state cannot be combined with virtual time; advanceTime needs virtual time", () =>
    Effect.gen(function* () {
      const error = yield* Effect.promise(() =>
        LoopbackEndpoint.start({
          state: new ServiceState.ServiceState({ now: () => 0 }),
          virtualTime: true
        }).then(
          () => assert.fail("started"),
          (e: Error) => e
        )
      )
      assert.instanceOf(error, TypeError)
      const endpoint = yield* LoopbackEndpoint.make()
      assert.throws(() => endpoint.advanceTime(1000), /real time/)
      assert.throws(() => endpoint.startExecution("nobody"), /Function not found: nobody/)
    })
  )
})
