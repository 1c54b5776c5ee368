/**
 * The hand-written decoder of the wire data the engine reads on every invocation: the invocation event, and
 * the `Operations` pages of `GetDurableExecutionState` and checkpoint responses. It checks exactly what the
 * schemas of `Operation` / `Invocation` check (same fields, same enum strings, timestamps to `Date`, unknown
 * fields dropped) and names the offending path in its message.
 *
 * Why not `Schema.decodeUnknown*` (the style guide's default): this runs on the production cold path, and any
 * use of `effect/Schema` adds about 250 KiB of minified code to a deployed handler (Schema's module graph),
 * which doubled our bundle and its import time (issue 13). A handful of fixed shapes is reasonably checked by
 * hand; the schemas stay the documented models, and a test decodes the same inputs both ways.
 */
import type { ErrorObject, Operation, OperationStatus, OperationType } from "../Operation.ts"
import type { ExecutionStatePage, InvocationInput } from "../Invocation.ts"

/** A value that is not the expected wire shape: `path` names the offending field, `message` says why. */
export class WireDecodeError extends Error {
  readonly path: string
  constructor(path: string, expected: string, actual: unknown) {
    super(`${path === "" ? "" : `${path}: `}expected ${expected}, got ${show(actual)}`)
    this.name = "WireDecodeError"
    this.path = path
  }
}

const show = (u: unknown): string => {
  if (u === undefined) return "undefined"
  if (typeof u === "string") return JSON.stringify(u.length > 64 ? `${u.slice(0, 64)}…` : u)
  if (u === null || typeof u !== "object") return String(u)
  return Array.isArray(u) ? "an array" : "an object"
}

type Rec = Record<string, unknown>

const record = (u: unknown, path: string): Rec => {
  if (typeof u !== "object" || u === null || Array.isArray(u)) throw new WireDecodeError(path, "an object", u)
  return u as Rec
}

const at = (path: string, key: string) => (path === "" ? key : `${path}.${key}`)

const string = (u: unknown, path: string): string => {
  if (typeof u !== "string") throw new WireDecodeError(path, "a string", u)
  return u
}

const nonEmptyString = (u: unknown, path: string): string => {
  if (typeof u !== "string" || u === "") throw new WireDecodeError(path, "a non-empty string", u)
  return u
}

const number = (u: unknown, path: string): number => {
  if (typeof u !== "number") throw new WireDecodeError(path, "a number", u)
  return u
}

const boolean = (u: unknown, path: string): boolean => {
  if (typeof u !== "boolean") throw new WireDecodeError(path, "a boolean", u)
  return u
}

const array = <A>(u: unknown, path: string, item: (u: unknown, path: string) => A): Array<A> => {
  if (!Array.isArray(u)) throw new WireDecodeError(path, "an array", u)
  return u.map((x, i) => item(x, `${path}[${i}]`))
}

const literal =
  <L extends string>(values: ReadonlyArray<L>) =>
  (u: unknown, path: string): L => {
    if (!values.includes(u as L)) throw new WireDecodeError(path, values.map((v) => JSON.stringify(v)).join(" | "), u)
    return u as L
  }

/** A `Date`, an ISO-8601 string or epoch milliseconds, to a `Date`; an unparseable string fails. */
const timestamp = (u: unknown, path: string): Date => {
  if (u instanceof Date) return u
  if (typeof u === "number" && Number.isFinite(u)) return new Date(u)
  if (typeof u === "string") {
    const date = new Date(u)
    if (!Number.isNaN(date.getTime())) return date
  }
  throw new WireDecodeError(path, "a Date, an ISO-8601 string or epoch milliseconds", u)
}

/**
 * Copies the optional member `key` of `from` into `to`, decoded by `f`, when it is present and not
 * `undefined` (AWS SDK objects carry absent members as `undefined`).
 */
const opt = <A>(to: Rec, from: Rec, key: string, path: string, f: (u: unknown, path: string) => A): void => {
  const u = from[key]
  if (u !== undefined) to[key] = f(u, at(path, key))
}

const struct =
  (fields: Record<string, (u: unknown, path: string) => unknown>) =>
  (u: unknown, path: string): Rec => {
    const from = record(u, path)
    const to: Rec = {}
    for (const key in fields) opt(to, from, key, path, fields[key]!)
    return to
  }

const errorObject = struct({
  ErrorType: string,
  ErrorMessage: string,
  ErrorData: string,
  StackTrace: (u, path) => array(u, path, string)
}) as (u: unknown, path: string) => ErrorObject

const operationType = literal<OperationType>(["EXECUTION", "CONTEXT", "STEP", "WAIT", "CALLBACK", "CHAINED_INVOKE"])
const operationStatus = literal<OperationStatus>([
  "STARTED",
  "PENDING",
  "READY",
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
  "TIMED_OUT",
  "STOPPED"
])

const optionalMembers = struct({
  ParentId: string,
  Name: string,
  SubType: string,
  StartTimestamp: timestamp,
  EndTimestamp: timestamp,
  ExecutionDetails: struct({ InputPayload: string }),
  ContextDetails: struct({ ReplayChildren: boolean, Result: string, Error: errorObject }),
  StepDetails: struct({ Attempt: number, NextAttemptTimestamp: timestamp, Result: string, Error: errorObject }),
  WaitDetails: struct({ ScheduledEndTimestamp: timestamp }),
  CallbackDetails: struct({ CallbackId: string, Result: string, Error: errorObject }),
  ChainedInvokeDetails: struct({ Result: string, Error: errorObject })
})

/** One operation (`Operation.Operation`'s decoded form). */
export const operation = (u: unknown, path: string): Operation => {
  const from = record(u, path)
  return {
    Id: string(from.Id, at(path, "Id")),
    Type: operationType(from.Type, at(path, "Type")),
    Status: operationStatus(from.Status, at(path, "Status")),
    ...optionalMembers(from, path)
  } as Operation
}

/** One page of state (`Invocation.ExecutionStatePage`'s decoded form). */
export const executionStatePage = (u: unknown, path = ""): ExecutionStatePage => {
  const from = record(u, path)
  const to: Rec = {}
  opt(to, from, "Operations", path, (x, p) => array(x, p, operation))
  opt(to, from, "NextMarker", path, string)
  return to as ExecutionStatePage
}

/** The invocation event (`Invocation.InvocationInput`'s decoded form). */
export const invocationInput = (u: unknown): InvocationInput => {
  const from = record(u, "")
  const to: Rec = {
    DurableExecutionArn: nonEmptyString(from.DurableExecutionArn, "DurableExecutionArn"),
    CheckpointToken: nonEmptyString(from.CheckpointToken, "CheckpointToken")
  }
  opt(to, from, "UpdatedOperationIds", "", (x, p) => array(x, p, string))
  opt(to, from, "InitialExecutionState", "", executionStatePage)
  return to as unknown as InvocationInput
}
