import { CheckpointDurableExecutionCommand, SendDurableExecutionCallbackSuccessCommand } from "@aws-sdk/client-lambda"
import { RestProtocol } from "@durable-lambda/backend-aws"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as net from "node:net"
import * as LoopbackEndpoint from "../src/LoopbackEndpoint.ts"
import { clientFor, raw, sleeper } from "./fixtures/dev-support/workflows.ts"

/** The endpoint still answers after whatever came before. */
const stillServing = (endpoint: LoopbackEndpoint.Endpoint) =>
  Effect.gen(function* () {
    const health = yield* raw(endpoint.url, { method: "GET", path: "/local/health" })
    assert.strictEqual(health.status, 200)
    assert.deepStrictEqual(health.json, { status: "healthy" })
  })

/** Writes raw bytes on a TCP connection and collects whatever comes back until the server closes it. */
const rawSocket = (port: number, bytes: string) =>
  Effect.promise(
    () =>
      new Promise<string>((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => socket.end(bytes))
        const chunks: Array<Buffer> = []
        socket.on("data", (c: Buffer) => chunks.push(c))
        socket.on("error", () => resolve(Buffer.concat(chunks).toString("utf8")))
        socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")))
      })
  )

const checkpointPath = RestProtocol.checkpointPath(
  "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/a/b"
)

