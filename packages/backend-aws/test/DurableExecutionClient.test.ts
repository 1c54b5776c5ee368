import {
  DurableExecutionApiClient,
  DurableExecutionClientError,
  DurableExecutionClientErrorScope,
  isDurableExecutionClientError,
  withDurableExecution,
  type CheckpointDurableExecutionRequest,
  type DurableExecutionClient
} from "@durable-lambda/backend-aws"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as RestProtocol from "../src/RestProtocol.ts"
import * as LoopbackServer from "./utils/LoopbackServer.ts"

const ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/e/1"
const execution = {
  Id: "exec",
  Type: "EXECUTION",
  Status: "STARTED",
  StartTimestamp: 1_700_000_000_000,
  ExecutionDetails: { InputPayload: '{"x":20}' }
}
const event = {
  DurableExecutionArn: ARN,
  CheckpointToken: "token-0",
  InitialExecutionState: { Operations: [execution] }
}
const lambdaContext = { awsRequestId: "r1", getRemainingTimeInMillis: () => 60_000 }

/** A user-written transport: answers every checkpoint by applying START/SUCCEED, or throws `fail()`. */
const fakeClient = (fail?: (call: "checkpoint" | "getExecutionState") => unknown) => {
  const checkpoints: Array<CheckpointDurableExecutionRequest> = []
  let n = 0
  const client: DurableExecutionClient = {
    getExecutionState: async () => {
      const error = fail?.("getExecutionState")
      if (error !== undefined) throw error
      return { Operations: [] }
    },
    checkpoint: async (params) => {
      checkpoints.push(params)
      const error = fail?.("checkpoint")
      if (error !== undefined) throw error
      return {
        CheckpointToken: `token-${++n}`,
        NewExecutionState: {
          Operations: (params.Updates ?? []).map((u) => ({
            Id: u.Id,
            Type: u.Type,
            SubType: u.SubType,
            Name: u.Name,
            Status: u.Action === "SUCCEED" ? "SUCCEEDED" : "STARTED",
            StartTimestamp: new Date(1_700_000_000_000),
            ...(u.Action === "SUCCEED" ? { StepDetails: { Result: u.Payload, Attempt: 1 } } : {})
          }))
        }
      }
    }
  }
  return { client, checkpoints }
}

const doubling = async (
  input: { x: number },
  ctx: { step: (n: string, f: () => Promise<number>) => Promise<number> }
) => {
  const doubled = await ctx.step("double", async () => input.x * 2)
  return { doubled }
}

