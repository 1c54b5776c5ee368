import { assert, describe, it } from "@effect/vitest"
import { Logger } from "@durable-lambda/core"

const ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/e/1"
const T = "2025-01-01T00:00:00.000Z"

/** A platform that keeps what it is given, with a fixed level. */
const capture = (level?: string) => {
  const lines: Array<{ stream: string; line: string }> = []
  const platform: Logger.LogPlatformShape = {
    write: (stream, line) => lines.push({ stream, line }),
    format: Logger.portablePlatform.format,
    logLevel: () => level
  }
  return { lines, platform }
}

const rootData: Logger.DurableLogData = { requestId: "req-1", executionArn: ARN }

const configured = (level?: string, data: Logger.DurableLogData = rootData) => {
  const { lines, platform } = capture(level)
  const logger = Logger.makeDefaultLogger({ platform, now: () => new Date(T) })
  logger.configureDurableLoggingContext!({ getDurableLogData: () => data })
  return { lines, logger }
}

describe("Logger.formatRecord", () => {
  it("writes the official field order, optional fields only when present", () => {
    const line = Logger.formatRecord(
      "INFO",
      {
        requestId: "r",
        executionArn: ARN,
        tenantId: "t",
        operationId: "op",
        operationName: "charge",
        attempt: 2,
        extra: "ignored"
      },
      ["hello"],
      { timestamp: T, format: Logger.portablePlatform.format }
    )
    assert.strictEqual(
      line,
      `{"requestId":"r","timestamp":"${T}","level":"INFO","executionArn":"${ARN}","tenantId":"t","operationId":"op","operationName":"charge","attempt":2,"message":"hello"}`
    )
  })

  it("keeps a single object as structured JSON and renders a single error as the runtime does", () => {
    const object = JSON.parse(
      Logger.formatRecord("INFO", rootData, [{ orderId: 7 }], { timestamp: T, format: Logger.portablePlatform.format })
    )
    assert.deepStrictEqual(object.message, { orderId: 7 })
    class PaymentError extends Error {
      readonly code = "DECLINED"
    }
    const error = new PaymentError("card declined")
    const record = JSON.parse(
      Logger.formatRecord("ERROR", rootData, [error], { timestamp: T, format: Logger.portablePlatform.format })
    )
    assert.strictEqual(record.message.errorType, "PaymentError")
    assert.strictEqual(record.message.errorMessage, "card declined")
    assert.strictEqual(record.message.code, "DECLINED")
    assert.deepStrictEqual(record.message.stackTrace, error.stack!.split("\n"))
  })

  it("formats several arguments into one message and lifts the first error's fields", () => {
    const error = new TypeError("bad input")
    const record = JSON.parse(
      Logger.formatRecord("WARN", rootData, ["failed for %s after %d tries", "ann", 3, error], {
        timestamp: T,
        format: (params) => params.slice(0, 3).join("|")
      })
    )
    assert.strictEqual(record.message, "failed for %s after %d tries|ann|3")
    assert.strictEqual(record.errorType, "TypeError")
    assert.strictEqual(record.errorMessage, "bad input")
    assert.deepStrictEqual(record.stackTrace, error.stack!.split("\n"))
  })

  it("falls back to the formatter when the single argument cannot be serialized", () => {
    const circular: Record<string, unknown> = { a: 1 }
    circular["self"] = circular
    const record = JSON.parse(
      Logger.formatRecord("INFO", rootData, [circular], { timestamp: T, format: () => "<formatted>" })
    )
    assert.strictEqual(record.message, "<formatted>")
  })

  it("merges plugin fields before the message and ignores a failing plugin", () => {
    const keys = (enrich: Logger.EnrichLogContext) =>
      Object.keys(JSON.parse(Logger.formatRecord("INFO", rootData, ["m"], { timestamp: T, format: String, enrich })))
    assert.deepStrictEqual(
      keys(() => ({ traceId: "x" })),
      ["requestId", "timestamp", "level", "executionArn", "traceId", "message"]
    )
    assert.deepStrictEqual(
      keys(() => {
        throw new Error("plugin bug")
      }),
      ["requestId", "timestamp", "level", "executionArn", "message"]
    )
  })
})

