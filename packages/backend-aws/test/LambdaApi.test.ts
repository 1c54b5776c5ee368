import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { execFileSync } from "node:child_process"
import * as RestProtocol from "../src/RestProtocol.ts"
import * as LambdaApi from "../src/LambdaApi.ts"
import * as LoopbackServer from "./utils/LoopbackServer.ts"

const ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn:1/durable-execution/e/1"

const setup = Effect.gen(function* () {
  const server = yield* LoopbackServer.start
  const client = yield* LoopbackServer.clientFor(server.endpoint)
  const api = LambdaApi.make(client)
  return { server, client, api }
})

describe("LambdaApi", () => {
  it("defaultClient: is created once per process, with the SDK's own retries off", async () => {
    const client = await LambdaApi.defaultClient()
    assert.strictEqual(await LambdaApi.defaultClient(), client)
    assert.strictEqual(await client.config.maxAttempts(), 1)
  })

  it.effect("layer: provides the process-wide default client", () =>
    Effect.gen(function* () {
      const api = yield* LambdaApi.LambdaApi
      assert.strictEqual(api.client, yield* Effect.promise(() => LambdaApi.defaultClient()))
    }).pipe(Effect.provide(LambdaApi.layer))
  )

  it("importing the package does not load the AWS SDK; the default client's first use does", () => {
    // A fresh process (this one already loaded the AWS SDK), recording every module Node loads.
    const script = `
      import { registerHooks } from "node:module"
      const loaded = new Set()
      registerHooks({ load(url, context, next) { loaded.add(url); return next(url, context) } })
      const aws = () => [...loaded].filter((url) => /[/\\\\](@aws-sdk|@smithy)[/\\\\]/.test(url)).length
      const mod = await import(${JSON.stringify(new URL("../src/index.ts", import.meta.url).href)})
      const atImport = aws()
      await mod.LambdaApi.defaultClient()
      console.log(JSON.stringify({ atImport, afterFirstUse: aws() }))
    `
    const output = execFileSync(
      process.execPath,
      ["--conditions=@durable-lambda/source", "--input-type=module", "--eval", script],
      { encoding: "utf8" }
    )
    const { atImport, afterFirstUse } = JSON.parse(output.trim().split("\n").pop()!)
    assert.strictEqual(atImport, 0)
    assert.isAbove(afterFirstUse, 0)
  })

  it.live("layerClient: sends through the given client and returns the SDK output", () =>
    Effect.gen(function* () {
      const { api, client, server } = yield* setup
      assert.strictEqual(api.client, client)
      server.reply(RestProtocol.renderJson({ Operations: [], NextMarker: "m" }, { requestId: "req-1" }))
      const output = yield* api.getDurableExecutionState({ DurableExecutionArn: ARN, CheckpointToken: "t" })
      assert.deepStrictEqual(output.Operations, [])
      assert.strictEqual(output.NextMarker, "m")
      assert.strictEqual(output.$metadata.httpStatusCode, 200)
      assert.strictEqual(output.$metadata.requestId, "req-1")
    })
  )

  it.live("checkpointDurableExecution: fails with LambdaCallError carrying the SDK's exception", () =>
    Effect.gen(function* () {
      const { api, server } = yield* setup
      server.reply(
        RestProtocol.renderError({
          errorType: "InvalidParameterValueException",
          message: "Invalid Checkpoint Token",
          requestId: "req-2"
        })
      )
      const error = yield* Effect.flip(
        api.checkpointDurableExecution({ DurableExecutionArn: ARN, CheckpointToken: "t", Updates: [] })
      )
      assert.strictEqual(error._tag, "LambdaCallError")
      assert.strictEqual(error.command, "CheckpointDurableExecution")
      assert.deepInclude(error.cause, { name: "InvalidParameterValueException", message: "Invalid Checkpoint Token" })
      assert.deepInclude((error.cause as { $metadata: object }).$metadata, { httpStatusCode: 400, requestId: "req-2" })
      assert.strictEqual(
        error.message,
        "CheckpointDurableExecution failed: InvalidParameterValueException: Invalid Checkpoint Token"
      )
    })
  )

  it.live("checkpointDurableExecution: interrupting the fiber aborts the HTTP request", () =>
    Effect.gen(function* () {
      const { api, server } = yield* setup
      server.reply("hang")
      const fiber = yield* Effect.forkChild(
        api.checkpointDurableExecution({ DurableExecutionArn: ARN, CheckpointToken: "t", Updates: [] })
      )
      yield* server.received(1)
      yield* Fiber.interrupt(fiber)
      yield* Effect.promise(() => server.hungRequestClosed).pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(server.requests.length, 1)
    })
  )
})
