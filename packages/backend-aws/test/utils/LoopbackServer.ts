/**
 * A minimal Lambda REST endpoint for tests: a `node:http` server on 127.0.0.1 that records every request
 * (routed with `RestProtocol.matchRoute`) and answers with scripted responses. The full emulator-backed
 * endpoint belongs to `@durable-lambda/testing`; this one only scripts replies.
 */
import {
  CheckpointDurableExecutionCommand,
  GetDurableExecutionStateCommand,
  LambdaClient
} from "@aws-sdk/client-lambda"
import { Effect, type Scope } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as RestProtocol from "../../src/RestProtocol.ts"
import * as LambdaApi from "../../src/LambdaApi.ts"

export interface RecordedRequest {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
  readonly match: RestProtocol.RouteMatch | undefined
  /** The parsed JSON body, or `undefined` for an empty body. */
  readonly json: unknown
}

/** What to answer: a rendered response, or `"hang"` to never answer (until the client gives up). */
export type Reply = RestProtocol.HttpResponse | "hang"

export interface LoopbackServer {
  readonly endpoint: string
  readonly port: number
  /** Requests in arrival order (live array). */
  readonly requests: ReadonlyArray<RecordedRequest>
  /** Replies used in order, one per request; the last one repeats. */
  readonly reply: (...replies: ReadonlyArray<Reply | ((request: RecordedRequest) => Reply)>) => void
  /** Completes when a hung request's connection is closed by the client. */
  readonly hungRequestClosed: Promise<void>
  /** Completes when `n` requests have arrived. */
  readonly received: (n: number) => Effect.Effect<void>
}

const notFound = (request: RecordedRequest): RestProtocol.HttpResponse =>
  RestProtocol.renderError({
    errorType: "ServiceException",
    message: `Unknown path pattern: ${request.method} ${request.url}`
  })

/** Starts the server for the current scope; closes it (and every kept-alive connection) on scope close. */
export const start: Effect.Effect<LoopbackServer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(async () => {
    const requests: Array<RecordedRequest> = []
    let replies: Array<Reply | ((request: RecordedRequest) => Reply)> = [notFound]
    let onHungClosed: () => void = () => {}
    const hungRequestClosed = new Promise<void>((resolve) => (onHungClosed = resolve))
    const waiters: Array<{ readonly n: number; readonly resolve: () => void }> = []

    const server = http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8")
        const recorded: RecordedRequest = {
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body,
          match: RestProtocol.matchRoute(req.method ?? "", req.url ?? ""),
          json: body === "" ? undefined : JSON.parse(body)
        }
        requests.push(recorded)
        for (const waiter of waiters) if (requests.length >= waiter.n) waiter.resolve()
        const next = replies.length > 1 ? replies.shift() : replies[0]
        const reply = typeof next === "function" ? next(recorded) : (next ?? notFound(recorded))
        if (reply === "hang") {
          res.on("close", () => onHungClosed())
          return
        }
        res.writeHead(reply.status, reply.headers)
        res.end(reply.body)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const port = (server.address() as AddressInfo).port
    const loopback: LoopbackServer = {
      endpoint: `http://127.0.0.1:${port}`,
      port,
      requests,
      reply: (...next) => {
        replies = [...next]
      },
      hungRequestClosed,
      received: (n) =>
        Effect.promise(
          () =>
            new Promise<void>((resolve) => {
              if (requests.length >= n) resolve()
              else waiters.push({ n, resolve })
            })
        )
    }
    return { server, loopback }
  }),
  ({ server }) =>
    Effect.promise(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        })
    )
).pipe(Effect.map(({ loopback }) => loopback))

/** A real `LambdaClient` pointed at `endpoint` with dummy static credentials (destroyed on scope close). */
export const clientFor = (endpoint: string) =>
  Effect.acquireRelease(
    Effect.sync(
      () =>
        new LambdaClient({
          ...LambdaApi.defaultClientConfig,
          endpoint,
          region: "us-east-1",
          credentials: { accessKeyId: "AKIDLOOPBACK", secretAccessKey: "loopback-secret" }
        })
    ),
    (client) => Effect.sync(() => client.destroy())
  )

/** A loopback port nobody listens on: bind an ephemeral port, then release it. */
export const closedPort: Effect.Effect<number> = Effect.promise(
  () =>
    new Promise<number>((resolve) => {
      const server = http.createServer()
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as AddressInfo).port
        server.close(() => resolve(port))
      })
    })
)

/**
 * The two calls sent through the AWS SDK itself (`client.send` with the SDK's command classes), as a
 * `LambdaApiShape`: the reference the SDK-free transport of `LambdaApi.make` is compared with.
 */
export const sdkApi = (client: LambdaClient): LambdaApi.LambdaApiShape => ({
  client,
  checkpointDurableExecution: (input) =>
    Effect.tryPromise({
      try: (signal) => client.send(new CheckpointDurableExecutionCommand(input), { abortSignal: signal }),
      catch: (cause) => new LambdaApi.LambdaCallError({ command: "CheckpointDurableExecution", cause })
    }),
  getDurableExecutionState: (input) =>
    Effect.tryPromise({
      try: (signal) => client.send(new GetDurableExecutionStateCommand(input), { abortSignal: signal }),
      catch: (cause) => new LambdaApi.LambdaCallError({ command: "GetDurableExecutionState", cause })
    })
})
