import { GetDurableExecutionCommand, SendDurableExecutionCallbackSuccessCommand } from "@aws-sdk/client-lambda"
import { RestProtocol } from "@durable-lambda/backend-aws"
import { withDurableExecution } from "@durable-lambda/backend-aws"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as net from "node:net"
import * as LoopbackEndpoint from "../src/LoopbackEndpoint.ts"
import { clientFor, raw } from "./fixtures/dev-support/workflows.ts"

/** A workflow that waits for a callback: the target of a forged callback answer. */
const approval = withDurableExecution(async (_event: unknown, context) => {
  const [promise] = await context.createCallback<string>("approval")
  return await promise
})

const startPath = "/local/functions/approval/executions"

const hostOf = (endpoint: LoopbackEndpoint.Endpoint) => `127.0.0.1:${endpoint.port}`

describe("LoopbackEndpoint refuses what a web page could send (CSRF, DNS rebinding)", () => {
  it.live("a Host that is not a loopback name with the server's port: 403, nothing started", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({ virtualTime: true, functions: { approval } })
      for (const host of [
        "evil.example",
        `evil.example:${endpoint.port}`,
        "127.0.0.1:1",
        "localhost",
        "127.0.0.1.nip.io"
      ]) {
        const response = yield* raw(endpoint.url, {
          method: "POST",
          path: startPath,
          body: "{}",
          headers: { host, "content-type": "application/json" }
        })
        assert.strictEqual(response.status, 403, host)
        assert.strictEqual(response.headers["x-amzn-errortype"], "AccessDeniedException", host)
        assert.match((response.json as { message: string }).message, /Host/)
      }
      // A GET that would list executions or read history is refused too (DNS rebinding reads).
      const list = yield* raw(endpoint.url, {
        method: "GET",
        path: "/2025-12-01/functions/approval/durable-executions",
        headers: { host: `evil.example:${endpoint.port}` }
      })
      assert.strictEqual(list.status, 403)
      assert.deepStrictEqual(endpoint.state.listExecutions(), [])
      // Loopback names and addresses with the right port are served.
      for (const host of [hostOf(endpoint), `localhost:${endpoint.port}`, `[::1]:${endpoint.port}`]) {
        const health = yield* raw(endpoint.url, { method: "GET", path: "/local/health", headers: { host } })
        assert.strictEqual(health.status, 200, host)
      }
    })
  )

  it.live("a cross-origin Origin: 403, the callback is not forged", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({ virtualTime: true, functions: { approval } })
      const arn = endpoint.startExecution("approval")
      const callbackId = yield* Effect.promise(() => endpoint.awaitCallbackId(arn))
      for (const origin of ["https://evil.example", "null", `http://127.0.0.1:${endpoint.port + 1}`]) {
        const forged = yield* raw(endpoint.url, {
          method: "POST",
          path: `/2025-12-01/durable-execution-callbacks/${encodeURIComponent(callbackId)}/succeed`,
          body: '"approved"',
          headers: { origin, "content-type": "application/json" }
        })
        assert.strictEqual(forged.status, 403, origin)
        assert.strictEqual(forged.headers["x-amzn-errortype"], "AccessDeniedException")
        assert.match((forged.json as { message: string }).message, /Origin/)
      }
      const still = endpoint.state.getExecution(arn)
      assert.strictEqual(still._tag === "Success" ? still.success.Status : undefined, "RUNNING")
      // The same origin is fine.
      const same = yield* raw(endpoint.url, {
        method: "POST",
        path: `/2025-12-01/durable-execution-callbacks/${encodeURIComponent(callbackId)}/succeed`,
        body: '"approved"',
        headers: { origin: endpoint.url, "content-type": "application/json" }
      })
      assert.strictEqual(same.status, 200)
      const done = yield* Effect.promise(() => endpoint.awaitExecution(arn))
      assert.strictEqual(done.Status, "SUCCEEDED")
    })
  )

  it.live("a state-changing POST without a JSON content type: 415 UnsupportedMediaTypeException", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({ virtualTime: true, functions: { approval } })
      for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
        const response = yield* raw(endpoint.url, {
          method: "POST",
          path: startPath,
          body: '{"attacker": true}',
          headers: { "content-type": type }
        })
        assert.strictEqual(response.status, 415, type)
        assert.strictEqual(response.headers["x-amzn-errortype"], "UnsupportedMediaTypeException")
      }
      // A body without any content type is refused too.
      const untyped = yield* raw(endpoint.url, { method: "POST", path: startPath, body: "{}", headers: {} })
      assert.strictEqual(untyped.status, 415)
      const invoke = yield* raw(endpoint.url, {
        method: "POST",
        path: "/2015-03-31/functions/approval/invocations",
        body: "{}",
        headers: { "content-type": "text/plain", "x-amz-invocation-type": "Event" }
      })
      assert.strictEqual(invoke.status, 415)
      assert.deepStrictEqual(endpoint.state.listExecutions(), [])
      // JSON (with a charset) is accepted.
      const ok = yield* raw(endpoint.url, {
        method: "POST",
        path: startPath,
        body: "{}",
        headers: { "content-type": "application/json; charset=utf-8" }
      })
      assert.strictEqual(ok.status, 201)
    })
  )

  it.live("the real AWS SDK client still works (octet-stream callback payloads, empty heartbeats)", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({ virtualTime: true, functions: { approval } })
      const client = yield* clientFor(endpoint.url)
      const arn = endpoint.startExecution("approval")
      const callbackId = yield* Effect.promise(() => endpoint.awaitCallbackId(arn))
      yield* Effect.promise(() =>
        client.send(
          new SendDurableExecutionCallbackSuccessCommand({
            CallbackId: callbackId,
            Result: new TextEncoder().encode('"yes"')
          })
        )
      )
      yield* Effect.promise(() => endpoint.awaitExecution(arn))
      const described = yield* Effect.promise(() =>
        client.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }))
      )
      assert.strictEqual(described.Status, "SUCCEEDED")
    })
  )
})

