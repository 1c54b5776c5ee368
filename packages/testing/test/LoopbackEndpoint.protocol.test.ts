import {
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  GetDurableExecutionStateCommand,
  InvokeCommand,
  ListDurableExecutionsByFunctionCommand,
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackHeartbeatCommand,
  SendDurableExecutionCallbackSuccessCommand,
  StopDurableExecutionCommand
} from "@aws-sdk/client-lambda"
import { ServiceState } from "@durable-lambda/backend-mock"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as LoopbackEndpoint from "../src/LoopbackEndpoint.ts"
import { rawCallbackHandler } from "./fixtures/dev-support/callbackHandler.ts"
import { clientFor, failingWorkflow, orderWorkflow, sleeper } from "./fixtures/dev-support/workflows.ts"

/** What the AWS SDK threw: its class name, error code, status and message. */
const failure = <A>(promise: () => Promise<A>) =>
  Effect.promise(() =>
    promise().then(
      () => assert.fail("the call succeeded"),
      (error: Error & { $metadata?: { httpStatusCode?: number } }) => ({
        constructor: error.constructor.name,
        name: error.name,
        status: error.$metadata?.httpStatusCode,
        message: error.message
      })
    )
  )

const withCallbackFunction = (
  options: Parameters<typeof rawCallbackHandler>[1] = {},
  endpointOptions: LoopbackEndpoint.Options = { virtualTime: true }
) =>
  Effect.gen(function* () {
    const endpoint = yield* LoopbackEndpoint.make(endpointOptions)
    endpoint.register("approvals", rawCallbackHandler(endpoint.url, options))
    const client = yield* clientFor(endpoint.url)
    const arn = endpoint.startExecution("approvals", { order: 1 })
    const callbackId = yield* Effect.promise(() => endpoint.awaitCallbackId(arn, { name: "approval" }))
    return { endpoint, client, arn, callbackId }
  })

