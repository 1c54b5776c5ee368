/**
 * One clock, no heuristics: when virtual time moves inside an invocation is decided from the harness's own
 * state, never from process-wide open resources or periods of real quiet.
 */
import { withDurableExecution } from "@durable-lambda/core/async"
import { afterEach, assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { createServer, type Server } from "node:net"
import { fileURLToPath } from "node:url"
import { Faults, LocalDurableTestRunner, WaitingOperationStatus } from "../src/index.ts"

const T0 = Date.UTC(2025, 0, 1)

const listen = (): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer(() => {})
    server.listen(0, "127.0.0.1", () => resolve(server))
  })
const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()))

describe("without skipTime", () => {
  it("a step body awaiting a real 50 ms timer succeeds even when foreign handles close meanwhile", async () => {
    // What tsx does: handles opened before the invocation close while it runs.
    const foreign = [await listen(), await listen()]
    let attempts = 0
    const handler = withDurableExecution(async (_event, ctx) =>
      ctx.step("sleepy", async () => {
        attempts++
        await Promise.all(foreign.map(close))
        await new Promise((resolve) => setTimeout(resolve, 50))
        return "rested"
      })
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.strictEqual(result.getResult(), "rested")
    assert.strictEqual(attempts, 1)
    assert.deepStrictEqual(
      result.getInvocations().map((i) => i.error?.errorType),
      [undefined]
    )
  })

  it("the same under a plain node process (type stripping, no vitest)", () => {
    const fixture = fileURLToPath(new URL("fixtures/realTimerStep.mts", import.meta.url))
    const run = spawnSync(
      process.execPath,
      ["--experimental-strip-types", "--no-warnings", "--conditions=@durable-lambda/source", fixture],
      { encoding: "utf8", timeout: 60_000 }
    )
    assert.strictEqual(run.status, 0, run.stderr)
    assert.deepStrictEqual(JSON.parse(run.stdout.trim().split("\n").at(-1)!), {
      status: "SUCCEEDED",
      result: "rested",
      errors: [null]
    })
  }, 60_000)

  it("an open TCP server changes neither the result nor the timeline of waits, retries and slow answers", async () => {
    const run = async (server: boolean) => {
      let attempts = 0
      let opened: Server | undefined
      const handler = withDurableExecution(async (_event, ctx) => {
        // The test's server opens while the first invocation runs and stays open to the end.
        await ctx.step("open", async () => {
          if (server) opened ??= await listen()
        })
        await ctx.wait("pause", { seconds: 30 })
        const value = await ctx.step(
          "flaky",
          async () => {
            attempts++
            if (attempts < 3) throw new Error("not yet")
            return attempts
          },
          { retryStrategy: (_e, n) => ({ shouldRetry: n < 5, delay: { seconds: 10 } }) }
        )
        await ctx.wait("again", { minutes: 5 })
        return value
      })
      try {
        const result = await new LocalDurableTestRunner({
          handlerFunction: handler,
          // Slow service answers: the harness holds these calls and moves virtual time meanwhile.
          faults: [Faults.delay(2, 20_000), Faults.delay(3, 20_000), Faults.delay(5, 20_000)]
        }).run()
        const events = result.getHistoryEvents()
        return {
          status: result.getStatus(),
          result: result.getResult(),
          attempts,
          invocations: result.getInvocations().map((i) => [i.status, i.error?.errorType ?? null, i.fault ?? null]),
          end: events.at(-1)!.EventTimestamp.getTime() - T0
        }
      } finally {
        if (opened !== undefined) await close(opened)
      }
    }
    const without = await run(false)
    const withServer = await run(true)
    assert.strictEqual(without.status, "SUCCEEDED")
    assert.deepStrictEqual(withServer, without)
    // Before: each slow answer waited for 5 s of real quiet while the server was open, past this timeout.
  }, 4_000)
})

describe("with setupTestEnvironment({ skipTime: true })", () => {
  afterEach(() => LocalDurableTestRunner.teardownTestEnvironment())

  it("a step that awaits setTimeout(10 s) completes at once, on the virtual timeline", async () => {
    await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true })
    const handler = withDurableExecution(async (_event, ctx) => {
      const before = await ctx.step("before", async () => Date.now())
      const slept = await ctx.step("sleep", async () => {
        const start = Date.now()
        await new Promise((resolve) => setTimeout(resolve, 10_000))
        return Date.now() - start
      })
      return { slept, before }
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.strictEqual((result.getResult() as { slept: number }).slept, 10_000)
    assert.deepStrictEqual(
      result.getInvocations().map((i) => i.error?.errorType),
      [undefined]
    )
    const steps = result.getHistoryEvents().filter((e) => e.EventType === "StepSucceeded")
    assert.strictEqual(steps[1]!.EventTimestamp.getTime() - steps[0]!.EventTimestamp.getTime(), 10_000)
  })

  it("a test that sleeps 600 ms and then heartbeats keeps alive a callback with a 1 s heartbeat timeout", async () => {
    await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true })
    const handler = withDurableExecution(async (_event, ctx) =>
      ctx.waitForCallback("approval", async () => {}, { timeout: { minutes: 5 }, heartbeatTimeout: { seconds: 1 } })
    )
    const runner = new LocalDurableTestRunner({ handlerFunction: handler })
    const pending = runner.run()
    const approval = runner.getOperation("approval")
    await approval.waitForData(WaitingOperationStatus.STARTED)
    await new Promise((resolve) => setTimeout(resolve, 600))
    await approval.sendCallbackHeartbeat()
    await new Promise((resolve) => setTimeout(resolve, 600))
    await approval.sendCallbackSuccess('"yes"')
    const result = await pending
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.strictEqual(result.getResult(), '"yes"')
  })
})
