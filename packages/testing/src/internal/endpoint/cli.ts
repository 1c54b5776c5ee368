/**
 * The `durable-lambda` command line: argument parsing and the `dev` command's lifecycle.
 *
 * @internal
 */
import { parseArgs } from "node:util"
import * as DevServer from "../../DevServer.ts"

/** The usage text. */
export const usage = `usage: durable-lambda dev <handler-module> [--port N] [--export NAME] [--name FUNCTION] [--virtual-time]

Serves the handler on a loopback Lambda endpoint (http://127.0.0.1:N, default port 9014), starts executions from
console commands (start <json>) or HTTP, and prints the timeline. Complete callbacks with the AWS CLI / SDK
pointed at --endpoint-url http://127.0.0.1:N.

  --port N          port on 127.0.0.1 (default 9014; 0 picks a free one)
  --export NAME     the module export to serve (default: handler, else default)
  --name FUNCTION   the function name (default: the module's file name)
  --virtual-time    waits and retries complete at once (default: real time)

.ts modules run on Node 22.18+ through type stripping; inside the durable-lambda repository add
--conditions=@durable-lambda/source to NODE_OPTIONS to load the workspace packages from source.`

/** What the CLI talks to. */
export interface CliIo {
  readonly stdin: NodeJS.ReadableStream
  readonly print: (line: string) => void
  readonly printError: (line: string) => void
  /** Resolves when the process is asked to stop (SIGINT / SIGTERM). */
  readonly stopSignal: Promise<void>
  readonly cwd: string
}

/** Runs the CLI; resolves with the exit code. */
export const main = async (argv: ReadonlyArray<string>, io: CliIo): Promise<number> => {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        port: { type: "string" },
        export: { type: "string" },
        name: { type: "string" },
        "virtual-time": { type: "boolean" },
        help: { type: "boolean", short: "h" }
      }
    })
  } catch (error) {
    io.printError(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`)
    return 2
  }
  const [command, module, ...extra] = parsed.positionals
  if (parsed.values.help === true || command === undefined) {
    io.print(usage)
    return 0
  }
  if (command !== "dev" || module === undefined || extra.length > 0) {
    io.printError(usage)
    return 2
  }
  const port = parsed.values.port === undefined ? 9014 : Number(parsed.values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.printError(`--port must be an integer from 0 to 65535, got ${parsed.values.port}`)
    return 2
  }
  let server: DevServer.DevServer
  try {
    server = await DevServer.start({
      module,
      exportName: parsed.values.export,
      functionName: parsed.values.name,
      port,
      virtualTime: parsed.values["virtual-time"] ?? false,
      cwd: io.cwd,
      print: io.print
    })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const hint = message.includes("EADDRINUSE") ? " (choose another --port, or --port 0 for a free one)" : ""
    io.printError(`durable-lambda dev: ${message}${hint}`)
    return 1
  }
  // EOF on stdin keeps serving (HTTP still works); only `quit` or a signal ends the server.
  const quitRequested = new Promise<void>((resolve) => {
    server.attach(io.stdin).then(
      (how) => {
        if (how === "quit") resolve()
      },
      () => {}
    )
  })
  await Promise.race([quitRequested, io.stopSignal])
  await server.close()
  io.print("durable-lambda dev: stopped")
  return 0
}
