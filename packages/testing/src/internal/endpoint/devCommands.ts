/**
 * The dev server's console commands: start executions, complete callbacks through the real AWS SDK, move
 * virtual time, inspect executions.
 *
 * @internal
 */
import {
  type LambdaClient,
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackHeartbeatCommand,
  SendDurableExecutionCallbackSuccessCommand,
  StopDurableExecutionCommand
} from "@aws-sdk/client-lambda"
import { Result } from "effect"
import type { Endpoint } from "../../LoopbackEndpoint.ts"
import { describeError, type TimelineFormatter } from "./format.ts"

/** The help text. */
export const helpLines: ReadonlyArray<string> = [
  "commands:",
  "  start [json]                    start an execution with this input (default {})",
  "  succeed <callback-id> [json]    complete a callback successfully (result default {})",
  "  fail <callback-id> [message]    fail a callback",
  "  heartbeat <callback-id>         send a callback heartbeat",
  "  stop <#n|arn>                   stop an execution",
  "  advance [seconds]               virtual time: move the clock (default: to the next timer)",
  "  status                          list executions",
  "  history <#n|arn>                print an execution's history events",
  "  help                            this text",
  "  quit                            stop the server"
]

/** What the commands act on. */
export interface CommandContext {
  readonly endpoint: Endpoint
  readonly functionName: string
  readonly formatter: TimelineFormatter
  readonly client: () => LambdaClient
  readonly print: (line: string) => void
}

const splitFirst = (text: string): readonly [string, string] => {
  const trimmed = text.trim()
  const at = trimmed.search(/\s/)
  return at === -1 ? [trimmed, ""] : [trimmed.slice(0, at), trimmed.slice(at + 1).trim()]
}

const parseJsonArgument = (text: string, fallback: string): string => {
  const value = text === "" ? fallback : text
  JSON.parse(value)
  return value
}

const resolveExecution = (context: CommandContext, reference: string): string => {
  if (reference === "") throw new Error("name an execution: #n or its ARN")
  const arn = reference.startsWith("#") ? context.formatter.arnOf(reference) : reference
  if (arn === undefined) throw new Error(`no execution ${reference}`)
  return arn
}

const errorText = (error: unknown): string => {
  if (typeof error === "object" && error !== null && "message" in error) {
    const e = error as { readonly name?: unknown; readonly code?: unknown; readonly message: unknown }
    const name = typeof e.code === "string" ? e.code : typeof e.name === "string" && e.name !== "Error" ? e.name : ""
    return `${name === "" ? "" : `${name}: `}${String(e.message)}`
  }
  return String(error)
}

/**
 * Runs one command line. Returns `false` when the line asks to quit. Failures are printed, never thrown.
 */
export const runCommand = async (context: CommandContext, line: string): Promise<boolean> => {
  const [name, rest] = splitFirst(line)
  const { endpoint, print } = context
  try {
    switch (name) {
      case "":
        return true
      case "quit":
      case "exit":
        return false
      case "help":
        for (const help of helpLines) print(help)
        return true
      case "start": {
        const input = parseJsonArgument(rest, "{}")
        endpoint.startExecution(context.functionName, JSON.parse(input))
        return true
      }
      case "succeed": {
        const [callbackId, result] = splitFirst(rest)
        if (callbackId === "") throw new Error("usage: succeed <callback-id> [json]")
        await context.client().send(
          new SendDurableExecutionCallbackSuccessCommand({
            CallbackId: callbackId,
            Result: new TextEncoder().encode(parseJsonArgument(result, "{}"))
          })
        )
        return true
      }
      case "fail": {
        const [callbackId, message] = splitFirst(rest)
        if (callbackId === "") throw new Error("usage: fail <callback-id> [message]")
        await context.client().send(
          new SendDurableExecutionCallbackFailureCommand({
            CallbackId: callbackId,
            Error: {
              ErrorType: "CallbackFailed",
              ErrorMessage: message === "" ? "Failed from the dev console" : message
            }
          })
        )
        return true
      }
      case "heartbeat": {
        if (rest === "") throw new Error("usage: heartbeat <callback-id>")
        await context.client().send(new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: rest }))
        print(`heartbeat sent to ${rest}`)
        return true
      }
      case "stop": {
        const arn = resolveExecution(context, rest)
        await context.client().send(new StopDurableExecutionCommand({ DurableExecutionArn: arn }))
        return true
      }
      case "advance": {
        const millis = rest === "" ? undefined : Number(rest) * 1000
        if (millis !== undefined && (!Number.isFinite(millis) || millis < 0)) {
          throw new Error("usage: advance [seconds]")
        }
        const fired = endpoint.advanceTime(millis)
        if (fired.length === 0) print("no timer was due")
        return true
      }
      case "status": {
        const executions = endpoint.state.listExecutions()
        if (executions.length === 0) print("no executions yet")
        for (const execution of executions) {
          const description = endpoint.state.getExecution(execution.DurableExecutionArn)
          const detail = Result.isSuccess(description)
            ? description.success.Status === "SUCCEEDED"
              ? ` result ${description.success.Result ?? "(none)"}`
              : description.success.Error !== undefined
                ? ` ${describeError(description.success.Error)}`
                : ""
            : ""
          print(`${context.formatter.label(execution.DurableExecutionArn)} ${execution.Status}${detail}`)
        }
        return true
      }
      case "history": {
        const arn = resolveExecution(context, rest)
        const history = endpoint.state.getHistory(arn)
        if (Result.isFailure(history)) throw new Error(history.failure.message)
        for (const event of history.success) {
          const subject = [event.Name === undefined ? undefined : JSON.stringify(event.Name), event.Id]
            .filter((x) => x !== undefined)
            .join(" ")
          print(`${String(event.EventId).padStart(4)} ${event.EventType}${subject === "" ? "" : ` ${subject}`}`)
        }
        return true
      }
      default:
        print(`unknown command "${name}" (type help)`)
        return true
    }
  } catch (error) {
    print(`error: ${errorText(error)}`)
    return true
  }
}
