import { assert, describe, it } from "@effect/vitest"
import { withDurableExecution } from "@durable-lambda/backend-aws"
import { Effect } from "effect"
import * as RestProtocol from "../src/RestProtocol.ts"
import * as Loopback from "./utils/LoopbackServer.ts"

const event = {
  DurableExecutionArn: "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/e/1",
  CheckpointToken: "token-0",
  InitialExecutionState: {
    Operations: [{ Id: "exec", Type: "EXECUTION", Status: "STARTED", ExecutionDetails: { InputPayload: "{}" } }]
  }
}

const ok = RestProtocol.renderJson({ CheckpointToken: "token-1", NewExecutionState: { Operations: [] } })
const serviceError = RestProtocol.renderError({ errorType: "ServiceException", message: "try again" })

/** Checkpoint requests seen by the server: their ClientToken and the rest of the body. */
const sent = (server: Loopback.LoopbackServer) =>
  server.requests.map((r) => {
    const { ClientToken, ...rest } = r.json as { ClientToken: string }
    return { clientToken: ClientToken, body: JSON.stringify(rest) }
  })

describe("ClientToken through a production handler", () => {
  it.live("a retry of one request by the same invocation re-sends the same ClientToken", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* Loopback.start
        server.reply(serviceError, ok)
        const client = yield* Loopback.clientFor(server.endpoint)
        const handler = withDurableExecution(async (_: unknown, ctx) => ctx.wait("nap", { seconds: 5 }), { client })
        const output = yield* Effect.promise(() => handler(event, { awsRequestId: "r1" }))
        assert.deepStrictEqual(output, { Status: "PENDING" })
        const [first, retry] = sent(server)
        assert.strictEqual(server.requests.length, 2)
        assert.strictEqual(retry!.clientToken, first!.clientToken)
        assert.strictEqual(retry!.body, first!.body)
      })
    )
  )

  it.live("two deliveries of one invocation event send byte-identical updates under different ClientTokens", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* Loopback.start
        server.reply(ok)
        const client = yield* Loopback.clientFor(server.endpoint)
        const handler = withDurableExecution(async (_: unknown, ctx) => ctx.wait("nap", { seconds: 5 }), { client })
        yield* Effect.promise(() => handler(event, { awsRequestId: "r1" }))
        yield* Effect.promise(() => handler(event, { awsRequestId: "r1" }))
        const [first, duplicate] = sent(server)
        assert.strictEqual(server.requests.length, 2)
        assert.strictEqual(duplicate!.body, first!.body)
        assert.notStrictEqual(duplicate!.clientToken, first!.clientToken)
        assert.match(first!.clientToken, /^[0-9a-f]{32}$/)
      })
    )
  )
})
