import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as RestProtocol from "../src/RestProtocol.ts"
import * as LoopbackServer from "./utils/LoopbackServer.ts"

/** An ARN with every character class the label encoding has to survive. */
const ARN = "arn:aws:lambda:us-east-1:123456789012:function:my-fn:$LATEST/durable-execution/a b?c#d!'()*/7c1b+e="

const setup = Effect.gen(function* () {
  const server = yield* LoopbackServer.start
  const client = yield* LoopbackServer.clientFor(server.endpoint)
  // These tests pin what the AWS SDK itself sends and accepts (the loopback endpoint serves the real SDK).
  const api = LoopbackServer.sdkApi(client)
  return { server, api }
})

describe("RestProtocol", () => {
  it.live("checkpointPath: is exactly the path the SDK requests, and matchRoute decodes the ARN", () =>
    Effect.gen(function* () {
      const { api, server } = yield* setup
      server.reply(RestProtocol.renderJson({ CheckpointToken: "t2" }))
      yield* api.checkpointDurableExecution({ DurableExecutionArn: ARN, CheckpointToken: "t1", Updates: [] })
      const sent = server.requests[0]!
      assert.strictEqual(sent.url, RestProtocol.checkpointPath(ARN))
      assert.strictEqual(
        sent.url,
        "/2025-12-01/durable-executions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn%3A%24LATEST" +
          "%2Fdurable-execution%2Fa%20b%3Fc%23d%21%27%28%29%2A%2F7c1b%2Be%3D/checkpoint"
      )
      assert.deepStrictEqual(RestProtocol.matchRoute(sent.method, sent.url), {
        operation: "CheckpointDurableExecution",
        durableExecutionArn: ARN
      })
      assert.strictEqual(sent.headers["content-type"], "application/json")
      assert.match(
        String(sent.headers["authorization"]),
        /^AWS4-HMAC-SHA256 Credential=AKIDLOOPBACK\/\d{8}\/us-east-1\/lambda\/aws4_request/
      )
      // No ARN in the body; the SDK fills in a random UUID ClientToken when the caller gives none.
      const body = Schema.decodeUnknownSync(RestProtocol.CheckpointRequestBody)(sent.json)
      assert.deepStrictEqual(Object.keys(body).sort(), ["CheckpointToken", "ClientToken", "Updates"])
      assert.strictEqual(body.CheckpointToken, "t1")
      assert.deepStrictEqual(body.Updates, [])
      assert.match(body.ClientToken ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    })
  )

  it.live("statePath: is the path the SDK requests; matchRoute decodes the query members", () =>
    Effect.gen(function* () {
      const { api, server } = yield* setup
      server.reply(RestProtocol.renderJson({ Operations: [] }))
      yield* api.getDurableExecutionState({
        DurableExecutionArn: ARN,
        CheckpointToken: "tok/+=1",
        Marker: "m 2&x=y",
        MaxItems: 25
      })
      const sent = server.requests[0]!
      assert.strictEqual(
        sent.url,
        `${RestProtocol.statePath(ARN)}?CheckpointToken=tok%2F%2B%3D1&Marker=m%202%26x%3Dy&MaxItems=25`
      )
      assert.deepStrictEqual(RestProtocol.matchRoute(sent.method, sent.url), {
        operation: "GetDurableExecutionState",
        durableExecutionArn: ARN,
        checkpointToken: "tok/+=1",
        marker: "m 2&x=y",
        maxItems: 25
      })
    })
  )

  it("matchRoute: rejects other routes, methods and malformed labels", () => {
    const path = RestProtocol.checkpointPath("arn:x")
    assert.isUndefined(RestProtocol.matchRoute("GET", path))
    assert.isUndefined(RestProtocol.matchRoute("POST", RestProtocol.statePath("arn:x")))
    assert.isUndefined(RestProtocol.matchRoute("POST", "/2015-03-31/functions/fn/invocations"))
    assert.isUndefined(RestProtocol.matchRoute("POST", "/2025-12-01/durable-executions/a/b/checkpoint"))
    assert.isUndefined(RestProtocol.matchRoute("POST", "/2025-12-01/durable-executions/%E0%A4%A/checkpoint"))
    assert.deepInclude(RestProtocol.matchRoute("get", `${RestProtocol.statePath("a")}?MaxItems=ten`), {
      maxItems: Number.NaN
    })
  })

  describe("renderError", () => {
    const expectations: ReadonlyArray<readonly [string, string, "client" | "server"]> = [
      ["InvalidParameterValueException", "InvalidParameterValueException", "client"],
      ["TooManyRequestsException", "TooManyRequestsException", "client"],
      ["ServiceException", "ServiceException", "server"],
      ["ResourceNotFoundException", "ResourceNotFoundException", "client"],
      ["KMSAccessDeniedException", "KMSAccessDeniedException", "server"],
      ["KMSDisabledException", "KMSDisabledException", "server"],
      ["KMSInvalidStateException", "KMSInvalidStateException", "server"],
      ["KMSNotFoundException", "KMSNotFoundException", "server"],
      // Not modeled for these calls: the SDK builds a LambdaServiceException named after the code.
      ["RequestEntityTooLargeException", "LambdaServiceException", "client"]
    ]
    for (const [errorType, constructorName, fault] of expectations) {
      it.live(`renderError: the SDK parses ${errorType}`, () =>
        Effect.gen(function* () {
          const { api, server } = yield* setup
          server.reply(RestProtocol.renderError({ errorType, message: `${errorType} happened` }))
          const error = yield* Effect.flip(
            api.getDurableExecutionState({ DurableExecutionArn: ARN, CheckpointToken: "t" })
          )
          const cause = error.cause as Error & { $fault: string; $metadata: { httpStatusCode: number } }
          assert.strictEqual(cause.constructor.name, constructorName)
          assert.strictEqual(cause.name, errorType)
          assert.strictEqual(cause.message, `${errorType} happened`)
          assert.strictEqual(cause.$fault, fault)
          assert.strictEqual(cause.$metadata.httpStatusCode, RestProtocol.errorStatusCodes[errorType])
        })
      )
    }

    it("renderError: Lambda's body shape with the fault category in Type", () => {
      const response = RestProtocol.renderError({
        errorType: "TooManyRequestsException",
        message: "Rate exceeded",
        requestId: "r-1",
        fields: { Reason: "CallerRateLimitExceeded" }
      })
      assert.deepStrictEqual(response, {
        status: 429,
        headers: {
          "content-type": "application/json",
          "x-amzn-requestid": "r-1",
          "x-amzn-errortype": "TooManyRequestsException"
        },
        body: '{"Reason":"CallerRateLimitExceeded","Type":"User","message":"Rate exceeded"}'
      })
      assert.strictEqual(RestProtocol.renderError({ errorType: "Odd", message: "" }).status, 400)
    })
  })

  it.live("the SDK rejects ISO-8601 timestamps in responses: epoch seconds are required", () =>
    Effect.gen(function* () {
      const { api, server } = yield* setup
      const operation = { Id: "a", Type: "STEP", Status: "STARTED", StartTimestamp: "2026-03-01T10:00:00Z" }
      server.reply({
        status: 200,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ Operations: [operation] })
      })
      const error = yield* Effect.flip(api.getDurableExecutionState({ DurableExecutionArn: ARN, CheckpointToken: "t" }))
      assert.match(String((error.cause as Error).message), /Expected real number/)
    })
  )

  it("toWireJson: turns Dates at any depth into epoch seconds and drops undefined members", () => {
    const date = new Date("2026-03-01T10:00:00.125Z")
    assert.deepStrictEqual(RestProtocol.toWireJson({ a: date, b: [{ c: date, d: undefined }], e: "x", f: null }), {
      a: 1772359200.125,
      b: [{ c: 1772359200.125 }],
      e: "x",
      f: null
    })
  })
})
