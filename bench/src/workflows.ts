/**
 * The workloads of issue 7, written once against the async API both SDKs share (same signatures), so the
 * same function runs unchanged on either.
 */
import type { Body } from "./adapters.ts"

/** `n` sequential unnamed steps, each returning its index; the result is their sum. */
export const sequential: Body = async (event: { n: number }, context) => {
  let sum = 0
  for (let i = 0; i < event.n; i++) sum += (await context.step(async () => i)) as number
  return sum
}

/** Failed attempts so far, per execution id: the flaky step fails its first attempt only. */
const attempts = new Map<string, number>()

/**
 * A step that fails once and succeeds on its retry (1 s backoff), a 1-hour wait, then a child context with
 * two steps. Three invocations per execution: retry, wait, then completion.
 */
export const retryWaitChild: Body = async (event: { id: string }, context) => {
  const a = (await context.step(
    "flaky",
    async () => {
      const n = (attempts.get(event.id) ?? 0) + 1
      attempts.set(event.id, n)
      if (n === 1) throw new Error("transient failure")
      return n
    },
    { retryStrategy: (_error: unknown, attempt: number) => ({ shouldRetry: attempt < 3, delay: { seconds: 1 } }) }
  )) as number
  await context.wait("nap", { hours: 1 })
  const c = (await context.runInChildContext("child", async (child: any) => {
    const x = (await child.step("c1", async () => a + 1)) as number
    const y = (await child.step("c2", async () => x * 2)) as number
    return x + y
  })) as number
  return { a, c }
}

/** `map` over `n` items at concurrency `concurrency`; each item is one step. Returns the sum of results. */
export const mapItems: Body = async (event: { n: number; concurrency: number }, context) => {
  const items = Array.from({ length: event.n }, (_, i) => i)
  const batch = await context.map(
    "items",
    items,
    async (child: any, item: number) => child.step(async () => item * 2),
    { maxConcurrency: event.concurrency }
  )
  const results: Array<number> = typeof batch?.getResults === "function" ? batch.getResults() : batch
  return results.reduce((a, b) => a + b, 0)
}

/** Expected results, to check every run did the work. */
export const expected = {
  sequential: (n: number) => (n * (n - 1)) / 2,
  retryWaitChild: () => ({ a: 2, c: 3 + 6 }),
  mapItems: (n: number) => n * (n - 1)
}
