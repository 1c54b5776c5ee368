/**
 * The local test harnesses (group 1): the official `LocalDurableTestRunner` from
 * `@aws/durable-execution-sdk-js-testing`, and ours from `@durable-lambda/testing` with the same API
 * (`new LocalDurableTestRunner({ handlerFunction })`, `run({ payload })`, `getStatus()`, `getResult()`).
 *
 * Ours is loaded dynamically: while `packages/testing` does not exist yet (it is being written), the harness
 * reports itself as pending instead of failing, and plugs in as soon as the package is there.
 */
import { existsSync } from "node:fs"
import { fileURLToPath, pathToFileURL } from "node:url"
import type { Body, Sdk } from "./adapters.ts"

export interface RunnerResult {
  getStatus(): unknown
  getResult(): unknown
}

export interface Harness {
  /** Runs one execution of `handler` (built by `wrap`) to completion. */
  run(handler: unknown, payload: unknown): Promise<RunnerResult>
  wrap(body: Body): unknown
  teardown(): Promise<void>
}

export type HarnessLoad =
  { readonly _tag: "ready"; readonly harness: Harness } | { readonly _tag: "pending"; readonly reason: string }

interface RunnerClass {
  new (params: { handlerFunction: unknown }): { run(params: { payload: unknown }): Promise<RunnerResult> }
  setupTestEnvironment?: (params?: { skipTime?: boolean }) => Promise<void>
  teardownTestEnvironment?: () => Promise<void>
}

const fromRunnerClass = async (
  Runner: RunnerClass,
  wrap: (body: Body) => unknown,
  skipTime: boolean
): Promise<Harness> => {
  await Runner.setupTestEnvironment?.({ skipTime })
  return {
    wrap,
    run: (handler, payload) => new Runner({ handlerFunction: handler }).run({ payload }),
    teardown: async () => {
      await Runner.teardownTestEnvironment?.()
    }
  }
}

const ourTestingEntry = fileURLToPath(new URL("../../packages/testing/src/index.ts", import.meta.url))

/** Loads our harness, or says why it is not there yet. */
const loadOurs = async (skipTime: boolean): Promise<HarnessLoad> => {
  let mod: Record<string, unknown> | undefined
  const errors: Array<string> = []
  for (const specifier of [
    "@durable-lambda/testing",
    existsSync(ourTestingEntry) ? pathToFileURL(ourTestingEntry).href : undefined
  ]) {
    if (specifier === undefined) continue
    try {
      mod = (await import(specifier)) as Record<string, unknown>
      break
    } catch (error) {
      errors.push(`${specifier}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`)
    }
  }
  if (mod === undefined) {
    return {
      _tag: "pending",
      reason: existsSync(ourTestingEntry)
        ? `@durable-lambda/testing did not load (${errors.join("; ")})`
        : "@durable-lambda/testing does not exist yet (packages/testing/src/index.ts is missing)"
    }
  }
  const Runner = mod.LocalDurableTestRunner as RunnerClass | undefined
  if (typeof Runner !== "function") {
    return { _tag: "pending", reason: "@durable-lambda/testing does not export LocalDurableTestRunner yet" }
  }
  const { withDurableExecution } = await import("@durable-lambda/core/async")
  return { _tag: "ready", harness: await fromRunnerClass(Runner, (body) => withDurableExecution(body), skipTime) }
}

const loadTheirs = async (skipTime: boolean): Promise<HarnessLoad> => {
  const { LocalDurableTestRunner } = await import("@aws/durable-execution-sdk-js-testing")
  const { withDurableExecution } = await import("@aws/durable-execution-sdk-js")
  return {
    _tag: "ready",
    harness: await fromRunnerClass(
      LocalDurableTestRunner as unknown as RunnerClass,
      (body) => withDurableExecution(body),
      skipTime
    )
  }
}

export const loadHarness = (sdk: Sdk, skipTime: boolean): Promise<HarnessLoad> =>
  sdk === "ours" ? loadOurs(skipTime) : loadTheirs(skipTime)
