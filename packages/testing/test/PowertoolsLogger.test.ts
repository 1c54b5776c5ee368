import { Logger } from "@aws-lambda-powertools/logger"
import { createRetryStrategy, JitterStrategy, withDurableExecution } from "@durable-lambda/backend-aws"
import { assert, describe, it } from "@effect/vitest"
import { LocalDurableTestRunner } from "../src/index.ts"
import { capturing } from "./support/output.ts"

/** Every captured line must be exactly one JSON object. */
const parseLines = (lines: ReadonlyArray<string>): Array<Record<string, unknown>> =>
  lines.map((line) => {
    const parsed: unknown = JSON.parse(line)
    assert.isTrue(typeof parsed === "object" && parsed !== null && !Array.isArray(parsed), line)
    return parsed as Record<string, unknown>
  })

describe("Powertools for AWS Lambda (TypeScript) Logger as the durable logger", () => {
  it("one JSON line per record, Powertools' own keys, durable fields as top-level keys, silent on replay", async () => {
    const logger = new Logger({ serviceName: "orders" })
    let calls = 0
    const handler = withDurableExecution(async (event: { orderId: string }, ctx) => {
      ctx.configureLogger({ customLogger: logger })
      ctx.logger.info("workflow started", { orderId: event.orderId })
      const charged = await ctx.step(
        "charge",
        async (step) => {
          calls++
          step.logger.info("charging")
          if (calls === 1) throw new Error("card network timeout")
          return 500
        },
        {
          retryStrategy: createRetryStrategy({
            maxAttempts: 2,
            initialDelay: { seconds: 5 },
            jitter: JitterStrategy.NONE
          })
        }
      )
      await ctx.runInChildContext("ship", async (child) => {
        child.logger.warn("carrier slow")
      })
      await ctx.wait("cool-off", { minutes: 5 })
      ctx.logger.info("workflow finished", { charged })
      return charged
    })
    const { value: result, output } = await capturing(() =>
      new LocalDurableTestRunner({ handlerFunction: handler }).run({ payload: { orderId: "o-1" } })
    )
    assert.strictEqual(result.getResult(), 500)
    assert.strictEqual(result.getInvocations().length, 3)
    const arn = result.getDurableExecutionArn()
    const charge = result.getOperation("charge").getId()
    const ship = result.getOperation("ship").getId()

    const out = parseLines(output.stdout())
    const err = parseLines(output.stderr())
    // Powertools' own keys at the top level, the message a plain string (no record serialized inside another).
    for (const record of [...out, ...err]) {
      assert.strictEqual(record["service"], "orders")
      assert.strictEqual(typeof record["timestamp"], "string")
      assert.strictEqual(typeof record["sampling_rate"], "number")
      assert.strictEqual(typeof record["message"], "string")
      assert.notInclude(record["message"] as string, "{")
      assert.strictEqual(record["executionArn"], arn)
    }
    const durable = (r: Record<string, unknown>) => [
      r["level"],
      r["message"],
      r["operationId"],
      r["operationName"],
      r["attempt"]
    ]
    // Invocation 1: started, attempt 1 (fails). Invocation 2 replays "started" silently: attempt 2, then the child
    // context. Invocation 3 replays everything before the wait silently and logs "finished" once.
    assert.deepStrictEqual(out.map(durable), [
      ["INFO", "workflow started", undefined, undefined, undefined],
      ["INFO", "charging", charge, "charge", 1],
      ["INFO", "charging", charge, "charge", 2],
      ["INFO", "workflow finished", undefined, undefined, undefined]
    ])
    assert.deepStrictEqual(err.map(durable), [["WARN", "carrier slow", ship, "ship", undefined]])
    // Powertools' extra input still lands as its own keys.
    assert.strictEqual(out[0]!["orderId"], "o-1")
    assert.strictEqual(out[3]!["charged"], 500)
    // The durable keys are temporary: nothing is left on the logger afterwards.
    const { output: after } = await capturing(() => logger.info("outside the workflow"))
    const [outside] = parseLines(after.stdout())
    assert.strictEqual(outside!["message"], "outside the workflow")
    assert.isFalse("executionArn" in outside! || "operationId" in outside! || "attempt" in outside!)
  })

  it("as the `logger` option: keeps the user's own Powertools keys (persistent and temporary) too", async () => {
    const logger = new Logger({ serviceName: "orders", persistentKeys: { team: "payments" } })
    const handler = withDurableExecution(
      async (_event, ctx) => {
        logger.appendKeys({ tenant: "acme" })
        await ctx.step("s", async (step) => {
          step.logger.info("in step")
        })
        return "ok"
      },
      { logger }
    )
    const { output } = await capturing(() => new LocalDurableTestRunner({ handlerFunction: handler }).run())
    const [record] = parseLines(output.stdout())
    assert.strictEqual(record!["message"], "in step")
    assert.strictEqual(record!["team"], "payments")
    assert.strictEqual(record!["tenant"], "acme")
    assert.strictEqual(record!["operationName"], "s")
    assert.strictEqual(record!["attempt"], 1)
  })
})
