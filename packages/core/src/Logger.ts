/**
 * Replay-aware structured logging. `context.logger` (async API) and `DurableLog.*` (Effect API) drop records
 * while the workflow replays completed operations, so each line is written once per execution, not once per
 * invocation. Records carry `executionArn`, `requestId`, `operationId`, `operationName` and `attempt`.
 *
 * The default logger writes the official SDK's line format through the `LogPlatform` service: the Node platform
 * layer of `@durable-lambda/backend-aws` writes to `process.stdout` / `process.stderr` and formats messages with
 * `util.format`; elsewhere a portable default writes through `console`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import { formatArgs } from "./internal/formatArgs.ts"

/** Log levels. @since 0.1.0 */
export type DurableLogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR"

/** Structured fields of a durable log record (the official `DurableLogData`). @since 0.1.0 */
export interface DurableLogData {
  requestId: string
  executionArn: string
  tenantId?: string
  /** Hashed id of the active step or child context (absent at the root). */
  operationId?: string
  /** Name of the active step or child context, when it has one (absent at the root). */
  operationName?: string
  /** 1-based attempt, inside step bodies and `waitForCondition` checks only. */
  attempt?: number
  [key: string]: unknown
}

/** What a custom logger receives so it can enrich its own records. @since 0.1.0 */
export interface DurableLoggingContext {
  getDurableLogData: () => DurableLogData
}

/**
 * The logger interface of the official SDK. A Powertools for AWS Lambda `Logger` satisfies it: pass it as
 * `customLogger` and the durable fields become its temporary keys (see `bind`).
 *
 * @since 0.1.0
 */
export interface DurableLogger {
  log?(level: DurableLogLevel, ...params: any): void
  error(...params: any): void
  warn(...params: any): void
  info(...params: any): void
  debug(...params: any): void
  /** Called before each record with the context the record belongs to (read it while logging). */
  configureDurableLoggingContext?(context: DurableLoggingContext): void
}

/**
 * The methods `context.logger` offers: the custom logger's level methods, replay-aware, and `log(level, ...)`,
 * which is always present (it falls back to the level methods when the custom logger has no `log`).
 *
 * @since 0.1.0
 */
export type DurableContextLogger<L extends DurableLogger = DurableLogger> = Pick<
  L,
  "warn" | "info" | "error" | "debug"
> & {
  log(level: DurableLogLevel, ...params: any): void
}

/** Options of `context.configureLogger`. @since 0.1.0 */
export interface LoggerConfig<L extends DurableLogger = DurableLogger> {
  /** Replaces the logger behind `context.logger` (and the contexts created from it afterwards). */
  customLogger?: L
  /** Suppress records while completed operations replay (default `true`). */
  modeAware?: boolean
}

/**
 * What the default logger needs from the platform: where a finished line goes, how several arguments become
 * one message, and the level configured for the function.
 *
 * @since 0.1.0
 */
export interface LogPlatformShape {
  /** Writes one whole line (already ending in `\n`): `debug`/`info` to `"stdout"`, `warn`/`error` to `"stderr"`. */
  readonly write: (stream: "stdout" | "stderr", line: string) => void
  /** Formats the arguments of one call into a message, as `util.format` does. */
  readonly format: (params: ReadonlyArray<unknown>) => string
  /** The function's log level (`AWS_LAMBDA_LOG_LEVEL`), read once per invocation. */
  readonly logLevel: () => string | undefined
}

const envLevel = (): string | undefined =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.["AWS_LAMBDA_LOG_LEVEL"]

/**
 * The portable platform: lines go through `console` (without their trailing newline, which `console` adds),
 * messages through a portable `util.format`, and the level from `process.env` when the runtime has one.
 *
 * @since 0.1.0
 */
export const portablePlatform: LogPlatformShape = {
  write: (stream, line) => {
    const text = line.endsWith("\n") ? line.slice(0, -1) : line
    if (stream === "stderr") console.error(text)
    else console.log(text)
  },
  format: formatArgs,
  logLevel: envLevel
}

