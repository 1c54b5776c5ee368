/**
 * `CloudDurableTestRunner` end to end: the real `LambdaClient` against this package's loopback endpoint, so
 * the same test runs against AWS by giving the runner a client for the real service.
 */
import { LambdaClient } from "@aws-sdk/client-lambda"
import { withDurableExecution } from "@durable-lambda/core/async"
import { afterEach, assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { CloudDurableTestRunner, InvocationType, WaitingOperationStatus } from "../src/index.ts"
import * as LoopbackEndpoint from "../src/LoopbackEndpoint.ts"

const approval = withDurableExecution(async (event: { readonly n: number }, ctx) => {
  const doubled = await ctx.step("double", async () => event.n * 2)
  await ctx.wait("pause", { minutes: 5 })
  const verdict = await ctx.waitForCallback<string>("approval", async () => {}, { timeout: { hours: 1 } })
  return { doubled, verdict }
})

const failing = withDurableExecution(async (_event, ctx) =>
  ctx.step("boom", async () => {
    throw new TypeError("no such order")
  })
)

let cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const f of cleanup.reverse()) await f()
  cleanup = []
})

const endpoint = async () => {
  const served = await LoopbackEndpoint.start({
    virtualTime: { startAt: Date.UTC(2025, 0, 1) },
    functions: { approval, failing }
  })
  const client = new LambdaClient(LoopbackEndpoint.clientConfig(served.url))
  cleanup.push(async () => {
    client.destroy()
    await served.close()
  })
  return { served, client }
}

describe("CloudDurableTestRunner against the loopback endpoint", () => {
  it("invokes (Event), polls the history, and answers a callback through the callback API", async () => {
    const { served, client } = await endpoint()
    const runner = new CloudDurableTestRunner<{ doubled: number; verdict: string }>({
      functionName: "approval",
      client,
      config: { invocationType: InvocationType.Event, pollInterval: 20 }
    })
    const pending = runner.run({ payload: { n: 21 } })
    const op = runner.getOperation("approval")
    await op.waitForData(WaitingOperationStatus.STARTED)
    await op.sendCallbackSuccess('"approved"')
    const result = await pending
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    // Callback results are raw strings by default, as with the local runner.
    assert.deepStrictEqual(result.getResult(), { doubled: 42, verdict: '"approved"' })
    assert.strictEqual(result.getOperation("double").getStepDetails()?.result, 42)
    assert.strictEqual(result.getOperation("pause").getWaitDetails()?.waitSeconds, 300)
    const types = result.getHistoryEvents().map((e) => e.EventType)
    assert.strictEqual(types[0], "ExecutionStarted")
    assert.strictEqual(types.at(-1), "ExecutionSucceeded")
    assert.isTrue(result.getHistoryEvents().every((e) => e.EventTimestamp instanceof Date))
    const operations = new Set(served.requests.map((r) => r.operation))
    for (const used of [
      "Invoke",
      "GetDurableExecutionHistory",
      "GetDurableExecution",
      "SendDurableExecutionCallbackSuccess"
    ])
      assert.isTrue(operations.has(used), `${used} was called`)
  })

  it("RequestResponse (default): a failed execution's error, as the official runner reports it", async () => {
    const { client } = await endpoint()
    const result = await new CloudDurableTestRunner({
      functionName: "failing",
      client,
      config: { pollInterval: 20 }
    }).run()
    assert.strictEqual(result.getStatus(), "FAILED")
    assert.strictEqual(result.getError().errorType, "StepError")
    assert.strictEqual(result.getError().errorMessage, "no such order")
    assert.strictEqual(result.getOperation("boom").getStatus(), "FAILED")
  })

  it("the runner module loads the AWS SDK only when run() is called", () => {
    const source = readFileSync(new URL("../src/CloudDurableTestRunner.ts", import.meta.url), "utf8")
    assert.notMatch(source, /^import (?!type)[^\n]*@aws-sdk\/client-lambda/m)
    assert.match(source, /await import\("@aws-sdk\/client-lambda"\)/)
  })
})
