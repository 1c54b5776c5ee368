/**
 * The default target inside Lambda: credentials, region and endpoint from the environment the Lambda runtime
 * sets (`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, `AWS_REGION`), requests over
 * `node:https` with kept-alive connections. Read afresh on every call, as the AWS SDK's environment provider
 * does.
 *
 * `fromEnvironment` returns `undefined` where the environment does not settle everything (no static
 * credentials, no region, FIPS or dual-stack endpoints, a partition other than `aws` / `aws-cn`): the caller
 * then builds a `LambdaClient`, whose default provider chain and endpoint rules cover those cases.
 */
import type * as Http from "node:http"
import type { HttpTarget, ReceivedResponse, SignedRequest } from "./lambdaHttp.ts"

/** Connection and whole-request timeouts, as the official SDK configures its client. */
export const connectionTimeoutMillis = 5_000
export const requestTimeoutMillis = 55_000

type Env = Readonly<Record<string, string | undefined>>

const flag = (value: string | undefined): boolean => value?.toLowerCase() === "true"
const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.length === 0 ? undefined : value

/** The endpoint configured in the environment (`AWS_ENDPOINT_URL_LAMBDA`, then `AWS_ENDPOINT_URL`). */
const configuredEndpoint = (env: Env): string | undefined =>
  flag(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)
    ? undefined
    : (nonEmpty(env.AWS_ENDPOINT_URL_LAMBDA) ?? nonEmpty(env.AWS_ENDPOINT_URL))

/** The public endpoint of `region`, for the `aws` and `aws-cn` partitions only. */
const standardEndpoint = (region: string): string | undefined => {
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d+$/.test(region)) return undefined
  return region.startsWith("cn-")
    ? `https://lambda.${region}.amazonaws.com.cn`
    : `https://lambda.${region}.amazonaws.com`
}

type HttpModule = Pick<typeof Http, "request" | "Agent">

interface Transport {
  readonly module: HttpModule
  readonly agent: Http.Agent
}

const transports = new Map<"node:http" | "node:https", Transport>()

/**
 * `node:http` / `node:https` with a kept-alive agent, loaded on first use with `process.getBuiltinModule`: an
 * `import` of `node:http` materialises its whole ESM namespace, whose lazy members load undici, http2, tls and
 * zlib (≈ 40 ms of a cold start, measured on Node 22); the CommonJS object does not.
 */
const transportFor = async (id: "node:http" | "node:https"): Promise<Transport> => {
  const known = transports.get(id)
  if (known !== undefined) return known
  const module: HttpModule =
    typeof process.getBuiltinModule === "function" ? process.getBuiltinModule(id) : await import(id)
  const transport = { module, agent: new module.Agent({ keepAlive: true }) }
  transports.set(id, transport)
  return transport
}

/** Sends one request with `node:http(s)`, honouring `signal` and the two timeouts. */
export const sendNode = async (request: SignedRequest, signal: AbortSignal): Promise<ReceivedResponse> => {
  const { agent, module } = await transportFor(request.url.protocol === "https:" ? "node:https" : "node:http")
  signal.throwIfAborted()
  return new Promise((resolve, reject) => {
    const req = module.request(request.url, { method: request.method, headers: request.headers, agent, signal })
    const connectTimer = setTimeout(
      () => req.destroy(Object.assign(new Error("connection timed out"), { name: "TimeoutError" })),
      connectionTimeoutMillis
    )
    req.on("socket", (socket) => {
      if (!socket.connecting) clearTimeout(connectTimer)
      else socket.once("connect", () => clearTimeout(connectTimer))
    })
    req.setTimeout(requestTimeoutMillis, () =>
      req.destroy(Object.assign(new Error("request timed out"), { name: "TimeoutError" }))
    )
    req.on("error", (error) => {
      clearTimeout(connectTimer)
      reject(error)
    })
    req.on("response", (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("error", reject)
      res.on("end", () => {
        const headers: Record<string, string | undefined> = {}
        for (const [name, value] of Object.entries(res.headers)) {
          headers[name] = Array.isArray(value) ? value.join(", ") : value
        }
        resolve({ statusCode: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString("utf8") })
      })
    })
    req.end(request.body)
  })
}

/**
 * The target the environment describes, or `undefined` when it does not describe one fully (see the module
 * comment).
 */
export const fromEnvironment = (env: Env = process.env): HttpTarget | undefined => {
  const region = nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION)
  if (region === undefined) return undefined
  if (nonEmpty(env.AWS_ACCESS_KEY_ID) === undefined || nonEmpty(env.AWS_SECRET_ACCESS_KEY) === undefined)
    return undefined
  const configured = configuredEndpoint(env)
  if (configured === undefined && (flag(env.AWS_USE_FIPS_ENDPOINT) || flag(env.AWS_USE_DUALSTACK_ENDPOINT))) {
    return undefined
  }
  const endpoint = configured ?? standardEndpoint(region)
  if (endpoint === undefined || !URL.canParse(endpoint)) return undefined
  const url = new URL(endpoint)
  return {
    credentials: () => {
      const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID)
      const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY)
      if (accessKeyId === undefined || secretAccessKey === undefined) {
        return Promise.reject(new Error("AWS credentials are no longer set in the environment"))
      }
      const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN)
      return Promise.resolve({ accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) })
    },
    region: () => Promise.resolve(region),
    endpoint: () => Promise.resolve(url),
    send: sendNode
  }
}
