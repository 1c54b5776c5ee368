/**
 * A target over a `LambdaClient`'s resolved configuration: its credential provider, region, endpoint (the
 * configured one, else its endpoint rules with its FIPS / dual-stack settings) and its HTTP handler (so its
 * timeouts, agent or proxy apply). The calls themselves are signed and parsed by `lambdaHttp`, so no part of
 * `@aws-sdk/client-lambda` has to be imported for them; the client's middleware stack is not run (see
 * `LambdaApi.make`).
 */
import type { LambdaClient } from "@aws-sdk/client-lambda"
import type { HttpTarget, ReceivedResponse, SignedRequest } from "./lambdaHttp.ts"

interface EndpointLike {
  readonly protocol: string
  readonly hostname: string
  readonly port?: number | undefined
  readonly path: string
}

interface HttpResponseLike {
  readonly statusCode: number
  readonly headers: Record<string, string | undefined>
  readonly body: unknown
}

/** What the target reads from `client.config` (a subset of `LambdaClientResolvedConfig`). */
interface ResolvedConfigLike {
  readonly credentials: () => Promise<{
    readonly accessKeyId: string
    readonly secretAccessKey: string
    readonly sessionToken?: string | undefined
  }>
  readonly region: () => Promise<string>
  readonly endpoint?: (() => Promise<EndpointLike>) | undefined
  readonly useFipsEndpoint: () => Promise<boolean>
  readonly useDualstackEndpoint: () => Promise<boolean>
  readonly endpointProvider: (params: Record<string, unknown>) => { readonly url: URL }
  readonly requestHandler: {
    readonly handle: (
      request: unknown,
      options: { readonly abortSignal?: AbortSignal }
    ) => Promise<{ readonly response: HttpResponseLike }>
  }
  readonly streamCollector: (body: unknown) => Promise<Uint8Array>
}

const decoder = new TextDecoder()

/** Builds the target; every value is read from `client.config` on each call, as the client would. */
export const fromClient = (client: LambdaClient): HttpTarget => {
  const config = client.config as unknown as ResolvedConfigLike
  const endpoint = async (): Promise<URL> => {
    const configured = config.endpoint === undefined ? undefined : await config.endpoint()
    if (configured !== undefined) {
      const port = configured.port === undefined ? "" : `:${configured.port}`
      return new URL(`${configured.protocol}//${configured.hostname}${port}${configured.path}`)
    }
    const [region, fips, dualStack] = await Promise.all([
      config.region(),
      config.useFipsEndpoint(),
      config.useDualstackEndpoint()
    ])
    return config.endpointProvider({ Region: region, UseFIPS: fips, UseDualStack: dualStack }).url
  }
  const send = async (request: SignedRequest, signal: AbortSignal): Promise<ReceivedResponse> => {
    const { response } = await config.requestHandler.handle(
      {
        protocol: request.url.protocol,
        hostname: request.url.hostname,
        ...(request.url.port === "" ? {} : { port: Number(request.url.port) }),
        method: request.method,
        path: request.path,
        query: request.query,
        headers: request.headers,
        body: request.body
      },
      { abortSignal: signal }
    )
    const bytes = response.body === undefined ? new Uint8Array() : await config.streamCollector(response.body)
    const headers: Record<string, string | undefined> = {}
    for (const [name, value] of Object.entries(response.headers)) headers[name.toLowerCase()] = value
    return { statusCode: response.statusCode, headers, body: decoder.decode(bytes) }
  }
  return {
    credentials: () => config.credentials(),
    region: () => config.region(),
    endpoint,
    send
  }
}