/**
 * The platform the default logger writes through (a `Context.Reference`, default `portablePlatform`). On Node,
 * `@durable-lambda/backend-aws` provides `NodeLogging.layer` (process streams and `util.format`) to every
 * handler it builds.
 *
 * @since 0.1.0
 */
export const LogPlatform = Context.Reference<LogPlatformShape>("@durable-lambda/core/LogPlatform", {
  defaultValue: () => portablePlatform
})

const priority: Record<DurableLogLevel, number> = { DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5 }

const levelOf = (level: string): DurableLogLevel => (level in priority ? (level as DurableLogLevel) : "INFO")

/** `JSON.stringify` replacer rendering errors as the Lambda runtime does. */
const errorReplacer = (_key: string, value: unknown): unknown =>
  value instanceof Error
    ? Object.assign(
        {
          errorType: value.constructor?.name ?? "UnknownError",
          errorMessage: value.message,
          stackTrace: typeof value.stack === "string" ? value.stack.split("\n") : value.stack
        },
        value
      )
    : value

/** Extra record fields a plugin contributes to every default-logger record. */
export type EnrichLogContext = () => Record<string, string | number | boolean> | undefined

/**
 * Builds one record line of the default logger, field for field as the official SDK 2.4.0 writes it:
 * `requestId`, `timestamp`, `level`, `executionArn`, then `tenantId`, `operationId`, `operationName`, `attempt`
 * when present, then `message`. One argument is the message as is (errors rendered with `errorType`,
 * `errorMessage`, `stackTrace`; unserializable values formatted); several are formatted into one string, and the
 * first error among them adds `errorType`, `errorMessage` and `stackTrace` to the record.
 *
 * @since 0.1.0
 */
export const formatRecord = (
  level: DurableLogLevel,
  data: DurableLogData,
  params: ReadonlyArray<unknown>,
  options: {
    readonly timestamp: string
    readonly format: (params: ReadonlyArray<unknown>) => string
    readonly enrich?: EnrichLogContext | undefined
  }
): string => {
  const record: Record<string, unknown> = {
    requestId: data.requestId,
    timestamp: options.timestamp,
    level,
    executionArn: data.executionArn
  }
  if (data.tenantId != null) record["tenantId"] = data.tenantId
  if (data.operationId !== undefined) record["operationId"] = data.operationId
  if (data.operationName !== undefined) record["operationName"] = data.operationName
  if (data.attempt !== undefined) record["attempt"] = data.attempt
  if (options.enrich !== undefined) {
    try {
      const extra = options.enrich()
      if (extra) Object.assign(record, extra)
    } catch {
      // A plugin's failure never affects logging.
    }
  }
  if (params.length === 1) {
    record["message"] = params[0]
    try {
      return JSON.stringify(record, errorReplacer)
    } catch {
      record["message"] = options.format(params)
      return JSON.stringify(record)
    }
  }
  record["message"] = options.format(params)
  const error = params.find((p): p is Error => p instanceof Error)
  if (error !== undefined) {
    record["errorType"] = error.constructor?.name ?? "UnknownError"
    record["errorMessage"] = error.message
    record["stackTrace"] = typeof error.stack === "string" ? error.stack.split("\n") : []
  }
  return JSON.stringify(record)
}

/**
 * The default logger: one JSON line per call in the official SDK's format (see `formatRecord`), `debug`/`info`
 * to stdout and `warn`/`error` to stderr, filtered by the platform's level (`AWS_LAMBDA_LOG_LEVEL`; an unset or
 * unknown level logs everything). The engine builds one per invocation with the `LogPlatform` in scope and
 * Effect's `Clock` for timestamps.
 *
 * **Gotchas**: records need a durable logging context (the engine configures it before every call); calling it
 * before that throws, as the official logger does.
 *
 * @since 0.1.0
 */
