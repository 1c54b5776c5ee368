/**
 * The differential harness: a handler body runs once under the official SDK 2.4.0 and once under ours, against
 * the same service model (`@durable-lambda/backend-mock`'s `ServiceState`, driven across invocations on a
 * virtual clock by the bench's `runExecution`), and what the service recorded is compared: the operations (ids,
 * parent ids, types, subtypes, names, statuses), the stored batch payloads, the execution outcome and every update
 * sent, in order (operations running concurrently queue theirs in the official SDK's order: core's
 * internal/ticks.ts).
 */
import { withDurableExecution as officialWithDurableExecution } from "@aws/durable-execution-sdk-js"
import { DurableBackend } from "@durable-lambda/core"
import { withDurableExecution } from "@durable-lambda/core/async"
import { expect } from "@effect/vitest"
import { Layer } from "effect"
import { lambdaContext, type Body } from "../../../bench/src/adapters.ts"
import { BenchService, runExecution, type InvocationOutput } from "../../../bench/src/service.ts"

export const noRetry = { retryStrategy: () => ({ shouldRetry: false }) }

export type Sdk = "ours" | "theirs"

export interface Recorded {
  readonly status: string
  readonly result: unknown
  readonly error: unknown
  readonly invocations: number
  readonly operations: ReadonlyArray<string>
  readonly batches: ReadonlyArray<string>
  /** The item errors each batch stored, as stored (not compared: DIFFERENCES.md, [batch-item-errors]). */
  readonly storedItemErrors: ReadonlyArray<unknown>
  /** Every update sent, in order: `<Action> <Type> <Name>`. */
  readonly updates: ReadonlyArray<string>
}

export interface Options {
  readonly input?: unknown
  readonly childOperationsDepth?: number
  /**
   * Which SDK runs invocation `n` (from 0), for an execution that changes SDK between invocations (a ported
   * handler deployed while executions are in flight). Default: the SDK being recorded, throughout.
   */
  readonly sdkOf?: (invocation: number) => Sdk
}

/** `body` as a Lambda handler of `sdk` over `service`. */
const bind = (sdk: Sdk, body: Body, service: BenchService, options: Options) => {
  const pluginsConfig =
    options.childOperationsDepth === undefined
      ? {}
      : { pluginsConfig: { childOperationsDepth: options.childOperationsDepth } }
  if (sdk === "theirs") {
    const handler = officialWithDurableExecution(body, { durableExecutionClient: service.client, ...pluginsConfig })
    return (event: unknown) => handler(event as any, lambdaContext() as any) as Promise<InvocationOutput>
  }
  const backend = Layer.succeed(DurableBackend.DurableBackend, service.backend)
  const handler = withDurableExecution(body, { backend, ...pluginsConfig })
  return (event: unknown) => handler(event, lambdaContext()) as Promise<InvocationOutput>
}

/**
 * A stored batch payload: a summary as is; a full result without its items' error details (how a failed item's
 * error is stored differs on purpose: DIFFERENCES.md, [batch-item-errors]).
 */
const batchPayload = (payload: string | undefined): string => {
  if (payload === undefined) return "-"
  const parsed = JSON.parse(payload) as { all?: Array<{ index: number; status: string; result?: unknown }> }
  if (parsed.all === undefined) return payload
  return JSON.stringify({ ...parsed, all: parsed.all.map(({ index, status, result }) => ({ index, status, result })) })
}

/** Runs `body` as one execution under `sdk` (or the SDKs `options.sdkOf` picks) and returns what was recorded. */
export const record = async (sdk: Sdk, body: Body, options: Options = {}): Promise<Recorded> => {
  const service = new BenchService()
  const updates: Array<string> = []
  const checkpoint = service.checkpoint.bind(service)
  service.checkpoint = (request) => {
    for (const u of request.Updates ?? []) updates.push(`${u.Action} ${u.Type} ${u.Name ?? "-"}`)
    return checkpoint(request)
  }
  const handlers = { ours: bind("ours", body, service, options), theirs: bind("theirs", body, service, options) }
  let invocation = 0
  const handler = (event: unknown) => handlers[options.sdkOf?.(invocation++) ?? sdk](event)
  const input = options.input ?? {}
  const arn = service.startExecution(input)
  const outcome = await runExecution(service, arn, handler)
  const operations = service
    .operations(arn)
    .filter((op) => op.Type !== "EXECUTION")
    .map((op) =>
      [
        op.Type,
        op.SubType ?? "-",
        op.Name ?? "-",
        op.Id,
        op.ParentId ?? "-",
        op.Status,
        op.ContextDetails?.ReplayChildren === true ? "ReplayChildren" : "-"
      ].join(" ")
    )
    .sort()
  // What a batch stores: its result, or the summary a rebuild reads back (counts, reason, item statuses).
  const batches = service
    .operations(arn)
    .filter((op) => op.SubType === "Map" || op.SubType === "Parallel")
    .map((op) => `${op.Name ?? "-"} ${batchPayload(op.ContextDetails?.Result)}`)
    .sort()
  const storedItemErrors = service
    .operations(arn)
    .filter((op) => op.SubType === "Map" || op.SubType === "Parallel")
    .flatMap((op) => {
      const payload = op.ContextDetails?.Result
      const parsed = payload === undefined ? undefined : (JSON.parse(payload) as { all?: Array<{ error?: unknown }> })
      return (parsed?.all ?? []).flatMap((item) => (item.error === undefined ? [] : [item.error]))
    })
  const error = outcome.error as { ErrorType?: string; ErrorMessage?: string } | undefined
  return {
    status: outcome.status,
    result: outcome.result,
    error: error === undefined ? undefined : { ErrorType: error.ErrorType, ErrorMessage: error.ErrorMessage },
    invocations: outcome.invocations,
    operations,
    batches,
    storedItemErrors,
    updates
  }
}

/**
 * Runs `body` under both SDKs and expects the same record, updates in the same order included (except how batch
 * item errors are stored: DIFFERENCES.md, [batch-item-errors]); returns both.
 */
export const compare = async (
  body: Body,
  options: Options = {}
): Promise<{ readonly ours: Recorded; readonly theirs: Recorded }> => {
  const theirs = await record("theirs", body, options)
  const ours = await record("ours", body, options)
  const { storedItemErrors: _ours, ...oursCompared } = ours
  const { storedItemErrors: _theirs, ...theirsCompared } = theirs
  expect(oursCompared).toStrictEqual(theirsCompared)
  return { ours, theirs }
}

/** Runs `body` under both SDKs and expects the same record; returns ours. */
export const same = async (body: Body, options: Options = {}): Promise<Recorded> => (await compare(body, options)).ours

/** An error's class, name and message, and its causes' (as far as `depth` goes), as plain data. */
export const errorChain = (error: unknown, depth = 3): unknown => {
  if (depth === 0 || !(error instanceof Error)) return undefined
  return {
    class: error.constructor.name,
    name: error.name,
    message: error.message,
    cause: errorChain(error.cause, depth - 1)
  }
}
