import { LambdaClient } from "@aws-sdk/client-lambda"
import { AwsBackend } from "@durable-lambda/backend-aws"
import { DurableBackend } from "@durable-lambda/core"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Schedule } from "effect"
import * as LoopbackEndpoint from "../src/LoopbackEndpoint.ts"
import { orderWorkflow, sleeper } from "./fixtures/dev-support/workflows.ts"

/** The real `AwsBackend` over a real `LambdaClient` pointed at the endpoint. */
const backendOver = (url: string, options?: AwsBackend.Options) =>
  Effect.gen(function* () {
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => new LambdaClient(LoopbackEndpoint.clientConfig(url))),
      (c) => Effect.sync(() => c.destroy())
    )
    const context = yield* Layer.build(AwsBackend.layerClient(client, options))
    return Context.get(context, DurableBackend.DurableBackend)
  })

const noRetries: AwsBackend.Options = { retrySchedule: Schedule.recurs(0) }

/** An execution nobody drives (not registered with the endpoint's driver): the test makes its calls. */
const manualExecution = (endpoint: LoopbackEndpoint.Endpoint) => {
  const started = endpoint.state.startExecution({ functionName: "manual" })
  return { arn: started.durableExecutionArn, token: started.invocationInput.CheckpointToken }
}

const step = (id: string) => ({ Id: id, Type: "STEP", SubType: "Step", Action: "SUCCEED", Payload: '"v"' }) as const