describe("LoopbackEndpoint never crashes on garbage", () => {
  it.live("malformed JSON: 400 InvalidRequestContentException with x-amzn-errortype", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({
        virtualTime: { autoAdvance: false },
        functions: { nap: sleeper(5) }
      })
      const arn = endpoint.startExecution("nap")
      yield* Effect.promise(() => endpoint.idle())
      const response = yield* raw(endpoint.url, {
        method: "POST",
        path: RestProtocol.checkpointPath(arn),
        body: '{"CheckpointToken": "x", "Updates": [',
        headers: { "content-type": "application/json" }
      })
      assert.strictEqual(response.status, 400)
      assert.strictEqual(response.headers["x-amzn-errortype"], "InvalidRequestContentException")
      assert.match(response.json.message, /^Could not parse request body into json/)
      const wrongTypes = yield* raw(endpoint.url, {
        method: "POST",
        path: RestProtocol.checkpointPath(arn),
        body: JSON.stringify({ CheckpointToken: 7, Updates: "all of them" })
      })
      assert.strictEqual(wrongTypes.status, 400)
      assert.strictEqual(wrongTypes.headers["x-amzn-errortype"], "InvalidRequestContentException")
      const notAnObject = yield* raw(endpoint.url, {
        method: "POST",
        path: RestProtocol.stopPath(arn),
        body: "[1, 2, 3]"
      })
      assert.strictEqual(notAnObject.status, 400)
      // The execution was not touched by any of it.
      const description = endpoint.state.getExecution(arn)
      assert.strictEqual(description._tag === "Success" ? description.success.Status : undefined, "RUNNING")
      yield* stillServing(endpoint)
    })
  )

  it.live("unknown paths: 404 UnknownOperationException; wrong methods: 405 with Allow", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make()
      for (const path of [
        "/",
        "/2025-12-01",
        "/2025-12-01/durable-executions/a/b/checkpoint",
        "/favicon.ico",
        "/%%%"
      ]) {
        const response = yield* raw(endpoint.url, { method: "GET", path })
        assert.strictEqual(response.status, 404, path)
        assert.strictEqual(response.headers["x-amzn-errortype"], "UnknownOperationException")
      }
      const wrongMethod = yield* raw(endpoint.url, { method: "GET", path: checkpointPath })
      assert.strictEqual(wrongMethod.status, 405)
      assert.strictEqual(wrongMethod.headers["allow"], "POST")
      assert.strictEqual(wrongMethod.headers["x-amzn-errortype"], "MethodNotAllowedException")
      const deleteExecution = yield* raw(endpoint.url, {
        method: "DELETE",
        path: RestProtocol.executionPath("arn:x")
      })
      assert.strictEqual(deleteExecution.status, 405)
      assert.strictEqual(deleteExecution.headers["allow"], "GET")
      const badQuery = yield* raw(endpoint.url, {
        method: "GET",
        path: `${RestProtocol.statePath("arn:x")}?CheckpointToken=t&MaxItems=ten`
      })
      assert.strictEqual(badQuery.status, 400)
      assert.strictEqual(badQuery.headers["x-amzn-errortype"], "InvalidParameterValueException")
      assert.deepStrictEqual(
        endpoint.requests.map((r) => r.status),
        [404, 404, 404, 404, 404, 405, 405, 400]
      )
      yield* stillServing(endpoint)
    })
  )

  it.live("huge bodies: 413 RequestTooLargeException, parsed by the real SDK; the server keeps serving", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({ bodyLimitBytes: 64 * 1024 })
      const client = yield* clientFor(endpoint.url)
      const error = yield* Effect.promise(() =>
        client
          .send(
            new SendDurableExecutionCallbackSuccessCommand({ CallbackId: "YWJj", Result: new Uint8Array(1024 * 1024) })
          )
          .then(
            () => assert.fail("accepted a 1 MiB body"),
            (e: Error & { $metadata: { httpStatusCode?: number } }) => e
          )
      )
      assert.strictEqual(error.name, "RequestTooLargeException")
      assert.strictEqual(error.constructor.name, "RequestTooLargeException")
      assert.strictEqual(error.$metadata.httpStatusCode, 413)
      const huge = yield* Effect.promise(() =>
        client
          .send(
            new CheckpointDurableExecutionCommand({
              DurableExecutionArn: "arn:x",
              CheckpointToken: "t",
              Updates: [{ Id: "a", Type: "STEP", Action: "SUCCEED", Payload: "x".repeat(512 * 1024) }]
            })
          )
          .then(
            () => assert.fail("accepted a 512 KiB checkpoint"),
            (e: Error & { $metadata: { httpStatusCode?: number } }) => e
          )
      )
      assert.strictEqual(huge.$metadata.httpStatusCode, 413)
      assert.deepStrictEqual(
        endpoint.requests.map((r) => [r.operation, r.status]),
        [
          ["SendDurableExecutionCallbackSuccess", 413],
          ["CheckpointDurableExecution", 413]
        ]
      )
      yield* stillServing(endpoint)
    })
  )

  it.live("malformed HTTP and aborted uploads do not take the server down", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make()
      const answer = yield* rawSocket(endpoint.port, "THIS IS NOT HTTP\r\n\r\n")
      assert.match(answer, /^HTTP\/1\.1 400/)
      // A request that announces a body and hangs up halfway.
      yield* rawSocket(
        endpoint.port,
        `POST ${checkpointPath} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"Check`
      )
      // Garbage bytes in a header.
      const badHeader = yield* rawSocket(endpoint.port, "GET /local/health HTTP/1.1\r\nHo\u0000st: x\r\n\r\n")
      assert.match(badHeader, /^HTTP\/1\.1 400/)
      yield* stillServing(endpoint)
    })
  )

  it.live("unknown ARNs, functions and callback ids each get the service's error", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make()
      const checkpoint = yield* raw(endpoint.url, {
        method: "POST",
        path: checkpointPath,
        body: JSON.stringify({ CheckpointToken: "dA==", Updates: [] })
      })
      assert.strictEqual(checkpoint.status, 404)
      assert.strictEqual(checkpoint.headers["x-amzn-errortype"], "ResourceNotFoundException")
      assert.strictEqual(checkpoint.json.message, "Execution not found")
      const start = yield* raw(endpoint.url, { method: "POST", path: "/local/functions/nobody/executions", body: "{}" })
      assert.strictEqual(start.status, 404)
      assert.strictEqual(start.headers["x-amzn-errortype"], "ResourceNotFoundException")
      endpoint.register("nap", sleeper(1))
      const badName = yield* raw(endpoint.url, {
        method: "POST",
        path: "/local/functions/nap/executions?ExecutionName=two%20words",
        body: "{}"
      })
      assert.strictEqual(badName.status, 400)
      assert.strictEqual(badName.headers["x-amzn-errortype"], "InvalidParameterValueException")
      assert.deepStrictEqual(endpoint.state.listExecutions(), [])
      const badInput = yield* raw(endpoint.url, {
        method: "POST",
        path: "/local/functions/nobody/executions",
        body: "{nope"
      })
      assert.strictEqual(badInput.status, 400)
      assert.strictEqual(badInput.headers["x-amzn-errortype"], "InvalidRequestContentException")
      const undecodable = yield* raw(endpoint.url, {
        method: "POST",
        path: "/2025-12-01/durable-execution-callbacks/%E0%A4%A/succeed"
      })
      assert.strictEqual(undecodable.status, 404)
      assert.strictEqual(undecodable.headers["x-amzn-errortype"], "UnknownOperationException")
      const percent = yield* raw(endpoint.url, { method: "POST", path: RestProtocol.callbackPath("%%%", "succeed") })
      assert.strictEqual(percent.status, 400)
      assert.strictEqual(percent.json.message, "Invalid callback id")
      const invalidId = yield* raw(endpoint.url, {
        method: "POST",
        path: RestProtocol.callbackPath("not base64!", "heartbeat")
      })
      assert.strictEqual(invalidId.status, 400)
      assert.strictEqual(invalidId.headers["x-amzn-errortype"], "InvalidParameterValueException")
      yield* stillServing(endpoint)
    })
  )

  it.live("a handler that is not a durable handler fails each invocation and, after the attempts, the execution", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({ maxInvocationAttempts: 3, retryDelayMillis: 1 })
      endpoint.register("broken", async () => ({ hello: "world" }))
      endpoint.register("thrower", async () => {
        throw new RangeError("boom")
      })
      const broken = endpoint.startExecution("broken")
      const thrower = endpoint.startExecution("thrower")
      const [b, t] = yield* Effect.promise(() =>
        Promise.all([endpoint.awaitExecution(broken), endpoint.awaitExecution(thrower)])
      )
      assert.strictEqual(b.Status, "FAILED")
      assert.strictEqual(b.Error?.ErrorType, "Runtime.InvalidOutput")
      assert.strictEqual(t.Status, "FAILED")
      assert.strictEqual(t.Error?.ErrorType, "RangeError")
      assert.match(t.Error?.ErrorMessage ?? "", /^boom \(the invocation failed 3 times in a row/)
      const ends = endpoint.timeline.filter((e) => e._tag === "InvocationEnded" && e.durableExecutionArn === thrower)
      assert.deepStrictEqual(
        ends.map((e) => (e._tag === "InvocationEnded" ? e.status : undefined)),
        ["FunctionError", "FunctionError", "FunctionError"]
      )
      assert.throws(() => endpoint.register("thrower", async () => ({ Status: "SUCCEEDED" })), /already registered/)
      assert.throws(() => endpoint.register("odd", 42), /Not a durable handler/)
      yield* stillServing(endpoint)
    })
  )
})