describe("LoopbackEndpoint bounds what it keeps", () => {
  it.live("the request log keeps only the latest records, without query strings", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({ requestLogLimit: 3 })
      for (let i = 0; i < 5; i++) {
        yield* raw(endpoint.url, { method: "GET", path: `/local/health?secret=${i}` })
      }
      assert.strictEqual(endpoint.requests.length, 3)
      assert.deepStrictEqual(
        endpoint.requests.map((r) => r.sequence),
        [3, 4, 5]
      )
      assert.isTrue(endpoint.requests.every((r) => r.url === "/local/health"))
    })
  )
})

/** Opens a raw connection, writes `head`, then dribbles one byte at a time; resolves once the server closes it. */
const dribble = (port: number, head: string) =>
  Effect.promise(
    () =>
      new Promise<string>((resolve) => {
        const chunks: Array<Buffer> = []
        let timer: ReturnType<typeof setInterval> | undefined
        const socket = net.connect(port, "127.0.0.1", () => {
          socket.write(head)
          timer = setInterval(() => {
            if (socket.writable) socket.write("a")
          }, 20)
        })
        socket.on("data", (c: Buffer) => chunks.push(c))
        const done = () => {
          if (timer !== undefined) clearInterval(timer)
          resolve(Buffer.concat(chunks).toString("utf8"))
        }
        socket.on("error", done)
        socket.on("close", done)
      })
  )

describe("LoopbackEndpoint closes connections that dribble bytes", () => {
  it.live("headers that never end: the connection is closed (408)", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({ headersTimeoutMillis: 200, requestTimeoutMillis: 400 })
      const answer = yield* dribble(
        endpoint.port,
        `GET /local/health HTTP/1.1\r\nHost: 127.0.0.1:${endpoint.port}\r\nX-Slow: `
      )
      assert.match(answer, /^HTTP\/1\.1 408 /)
    })
  )

  it.live("a body that never ends: the connection is closed", () =>
    Effect.gen(function* () {
      const endpoint = yield* LoopbackEndpoint.make({ headersTimeoutMillis: 200, requestTimeoutMillis: 400 })
      const answer = yield* dribble(
        endpoint.port,
        `POST ${RestProtocol.stopPath("arn:aws:lambda:us-east-1:1:function:f:$LATEST/durable-execution/a/b")} HTTP/1.1\r\nHost: 127.0.0.1:${endpoint.port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`
      )
      assert.match(answer, /^HTTP\/1\.1 408 /)
    })
  )
})
