/**
 * History events in the service's format, and the matcher of the public conformance suite: compare a run's
 * history with an expected list the way `aws-durable-execution-conformance-tests` does (by `EventId`, only the
 * keys listed, `{}` / `'*'` wildcards, `${NAME}` bindings, `${/regex/}`), plus golden-file helpers that
 * normalise the values that legitimately change between runs (ids, tokens, timestamps).
 *
 * @since 0.1.0
 */
import type { ServiceState } from "@durable-lambda/backend-mock"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * One history event exactly as `GetDurableExecutionHistory` returns it: `EventType`, `SubType`, `EventId`,
 * `Id`, `Name`, `EventTimestamp`, `ParentId` and the single `<EventType>Details` member.
 *
 * @since 0.1.0
 */
export type HistoryEvent = ServiceState.HistoryEvent

/** `T` with every property and array writable (deeply), as the Lambda client's types declare them. @since 0.1.0 */
export type Writable<T> = T extends Date
  ? T
  : T extends ReadonlyArray<infer U>
    ? Array<Writable<U>>
    : T extends object
      ? { -readonly [K in keyof T]: Writable<T[K]> }
      : T

/**
 * A history event as results hand it out: the service's format, typed writable so it is assignable to the
 * Lambda client's `Event`.
 *
 * @since 0.1.0
 */
export type Event = Writable<HistoryEvent>

/** Every `EventType` of the service model. @since 0.1.0 */
export type EventType = ServiceState.EventType

/**
 * The result of matching a history against an expectation.
 *
 * @since 0.1.0
 */
export interface MatchResult {
  /** True when every expected event matched. */
  readonly ok: boolean
  /** One line per mismatch: `EventId 3 (StepFailed) .StepFailedDetails.RetryDetails.CurrentAttempt: expected 2, got 1`. */
  readonly mismatches: ReadonlyArray<string>
  /** The `${NAME}` placeholders bound while matching, with the actual values. */
  readonly bindings: Readonly<Record<string, unknown>>
}

/**
 * Options of `match` / `matchHistory`.
 *
 * @since 0.1.0
 */
export interface MatchOptions {
  /** Placeholders already bound (e.g. from an earlier match); matching adds to a copy. */
  readonly bindings?: Readonly<Record<string, unknown>>
}

const PLACEHOLDER = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/
const REGEX_PLACEHOLDER = /^\$\{\/(.*)\/([a-z]*)\}$/s

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof Date)

/** Renders an actual value the way the service's JSON would (Dates as ISO strings). */
const plain = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value)

const show = (value: unknown): string => {
  const v = plain(value)
  if (v === undefined) return "undefined"
  try {
    return JSON.stringify(v)
  } catch {
    return String(v)
  }
}

/**
 * Matches one actual value against one expected value under the suite's rules, collecting mismatches under
 * `path`.
 *
 * **Details**: `'*'` matches anything; `{}` matches any object (present, contents not checked); an expected
 * object checks only its own keys, and a key expected but absent is a mismatch; `${NAME}` binds on first
 * sight and must be equal afterwards; `${/re/}` tests the regular expression against the value rendered as a
 * string; lists match element by element with equal lengths; anything else must be equal (numbers and their
 * string forms are not equal; Dates compare by ISO string).
 *
 * @since 0.1.0
 */
export const match = (
  expected: unknown,
  actual: unknown,
  options?: MatchOptions & { readonly path?: string }
): MatchResult => {
  const bindings: Record<string, unknown> = { ...options?.bindings }
  const mismatches: Array<string> = []
  matchInto(expected, actual, options?.path ?? "", bindings, mismatches)
  return { ok: mismatches.length === 0, mismatches, bindings }
}

