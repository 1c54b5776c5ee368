import { assert, describe, it } from "@effect/vitest"
import { LambdaClient } from "@aws-sdk/client-lambda"
import { Handler } from "@durable-lambda/core"
import { withDurableExecution, StepError, createRetryStrategy } from "@durable-lambda/backend-aws"
import { Effect } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"

/** A loopback Lambda endpoint that records checkpoint requests and acknowledges them. */
const startEndpoint = async () => {
  const requests: Array<{ url: string; body: any }> = []
  let n = 0
  const server = http.createServer((req, res) => {
    let raw = ""
    req.on("data", (c) => (raw += c))
    req.on("end", () => {
      requests.push({ url: req.url ?? "", body: raw ? JSON.parse(raw) : undefined })
      const ops = (JSON.parse(raw || "{}").Updates ?? []).map((u: any) => ({
        Id: u.Id,
        Type: u.Type,
        Status: u.Action === "SUCCEED" ? "SUCCEEDED" : "STARTED",
        StartTimestamp: 1_700_000_000,
        ...(u.Type === "STEP" && u.Action === "SUCCEED" ? { StepDetails: { Result: u.Payload, Attempt: 1 } } : {})
      }))
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({ CheckpointToken: `token-${++n}`, NewExecutionState: { Operations: ops } }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return { requests, port, close: () => new Promise<void>((r) => server.close(() => r())) }
}

const event = {
  DurableExecutionArn: "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/e/1",
  CheckpointToken: "token-0",
  InitialExecutionState: {
    Operations: [{ Id: "exec", Type: "EXECUTION", Status: "STARTED", ExecutionDetails: { InputPayload: '{"x":20}' } }]
  }
}

describe("LambdaHandler", () => {
  it.effect("withDurableExecution: runs an async handler through the real LambdaClient", () =>
    Effect.promise(async () => {
      const endpoint = await startEndpoint()
      try {
        const client = new LambdaClient({
          endpoint: `http://127.0.0.1:${endpoint.port}`,
          region: "us-east-1",
          credentials: { accessKeyId: "a", secretAccessKey: "b" }
        })
        const handler = withDurableExecution(
          async (input: { x: number }, ctx) => {
            const doubled = await ctx.step("double", async () => input.x * 2)
            return { doubled }
          },
          { client }
        )
        const out = await handler(event, { awsRequestId: "r1", getRemainingTimeInMillis: () => 60_000 })
        assert.deepStrictEqual(out, { Status: "SUCCEEDED", Result: '{"doubled":40}' })
        assert.strictEqual(endpoint.requests.length, 1)
        assert.match(endpoint.requests[0]!.url, /^\/2025-12-01\/durable-executions\/arn%3Aaws%3Alambda.*\/checkpoint$/)
        assert.deepStrictEqual(
          endpoint.requests[0]!.body.Updates.map((u: any) => `${u.Action}:${u.Name}:${u.Id}`),
          ["START:double:c4ca4238a0b92382", "SUCCEED:double:c4ca4238a0b92382"]
        )
        assert.strictEqual(endpoint.requests[0]!.body.CheckpointToken, "token-0")
      } finally {
        await endpoint.close()
      }
    })
  )

  it.effect("withDurableExecution: ends the invocation before Lambda's deadline with a typed error", () =>
    Effect.promise(async () => {
      const endpoint = await startEndpoint()
      try {
        const client = new LambdaClient({
          endpoint: `http://127.0.0.1:${endpoint.port}`,
          region: "us-east-1",
          credentials: { accessKeyId: "a", secretAccessKey: "b" }
        })
        const handler = withDurableExecution(
          async (_: unknown, ctx) => ctx.step("slow", () => new Promise<number>(() => {})),
          { client, deadlineMarginMillis: 1000 }
        )
        const error = await handler(event, { awsRequestId: "r2", getRemainingTimeInMillis: () => 2000 }).then(
          () => undefined,
          (e: unknown) => e
        )
        assert.strictEqual((error as { _tag?: string })._tag, "InvocationDeadlineError")
        // The step's START was flushed before the invocation ended (1 s of real time leaves room for the START
        // even on a loaded machine; the guard fires at remaining - margin).
        const actions = endpoint.requests.flatMap((r) => r.body.Updates.map((u: any) => u.Action))
        assert.deepStrictEqual(actions, ["START"])
      } finally {
        await endpoint.close()
      }
    })
  )

  it("exports the official API flat, so a handler ports by changing its import", () => {
    assert.strictEqual(typeof createRetryStrategy, "function")
    assert.strictEqual(new StepError("m").errorType, "StepError")
    const handler = withDurableExecution(async () => 1)
    assert.isDefined(Handler.lambdaHandlerInfo(handler))
  })
})
