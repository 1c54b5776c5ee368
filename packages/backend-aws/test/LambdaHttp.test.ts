/**
 * The SDK-free transport of `LambdaApi` against the AWS SDK itself, on one loopback server: the same requests
 * (method, path, query, body), signatures an AWS signer accepts, and the same outputs and errors for the same
 * responses.
 */
import { assert, describe, it } from "@effect/vitest"
import { SignatureV4 } from "@smithy/signature-v4"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { createHash, createHmac } from "node:crypto"
import { classifyReason } from "../src/internal/classifyError.ts"
import { fromEnvironment } from "../src/internal/envTarget.ts"
import * as LambdaApi from "../src/LambdaApi.ts"
import * as LambdaHttp from "../src/internal/lambdaHttp.ts"
import * as RestProtocol from "../src/RestProtocol.ts"
import * as LoopbackServer from "./utils/LoopbackServer.ts"

const ARN = "arn:aws:lambda:us-east-1:123456789012:function:my-fn:$LATEST/durable-execution/a b?c#d!'()*/7c1b+e="

const setup = Effect.gen(function* () {
  const server = yield* LoopbackServer.start
  const client = yield* LoopbackServer.clientFor(server.endpoint)
  return { server, ours: LambdaApi.make(client), sdk: LoopbackServer.sdkApi(client) }
})

const checkpointInput = {
  DurableExecutionArn: ARN,
  CheckpointToken: "tok+/=",
  ClientToken: "client-token-1",
  Updates: [
    {
      Id: "c4ca4238a0b92382",
      Type: "STEP" as const,
      Action: "FAIL" as const,
      SubType: "Step",
      Name: "charge ✓",
      Payload: '{"a":"é"}',
      Error: { ErrorType: "Boom", ErrorMessage: "bad", StackTrace: ["at x", "at y"] },
      StepOptions: { NextAttemptDelaySeconds: 5 }
    },
    { Id: "c81e728d9d4c2f63", Type: "WAIT" as const, Action: "START" as const, WaitOptions: { WaitSeconds: 30 } }
  ]
}

const stateInput = { DurableExecutionArn: ARN, CheckpointToken: "tok+/= ?&", Marker: "m/1+2", MaxItems: 50 }

class NodeSha256 {
  readonly #hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>
  constructor(secret?: any) {
    this.#hash = secret === undefined ? createHash("sha256") : createHmac("sha256", secret)
  }
  update(data: string | Uint8Array): void {
    this.#hash.update(data)
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()))
  }
  reset(): void {}
}