const matchInto = (
  expected: unknown,
  actual: unknown,
  path: string,
  bindings: Record<string, unknown>,
  out: Array<string>
): void => {
  const at = path === "" ? "(root)" : path
  if (expected === "*") return
  if (typeof expected === "string") {
    const regex = REGEX_PLACEHOLDER.exec(expected)
    if (regex !== null) {
      const value = plain(actual)
      const text = typeof value === "string" ? value : show(value)
      if (actual === undefined || !new RegExp(regex[1]!, regex[2]).test(text)) {
        out.push(`${at}: expected to match /${regex[1]}/, got ${show(actual)}`)
      }
      return
    }
    const placeholder = PLACEHOLDER.exec(expected)
    if (placeholder !== null) {
      const name = placeholder[1]!
      if (actual === undefined) {
        out.push(`${at}: expected ${expected}, got undefined`)
        return
      }
      if (!(name in bindings)) {
        bindings[name] = plain(actual)
        return
      }
      if (!deepEqual(bindings[name], plain(actual))) {
        out.push(`${at}: expected ${expected} = ${show(bindings[name])}, got ${show(actual)}`)
      }
      return
    }
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) {
      out.push(`${at}: expected a list, got ${show(actual)}`)
      return
    }
    if (expected.length !== actual.length) {
      out.push(`${at}: expected ${expected.length} elements, got ${actual.length}`)
      return
    }
    expected.forEach((e, i) => matchInto(e, actual[i], `${path}[${i}]`, bindings, out))
    return
  }
  if (isRecord(expected)) {
    if (!isRecord(actual)) {
      out.push(`${at}: expected an object, got ${show(actual)}`)
      return
    }
    for (const [key, value] of Object.entries(expected)) {
      if (!(key in actual) || actual[key] === undefined) {
        out.push(`${path}.${key}: expected ${show(value)}, but the key is absent`)
        continue
      }
      matchInto(value, actual[key], `${path}.${key}`, bindings, out)
    }
    return
  }
  if (!deepEqual(expected, plain(actual))) out.push(`${at}: expected ${show(expected)}, got ${show(actual)}`)
}

const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    // YAML `null` and an absent value are the same "nothing"
    return (a === null && b === undefined) || (a === undefined && b === null)
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined)
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined)
  return (
    ka.length === kb.length &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  )
}

/**
 * Matches a history against expected events as the conformance suite does: each expected event is looked
 * up **by its `EventId`** in `actual`; actual events not listed are ignored; inside an event only the listed
 * keys are checked (see `match`).
 *
 * **Example**
 * ```ts
 * const { ok, mismatches } = History.matchHistory(
 *   [{ EventType: "StepStarted", EventId: 2, Id: "${ID1}" }, { EventType: "StepSucceeded", EventId: 3, Id: "${ID1}" }],
 *   result.getHistoryEvents()
 * )
 * ```
 *
 * @since 0.1.0
 */
export const matchHistory = (
  expected: ReadonlyArray<Readonly<Record<string, unknown>>>,
  actual: ReadonlyArray<HistoryEvent | Readonly<Record<string, unknown>>>,
  options?: MatchOptions
): MatchResult => {
  const bindings: Record<string, unknown> = { ...options?.bindings }
  const mismatches: Array<string> = []
  const byId = new Map<unknown, Readonly<Record<string, unknown>>>()
  for (const event of actual) byId.set((event as Record<string, unknown>).EventId, event as Record<string, unknown>)
  for (const event of expected) {
    const id = event.EventId
    const found = byId.get(id)
    const label = `EventId ${String(id)} (${String(event.EventType)})`
    if (found === undefined) {
      mismatches.push(`${label}: no such event (the history has ${actual.length} events)`)
      continue
    }
    matchInto(event, found, label, bindings, mismatches)
  }
  return { ok: mismatches.length === 0, mismatches, bindings }
}

/**
 * Throws an `Error` listing every mismatch (and the actual history, one line per event) when `matchHistory`
 * fails. Use it as a one-line assertion in any test framework.
 *
 * @since 0.1.0
 */
export const assertHistory = (
  expected: ReadonlyArray<Readonly<Record<string, unknown>>>,
  actual: ReadonlyArray<HistoryEvent>,
  options?: MatchOptions
): MatchResult => {
  const result = matchHistory(expected, actual, options)
  if (!result.ok) {
    throw new Error(
      `History does not match:\n  ${result.mismatches.join("\n  ")}\nActual history:\n${describe(actual)}`
    )
  }
  return result
}

/**
 * One line per event: `EventId EventType[/SubType] Name? Id? <details>`, for failure messages and logs.
 *
 * @since 0.1.0
 */
export const describe = (events: ReadonlyArray<HistoryEvent>): string =>
  events
    .map((event) => {
      const e = event as unknown as Record<string, unknown>
      const details = e[`${event.EventType}Details`]
      const parts = [
        String(event.EventId).padStart(3),
        `${event.EventType}${event.SubType === undefined ? "" : `/${event.SubType}`}`,
        event.Name === undefined ? "" : `"${event.Name}"`,
        event.Id === undefined ? "" : `id=${event.Id}`,
        event.ParentId === undefined ? "" : `parent=${event.ParentId}`,
        event.EventTimestamp instanceof Date ? event.EventTimestamp.toISOString() : "",
        show(details)
      ]
      return parts.filter((p) => p !== "").join(" ")
    })
    .join("\n")