describe("durableExecutionClient", () => {
  it("a user-written client carries every call, in the wire shapes", async () => {
    const { client, checkpoints } = fakeClient()
    const handler = withDurableExecution(doubling, { durableExecutionClient: client })
    const out = await handler(event, lambdaContext)
    assert.deepStrictEqual(out, { Status: "SUCCEEDED", Result: '{"doubled":40}' })
    assert.strictEqual(checkpoints.length, 1)
    const request = checkpoints[0]!
    assert.strictEqual(request.DurableExecutionArn, ARN)
    assert.strictEqual(request.CheckpointToken, "token-0")
    assert.isString(request.ClientToken)
    assert.deepStrictEqual(
      request.Updates?.map((u) => `${u.Type} ${u.Name} ${u.Action}`),
      ["STEP double START", "STEP double SUCCEED"]
    )
  })

  it("reads further state pages through the client", async () => {
    const pages: Array<string | undefined> = []
    const { client } = fakeClient()
    const paging: DurableExecutionClient = {
      ...client,
      getExecutionState: async (params) => {
        pages.push(params.Marker)
        return { Operations: [], NextMarker: "" }
      }
    }
    const handler = withDurableExecution(doubling, { durableExecutionClient: paging })
    const out = await handler(
      { ...event, InitialExecutionState: { Operations: [execution], NextMarker: "page-2" } },
      lambdaContext
    )
    assert.strictEqual(out.Status, "SUCCEEDED")
    assert.deepStrictEqual(pages, ["page-2"])
  })

  it("DurableExecutionClientError: INVOCATION ends the invocation, EXECUTION fails the execution", async () => {
    const invocationScoped = fakeClient(
      (call) =>
        call === "checkpoint" &&
        new DurableExecutionClientError("backend busy", { scope: DurableExecutionClientErrorScope.INVOCATION })
    )
    const thrown = await withDurableExecution(doubling, { durableExecutionClient: invocationScoped.client })(
      event,
      lambdaContext
    ).then(
      () => undefined,
      (e: unknown) => e as Error
    )
    assert.strictEqual(thrown?.name, "CheckpointUnrecoverableInvocationError")
    assert.include(thrown?.message, "backend busy")

    const executionScoped = fakeClient(
      (call) =>
        call === "checkpoint" &&
        new DurableExecutionClientError("rejected for good", { scope: DurableExecutionClientErrorScope.EXECUTION })
    )
    const out = await withDurableExecution(doubling, { durableExecutionClient: executionScoped.client })(
      event,
      lambdaContext
    )
    assert.strictEqual(out.Status, "FAILED")
    assert.include(out.Status === "FAILED" ? out.Error?.ErrorMessage : "", "rejected for good")
  })

  it("an unclassified error is transient; an EXECUTION-scoped state read fails the execution", async () => {
    const plain = fakeClient((call) => call === "checkpoint" && new Error("socket hang up"))
    const thrown = await withDurableExecution(doubling, { durableExecutionClient: plain.client })(
      event,
      lambdaContext
    ).then(
      () => undefined,
      (e: unknown) => e as Error
    )
    assert.strictEqual(thrown?.name, "CheckpointUnrecoverableInvocationError")

    const stateRead = fakeClient(
      (call) =>
        call === "getExecutionState" &&
        new DurableExecutionClientError("no such execution", { scope: DurableExecutionClientErrorScope.EXECUTION })
    )
    const out = await withDurableExecution(doubling, { durableExecutionClient: stateRead.client })(
      { ...event, InitialExecutionState: { Operations: [execution], NextMarker: "page-2" } },
      lambdaContext
    )
    assert.strictEqual(out.Status, "FAILED")
    assert.strictEqual(out.Status === "FAILED" ? out.Error?.ErrorType : "", "DurableExecutionClientError")
    assert.strictEqual(out.Status === "FAILED" ? out.Error?.ErrorMessage : "", "no such execution")
    assert.strictEqual(stateRead.checkpoints.length, 0)
  })

  it("isDurableExecutionClientError matches by shape, and only known scopes", () => {
    const foreign = Object.assign(new Error("from another bundle"), {
      isDurableExecutionClientError: true,
      scope: "EXECUTION"
    })
    assert.isTrue(isDurableExecutionClientError(foreign))
    assert.isTrue(isDurableExecutionClientError(new DurableExecutionClientError("x")))
    assert.strictEqual(new DurableExecutionClientError("x").scope, "INVOCATION")
    assert.isFalse(
      isDurableExecutionClientError(Object.assign(new Error("x"), { isDurableExecutionClientError: true, scope: "?" }))
    )
    assert.isFalse(isDurableExecutionClientError({ isDurableExecutionClientError: true, scope: "EXECUTION" }))
  })

  it("giving both client and durableExecutionClient fails the execution before the handler runs", async () => {
    let ran = false
    const { client, checkpoints } = fakeClient()
    const handler = withDurableExecution(
      async () => {
        ran = true
      },
      { durableExecutionClient: client, client: {} as never }
    )
    const out = await handler(event, lambdaContext)
    assert.strictEqual(out.Status, "FAILED")
    assert.match(
      out.Status === "FAILED" ? (out.Error?.ErrorMessage ?? "") : "",
      /^Both `client` and `durableExecutionClient`/
    )
    assert.isFalse(ran)
    assert.strictEqual(checkpoints.length, 0)
  })

  it.live("DurableExecutionApiClient sends the calls with a real LambdaClient (loopback endpoint)", () =>
    Effect.gen(function* () {
      const server = yield* LoopbackServer.start
      const client = yield* LoopbackServer.clientFor(server.endpoint)
      server.reply((request) => {
        const updates = (
          request.json as { Updates: Array<{ Id: string; Type: string; Action: string; Payload?: string }> }
        ).Updates
        return RestProtocol.renderJson({
          CheckpointToken: "token-1",
          NewExecutionState: {
            Operations: updates.map((u) => ({
              Id: u.Id,
              Type: u.Type,
              SubType: "Step",
              Name: "double",
              Status: u.Action === "SUCCEED" ? "SUCCEEDED" : "STARTED",
              StartTimestamp: new Date(1_700_000_000_000),
              ...(u.Action === "SUCCEED" ? { StepDetails: { Result: u.Payload, Attempt: 1 } } : {})
            }))
          }
        })
      })
      const handler = withDurableExecution(doubling, { durableExecutionClient: new DurableExecutionApiClient(client) })
      const out = yield* Effect.promise(() => handler(event, lambdaContext))
      assert.deepStrictEqual(out, { Status: "SUCCEEDED", Result: '{"doubled":40}' })
      assert.strictEqual(server.requests.length, 1)
      assert.strictEqual(server.requests[0]!.match?.operation, "CheckpointDurableExecution")
    })
  )

  it.live("DurableExecutionApiClient: AWS errors keep their shape (a rejected request fails the execution)", () =>
    Effect.gen(function* () {
      const server = yield* LoopbackServer.start
      const client = yield* LoopbackServer.clientFor(server.endpoint)
      server.reply(RestProtocol.renderError({ errorType: "InvalidParameterValueException", message: "bad update" }))
      const handler = withDurableExecution(doubling, { durableExecutionClient: new DurableExecutionApiClient(client) })
      const out = yield* Effect.promise(() => handler(event, lambdaContext))
      assert.strictEqual(out.Status, "FAILED")
      assert.include(out.Status === "FAILED" ? out.Error?.ErrorMessage : "", "bad update")
    })
  )
})