export const makeDefaultLogger = (options: {
  readonly platform: LogPlatformShape
  readonly now: () => Date
  readonly enrich?: EnrichLogContext | undefined
}): DurableLogger => {
  const { platform } = options
  const configured = platform.logLevel()?.toUpperCase()
  const min = priority[configured !== undefined && configured in priority ? (configured as DurableLogLevel) : "DEBUG"]
  let context: DurableLoggingContext | undefined
  const at = (level: DurableLogLevel) => {
    if (priority[level] < min) return (..._params: ReadonlyArray<unknown>): void => {}
    const stream = level === "WARN" || level === "ERROR" ? "stderr" : "stdout"
    return (...params: ReadonlyArray<unknown>): void => {
      if (context === undefined) {
        throw new Error(
          "DurableLoggingContext is not configured. Please call configureDurableLoggingContext before logging."
        )
      }
      const args = params.length > 0 && params[0] === undefined ? params.slice(1) : params
      const line = formatRecord(level, context.getDurableLogData(), args, {
        timestamp: options.now().toISOString(),
        format: platform.format,
        enrich: options.enrich
      })
      platform.write(stream, line + "\n")
    }
  }
  const methods = { DEBUG: at("DEBUG"), INFO: at("INFO"), WARN: at("WARN"), ERROR: at("ERROR") }
  return {
    log: (level, ...params) => methods[levelOf(level)](...params),
    error: methods.ERROR,
    warn: methods.WARN,
    info: methods.INFO,
    debug: methods.DEBUG,
    configureDurableLoggingContext: (c) => {
      context = c
    }
  }
}

/** A logger with Powertools' key API: the durable fields become temporary keys of each record. */
interface KeyedLogger {
  appendKeys(attributes: Record<string, unknown>): void
  removeKeys(keys: Array<string>): void
}

const isKeyed = (logger: object): logger is KeyedLogger =>
  typeof (logger as Partial<KeyedLogger>).appendKeys === "function" &&
  typeof (logger as Partial<KeyedLogger>).removeKeys === "function"

/** The durable fields a keyed logger receives: `executionArn` and, when present, the operation's. */
const durableKeys = (data: DurableLogData): Record<string, unknown> => {
  const keys: Record<string, unknown> = { executionArn: data.executionArn }
  if (data.operationId !== undefined) keys["operationId"] = data.operationId
  if (data.operationName !== undefined) keys["operationName"] = data.operationName
  if (data.attempt !== undefined) keys["attempt"] = data.attempt
  return keys
}

/**
 * Binds `logger` to one context: before each call it points the logger's durable logging context at `data`
 * (so records carry that context's operation id, name and attempt), and drops the call while `shouldLog()` is
 * false (replay).
 *
 * A logger with `appendKeys`/`removeKeys` (Powertools for AWS Lambda's `Logger`) gets the durable fields
 * (`executionArn`, `operationId`, `operationName`, `attempt`) as temporary keys for exactly that record, so its
 * own JSON line carries them at the top level; nothing wraps or re-serializes its output.
 *
 * **Gotchas**: a temporary key of the same name that your code appended is overwritten for that record and
 * removed after it; persistent keys are left alone.
 *
 * @since 0.1.0
 */
export const bind = (
  logger: DurableLogger,
  data: () => DurableLogData,
  shouldLog: () => boolean = () => true
): DurableContextLogger => {
  const context: DurableLoggingContext = { getDurableLogData: data }
  const keyed = isKeyed(logger)
  const call =
    (level: DurableLogLevel) =>
    (...params: ReadonlyArray<unknown>): void => {
      if (!shouldLog()) return
      logger.configureDurableLoggingContext?.(context)
      const method =
        level === "ERROR"
          ? logger.error
          : level === "WARN"
            ? logger.warn
            : level === "INFO"
              ? logger.info
              : logger.debug
      if (!keyed) return method.apply(logger, params as Array<unknown>)
      const keys = durableKeys(data())
      logger.appendKeys(keys)
      try {
        method.apply(logger, params as Array<unknown>)
      } finally {
        logger.removeKeys(Object.keys(keys))
      }
    }
  const error = call("ERROR")
  const warn = call("WARN")
  const info = call("INFO")
  const debug = call("DEBUG")
  return {
    error,
    warn,
    info,
    debug,
    log: (level, ...params) => {
      if (logger.log === undefined || keyed) return call(levelOf(level))(...params)
      if (!shouldLog()) return
      logger.configureDurableLoggingContext?.(context)
      logger.log(level, ...params)
    }
  }
}