describe("LoopbackEndpoint protocol (real LambdaClient)", () => {
  describe("callbacks", () => {
    it.live("SendDurableExecutionCallbackSuccess from a second client resumes the execution with the raw result", () =>
      Effect.gen(function* () {
        const { arn, callbackId, client, endpoint } = yield* withCallbackFunction()
        assert.match(callbackId, /^[A-Za-z0-9+/]+={0,2}$/)
        assert.strictEqual(endpoint.state.operations(arn).find((op) => op.Id === "approval-1")?.Status, "STARTED")
        yield* Effect.promise(() =>
          client.send(
            new SendDurableExecutionCallbackSuccessCommand({
              CallbackId: callbackId,
              Result: new TextEncoder().encode('{"approved":true}')
            })
          )
        )
        const done = yield* Effect.promise(() => endpoint.awaitExecution(arn))
        assert.strictEqual(done.Status, "SUCCEEDED")
        assert.deepStrictEqual(JSON.parse(done.Result ?? "null"), { approval: '{"approved":true}' })
        const history = yield* Effect.promise(() =>
          client.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn }))
        )
        const succeeded = history.Events?.find((e) => e.EventType === "CallbackSucceeded")
        assert.strictEqual(succeeded?.CallbackSucceededDetails?.Result?.Payload, '{"approved":true}')
        const started = history.Events?.find((e) => e.EventType === "CallbackStarted")
        assert.strictEqual(started?.CallbackStartedDetails?.CallbackId, callbackId)
        // A closed callback: CallbackTimeoutException (400), as the service answers.
        const again = yield* failure(() =>
          client.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId }))
        )
        assert.deepInclude(again, { constructor: "CallbackTimeoutException", status: 400 })
      })
    )

    it.live("SendDurableExecutionCallbackFailure fails the callback with the sent error object", () =>
      Effect.gen(function* () {
        const { arn, callbackId, client, endpoint } = yield* withCallbackFunction()
        yield* Effect.promise(() =>
          client.send(
            new SendDurableExecutionCallbackFailureCommand({
              CallbackId: callbackId,
              Error: { ErrorType: "Rejected", ErrorMessage: "manager said no", StackTrace: ["at desk"] }
            })
          )
        )
        const done = yield* Effect.promise(() => endpoint.awaitExecution(arn))
        assert.strictEqual(done.Status, "FAILED")
        assert.deepStrictEqual(done.Error, {
          ErrorType: "Rejected",
          ErrorMessage: "manager said no",
          StackTrace: ["at desk"]
        })
        const failed = endpoint.timeline.find((e) => e._tag === "History" && e.event.EventType === "CallbackFailed")
        assert.isDefined(failed)
      })
    )

    it.live("heartbeats keep a heartbeat-limited callback alive until they stop (virtual time)", () =>
      Effect.gen(function* () {
        const { arn, callbackId, client, endpoint } = yield* withCallbackFunction({ HeartbeatTimeoutSeconds: 60 })
        endpoint.advanceTime(50_000)
        yield* Effect.promise(() =>
          client.send(new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: callbackId }))
        )
        endpoint.advanceTime(50_000)
        assert.strictEqual(endpoint.state.operations(arn).find((op) => op.Id === "approval-1")?.Status, "STARTED")
        const fired = endpoint.advanceTime(20_000)
        assert.deepStrictEqual(
          fired.map((t) => t.kind),
          ["CallbackHeartbeatTimeout"]
        )
        const done = yield* Effect.promise(() => endpoint.awaitExecution(arn))
        assert.strictEqual(done.Status, "FAILED")
        assert.strictEqual(done.Error?.ErrorType, "Callback.Heartbeat")
        const late = yield* failure(() =>
          client.send(new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: callbackId }))
        )
        assert.deepInclude(late, { constructor: "CallbackTimeoutException", status: 400 })
      })
    )

    it.live("unknown and malformed callback ids get the service's errors", () =>
      Effect.gen(function* () {
        const endpoint = yield* LoopbackEndpoint.make()
        const client = yield* clientFor(endpoint.url)
        const unknown = yield* failure(() =>
          client.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: "bm90LWEtY2FsbGJhY2s=" }))
        )
        assert.deepInclude(unknown, {
          constructor: "ResourceNotFoundException",
          status: 404,
          message: "Callback not found"
        })
        const malformed = yield* failure(() =>
          client.send(new SendDurableExecutionCallbackFailureCommand({ CallbackId: "not a callback id!" }))
        )
        assert.deepInclude(malformed, { constructor: "InvalidParameterValueException", status: 400 })
        const heartbeat = yield* failure(() =>
          client.send(new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: "bm9wZQ==" }))
        )
        assert.deepInclude(heartbeat, { constructor: "ResourceNotFoundException", status: 404 })
      })
    )
  })

  describe("executions", () => {
    it.live(
      "GetDurableExecution: description with epoch-second timestamps; IncludeExecutionData=false drops the data",
      () =>
        Effect.gen(function* () {
          const endpoint = yield* LoopbackEndpoint.make({ virtualTime: true, functions: { orders: orderWorkflow() } })
          const client = yield* clientFor(endpoint.url)
          const arn = endpoint.startExecution("orders", { n: 2 }, { executionName: "order-2" })
          yield* Effect.promise(() => endpoint.awaitExecution(arn))
          const full = yield* Effect.promise(() =>
            client.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }))
          )
          assert.strictEqual(full.DurableExecutionName, "order-2")
          assert.strictEqual(full.FunctionArn, "arn:aws:lambda:us-east-1:123456789012:function:orders")
          assert.strictEqual(full.InputPayload, '{"n":2}')
          assert.strictEqual(full.Status, "SUCCEEDED")
          assert.strictEqual(full.Version, "$LATEST")
          assert.strictEqual(full.DurableConfig?.ExecutionTimeout, 31622400)
          assert.instanceOf(full.EndTimestamp, Date)
          const lean = yield* Effect.promise(() =>
            client.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn, IncludeExecutionData: false }))
          )
          assert.isUndefined(lean.InputPayload)
          assert.isUndefined(lean.Result)
          assert.strictEqual(lean.ExecutionDataIncluded, false)
          assert.strictEqual(lean.Status, "SUCCEEDED")
        })
    )

    it.live(
      "GetDurableExecutionHistory pages with MaxItems / NextMarker, forwards and in reverse, with or without data",
      () =>
        Effect.gen(function* () {
          const endpoint = yield* LoopbackEndpoint.make({ virtualTime: true, functions: { orders: orderWorkflow() } })
          const client = yield* clientFor(endpoint.url)
          const arn = endpoint.startExecution("orders", { n: 2 })
          yield* Effect.promise(() => endpoint.awaitExecution(arn))
          const all = endpoint.state.getHistory(arn)
          assert.isTrue(all._tag === "Success")
          const total = all._tag === "Success" ? all.success.length : 0
          const ids: Array<number> = []
          let marker: string | undefined
          let pages = 0
          do {
            const page = yield* Effect.promise(() =>
              client.send(
                new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn, MaxItems: 4, Marker: marker })
              )
            )
            ids.push(...(page.Events ?? []).map((e) => e.EventId ?? 0))
            marker = page.NextMarker
            pages += 1
          } while (marker !== undefined)
          assert.deepStrictEqual(
            ids,
            Array.from({ length: total }, (_, i) => i + 1)
          )
          assert.strictEqual(pages, Math.ceil(total / 4))
          const reversed = yield* Effect.promise(() =>
            client.send(
              new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn, ReverseOrder: true, MaxItems: 2 })
            )
          )
          assert.deepStrictEqual(
            reversed.Events?.map((e) => e.EventId),
            [total, total - 1]
          )
          assert.strictEqual(reversed.NextMarker, String(total - 2))
          const lean = yield* Effect.promise(() =>
            client.send(
              new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn, IncludeExecutionData: false })
            )
          )
          const succeeded = lean.Events?.find((e) => e.EventType === "StepSucceeded")
          assert.deepStrictEqual(succeeded?.StepSucceededDetails?.Result, { Truncated: true })
          const bad = yield* failure(() =>
            client.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn, Marker: "nope" }))
          )
          assert.deepInclude(bad, { constructor: "InvalidParameterValueException", status: 400 })
        })
    )

    it.live("StopDurableExecution stops a waiting execution with the given error, idempotently", () =>
      Effect.gen(function* () {
        const endpoint = yield* LoopbackEndpoint.make({
          virtualTime: { autoAdvance: false },
          functions: { nap: sleeper(3600) }
        })
        const client = yield* clientFor(endpoint.url)
        const arn = endpoint.startExecution("nap")
        yield* Effect.promise(() => endpoint.idle())
        assert.strictEqual(endpoint.state.getExecution(arn)._tag, "Success")
        const stopped = yield* Effect.promise(() =>
          client.send(
            new StopDurableExecutionCommand({
              DurableExecutionArn: arn,
              Error: { ErrorType: "Ops", ErrorMessage: "halt" }
            })
          )
        )
        assert.instanceOf(stopped.StopTimestamp, Date)
        const done = yield* Effect.promise(() => endpoint.awaitExecution(arn))
        assert.strictEqual(done.Status, "STOPPED")
        assert.deepStrictEqual(done.Error, { ErrorType: "Ops", ErrorMessage: "halt" })
        const again = yield* Effect.promise(() =>
          client.send(new StopDurableExecutionCommand({ DurableExecutionArn: arn }))
        )
        assert.strictEqual(again.StopTimestamp?.getTime(), stopped.StopTimestamp?.getTime())
        const last = endpoint.timeline.filter((e) => e._tag === "History").at(-1)
        assert.strictEqual(last?._tag === "History" ? last.event.EventType : undefined, "ExecutionStopped")
      })
    )

    it.live("every ARN-addressed operation answers ResourceNotFoundException (404) for an unknown ARN", () =>
      Effect.gen(function* () {
        const endpoint = yield* LoopbackEndpoint.make()
        const client = yield* clientFor(endpoint.url)
        const arn = "arn:aws:lambda:us-east-1:123456789012:function:ghost:$LATEST/durable-execution/x/y"
        const results = [
          yield* failure(() => client.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }))),
          yield* failure(() => client.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn }))),
          yield* failure(() => client.send(new StopDurableExecutionCommand({ DurableExecutionArn: arn }))),
          yield* failure(() =>
            client.send(new GetDurableExecutionStateCommand({ DurableExecutionArn: arn, CheckpointToken: "dA==" }))
          )
        ]
        for (const result of results) {
          assert.deepInclude(result, {
            constructor: "ResourceNotFoundException",
            status: 404,
            message: "Execution not found"
          })
        }
      })
    )

    it.live("GetDurableExecutionState pages the state for the handler when the event is paginated", () =>
      Effect.gen(function* () {
        const state = new ServiceState.ServiceState({ now: () => Date.now(), pageSize: 1 })
        const endpoint = yield* LoopbackEndpoint.make({ state, functions: { nap: sleeper(1) } })
        const arn = endpoint.startExecution("nap")
        const done = yield* Effect.promise(() => endpoint.awaitExecution(arn))
        assert.strictEqual(done.Status, "SUCCEEDED")
        const reads = endpoint.requests.filter((r) => r.operation === "GetDurableExecutionState")
        assert.isTrue(reads.length >= 2)
        assert.isTrue(reads.every((r) => r.status === 200))
        // The token of an invocation that ended is refused with the class the SDK re-invokes on.
        const client = yield* clientFor(endpoint.url)
        const token = endpoint.requests.find((r) => r.checkpointToken !== undefined)?.checkpointToken ?? ""
        const stale = yield* failure(() =>
          client.send(new GetDurableExecutionStateCommand({ DurableExecutionArn: arn, CheckpointToken: token }))
        )
        assert.deepInclude(stale, { constructor: "InvalidParameterValueException", status: 400 })
        assert.match(stale.message, /^Invalid Checkpoint Token/)
      })
    )

    it.live("ListDurableExecutionsByFunction filters by function and status and pages", () =>
      Effect.gen(function* () {
        const endpoint = yield* LoopbackEndpoint.make({
          virtualTime: { autoAdvance: false },
          functions: { a: sleeper(10), b: sleeper(10) }
        })
        const client = yield* clientFor(endpoint.url)
        const a1 = endpoint.startExecution("a")
        const a2 = endpoint.startExecution("a")
        endpoint.startExecution("b")
        yield* Effect.promise(() => endpoint.idle())
        yield* Effect.promise(() => client.send(new StopDurableExecutionCommand({ DurableExecutionArn: a2 })))
        const page1 = yield* Effect.promise(() =>
          client.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: "a", MaxItems: 1 }))
        )
        assert.deepStrictEqual(
          page1.DurableExecutions?.map((e) => e.DurableExecutionArn),
          [a1]
        )
        const page2 = yield* Effect.promise(() =>
          client.send(
            new ListDurableExecutionsByFunctionCommand({ FunctionName: "a", MaxItems: 1, Marker: page1.NextMarker })
          )
        )
        assert.deepStrictEqual(
          page2.DurableExecutions?.map((e) => e.DurableExecutionArn),
          [a2]
        )
        assert.isUndefined(page2.NextMarker)
        const running = yield* Effect.promise(() =>
          client.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: "a", Statuses: ["RUNNING"] }))
        )
        assert.deepStrictEqual(
          running.DurableExecutions?.map((e) => e.Status),
          ["RUNNING"]
        )
      })
    )
  })

  describe("starting executions", () => {
    it.live("Lambda Invoke (Event) starts an execution and returns its ARN; RequestResponse returns the result", () =>
      Effect.gen(function* () {
        const endpoint = yield* LoopbackEndpoint.make({ virtualTime: true, functions: { orders: orderWorkflow() } })
        const client = yield* clientFor(endpoint.url)
        const event = yield* Effect.promise(() =>
          client.send(
            new InvokeCommand({
              FunctionName: "orders",
              InvocationType: "Event",
              Payload: new TextEncoder().encode('{"n":5}'),
              DurableExecutionName: "by-invoke"
            })
          )
        )
        assert.strictEqual(event.StatusCode, 202)
        const arn = event.DurableExecutionArn ?? ""
        assert.match(arn, /:function:orders:\$LATEST\/durable-execution\/by-invoke\//)
        const done = yield* Effect.promise(() => endpoint.awaitExecution(arn))
        assert.strictEqual(done.Status, "SUCCEEDED")
        const sync = yield* Effect.promise(() =>
          client.send(
            new InvokeCommand({
              FunctionName: "arn:aws:lambda:us-east-1:123456789012:function:orders",
              Payload: new TextEncoder().encode('{"n":1}')
            })
          )
        )
        assert.strictEqual(sync.StatusCode, 200)
        assert.isUndefined(sync.FunctionError)
        // The handler instance is warm: its attempt counter carried over from the first execution.
        assert.deepStrictEqual(JSON.parse(new TextDecoder().decode(sync.Payload)), {
          doubled: 2,
          flaky: "ok after 4",
          child: 30
        })
        endpoint.register("doomed", failingWorkflow())
        const failed = yield* Effect.promise(() => client.send(new InvokeCommand({ FunctionName: "doomed:$LATEST" })))
        assert.strictEqual(failed.StatusCode, 200)
        assert.strictEqual(failed.FunctionError, "Unhandled")
        assert.match(JSON.parse(new TextDecoder().decode(failed.Payload)).errorMessage, /card declined/)
        const dryRun = yield* Effect.promise(() =>
          client.send(new InvokeCommand({ FunctionName: "doomed", InvocationType: "DryRun" }))
        )
        assert.strictEqual(dryRun.StatusCode, 204)
        assert.strictEqual(endpoint.state.listExecutions().length, 3)
        const missing = yield* failure(() => client.send(new InvokeCommand({ FunctionName: "nobody" })))
        assert.deepInclude(missing, { constructor: "ResourceNotFoundException", status: 404 })
      })
    )
  })
})
