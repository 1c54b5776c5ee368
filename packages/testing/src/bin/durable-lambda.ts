#!/usr/bin/env node
/**
 * The `durable-lambda` executable: `durable-lambda dev <handler-module> [--port N] [--export NAME]
 * [--name FUNCTION] [--virtual-time]`.
 *
 * @since 0.1.0
 */
import { main } from "../internal/endpoint/cli.ts"

const stopSignal = new Promise<void>((resolve) => {
  process.once("SIGINT", () => resolve())
  process.once("SIGTERM", () => resolve())
})

const code = await main(process.argv.slice(2), {
  stdin: process.stdin,
  print: (line) => console.log(line),
  printError: (line) => console.error(line),
  stopSignal,
  cwd: process.env.INIT_CWD ?? process.cwd()
})
process.exit(code)
