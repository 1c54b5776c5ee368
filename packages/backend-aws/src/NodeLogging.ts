/**
 * The Node platform of the default durable logger: whole lines written straight to `process.stdout` /
 * `process.stderr` (not through `console`, which the Lambda runtime patches and would wrap a second time),
 * messages formatted by `util.formatWithOptions` (so `%s`, `%d`, `%i`, `%f`, `%j`, `%o`, `%O`, `%c` and `%%`
 * behave exactly as in `console.log`, objects on one line), and the level from `AWS_LAMBDA_LOG_LEVEL`.
 *
 * Every handler built by this package (`withDurableExecution`, `toLambdaHandler`) runs with `layer`; tests can
 * give a handler `layerStreams` to capture the lines.
 *
 * @since 0.1.0
 */
import { Logger } from "@durable-lambda/core"
import * as Layer from "effect/Layer"
import { formatWithOptions } from "node:util"

/** Where lines go: anything with a `write(chunk)` (a `Writable`, `process.stdout`, a test sink). @since 0.1.0 */
export interface LineSink {
  write(chunk: string): unknown
}

/** Options of `make`. Every member defaults to the process's own. @since 0.1.0 */
export interface NodeLoggingOptions {
  /** Receives `debug` and `info` lines (default `process.stdout`). */
  readonly stdout?: LineSink
  /** Receives `warn` and `error` lines (default `process.stderr`). */
  readonly stderr?: LineSink
  /** Environment read for `AWS_LAMBDA_LOG_LEVEL` (default `process.env`, read once per invocation). */
  readonly env?: Readonly<Record<string, string | undefined>>
}

const formatOptions = { breakLength: Infinity }

/**
 * Builds the Node log platform. The process streams are looked up at each write, so a stream replaced or
 * spied on later is honoured.
 *
 * @since 0.1.0
 */
export const make = (options?: NodeLoggingOptions): Logger.LogPlatformShape => ({
  write: (stream, line) => {
    if (stream === "stderr") (options?.stderr ?? process.stderr).write(line)
    else (options?.stdout ?? process.stdout).write(line)
  },
  format: (params) => formatWithOptions(formatOptions, ...params),
  logLevel: () => (options?.env ?? process.env)["AWS_LAMBDA_LOG_LEVEL"]
})

/**
 * The Node log platform over the process's streams and environment.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<never> = Layer.succeed(Logger.LogPlatform, make())

/**
 * The Node log platform over the given streams (and environment), e.g. to capture a handler's log lines in a
 * test: `Handler.toLambdaHandler(handler, backend, NodeLogging.layerStreams({ stdout, stderr }))`.
 *
 * @since 0.1.0
 */
export const layerStreams = (options: NodeLoggingOptions): Layer.Layer<never> =>
  Layer.succeed(Logger.LogPlatform, make(options))