describe("LoopbackEndpoint fault hooks, as AwsBackend sees them", () => {
  const cases: ReadonlyArray<
    readonly [LoopbackEndpoint.Fault, DurableBackend.BackendErrorReason["_tag"], boolean, number]
  > = [
    ["throttle", "Throttled", true, 429],
    ["serverError", "ServiceUnavailable", true, 500],
    ["staleToken", "InvalidCheckpointToken", true, 400],
    ["tooLarge", "PayloadTooLarge", false, 413]
  ]
  for (const [fault, reason, retryable, status] of cases) {
    it.live(
      `${fault}: checkpoint and getExecutionState fail with ${reason} (retryable: ${retryable}), nothing applied`,
      () =>
        Effect.gen(function* () {
          const endpoint = yield* LoopbackEndpoint.make({ virtualTime: true })
          const backend = yield* backendOver(endpoint.url, noRetries)
          const { arn, token } = manualExecution(endpoint)
          endpoint.faults.failNext("CheckpointDurableExecution", 1, fault)
          endpoint.faults.failNext("GetDurableExecutionState", 1, fault)
          const checkpointError = yield* Effect.flip(
            backend.checkpoint({ durableExecutionArn: arn, checkpointToken: token, updates: [step("a")] })
          )
          assert.strictEqual(checkpointError.reason._tag, reason)
          assert.strictEqual(checkpointError.retryable, retryable)
          assert.strictEqual(checkpointError.call, "checkpoint")
          const stateError = yield* Effect.flip(
            backend.getExecutionState({ durableExecutionArn: arn, checkpointToken: token })
          )
          assert.strictEqual(stateError.reason._tag, reason)
          assert.strictEqual(endpoint.faults.pending(), 0)
          assert.deepStrictEqual(
            endpoint.requests.map((r) => [r.status, r.injected]),
            [
              [status, true],
              [status, true]
            ]
          )
          // The fault changed nothing: the same token still works and the update applies once.
          assert.isUndefined(endpoint.state.operation(arn, "a"))
          const ok = yield* backend.checkpoint({
            durableExecutionArn: arn,
            checkpointToken: token,
            updates: [step("a")]
          })
          assert.notStrictEqual(ok.checkpointToken, token)
          assert.strictEqual(endpoint.state.operation(arn, "a")?.Status, "SUCCEEDED")
        })
    )
  }

  it.live(
    "the service's own errors map too: consumed token, unknown execution, invalid update, body over the limit",
    () =>
      Effect.gen(function* () {
        const endpoint = yield* LoopbackEndpoint.make({ virtualTime: true, bodyLimitBytes: 16 * 1024 })
        const backend = yield* backendOver(endpoint.url, noRetries)
        const { arn, token } = manualExecution(endpoint)
        yield* backend.checkpoint({ durableExecutionArn: arn, checkpointToken: token, updates: [step("a")] })
        const consumed = yield* Effect.flip(
          backend.checkpoint({ durableExecutionArn: arn, checkpointToken: token, updates: [step("b")] })
        )
        assert.strictEqual(consumed.reason._tag, "InvalidCheckpointToken")
        assert.match(consumed.reason.message, /^Invalid Checkpoint Token/)
        const unknown = yield* Effect.flip(
          backend.checkpoint({ durableExecutionArn: `${arn}-gone`, checkpointToken: token, updates: [] })
        )
        assert.strictEqual(unknown.reason._tag, "ExecutionNotFound")
        assert.isFalse(unknown.retryable)
        const fresh = manualExecution(endpoint)
        const invalid = yield* Effect.flip(
          backend.checkpoint({
            durableExecutionArn: fresh.arn,
            checkpointToken: fresh.token,
            updates: [{ Id: "w", Type: "WAIT", Action: "SUCCEED" }]
          })
        )
        assert.strictEqual(invalid.reason._tag, "InvalidParameter")
        assert.strictEqual(invalid.reason.message, "Invalid action for the given operation type.")
        const big = yield* Effect.flip(
          backend.checkpoint({
            durableExecutionArn: fresh.arn,
            checkpointToken: fresh.token,
            updates: [{ ...step("big"), Payload: JSON.stringify("x".repeat(32 * 1024)) }]
          })
        )
        assert.strictEqual(big.reason._tag, "PayloadTooLarge")
      })
  )

  it.live("ClientToken reuse: in-process retries after throttling re-send the same ClientToken and token", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({ virtualTime: true })
      const backend = yield* backendOver(endpoint.url, { retrySchedule: Schedule.recurs(3) })
      const { arn, token } = manualExecution(endpoint)
      endpoint.faults.failNext("CheckpointDurableExecution", 2, "throttle")
      const result = yield* backend.checkpoint({
        durableExecutionArn: arn,
        checkpointToken: token,
        updates: [step("a")]
      })
      const sent = endpoint.requests.filter((r) => r.operation === "CheckpointDurableExecution")
      assert.deepStrictEqual(
        sent.map((r) => r.status),
        [429, 429, 200]
      )
      assert.strictEqual(new Set(sent.map((r) => r.clientToken)).size, 1)
      assert.strictEqual(
        sent[0]?.clientToken,
        AwsBackend.clientTokenFor({ durableExecutionArn: arn, checkpointToken: token, updates: [step("a")] })
      )
      assert.isTrue(sent.every((r) => r.checkpointToken === token))
      assert.strictEqual(endpoint.state.operation(arn, "a")?.Status, "SUCCEEDED")
      assert.notStrictEqual(result.checkpointToken, token)
    })
  )

  it.live(
    "ClientToken reuse: a lost response (applied, then 500) is retried and answered from the idempotency store",
    () =>
      Effect.gen(function* () {
        const endpoint = yield* LoopbackEndpoint.make({ virtualTime: true })
        const backend = yield* backendOver(endpoint.url, { retrySchedule: Schedule.recurs(2) })
        const { arn, token } = manualExecution(endpoint)
        endpoint.faults.failNext("CheckpointDurableExecution", 1, "serverError", { afterApply: true })
        const result = yield* backend.checkpoint({
          durableExecutionArn: arn,
          checkpointToken: token,
          updates: [step("a")]
        })
        const sent = endpoint.requests.filter((r) => r.operation === "CheckpointDurableExecution")
        assert.deepStrictEqual(
          sent.map((r) => [r.status, r.injected]),
          [
            [500, true],
            [200, false]
          ]
        )
        assert.strictEqual(sent[0]?.clientToken, sent[1]?.clientToken)
        // Applied exactly once: one StepSucceeded, and the replayed answer's token is the one issued the first time.
        const history = endpoint.state.getHistory(arn)
        const succeeded =
          history._tag === "Success" ? history.success.filter((e) => e.EventType === "StepSucceeded") : []
        assert.strictEqual(succeeded.length, 1)
        const next = yield* backend.checkpoint({
          durableExecutionArn: arn,
          checkpointToken: result.checkpointToken,
          updates: [step("b")]
        })
        assert.notStrictEqual(next.checkpointToken, result.checkpointToken)
      })
  )
})

