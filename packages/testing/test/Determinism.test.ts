import { createRetryStrategy, JitterStrategy, withDurableExecution } from "@durable-lambda/core/async"
import { assert, describe, it } from "@effect/vitest"
import { Determinism } from "../src/index.ts"

const workflow = () => {
  let failures = 0
  return withDurableExecution(async (event: { items: Array<number> }, ctx) => {
    const doubled = await ctx.runInChildContext("double-all", async (child) => {
      const out: Array<number> = []
      for (const item of event.items) out.push(await child.step(`double-${item}`, async () => item * 2))
      return out
    })
    await ctx.wait("pause", { minutes: 10 })
    const total = await ctx.step(
      "sum",
      async () => {
        if (failures++ === 0) throw new Error("transient")
        return doubled.reduce((a, b) => a + b, 0)
      },
      {
        retryStrategy: createRetryStrategy({
          maxAttempts: 3,
          initialDelay: { seconds: 5 },
          jitter: JitterStrategy.NONE
        })
      }
    )
    const [left, right] = await Promise.all([
      ctx.runInChildContext("left", async (c) => c.step("l", async () => total + 1)),
      ctx.runInChildContext("right", async (c) => c.step("r", async () => total + 2))
    ])
    return { total, left, right }
  })
}

describe("Determinism", () => {
  it("check: a deterministic workflow replays identically from every checkpoint boundary", async () => {
    const report = await Determinism.check(workflow(), { payload: { items: [1, 2, 3] } })
    assert.isTrue(report.ok, report.summary)
    assert.strictEqual(report.result.getResult().total, 12)
    const boundaries = report.result.getInvocations().reduce((n, i) => n + i.checkpointCalls, 0)
    // One restart per checkpoint boundary, plus the final state.
    assert.strictEqual(report.checked, boundaries + 1)
    assert.isAbove(report.checked, 5)
  })

  it("check: catches a handler that branches on state outside steps, showing both sides", async () => {
    let invocations = 0
    const flaky = withDurableExecution(async (_event, ctx) => {
      invocations++
      // Non-deterministic: the first invocation takes one path, any replay the other.
      const name = invocations === 1 ? "charge-card" : "charge-wallet"
      await ctx.step(name, async () => "charged")
      return "done"
    })
    const report = await Determinism.check(flaky)
    assert.isFalse(report.ok)
    assert.strictEqual(report.divergence?.boundary, 1)
    assert.match(report.divergence!.expected, /^checkpointed START STEP\/Step "charge-card"/)
    assert.match(report.divergence!.actual, /"charge-wallet".*consumed by the wrong operation/)
    assert.include(report.summary, "Non-deterministic replay at checkpoint boundary 1")
    // The original run itself succeeded: only the prefix check reveals the bug.
    assert.strictEqual(report.result.getStatus(), "SUCCEEDED")
  })

  it("check: catches a handler that skips a durable call on replay", async () => {
    let calls = 0
    const skipping = withDurableExecution(async (_event, ctx) => {
      calls++
      if (calls === 1) await ctx.step("audit", async () => "logged")
      await ctx.wait({ seconds: 5 })
      return "ok"
    })
    const report = await Determinism.check(skipping)
    assert.isFalse(report.ok)
    assert.match(report.divergence!.expected, /START STEP\/Step "audit"/)
    assert.match(report.divergence!.actual, /START WAIT\/Wait/)
  })

  it("check: catches a result that differs when rebuilt from the recorded state", async () => {
    let calls = 0
    const drifting = withDurableExecution(async (_event, ctx) => {
      const v = await ctx.step("v", async () => 1)
      calls++
      return v + calls
    })
    const report = await Determinism.check(drifting)
    assert.isFalse(report.ok)
    assert.strictEqual(report.divergence?.boundary, "final")
    assert.match(report.divergence!.expected, /returned SUCCEEDED 2/)
    assert.match(report.divergence!.actual, /returned SUCCEEDED \d+/)
  })

  it("assertDeterministic: throws the summary for a non-deterministic handler, passes for a deterministic one", async () => {
    await Determinism.assertDeterministic(workflow(), { payload: { items: [4] } })
    let n = 0
    const bad = withDurableExecution(async (_e, ctx) => ctx.step(`s${n++}`, async () => 1))
    let message = ""
    try {
      await Determinism.assertDeterministic(bad)
    } catch (error) {
      message = (error as Error).message
    }
    assert.match(message, /^Non-deterministic replay at checkpoint boundary 1/)
  })
})