/** Recomputes the request's SigV4 signature with the AWS SDK's own signer and compares it. */
const verifySignature = async (request: LoopbackServer.RecordedRequest, port: number) => {
  const authorization = String(request.headers.authorization)
  const match =
    /^AWS4-HMAC-SHA256 Credential=AKIDLOOPBACK\/(\d{8})\/us-east-1\/lambda\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      authorization
    )
  assert.isNotNull(match, authorization)
  const signedHeaders = match![2]!.split(";")
  const headers: Record<string, string> = {}
  for (const name of signedHeaders) headers[name] = String(request.headers[name])
  const queryAt = request.url.indexOf("?")
  const query: Record<string, string> = {}
  if (queryAt !== -1) for (const [k, v] of new URLSearchParams(request.url.slice(queryAt + 1))) query[k] = v
  const signer = new SignatureV4({
    service: "lambda",
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDLOOPBACK", secretAccessKey: "loopback-secret" },
    sha256: NodeSha256,
    // aws4fetch signs no `x-amz-content-sha256` header (Lambda does not require one); the service hashes the body.
    applyChecksum: false
  })
  const amzDate = String(request.headers["x-amz-date"])
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`
  )
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: "http:",
      hostname: "127.0.0.1",
      port,
      path: queryAt === -1 ? request.url : request.url.slice(0, queryAt),
      query,
      headers,
      ...(request.body === "" ? {} : { body: request.body })
    },
    { signingDate, signableHeaders: new Set(signedHeaders) }
  )
  assert.strictEqual(signed.headers.authorization, authorization, JSON.stringify({ url: request.url, headers }))
}

describe("LambdaApi transport (no AWS SDK on the call path)", () => {
  it.live("CheckpointDurableExecution: the same method, path and body as the AWS SDK, validly signed", () =>
    Effect.gen(function* () {
      const { ours, sdk, server } = yield* setup
      server.reply(RestProtocol.renderJson({ CheckpointToken: "t2" }))
      yield* sdk.checkpointDurableExecution(checkpointInput)
      yield* ours.checkpointDurableExecution(checkpointInput)
      const [viaSdk, viaOurs] = server.requests
      assert.strictEqual(viaOurs!.method, viaSdk!.method)
      assert.strictEqual(viaOurs!.url, viaSdk!.url)
      assert.deepStrictEqual(viaOurs!.json, viaSdk!.json)
      assert.strictEqual(viaOurs!.headers["content-type"], "application/json")
      assert.strictEqual(viaOurs!.headers["content-length"], String(Buffer.byteLength(viaOurs!.body)))
      yield* Effect.promise(() => verifySignature(viaOurs!, server.port))
    })
  )

  it.live("GetDurableExecutionState: the same path and query as the AWS SDK, validly signed", () =>
    Effect.gen(function* () {
      const { ours, sdk, server } = yield* setup
      server.reply(RestProtocol.renderJson({ Operations: [] }))
      yield* sdk.getDurableExecutionState(stateInput)
      yield* ours.getDurableExecutionState(stateInput)
      yield* sdk.getDurableExecutionState({ DurableExecutionArn: ARN, CheckpointToken: "t" })
      yield* ours.getDurableExecutionState({ DurableExecutionArn: ARN, CheckpointToken: "t" })
      const [a, b, c, d] = server.requests
      assert.strictEqual(b!.method, a!.method)
      assert.deepStrictEqual(b!.match, a!.match)
      assert.deepStrictEqual(d!.match, c!.match)
      assert.strictEqual(b!.body, "")
      yield* Effect.promise(() => verifySignature(b!, server.port))
      yield* Effect.promise(() => verifySignature(d!, server.port))
    })
  )

  it.live("a success response: the same output as the AWS SDK, epoch-second timestamps as Dates", () =>
    Effect.gen(function* () {
      const { ours, sdk, server } = yield* setup
      const page = {
        Operations: [
          {
            Id: "a",
            Type: "STEP",
            Status: "PENDING",
            StartTimestamp: new Date("2026-03-01T10:00:00.125Z"),
            StepDetails: { Attempt: 2, NextAttemptTimestamp: new Date("2026-03-01T10:00:05Z"), Result: "1" }
          },
          {
            Id: "b",
            Type: "WAIT",
            Status: "STARTED",
            StartTimestamp: new Date("2026-03-01T10:00:00Z"),
            WaitDetails: { ScheduledEndTimestamp: new Date("2026-03-01T11:00:00Z") }
          }
        ],
        NextMarker: "next"
      }
      server.reply(RestProtocol.renderJson(page, { requestId: "req-7" }))
      const viaSdk = yield* sdk.getDurableExecutionState(stateInput)
      const viaOurs = yield* ours.getDurableExecutionState(stateInput)
      const { $metadata: sdkMeta, ...sdkOutput } = viaSdk
      const { $metadata: ourMeta, ...ourOutput } = viaOurs
      assert.deepStrictEqual(ourOutput, sdkOutput)
      assert.instanceOf(ourOutput.Operations![0]!.StartTimestamp, Date)
      assert.strictEqual(ourMeta.httpStatusCode, sdkMeta.httpStatusCode)
      assert.strictEqual(ourMeta.requestId, "req-7")
      assert.strictEqual(ourMeta.requestId, sdkMeta.requestId)
    })
  )

  const errorCases: ReadonlyArray<readonly [string, LoopbackServer.Reply]> = [
    ...Object.keys(RestProtocol.errorStatusCodes).map(
      (errorType) =>
        [
          errorType,
          RestProtocol.renderError({ errorType, message: `${errorType} happened`, requestId: "r-1" })
        ] as const
    ),
    [
      "a code with a namespace and a suffix",
      {
        status: 400,
        headers: { "x-amzn-errortype": "ValidationException:http://internal.amazon.com/" },
        body: '{"Message":"bad"}'
      }
    ],
    [
      "a __type body member",
      { status: 409, headers: {}, body: '{"__type":"com.amazon#ResourceConflictException","message":"busy"}' }
    ],
    ["an empty 502", { status: 502, headers: {}, body: "" }],
    ["a 503 with an HTML body", { status: 503, headers: {}, body: "<html>Service Unavailable</html>" }]
  ]
  for (const [name, reply] of errorCases) {
    it.live(`an error response (${name}): the same name, fault, status and classification as the AWS SDK`, () =>
      Effect.gen(function* () {
        const { ours, sdk, server } = yield* setup
        server.reply(reply)
        const viaSdk = (yield* Effect.flip(sdk.getDurableExecutionState(stateInput))).cause as Record<string, any>
        const viaOurs = (yield* Effect.flip(ours.getDurableExecutionState(stateInput))).cause as Record<string, any>
        // An error body that is not JSON: the AWS SDK reports its own parse failure, we report the status.
        if (name.startsWith("a 503")) {
          assert.strictEqual(viaOurs.name, "Unknown")
          assert.strictEqual(viaOurs.$fault, "server")
        } else {
          assert.strictEqual(viaOurs.name, viaSdk.name)
          assert.strictEqual(viaOurs.$fault, viaSdk.$fault)
        }
        assert.strictEqual(viaOurs.$metadata.httpStatusCode, viaSdk.$metadata.httpStatusCode)
        assert.strictEqual(viaOurs.$metadata.requestId, viaSdk.$metadata.requestId)
        assert.strictEqual(classifyReason(viaOurs)._tag, classifyReason(viaSdk)._tag)
        if (name === "an empty 502" || name.startsWith("a 503")) return
        assert.strictEqual(viaOurs.message, viaSdk.message)
      })
    )
  }

  it.live("a 200 with a body that is not JSON fails with a SyntaxError", () =>
    Effect.gen(function* () {
      const { ours, server } = yield* setup
      server.reply({ status: 200, headers: {}, body: "{not json" })
      const error = yield* Effect.flip(ours.getDurableExecutionState(stateInput))
      assert.instanceOf(error.cause, SyntaxError)
      assert.strictEqual(classifyReason(error.cause)._tag, "ServiceUnavailable")
    })
  )

  it.live("over the environment's target: the same request, and aborting it closes the connection", () =>
    Effect.gen(function* () {
      const { sdk, server } = yield* setup
      const target = fromEnvironment({
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "AKIDLOOPBACK",
        AWS_SECRET_ACCESS_KEY: "loopback-secret",
        AWS_ENDPOINT_URL_LAMBDA: server.endpoint
      })!
      server.reply(
        RestProtocol.renderJson({ CheckpointToken: "t2" }),
        RestProtocol.renderJson({ CheckpointToken: "t2" }),
        "hang"
      )
      yield* sdk.checkpointDurableExecution(checkpointInput)
      const controller = new AbortController()
      const output = yield* Effect.promise(() =>
        LambdaHttp.checkpointDurableExecution(target, checkpointInput, controller.signal)
      )
      assert.strictEqual(output.CheckpointToken, "t2")
      const [viaSdk, viaEnv] = server.requests
      assert.strictEqual(viaEnv!.url, viaSdk!.url)
      assert.deepStrictEqual(viaEnv!.json, viaSdk!.json)
      yield* Effect.promise(() => verifySignature(viaEnv!, server.port))
      const hung = LambdaHttp.getDurableExecutionState(target, stateInput, controller.signal)
      yield* server.received(3)
      controller.abort()
      const error = yield* Effect.promise(() =>
        hung.then(
          () => undefined,
          (e: unknown) => e
        )
      )
      assert.strictEqual((error as Error).name, "AbortError")
      yield* Effect.promise(() => server.hungRequestClosed)
    })
  )
})

describe("the environment's target", () => {
  const base = { AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "secret" }
  const endpointOf = async (env: Record<string, string>) => (await fromEnvironment(env)!.endpoint()).href

  it("names the region's public endpoint, or the configured one", async () => {
    assert.strictEqual(await endpointOf(base), "https://lambda.eu-west-1.amazonaws.com/")
    assert.strictEqual(
      await endpointOf({ ...base, AWS_REGION: "cn-north-1" }),
      "https://lambda.cn-north-1.amazonaws.com.cn/"
    )
    assert.strictEqual(
      await endpointOf({ ...base, AWS_REGION: "us-gov-west-1" }),
      "https://lambda.us-gov-west-1.amazonaws.com/"
    )
    assert.strictEqual(await endpointOf({ ...base, AWS_ENDPOINT_URL: "http://127.0.0.1:1/" }), "http://127.0.0.1:1/")
    assert.strictEqual(
      await endpointOf({
        ...base,
        AWS_ENDPOINT_URL: "http://127.0.0.1:1/",
        AWS_ENDPOINT_URL_LAMBDA: "http://127.0.0.1:2/"
      }),
      "http://127.0.0.1:2/"
    )
    assert.strictEqual(
      await endpointOf({
        ...base,
        AWS_ENDPOINT_URL_LAMBDA: "http://127.0.0.1:2/",
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true"
      }),
      "https://lambda.eu-west-1.amazonaws.com/"
    )
  })

  it("reads the session token and credentials afresh on every call", async () => {
    const env: Record<string, string> = { ...base, AWS_SESSION_TOKEN: "s1" }
    const target = fromEnvironment(env)!
    assert.deepStrictEqual(await target.credentials(), {
      accessKeyId: "AKID",
      secretAccessKey: "secret",
      sessionToken: "s1"
    })
    env.AWS_SESSION_TOKEN = "s2"
    assert.strictEqual((await target.credentials()).sessionToken, "s2")
  })

  it("leaves what it cannot settle to the AWS SDK's default client", () => {
    const { AWS_REGION: _region, ...noRegion } = base
    const { AWS_SECRET_ACCESS_KEY: _secret, ...noSecret } = base
    assert.isUndefined(fromEnvironment(noRegion))
    assert.isUndefined(fromEnvironment(noSecret))
    assert.isUndefined(fromEnvironment({ ...base, AWS_USE_FIPS_ENDPOINT: "true" }))
    assert.isUndefined(fromEnvironment({ ...base, AWS_USE_DUALSTACK_ENDPOINT: "true" }))
    assert.isUndefined(fromEnvironment({ ...base, AWS_REGION: "us-iso-east-1" }))
    assert.isDefined(
      fromEnvironment({ ...base, AWS_REGION: "us-iso-east-1", AWS_ENDPOINT_URL_LAMBDA: "https://x.example" })
    )
  })

  it("importing the package loads neither node:http nor node:https (nor the undici and http2 they drag in)", () => {
    const script = `
      const before = new Set(process.moduleLoadList)
      await import(${JSON.stringify(new URL("../src/index.ts", import.meta.url).href)})
      const added = process.moduleLoadList.filter((m) => !before.has(m))
      console.log(JSON.stringify(added.filter((m) => /^NativeModule (https?|http2|tls|internal\\/deps\\/undici\\/undici)$/.test(m))))
    `
    const output = execFileSync(
      process.execPath,
      ["--conditions=@durable-lambda/source", "--input-type=module", "--eval", script],
      { encoding: "utf8" }
    )
    assert.deepStrictEqual(JSON.parse(output.trim().split("\n").pop()!), [])
  })

  it("a handler's calls inside Lambda load no module of the AWS SDK", () => {
    // A fresh process with the environment Lambda sets, recording every module Node loads.
    const script = `
      import { registerHooks } from "node:module"
      import * as http from "node:http"
      const loaded = new Set()
      registerHooks({ load(url, context, next) { loaded.add(url); return next(url, context) } })
      const server = http.createServer((req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(req.method === "GET" ? '{"Operations":[{"Id":"a","Type":"STEP","Status":"SUCCEEDED","StartTimestamp":1772359200}]}' : '{"CheckpointToken":"t2"}')
      })
      await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
      Object.assign(process.env, {
        AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "secret",
        AWS_ENDPOINT_URL_LAMBDA: "http://127.0.0.1:" + server.address().port
      })
      const mod = await import(${JSON.stringify(new URL("../src/index.ts", import.meta.url).href)})
      const client = new mod.DurableExecutionApiClient()
      const page = await client.getExecutionState({ DurableExecutionArn: "arn", CheckpointToken: "t" })
      const cp = await client.checkpoint({ DurableExecutionArn: "arn", CheckpointToken: "t", Updates: [] })
      server.close()
      const aws = [...loaded].filter((url) => /[/\\\\](@aws-sdk|@smithy)[/\\\\]/.test(url)).length
      console.log(JSON.stringify({ aws, start: page.Operations[0].StartTimestamp instanceof Date, token: cp.CheckpointToken }))
    `
    const output = execFileSync(
      process.execPath,
      ["--conditions=@durable-lambda/source", "--input-type=module", "--eval", script],
      { encoding: "utf8", env: { ...process.env, AWS_ACCESS_KEY_ID: "", AWS_PROFILE: "" } }
    )
    assert.deepStrictEqual(JSON.parse(output.trim().split("\n").pop()!), { aws: 0, start: true, token: "t2" })
  })
})
