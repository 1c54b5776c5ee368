/**
 * The local dev server behind `durable-lambda dev`: loads a handler module, serves it on a loopback Lambda
 * endpoint, starts executions from console commands (or HTTP), runs the handler through its invocations on
 * real or virtual time, and prints the timeline as it goes — with a ready-to-paste AWS CLI command for every
 * callback, so you can complete it from another terminal and watch the execution resume.
 *
 * @since 0.1.0
 */
import { LambdaClient } from "@aws-sdk/client-lambda"
import { createInterface } from "node:readline"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { helpLines, runCommand } from "./internal/endpoint/devCommands.ts"
import { invokeCommand, TimelineFormatter } from "./internal/endpoint/format.ts"
import * as LoopbackEndpoint from "./LoopbackEndpoint.ts"

/**
 * Options of {@link start}.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Path of the handler module (ESM), relative to `cwd`. `.ts` works on Node 22.18+ (type stripping). */
  readonly module: string
  /** The export to serve. Default `handler`, else the default export. */
  readonly exportName?: string | undefined
  /** The function name in ARNs and routes. Default: the module's file name without extension. */
  readonly functionName?: string | undefined
  /** Port on 127.0.0.1. Default `0` (ephemeral); the CLI defaults to 9014. */
  readonly port?: number | undefined
  /** Run on virtual time (waits and retries complete at once). Default: real time. */
  readonly virtualTime?: boolean | undefined
  /** Directory `module` is resolved against. Default `process.cwd()`. */
  readonly cwd?: string | undefined
  /** Where lines go. Default `console.log`. */
  readonly print?: ((line: string) => void) | undefined
  /** More endpoint settings (body limit, invocation attempts, ...). */
  readonly endpoint?:
    Omit<LoopbackEndpoint.Options, "port" | "virtualTime" | "functions" | "onEvent" | "state"> | undefined
}

/**
 * A running dev server.
 *
 * @since 0.1.0
 */
export interface DevServer {
  readonly endpoint: LoopbackEndpoint.Endpoint
  readonly url: string
  readonly functionName: string
  /** Runs one console command (`start {...}`, `succeed <id> [json]`, ...). Resolves `false` for `quit`. */
  readonly command: (line: string) => Promise<boolean>
  /** Reads commands from `input` line by line; resolves `"quit"` after a `quit` command, `"end"` at its end. */
  readonly attach: (input: NodeJS.ReadableStream) => Promise<"quit" | "end">
  /** Closes the endpoint. */
  readonly close: () => Promise<void>
}

/**
 * Imports a handler module and picks its export (`exportName`, else `handler`, else `default`).
 *
 * **Gotchas**: a `.ts` module needs Node 22.18+ (type stripping, erasable syntax only); its imports of
 * workspace packages resolve to their built `dist` unless Node runs with
 * `--conditions=@durable-lambda/source`.
 *
 * @since 0.1.0
 */
export const loadHandler = async (
  modulePath: string,
  options?: { readonly exportName?: string | undefined; readonly cwd?: string | undefined }
): Promise<{ readonly handler: unknown; readonly exportName: string; readonly file: string }> => {
  const file = path.resolve(options?.cwd ?? process.cwd(), modulePath)
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>
  const exportName =
    options?.exportName ??
    (module.handler !== undefined ? "handler" : module.default !== undefined ? "default" : "handler")
  const handler = module[exportName]
  if (handler === undefined) {
    const names = Object.keys(module).join(", ") || "none"
    throw new Error(`${modulePath} has no export "${exportName}" (exports: ${names}); pass --export <name>`)
  }
  return { handler, exportName, file }
}

/**
 * The banner printed when the server starts: where it listens and how to start executions.
 *
 * @since 0.1.0
 */
export const bannerLines = (options: {
  readonly url: string
  readonly functionName: string
  readonly module: string
  readonly exportName: string
  readonly virtualTime: boolean
}): ReadonlyArray<string> => [
  `durable-lambda dev: function ${options.functionName} (${options.module}, export ${options.exportName}) on ${options.url} (${options.virtualTime ? "virtual" : "real"} time)`,
  `start an execution: type  start {"key":"value"}`,
  `  or: curl -X POST -H 'content-type: application/json' --data '{}' ${options.url}/local/functions/${options.functionName}/executions`,
  `  or: ${invokeCommand(options.url, options.functionName)}`,
  `AWS SDK / CLI calls accept any credentials; point them at --endpoint-url ${options.url}. Type help for commands.`
]

/**
 * Loads the handler module, starts the endpoint and prints the banner; the timeline prints as executions run.
 *
 * **Example**
 *
 * ```ts
 * const dev = await DevServer.start({ module: "./src/handler.ts", port: 9014 })
 * await dev.command('start {"orderId": 1}')
 * await dev.attach(process.stdin)   // until quit / EOF
 * await dev.close()
 * ```
 *
 * @since 0.1.0
 */
export const start = async (options: Options): Promise<DevServer> => {
  const print = options.print ?? ((line: string) => console.log(line))
  const { exportName, file, handler } = await loadHandler(options.module, options)
  const functionName = options.functionName ?? path.basename(file).replace(/\.[cm]?[jt]s$/, "")
  let formatter: TimelineFormatter | undefined
  const pending: Array<LoopbackEndpoint.TimelineEvent> = []
  const endpoint = await LoopbackEndpoint.start({
    ...options.endpoint,
    port: options.port ?? 0,
    virtualTime: options.virtualTime ?? false,
    onEvent: (event) => {
      if (formatter === undefined) pending.push(event)
      else for (const line of formatter.format(event)) print(line)
    }
  })
  try {
    endpoint.register(functionName, handler)
  } catch (error) {
    await endpoint.close()
    throw error
  }
  formatter = new TimelineFormatter(endpoint.url)
  for (const line of bannerLines({
    url: endpoint.url,
    functionName,
    module: options.module,
    exportName,
    virtualTime: endpoint.virtualTime
  })) {
    print(line)
  }
  for (const event of pending.splice(0)) for (const line of formatter.format(event)) print(line)

  let client: LambdaClient | undefined
  const context = {
    endpoint,
    functionName,
    formatter,
    print,
    client: () => (client ??= new LambdaClient(LoopbackEndpoint.clientConfig(endpoint.url)))
  }
  const command = (line: string) => runCommand(context, line)
  return {
    endpoint,
    url: endpoint.url,
    functionName,
    command,
    attach: async (input) => {
      const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY, terminal: false })
      try {
        for await (const line of lines) {
          if (!(await command(line))) return "quit"
        }
        return "end"
      } finally {
        lines.close()
      }
    },
    close: async () => {
      client?.destroy()
      await endpoint.close()
    }
  }
}

/** The console help text. @since 0.1.0 */
export const help: ReadonlyArray<string> = helpLines