describe("Logger.makeDefaultLogger", () => {
  it("writes whole lines: debug and info to stdout, warn and error to stderr", () => {
    const { lines, logger } = configured()
    logger.debug("d")
    logger.info("i")
    logger.warn("w")
    logger.error("e")
    assert.deepStrictEqual(
      lines.map((l) => [l.stream, JSON.parse(l.line).level, l.line.endsWith("}\n")]),
      [
        ["stdout", "DEBUG", true],
        ["stdout", "INFO", true],
        ["stderr", "WARN", true],
        ["stderr", "ERROR", true]
      ]
    )
  })

  it("filters by the platform's level (case-insensitive); unknown or unset levels log everything", () => {
    const levels = (level: string | undefined) => {
      const { lines, logger } = configured(level)
      logger.debug("d")
      logger.info("i")
      logger.warn("w")
      logger.error("e")
      logger.log!("WARN", "lw")
      logger.log!("DEBUG", "ld")
      return lines.map((l) => JSON.parse(l.line).message)
    }
    assert.deepStrictEqual(levels("warn"), ["w", "e", "lw"])
    assert.deepStrictEqual(levels("ERROR"), ["e"])
    assert.deepStrictEqual(levels("INFO"), ["i", "w", "e", "lw"])
    assert.deepStrictEqual(levels(undefined), ["d", "i", "w", "e", "lw", "ld"])
    assert.deepStrictEqual(levels("LOUD"), ["d", "i", "w", "e", "lw", "ld"])
  })

  it("log() with an unknown level logs at INFO; a leading undefined argument is dropped", () => {
    const { lines, logger } = configured()
    logger.log!("TRACE" as Logger.DurableLogLevel, "x")
    logger.info(undefined, "y")
    logger.info()
    assert.deepStrictEqual(
      lines.map((l) => [JSON.parse(l.line).level, JSON.parse(l.line).message]),
      [
        ["INFO", "x"],
        ["INFO", "y"],
        ["INFO", ""]
      ]
    )
  })

  it("refuses to log before a durable logging context is configured", () => {
    const { platform } = capture()
    const logger = Logger.makeDefaultLogger({ platform, now: () => new Date(T) })
    assert.throws(() => logger.info("x"), /DurableLoggingContext is not configured/)
  })
})

describe("Logger.bind", () => {
  it("drops calls while replaying and points the logger at the bound context's data", () => {
    const { lines, logger } = configured()
    let replaying = true
    const data: Logger.DurableLogData = { requestId: "r", executionArn: ARN, operationId: "op", operationName: "n" }
    const bound = Logger.bind(
      logger,
      () => data,
      () => !replaying
    )
    bound.info("during replay")
    bound.log("ERROR", "during replay")
    replaying = false
    bound.info("after")
    bound.log("ERROR", "after")
    assert.deepStrictEqual(
      lines.map((l) => JSON.parse(l.line)).map((r) => [r.level, r.message, r.operationId, r.operationName]),
      [
        ["INFO", "after", "op", "n"],
        ["ERROR", "after", "op", "n"]
      ]
    )
  })

  it("log() forwards to the custom logger's own log, or to its level method when it has none", () => {
    const calls: Array<Array<unknown>> = []
    const withLog: Logger.DurableLogger = {
      log: (...args: Array<unknown>) => calls.push(["log", ...args]),
      error: (...args: Array<unknown>) => calls.push(["error", ...args]),
      warn: () => {},
      info: () => {},
      debug: () => {}
    }
    Logger.bind(withLog, () => rootData).log("ERROR", "a", 1)
    const { log: _log, ...withoutLog } = withLog
    Logger.bind(withoutLog, () => rootData).log("ERROR", "b", 2)
    assert.deepStrictEqual(calls, [
      ["log", "ERROR", "a", 1],
      ["error", "b", 2]
    ])
  })

  it("gives a keyed logger (Powertools' appendKeys/removeKeys) the durable fields for that record only", () => {
    const events: Array<unknown> = []
    let keys: Record<string, unknown> = { service: "orders" }
    const keyed = {
      appendKeys: (attributes: Record<string, unknown>) => {
        keys = { ...keys, ...attributes }
      },
      removeKeys: (names: Array<string>) => {
        keys = Object.fromEntries(Object.entries(keys).filter(([k]) => !names.includes(k)))
      },
      info: (...args: Array<unknown>) => events.push({ args, keys }),
      error: (...args: Array<unknown>) => events.push({ args, keys }),
      warn: () => {},
      debug: () => {}
    }
    const data: Logger.DurableLogData = {
      requestId: "r",
      executionArn: ARN,
      tenantId: "t",
      operationId: "op",
      operationName: "charge",
      attempt: 2
    }
    const bound = Logger.bind(keyed, () => data)
    bound.info("hello", { orderId: 1 })
    bound.log("ERROR", "boom")
    assert.deepStrictEqual(events, [
      {
        args: ["hello", { orderId: 1 }],
        keys: { service: "orders", executionArn: ARN, operationId: "op", operationName: "charge", attempt: 2 }
      },
      {
        args: ["boom"],
        keys: { service: "orders", executionArn: ARN, operationId: "op", operationName: "charge", attempt: 2 }
      }
    ])
    assert.deepStrictEqual(keys, { service: "orders" })
  })

  it("removes the durable keys even when the keyed logger throws", () => {
    let keys: Record<string, unknown> = {}
    const keyed = {
      appendKeys: (attributes: Record<string, unknown>) => {
        keys = { ...keys, ...attributes }
      },
      removeKeys: (names: Array<string>) => {
        keys = Object.fromEntries(Object.entries(keys).filter(([k]) => !names.includes(k)))
      },
      info: () => {
        throw new Error("sink closed")
      },
      error: () => {},
      warn: () => {},
      debug: () => {}
    }
    const bound = Logger.bind(keyed, () => rootData)
    assert.throws(() => bound.info("x"), /sink closed/)
    assert.deepStrictEqual(keys, {})
  })
})