describe("LoopbackEndpoint fault hooks, end to end through a production handler", () => {
  const run = (fault: LoopbackEndpoint.Fault, count: number) =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({
        virtualTime: true,
        retryDelayMillis: 1,
        functions: { nap: sleeper(30) }
      })
      endpoint.faults.failNext("CheckpointDurableExecution", count, fault)
      const arn = endpoint.startExecution("nap")
      const description = yield* Effect.promise(() => endpoint.awaitExecution(arn))
      const ends = endpoint.timeline.flatMap((e) => (e._tag === "InvocationEnded" ? [e] : []))
      return { endpoint, description, ends }
    })

  it.live("throttling within the retry budget is absorbed in-process: same invocation, execution succeeds", () =>
    Effect.gen(function* () {
      const { description, ends, endpoint } = yield* run("throttle", 2)
      assert.strictEqual(description.Status, "SUCCEEDED")
      assert.deepStrictEqual(
        ends.map((e) => e.status),
        ["PENDING", "SUCCEEDED"]
      )
      assert.strictEqual(endpoint.requests.filter((r) => r.injected).length, 2)
    })
  )

  it.live(
    "a stale token ends the invocation with a function error; the service re-invokes and the execution succeeds",
    () =>
      Effect.gen(function* () {
        const { description, endpoint, ends } = yield* run("staleToken", 1)
        assert.strictEqual(description.Status, "SUCCEEDED")
        assert.deepStrictEqual(
          ends.map((e) => e.status),
          ["FunctionError", "PENDING", "SUCCEEDED"]
        )
        assert.strictEqual(ends[0]?.error?.ErrorType, "CheckpointUnrecoverableInvocationError")
        const history = endpoint.state.getHistory(description.DurableExecutionArn)
        const completed =
          history._tag === "Success" ? history.success.filter((e) => e.EventType === "InvocationCompleted") : []
        assert.isDefined(
          completed[0]?.EventType === "InvocationCompleted" ? completed[0].InvocationCompletedDetails.Error : undefined
        )
        assert.strictEqual(completed.length, 3)
      })
  )

  it.live("5xx past the retry budget (3 attempts) ends the invocation; the re-invocation succeeds", () =>
    Effect.gen(function* () {
      const { description, endpoint, ends } = yield* run("serverError", 3)
      assert.strictEqual(description.Status, "SUCCEEDED")
      assert.deepStrictEqual(
        ends.map((e) => e.status),
        ["FunctionError", "PENDING", "SUCCEEDED"]
      )
      assert.deepStrictEqual(
        endpoint.requests.slice(0, 3).map((r) => [r.status, r.clientToken === endpoint.requests[0]?.clientToken]),
        [
          [500, true],
          [500, true],
          [500, true]
        ]
      )
    })
  )

  it.live("413 fails the execution (not retryable): one invocation, FAILED with the checkpoint error", () =>
    Effect.gen(function* () {
      const { description, ends } = yield* run("tooLarge", 1)
      assert.strictEqual(description.Status, "FAILED")
      assert.deepStrictEqual(
        ends.map((e) => e.status),
        ["FAILED"]
      )
      assert.strictEqual(description.Error?.ErrorType, "CheckpointUnrecoverableExecutionError")
      assert.match(description.Error?.ErrorMessage ?? "", /Checkpoint failed/)
    })
  )

  it.live("a fault on the start route answers the fault and starts nothing", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({ virtualTime: true, functions: { orders: orderWorkflow() } })
      endpoint.faults.failNext("StartExecution", 1, "throttle")
      const response = yield* Effect.promise(() =>
        fetch(`${endpoint.url}/local/functions/orders/executions`, {
          method: "POST",
          body: '{"n":1}',
          headers: { "content-type": "application/json" }
        })
      )
      assert.strictEqual(response.status, 429)
      assert.strictEqual(response.headers.get("x-amzn-errortype"), "TooManyRequestsException")
      assert.deepStrictEqual(endpoint.state.listExecutions(), [])
      const second = yield* Effect.promise(() =>
        fetch(`${endpoint.url}/local/functions/orders/executions`, {
          method: "POST",
          body: '{"n":1}',
          headers: { "content-type": "application/json" }
        }).then((r) => r.json().then((body) => ({ status: r.status, body: body as { DurableExecutionArn: string } })))
      )
      assert.strictEqual(second.status, 201)
      const done = yield* Effect.promise(() => endpoint.awaitExecution(second.body.DurableExecutionArn))
      assert.strictEqual(done.Status, "SUCCEEDED")
    })
  )
})
