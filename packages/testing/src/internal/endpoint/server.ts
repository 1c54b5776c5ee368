/**
 * The `node:http` server on 127.0.0.1: reads bodies up to a limit, hands each request to the router, writes
 * the answer, and survives anything a client sends (malformed HTTP, aborted uploads, oversized bodies, requests
 * that dribble in: header and request timeouts close those connections).
 *
 * @internal
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import type { RestProtocol } from "@durable-lambda/backend-aws"
import type { IncomingRequest } from "./router.ts"

/** Past this many bytes beyond the limit, the connection is dropped instead of drained. */
const DRAIN_ALLOWANCE = 64 * 1024 * 1024

/** A started server. */
export interface HttpServer {
  readonly port: number
  readonly close: () => Promise<void>
}

/** Starts the server; `handle` must never reject (the router guarantees it). */
export const listen = async (options: {
  readonly port: number
  readonly bodyLimitBytes: number
  /** A connection whose request headers are not complete after this long is answered 408 and closed. */
  readonly headersTimeoutMillis: number
  /** A connection whose whole request (body included) is not received after this long is closed. */
  readonly requestTimeoutMillis: number
  readonly handle: (request: IncomingRequest) => Promise<RestProtocol.HttpResponse>
}): Promise<HttpServer> => {
  const requestTimeout = Math.max(1, options.requestTimeoutMillis)
  const headersTimeout = Math.min(Math.max(1, options.headersTimeoutMillis), requestTimeout)
  const serverOptions: http.ServerOptions = {
    headersTimeout,
    requestTimeout,
    // Node checks the two timeouts on this period (30 s by default): check often enough to honour them.
    connectionsCheckingInterval: Math.max(5, Math.min(1000, Math.floor(headersTimeout / 4)))
  }
  const server = http.createServer(serverOptions, (req, res) => {
    const chunks: Array<Buffer> = []
    let bytes = 0
    let tooLarge = false
    req.on("error", () => {})
    res.on("error", () => {})
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes > options.bodyLimitBytes) {
        tooLarge = true
        chunks.length = 0
        if (bytes > options.bodyLimitBytes + DRAIN_ALLOWANCE) req.destroy()
      } else {
        chunks.push(chunk)
      }
    })
    req.on("end", () => {
      const request: IncomingRequest = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body: tooLarge ? "" : Buffer.concat(chunks).toString("utf8"),
        bodyBytes: bytes,
        tooLarge
      }
      options.handle(request).then(
        (response) => {
          if (res.destroyed) return
          res.writeHead(response.status, response.headers)
          res.end(response.body)
        },
        () => {
          if (!res.destroyed) res.destroy()
        }
      )
    })
  })
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    const timedOut = error.code === "ERR_HTTP_REQUEST_TIMEOUT"
    const status = timedOut ? "408 Request Timeout" : "400 Bad Request"
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    else socket.destroy()
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port, "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}
