import { Determinism, LocalDurableTestRunner } from "@durable-lambda/testing"
import { assert, describe, it } from "@effect/vitest"
import { ATTEMPTS, makeHandler } from "../src/handler.ts"
import { startQuoteServer, type Behaviour } from "./quoteServer.ts"

/**
 * Runs the workflow against a local quote service following `script`, on virtual time (`skipTime`): the 5 s
 * timeouts and the retry delays pass at once, the HTTP traffic is real.
 */
const runAgainst = async (script: ReadonlyArray<Behaviour>) => {
  const server = await startQuoteServer(script)
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true })
  try {
    const runner = new LocalDurableTestRunner({ handlerFunction: makeHandler(server.url) })
    const result = await runner.run({ payload: { sku: "widget", quantity: 4 } })
    // a cancelled request reaches the server as a closed connection, a moment after the client aborted it
    await server.settled()
    return { result, requests: server.requests.map((r) => ({ ...r })) }
  } finally {
    await LocalDurableTestRunner.teardownTestEnvironment()
    await server.close()
  }
}

describe("step-timeout", () => {
  it("a slow answer times the attempt out, the signal cancels its request, and the retry succeeds", async () => {
    const { result, requests } = await runAgainst(["hang", "ok"])

    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.deepStrictEqual(result.getResult(), { sku: "widget", total: 50 })
    // The first request was cancelled by the aborted signal, the second answered.
    assert.deepStrictEqual(requests, [
      { path: "/quotes/widget", aborted: true },
      { path: "/quotes/widget", aborted: false }
    ])
    const step = result.getOperation("fetch-quote")
    assert.strictEqual(step.getStepDetails()?.attempt, 2)
    assert.deepStrictEqual(step.getStepDetails()?.result, { sku: "widget", price: 12.5 })
  })

  it(`a service that never answers: ${ATTEMPTS} timed-out attempts, each request cancelled, then the execution fails`, async () => {
    const { result, requests } = await runAgainst(["hang", "hang", "hang"])

    assert.strictEqual(result.getStatus(), "FAILED")
    assert.strictEqual(result.getError().errorType, "StepError")
    assert.strictEqual(result.getOperation("fetch-quote").getStepDetails()?.error?.errorType, "StepTimeoutError")
    assert.strictEqual(requests.length, ATTEMPTS)
    assert.isTrue(requests.every((r) => r.aborted))
  })

  it("determinism: restarts from every checkpoint prefix agree (timed-out first attempt, then an answer)", async () => {
    const server = await startQuoteServer(["hang"])
    await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true })
    try {
      const report = await Determinism.check(makeHandler(server.url), { payload: { sku: "widget", quantity: 4 } })
      assert.isTrue(report.ok, report.summary)
    } finally {
      await LocalDurableTestRunner.teardownTestEnvironment()
      await server.close()
    }
  })
})