/**
 * The (EventType, SubType, Name) signature of each event: the comparison the official examples' tests use
 * (Name omitted for Execution events).
 *
 * @since 0.1.0
 */
export const signatures = (events: ReadonlyArray<HistoryEvent>): ReadonlyArray<string> =>
  events.map((e) => [e.EventType, e.SubType ?? "", e.EventType.startsWith("Execution") ? "" : (e.Name ?? "")].join("|"))

/**
 * A history with the run-specific values replaced, for golden files: operation ids become `op-1`, `op-2`, ...
 * in first-seen order (parents too), callback ids `callback-1`, ..., request ids `request-1`, ..., ARNs
 * `arn-1`, ..., and every timestamp becomes milliseconds since the first event (`+0`, `+2000`, ...), so
 * durations stay checked while the absolute start time does not matter.
 *
 * @since 0.1.0
 */
export const normalize = (events: ReadonlyArray<HistoryEvent>): Array<Record<string, unknown>> => {
  const ids = new Map<string, string>()
  const tables: Record<string, Map<string, string>> = {
    op: ids,
    callback: new Map(),
    request: new Map(),
    arn: new Map()
  }
  const alias = (kind: keyof typeof tables & string, value: string) => {
    const table = tables[kind]!
    let out = table.get(value)
    if (out === undefined) {
      out = `${kind}-${table.size + 1}`
      table.set(value, out)
    }
    return out
  }
  const first = events[0]?.EventTimestamp instanceof Date ? events[0].EventTimestamp.getTime() : 0
  const walk = (value: unknown, key: string): unknown => {
    if (value instanceof Date) return `+${value.getTime() - first}`
    if (Array.isArray(value)) return value.map((v) => walk(v, key))
    if (isRecord(value)) {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = walk(v, k)
      return out
    }
    if (typeof value !== "string") return value
    if (key === "Id" || key === "ParentId") return alias("op", value)
    if (key === "CallbackId") return alias("callback", value)
    if (key === "RequestId") return alias("request", value)
    if (key === "DurableExecutionArn") return alias("arn", value)
    return value
  }
  return events.map((event) => walk(event, "") as Record<string, unknown>)
}

/**
 * The outcome of `matchGolden`.
 *
 * @since 0.1.0
 */
export interface GoldenResult {
  /** True when the history equals the golden file (or the file was just written). */
  readonly ok: boolean
  /** `"matched"`, `"written"` (missing file, or `update`), or `"differs"`. */
  readonly status: "matched" | "written" | "differs"
  /** For `"differs"`: the first differing event, both sides. */
  readonly difference: string | undefined
}

/**
 * Compares a history with a `*.history.json` golden file after `normalize` (ids and absolute times do not
 * matter, order, types, names, payloads and durations do). A missing file is written (review and commit it);
 * `update: true` (or the environment variable `UPDATE_GOLDEN=1`) rewrites it.
 *
 * **Example**
 * ```ts
 * const golden = History.matchGolden(result.getHistoryEvents(), new URL("./order.history.json", import.meta.url))
 * assert.isTrue(golden.ok, golden.difference)
 * ```
 *
 * @since 0.1.0
 */
export const matchGolden = (
  events: ReadonlyArray<HistoryEvent>,
  file: string | URL,
  options?: { readonly update?: boolean }
): GoldenResult => {
  const path = file instanceof URL ? fileURLToPath(file) : file
  const actual = normalize(events)
  const update = options?.update ?? process.env["UPDATE_GOLDEN"] === "1"
  if (update || !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, `${JSON.stringify(actual, null, 2)}\n`)
    return { ok: true, status: "written", difference: undefined }
  }
  const expected = JSON.parse(readFileSync(path, "utf8")) as ReadonlyArray<unknown>
  const length = Math.max(expected.length, actual.length)
  for (let i = 0; i < length; i++) {
    const e = JSON.stringify(expected[i])
    const a = JSON.stringify(actual[i])
    if (e !== a) {
      return {
        ok: false,
        status: "differs",
        difference: `event ${i + 1} differs from ${path}:\n  golden: ${e ?? "(none)"}\n  actual: ${a ?? "(none)"}`
      }
    }
  }
  return { ok: true, status: "matched", difference: undefined }
}
