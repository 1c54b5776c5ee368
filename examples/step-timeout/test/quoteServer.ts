/**
 * A local quote service on `node:http` that answers each request according to a script: `"hang"` never
 * answers (until the client gives up), `"ok"` answers a quote at once. It records every request and whether
 * the client aborted it.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

export type Behaviour = "hang" | "ok"

export interface QuoteServer {
  readonly url: string
  /** One entry per request: whether the client closed the connection before an answer was sent. */
  readonly requests: Array<{ readonly path: string; aborted: boolean }>
  /** Resolves once every request has ended (answered or aborted by the client), or after `turns` event-loop turns. */
  readonly settled: (turns?: number) => Promise<void>
  readonly close: () => Promise<void>
}

export const startQuoteServer = async (script: ReadonlyArray<Behaviour>): Promise<QuoteServer> => {
  const requests: QuoteServer["requests"] = []
  let open = 0
  const server: Server = createServer((req, res) => {
    const entry = { path: req.url ?? "", aborted: false }
    requests.push(entry)
    open++
    const behaviour = script[requests.length - 1] ?? "ok"
    res.on("close", () => {
      open--
      if (!res.writableEnded) entry.aborted = true
    })
    if (behaviour === "hang") return
    const sku = decodeURIComponent(entry.path.split("/").at(-1) ?? "")
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify({ sku, price: 12.5 }))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    settled: async (turns = 10_000) => {
      for (let i = 0; i < turns && open > 0; i++) await new Promise((resolve) => setImmediate(resolve))
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}
