import {
  createRetryStrategy,
  JitterStrategy,
  NodeLogging,
  toLambdaHandler,
  withDurableExecution
} from "@durable-lambda/backend-aws"
import { DurableLog, Handler, Step, Wait } from "@durable-lambda/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { LocalDurableTestRunner } from "../src/index.ts"
import { capturing } from "./support/output.ts"

const T0 = Date.UTC(2025, 0, 1)
const at = (millis: number) => new Date(T0 + millis).toISOString()

/** The exact line the default logger writes (field order of the official SDK 2.4.0). */
const line = (fields: {
  requestId: string
  timestamp: string
  level: string
  executionArn: string
  operationId?: string
  operationName?: string
  attempt?: number
  message: unknown
}) =>
  JSON.stringify({
    requestId: fields.requestId,
    timestamp: fields.timestamp,
    level: fields.level,
    executionArn: fields.executionArn,
    operationId: fields.operationId,
    operationName: fields.operationName,
    attempt: fields.attempt,
    message: fields.message
  })

describe("default logger through the harness (backend-aws withDurableExecution)", () => {
  it("writes whole lines to stdout/stderr, interpolates, adds operationName, and is silent while replaying", async () => {
    const handler = withDurableExecution(async (event: { id: string }, ctx) => {
      ctx.logger.info("order %s received", event.id)
      const total = await ctx.step("charge", async (step) => {
        step.logger.info("charging %d cents for %j", 500, { id: event.id })
        return 500
      })
      await ctx.runInChildContext("ship", async (child) => {
        child.logger.warn("shipping %s", event.id)
      })
      await ctx.wait("cool-off", { seconds: 10 })
      ctx.logger.log("ERROR", "done: %i", total)
      return total
    })
    const { value: result, output } = await capturing(() =>
      new LocalDurableTestRunner({ handlerFunction: handler }).run({ payload: { id: "o-1" } })
    )
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    const arn = result.getDurableExecutionArn()
    const [first, second] = result.getInvocations()
    const charge = result.getOperation("charge").getId()!
    const ship = result.getOperation("ship").getId()!
    assert.deepStrictEqual(output.stdout(), [
      line({
        requestId: first!.requestId,
        timestamp: at(0),
        level: "INFO",
        executionArn: arn,
        message: "order o-1 received"
      }),
      line({
        requestId: first!.requestId,
        timestamp: at(0),
        level: "INFO",
        executionArn: arn,
        operationId: charge,
        operationName: "charge",
        attempt: 1,
        message: 'charging 500 cents for {"id":"o-1"}'
      })
    ])
    assert.deepStrictEqual(output.stderr(), [
      line({
        requestId: first!.requestId,
        timestamp: at(0),
        level: "WARN",
        executionArn: arn,
        operationId: ship,
        operationName: "ship",
        message: "shipping o-1"
      }),
      // The second invocation replays "received", the step and the child silently, then logs after the wait.
      line({
        requestId: second!.requestId,
        timestamp: at(10_000),
        level: "ERROR",
        executionArn: arn,
        message: "done: 500"
      })
    ])
    // One write per line.
    assert.strictEqual(output.writes.stdout.length, 2)
    assert.isTrue(output.writes.stdout.every((w) => w.endsWith("}\n") && w.indexOf("\n") === w.length - 1))
  })

  it("logs every attempt of a retried step, with its attempt number, once each across invocations", async () => {
    let calls = 0
    const handler = withDurableExecution(async (_event, ctx) => {
      ctx.logger.info("begin")
      return ctx.step(
        "flaky",
        async (step) => {
          calls++
          step.logger.info("attempt")
          if (calls < 3) throw new Error(`failure ${calls}`)
          return "ok"
        },
        {
          retryStrategy: createRetryStrategy({
            maxAttempts: 3,
            initialDelay: { seconds: 5 },
            jitter: JitterStrategy.NONE
          })
        }
      )
    })
    const { value: result, output } = await capturing(() =>
      new LocalDurableTestRunner({ handlerFunction: handler }).run()
    )
    assert.strictEqual(result.getResult(), "ok")
    assert.strictEqual(result.getInvocations().length, 3)
    const records = output.stdout().map((l) => JSON.parse(l))
    assert.deepStrictEqual(
      records.map((r) => [r.message, r.operationName, r.attempt]),
      [
        ["begin", undefined, undefined],
        ["attempt", "flaky", 1],
        ["attempt", "flaky", 2],
        ["attempt", "flaky", 3]
      ]
    )
    assert.deepStrictEqual(
      records.map((r) => r.requestId),
      [0, 0, 1, 2].map((i) => result.getInvocations()[i]!.requestId)
    )
  })

  it("honours AWS_LAMBDA_LOG_LEVEL", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      ctx.logger.debug("d")
      ctx.logger.info("i")
      await ctx.step("s", async (step) => {
        step.logger.warn("w")
        step.logger.error("e")
      })
      return "done"
    })
    const previous = process.env["AWS_LAMBDA_LOG_LEVEL"]
    process.env["AWS_LAMBDA_LOG_LEVEL"] = "WARN"
    try {
      const { output } = await capturing(() => new LocalDurableTestRunner({ handlerFunction: handler }).run())
      assert.deepStrictEqual(output.stdout(), [])
      assert.deepStrictEqual(
        output.stderr().map((l) => JSON.parse(l).message),
        ["w", "e"]
      )
    } finally {
      if (previous === undefined) delete process.env["AWS_LAMBDA_LOG_LEVEL"]
      else process.env["AWS_LAMBDA_LOG_LEVEL"] = previous
    }
  })

  it("configureLogger({ modeAware: false }) writes replayed lines too", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      ctx.configureLogger({ modeAware: false })
      ctx.logger.info("before wait")
      await ctx.wait({ seconds: 1 })
      ctx.logger.info("after wait")
      return "done"
    })
    const { output } = await capturing(() => new LocalDurableTestRunner({ handlerFunction: handler }).run())
    assert.deepStrictEqual(
      output.stdout().map((l) => JSON.parse(l).message),
      ["before wait", "before wait", "after wait"]
    )
  })

  it("Effect API: DurableLog writes through NodeLogging; a LogPlatform given in services takes precedence", async () => {
    const durable = Handler.make(() =>
      Effect.gen(function* () {
        yield* DurableLog.info("begin %d", 1)
        yield* Step.run("s", DurableLog.log("WARN", "inside %s", "step"))
        yield* Wait.wait("w", { seconds: 1 })
        yield* DurableLog.error("end")
        return "done"
      })
    )
    const messages = (lines: ReadonlyArray<string>) =>
      lines.map((l) => {
        const r = JSON.parse(l)
        return [r.level, r.message, r.operationName, r.attempt]
      })
    const expected = {
      stdout: [["INFO", "begin 1", undefined, undefined]],
      stderr: [
        ["WARN", "inside step", "s", 1],
        ["ERROR", "end", undefined, undefined]
      ]
    }
    const { output } = await capturing(() =>
      new LocalDurableTestRunner({ handlerFunction: toLambdaHandler(durable) }).run()
    )
    assert.deepStrictEqual({ stdout: messages(output.stdout()), stderr: messages(output.stderr()) }, expected)

    const sink = { stdout: [] as Array<string>, stderr: [] as Array<string> }
    const services = NodeLogging.layerStreams({
      stdout: { write: (chunk: string) => sink.stdout.push(chunk) },
      stderr: { write: (chunk: string) => sink.stderr.push(chunk) }
    })
    const { output: processOutput } = await capturing(() =>
      new LocalDurableTestRunner({ handlerFunction: toLambdaHandler(durable, { services }) }).run()
    )
    assert.deepStrictEqual(processOutput.stdout(), [])
    assert.deepStrictEqual(processOutput.stderr(), [])
    assert.deepStrictEqual({ stdout: messages(sink.stdout), stderr: messages(sink.stderr) }, expected)
  })
})
