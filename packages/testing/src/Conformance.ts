/**
 * The public conformance requirements (`aws-durable-execution-conformance-tests`) as golden tests: take a
 * requirement (the parsed YAML), `prepare` it (generate its `Variables` from a seed and substitute them,
 * turn `CallbackActions` into scripted callback answers), run your handler with the prepared input and
 * callback actions, then `verify` the result and history with the suite's matching rules.
 *
 * Parsing YAML is left to the caller (any YAML parser; `effect/encoding`'s `Yaml.parse` reads the suite's files).
 *
 * **Example**
 * ```ts
 * import { Yaml } from "effect/encoding"
 * const spec = Yaml.parse(readFileSync("step/1-1.yaml", "utf8")) as Conformance.Spec
 * const prepared = Conformance.prepare(spec, "seed-1")
 * const result = await new LocalDurableTestRunner({ handlerFunction: handler, callbackActions: prepared.callbackActions })
 *   .run({ payload: prepared.input })
 * const { ok, mismatches } = Conformance.verify(prepared, result)
 * ```
 *
 * @since 0.1.0
 */
import type { Operation } from "@durable-lambda/core"
import * as History from "./History.ts"
import { intBetween, prng } from "./internal/prng.ts"
import type { CallbackAction } from "./internal/simulation/records.ts"
import type { TestResult } from "./TestResult.ts"

/**
 * One requirement file, as parsed from YAML.
 *
 * @since 0.1.0
 */
export interface Spec {
  readonly description?: string
  readonly handler?: string
  readonly invocations?: string
  readonly optional?: boolean
  readonly async?: boolean
  readonly AsyncInvoke?: boolean
  readonly Variables?: Readonly<Record<string, string>>
  readonly Input?: unknown
  readonly ExpectedResult?: {
    readonly ExecutionStatus?: string
    readonly Result?: unknown
    readonly Error?: unknown
  }
  readonly CallbackActions?: ReadonlyArray<{
    readonly CallbackName?: string
    readonly Operation: "success" | "failure" | "heartbeat"
    readonly Payload?: unknown
    readonly Delay?: number
  }>
  readonly ExpectedExecutionHistory?: ReadonlyArray<Readonly<Record<string, unknown>>>
  readonly ExpectedLogs?: ReadonlyArray<{ readonly match: { readonly message: string }; readonly count: number }>
  readonly [key: string]: unknown
}

/**
 * A requirement with its variables generated and substituted.
 *
 * @since 0.1.0
 */
export interface Prepared {
  readonly spec: Spec
  /** Generated variable values (`CB_NAME` → `"aZ3..."`). */
  readonly variables: Readonly<Record<string, string>>
  /** The execution input (pass as `payload`; `undefined` when the file has none). */
  readonly input: unknown
  readonly expectedStatus: string | undefined
  /** Whether `ExpectedResult.Result` is specified (a YAML `Result:` with no value means `null`). */
  readonly hasExpectedResult: boolean
  readonly expectedResult: unknown
  readonly expectedHistory: ReadonlyArray<Readonly<Record<string, unknown>>>
  /** Scripted callback answers, for the runner's `callbackActions`. */
  readonly callbackActions: ReadonlyArray<ReadonlyArray<CallbackAction>>
  /** Expected log counts: regular expression → count. */
  readonly expectedLogs: ReadonlyArray<{ readonly pattern: RegExp; readonly count: number }>
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

const generate = (spec: string, next: () => number): string => {
  const m = /^\$\{GEN_STR:(\d+)\}$/.exec(spec)
  if (m !== null) {
    const n = Number(m[1])
    let out = ""
    for (let i = 0; i < n; i++) out += ALPHABET[intBetween(next, 0, ALPHABET.length - 1)]
    return out
  }
  return spec
}

const substitute = (value: unknown, variables: Readonly<Record<string, string>>): unknown => {
  if (typeof value === "string") {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) =>
      name in variables ? variables[name]! : whole
    )
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, variables))
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, variables)
    return out
  }
  return value
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * Generates the requirement's `Variables` from `seed` (the same seed gives the same values) and substitutes
 * them into input, expectations and callback actions. Placeholders that are not variables (`${ID1}`) are
 * left for the matcher to bind.
 *
 * @since 0.1.0
 */
