/**
 * Replay-aware structured logging. `context.logger` (async API) and `DurableLog.*` (Effect API) drop records
 * while the workflow replays completed operations, so each line is written once per execution, not once per
 * invocation. Records carry `executionArn`, `requestId`, `operationId` and `attempt`.
 *
 * @since 0.1.0
 */

/** Log levels. @since 0.1.0 */
export type DurableLogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR"

/** Structured fields of a durable log record. @since 0.1.0 */
export interface DurableLogData {
  readonly requestId: string
  readonly executionArn: string
  readonly tenantId?: string
  /** Hashed id of the active step or child context (absent at the root). */
  readonly operationId?: string
  /** Name of the active operation, when it has one. */
  readonly operationName?: string
  /** 1-based attempt, inside step bodies only. */
  readonly attempt?: number
  readonly [key: string]: unknown
}

/** What a custom logger receives so it can enrich its own records. @since 0.1.0 */
export interface DurableLoggingContext {
  getDurableLogData(): DurableLogData
}

/**
 * The logger interface of the official SDK; a Powertools `Logger` satisfies it.
 *
 * @since 0.1.0
 */
export interface DurableLogger {
  log?(level: DurableLogLevel, ...params: ReadonlyArray<unknown>): void
  error(...params: ReadonlyArray<unknown>): void
  warn(...params: ReadonlyArray<unknown>): void
  info(...params: ReadonlyArray<unknown>): void
  debug(...params: ReadonlyArray<unknown>): void
  configureDurableLoggingContext?(context: DurableLoggingContext): void
}

/** The methods `context.logger` offers. @since 0.1.0 */
export type DurableContextLogger<L extends DurableLogger = DurableLogger> = Pick<
  L,
  "error" | "warn" | "info" | "debug"
> & {
  /** Always present on a context's logger (records at `level`; an unknown level logs as INFO). */
  log(level: DurableLogLevel, ...params: ReadonlyArray<unknown>): void
}

/** Options of `context.configureLogger`. @since 0.1.0 */
export interface LoggerConfig<L extends DurableLogger = DurableLogger> {
  readonly customLogger?: L
  readonly modeAware?: boolean
}

const priority: Record<DurableLogLevel, number> = { DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5 }

const errorFields = (e: Error) => ({
  errorType: e.name,
  errorMessage: e.message,
  stackTrace: (e.stack ?? "").split("\n")
})

const jsonSafe = (value: unknown): unknown => {
  if (value instanceof Error) return errorFields(value)
  return value
}

const format = (params: ReadonlyArray<unknown>): string =>
  params
    .map((p) => (typeof p === "string" ? p : p instanceof Error ? `${p.name}: ${p.message}` : safeStringify(p)))
    .join(" ")

const safeStringify = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/**
 * A logger writing one JSON line per call, like the Lambda Node.js runtime's JSON logs (`debug`/`info` to
 * stdout, `warn`/`error` to stderr), filtered by `minLevel` (default from `AWS_LAMBDA_LOG_LEVEL` when the
 * platform exposes environment variables, else `DEBUG`). Records carry a `timestamp` when `now` is given (the
 * engine passes Effect's `Clock`).
 *
 * @since 0.1.0
 */
export const makeJsonLogger = (options?: {
  readonly minLevel?: DurableLogLevel
  readonly write?: (level: DurableLogLevel, line: string) => void
  readonly now?: () => Date
}): DurableLogger => {
  let context: DurableLoggingContext | undefined
  const envLevel = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[
    "AWS_LAMBDA_LOG_LEVEL"
  ]?.toUpperCase() as DurableLogLevel | undefined
  const min = priority[options?.minLevel ?? (envLevel && envLevel in priority ? envLevel : "DEBUG")]
  const write =
    options?.write ??
    ((level: DurableLogLevel, line: string) =>
      level === "WARN" || level === "ERROR" ? console.error(line) : console.log(line))
  const emit = (level: DurableLogLevel, params: ReadonlyArray<unknown>) => {
    if (priority[level] < min) return
    const data = context?.getDurableLogData()
    const record: Record<string, unknown> = {
      ...(options?.now === undefined ? {} : { timestamp: options.now().toISOString() }),
      level,
      ...data,
      message: params.length === 1 ? jsonSafe(params[0]) : format(params)
    }
    const firstError = params.find((p): p is Error => p instanceof Error)
    if (params.length > 1 && firstError) Object.assign(record, errorFields(firstError))
    write(level, safeStringify(record))
  }
  return {
    log: (level, ...params) => emit(level in priority ? level : "INFO", params),
    error: (...params) => emit("ERROR", params),
    warn: (...params) => emit("WARN", params),
    info: (...params) => emit("INFO", params),
    debug: (...params) => emit("DEBUG", params),
    configureDurableLoggingContext: (c) => {
      context = c
    }
  }
}

/**
 * Binds `logger` to one context: before each call it points the logger's durable logging context at `data`
 * (so records carry that context's operation id and attempt), and drops the call while `shouldLog()` is
 * false (replay).
 *
 * @since 0.1.0
 */
export const bind = (
  logger: DurableLogger,
  data: () => DurableLogData,
  shouldLog: () => boolean = () => true
): DurableContextLogger => {
  const context: DurableLoggingContext = { getDurableLogData: data }
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
      method.apply(logger, params as Array<unknown>)
    }
  return {
    error: call("ERROR"),
    warn: call("WARN"),
    info: call("INFO"),
    debug: call("DEBUG"),
    log: (level, ...params) => call(level in priority ? level : "INFO")(...params)
  }
}
