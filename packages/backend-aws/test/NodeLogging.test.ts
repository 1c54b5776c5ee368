import { assert, describe, it } from "@effect/vitest"
import { Logger } from "@durable-lambda/core"
import { NodeLogging } from "@durable-lambda/backend-aws"
import { Writable } from "node:stream"
import { formatWithOptions } from "node:util"
import { vi } from "vitest"

const ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/e/1"
const T = "2025-01-01T00:00:00.000Z"

/** A real `Writable` that keeps each chunk written to it. */
const sink = () => {
  const chunks: Array<string> = []
  const stream = new Writable({
    decodeStrings: false,
    write: (chunk: string, _encoding, done) => {
      chunks.push(chunk)
      done()
    }
  })
  return Object.assign(stream, { chunks })
}

/** A default logger on the Node platform over captured streams. */
const nodeLogger = (env: Record<string, string | undefined> = {}) => {
  const stdout = sink()
  const stderr = sink()
  const logger = Logger.makeDefaultLogger({
    platform: NodeLogging.make({ stdout, stderr, env }),
    now: () => new Date(T)
  })
  logger.configureDurableLoggingContext!({ getDurableLogData: () => ({ requestId: "req-1", executionArn: ARN }) })
  return { logger, stdout: stdout.chunks, stderr: stderr.chunks }
}

const line = (level: string, message: string) =>
  `{"requestId":"req-1","timestamp":"${T}","level":"${level}","executionArn":"${ARN}","message":${JSON.stringify(message)}}\n`

class Money {
  toString() {
    return "€5"
  }
}

describe("NodeLogging", () => {
  it("writes the official line format: info to stdout, error to stderr, one write per line", () => {
    const { logger, stdout, stderr } = nodeLogger()
    logger.info("user %s has %d items", "ann", 3)
    logger.error("failed")
    assert.deepStrictEqual(stdout, [line("INFO", "user ann has 3 items")])
    assert.deepStrictEqual(stderr, [line("ERROR", "failed")])
  })

  it("interpolates every directive as util.format does", () => {
    const circular: Record<string, unknown> = { a: 1 }
    circular["self"] = circular
    const cases: ReadonlyArray<readonly [ReadonlyArray<unknown>, string]> = [
      [["%s and %s", "a", 1], "a and 1"],
      [["%s", new Money()], "€5"],
      [["%s", 10n], "10n"],
      [["%d items", "42"], "42 items"],
      [["%d", 1.5], "1.5"],
      [["%i", 1.9], "1"],
      [["%f", "2.5x"], "2.5"],
      [["%j", { a: [1, 2] }], '{"a":[1,2]}'],
      [["%j", circular], "[Circular]"],
      [["%o", { a: 1 }], "{ a: 1 }"],
      [["%O", { nested: { deep: true } }], "{ nested: { deep: true } }"],
      [["%cstyled", "color: red"], "styled"],
      [["100%% done", "x"], "100% done x"],
      [["%s:%s", "only"], "only:%s"],
      [["a", "b", { c: 1 }], "a b { c: 1 }"],
      [[{ a: 1 }, "b"], "{ a: 1 } b"],
      [[42, 43], "42 43"]
    ]
    for (const [args, expected] of cases) {
      const { logger, stdout } = nodeLogger()
      logger.info(...args)
      assert.strictEqual(JSON.parse(stdout[0]!).message, expected, `format(${String(args[0])})`)
      assert.strictEqual(expected, formatWithOptions({ breakLength: Infinity }, ...args))
    }
  })

  it("keeps large objects on one line inside the message", () => {
    const { logger, stdout } = nodeLogger()
    const big = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`key${i}`, `value${i}`]))
    logger.info("payload", big)
    assert.strictEqual(stdout.length, 1)
    assert.notInclude(JSON.parse(stdout[0]!).message, "\n")
  })

  it("honours AWS_LAMBDA_LOG_LEVEL", () => {
    const { logger, stdout, stderr } = nodeLogger({ AWS_LAMBDA_LOG_LEVEL: "warn" })
    logger.debug("d")
    logger.info("i")
    logger.warn("w")
    logger.error("e")
    assert.deepStrictEqual(stdout, [])
    assert.deepStrictEqual(stderr, [line("WARN", "w"), line("ERROR", "e")])
  })

  it("writes to process.stdout / process.stderr by default, never through console", () => {
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true)
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true)
    const log = vi.spyOn(console, "log")
    const error = vi.spyOn(console, "error")
    const info = vi.spyOn(console, "info")
    try {
      const logger = Logger.makeDefaultLogger({ platform: NodeLogging.make({ env: {} }), now: () => new Date(T) })
      logger.configureDurableLoggingContext!({ getDurableLogData: () => ({ requestId: "req-1", executionArn: ARN }) })
      logger.info("to stdout")
      logger.warn("to stderr")
      assert.deepStrictEqual(out.mock.calls, [[line("INFO", "to stdout")]])
      assert.deepStrictEqual(err.mock.calls, [[line("WARN", "to stderr")]])
      assert.strictEqual(log.mock.calls.length + error.mock.calls.length + info.mock.calls.length, 0)
    } finally {
      out.mockRestore()
      err.mockRestore()
      log.mockRestore()
      error.mockRestore()
      info.mockRestore()
    }
  })

  it("the portable formatter (non-Node runtimes) agrees with util.format on strings, numbers and JSON", () => {
    const cases: ReadonlyArray<ReadonlyArray<unknown>> = [
      ["plain"],
      ["%s and %s", "a", 1],
      ["%s", 10n],
      ["%s", -0],
      ["%d items", "42"],
      ["%d", 10n],
      ["%i", 1.9],
      ["%i", "12px"],
      ["%f", "2.5x"],
      ["%j", { a: [1, 2] }],
      ["%cstyled", "color: red"],
      ["100%% done", "x"],
      ["%s:%s", "only"],
      ["%s", new Money()],
      ["a", "b", "c"],
      [42, 43],
      [true, null, undefined],
      []
    ]
    for (const args of cases) {
      assert.strictEqual(
        Logger.portablePlatform.format(args),
        formatWithOptions({ breakLength: Infinity }, ...args),
        JSON.stringify(args.map(String))
      )
    }
  })
})