export const prepare = (spec: Spec, seed: string | number = "conformance"): Prepared => {
  const next = prng(`conformance:${seed}`)
  const variables: Record<string, string> = {}
  for (const [name, generator] of Object.entries(spec.Variables ?? {})) variables[name] = generate(generator, next)
  const expected = spec.ExpectedResult
  const actions = (spec.CallbackActions ?? []).map(
    (a) => substitute(a, variables) as NonNullable<Spec["CallbackActions"]>[number]
  )
  // One script per callback name; each action's Delay counts from the CallbackStarted.
  const byName = new Map<string, Array<(typeof actions)[number]>>()
  for (const action of actions) {
    const name = action.CallbackName ?? "*"
    byName.set(name, [...(byName.get(name) ?? []), action])
  }
  const callbackActions = [...byName.entries()].map(([name, list]) => {
    let previous = 0
    return list.map((a): CallbackAction => {
      const at = (a.Delay ?? 0) * 1000
      const delayMillis = Math.max(0, at - previous)
      previous = Math.max(previous, at)
      return {
        name,
        operation: a.Operation,
        payload:
          a.Operation === "success"
            ? a.Payload === undefined || a.Payload === null
              ? undefined
              : JSON.stringify(a.Payload)
            : a.Operation === "failure"
              ? (a.Payload as Operation.ErrorObject | undefined)
              : undefined,
        delayMillis
      }
    })
  })
  const expectedLogs = (spec.ExpectedLogs ?? []).map((entry) => {
    const message = substitute(entry.match.message, variables) as string
    const m = /^\/(.*)\/([a-z]*)$/s.exec(message)
    return { pattern: m === null ? new RegExp(escapeRegExp(message)) : new RegExp(m[1]!, m[2]), count: entry.count }
  })
  return {
    spec,
    variables,
    input: spec.Input === null || spec.Input === undefined ? undefined : substitute(spec.Input, variables),
    expectedStatus: expected?.ExecutionStatus,
    hasExpectedResult: expected !== undefined && expected !== null && "Result" in expected,
    expectedResult: expected === undefined || expected === null ? undefined : substitute(expected.Result, variables),
    expectedHistory: (spec.ExpectedExecutionHistory ?? []).map(
      (e) => substitute(e, variables) as Record<string, unknown>
    ),
    callbackActions,
    expectedLogs
  }
}

/**
 * The outcome of `verify`.
 *
 * @since 0.1.0
 */
export interface Verification {
  readonly ok: boolean
  readonly mismatches: ReadonlyArray<string>
}

/**
 * Checks a run against a prepared requirement: `ExpectedResult` (status, result, error) and
 * `ExpectedExecutionHistory` under the suite's matching rules (`History.matchHistory`). Pass the log lines
 * the handler wrote to also check `ExpectedLogs` counts.
 *
 * @since 0.1.0
 */
export const verify = (prepared: Prepared, result: TestResult, logs?: ReadonlyArray<string>): Verification => {
  const mismatches: Array<string> = []
  if (prepared.expectedStatus !== undefined && result.getStatus() !== prepared.expectedStatus) {
    mismatches.push(`ExecutionStatus: expected ${prepared.expectedStatus}, got ${result.getStatus()}`)
  }
  if (prepared.hasExpectedResult && result.getStatus() === "SUCCEEDED") {
    const actual = result.getResult()
    const m = History.match(prepared.expectedResult ?? null, actual ?? null, { path: "Result" })
    mismatches.push(...m.mismatches)
  }
  const expectedError = prepared.spec.ExpectedResult?.Error
  if (expectedError !== undefined && result.getStatus() !== "SUCCEEDED") {
    const e = result.getError()
    const m = History.match(
      substitute(expectedError, prepared.variables),
      {
        ErrorType: e.errorType,
        ErrorMessage: e.errorMessage,
        ErrorData: e.errorData
      },
      { path: "Error" }
    )
    mismatches.push(...m.mismatches)
  }
  const history = History.matchHistory(prepared.expectedHistory, result.getHistoryEvents())
  mismatches.push(...history.mismatches)
  if (logs !== undefined) {
    for (const { pattern, count } of prepared.expectedLogs) {
      const n = logs.filter((line) => pattern.test(line)).length
      if (n !== count) mismatches.push(`ExpectedLogs ${pattern}: expected ${count} lines, got ${n}`)
    }
  }
  return { ok: mismatches.length === 0, mismatches }
}
