import { assert, describe, it } from "@effect/vitest"
import { AsyncContext, RetryStrategy, Step } from "@durable-lambda/core"
import { Faults, LocalDurableTestRunner } from "@durable-lambda/testing"

const atMostOnce = {
  semantics: Step.StepSemantics.AtMostOncePerRetry,
  retryStrategy: RetryStrategy.retryPresets.noRetry
}

/** One at-most-once "wire transfer" with no retries: the body must never run twice. */
const transfer = (effects: Faults.EffectLog) =>
  AsyncContext.withDurableExecution(async (_: unknown, ctx) =>
    ctx.step(
      "transfer",
      async () => {
        effects.atMostOnce("transfer")
        return "sent"
      },
      atMostOnce
    )
  )

/**
 * A payout: an at-least-once quote, then two at-most-once steps around a wait (two invocations to duplicate).
 * Without retries an interrupted at-most-once step fails the execution, so its effect must happen at most
 * once per execution; with retries an interruption (a crash, or a duplicate delivery that won the race while
 * the service re-invoked on the loser's function error) runs the next attempt, and the effect happens at most
 * once per attempt (which `checkFaults` observes through the engine's instrumentation).
 */
const payout = (effects: Faults.EffectLog, retryStrategy: RetryStrategy.RetryStrategy) =>
  AsyncContext.withDurableExecution(async (_: unknown, ctx) => {
    const effect = (key: string) =>
      retryStrategy === RetryStrategy.retryPresets.noRetry ? effects.atMostOnce(key) : effects.record(key)
    const options = { semantics: Step.StepSemantics.AtMostOncePerRetry, retryStrategy }
    const quote = await ctx.step("quote", async () => 42)
    const debit = await ctx.step(
      "debit",
      async () => {
        effect("debit")
        return `debit-${quote}`
      },
      options
    )
    await ctx.wait("settle", { seconds: 30 })
    const credit = await ctx.step(
      "credit",
      async () => {
        effect("credit")
        return `credit-${quote}`
      },
      options
    )
    return { debit, credit }
  })

const retryInterrupted = RetryStrategy.createRetryStrategy({ maxAttempts: 5, initialDelay: { seconds: 1 } })

/** The first `count` seeds whose generated schedule (for this baseline) delivers some invocation twice. */
const seedsWithDuplicates = async (handler: Parameters<typeof Faults.checkFaults>[0]["handler"], count: number) => {
  const baseline = await new LocalDurableTestRunner({ handlerFunction: handler! }).run()
  const shape = {
    checkpoints: baseline.getInvocations().reduce((n, i) => n + i.checkpointCalls, 0),
    invocations: baseline.getInvocations().length
  }
  const seeds: Array<number> = []
  for (let seed = 1; seeds.length < count; seed++) {
    if (Faults.schedule(seed, shape).some((f) => f._tag === "DuplicateInvocation")) seeds.push(seed)
  }
  return seeds
}

describe("Duplicate invocations", () => {
  it("a duplicate delivery never makes the service drop an update (ClientToken covers the request's content)", async () => {
    let calls = 0
    const handler = AsyncContext.withDurableExecution(async (_: unknown, ctx) =>
      ctx.step("flaky", async () => {
        if (++calls === 1) throw new Error("transient")
        return "ok"
      })
    )
    const result = await new LocalDurableTestRunner({
      handlerFunction: handler,
      faults: [Faults.duplicateInvocation(1)]
    }).run()
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.strictEqual(result.getOperation("flaky").getStatus(), "SUCCEEDED")
    const types = result.getHistoryEvents().map((e: any) => e.EventType)
    assert.include(types, "StepSucceeded")
  })

  it("checkSchedule: a duplicated first invocation never runs an at-most-once step body twice", async () => {
    const run = await Faults.checkSchedule({ makeHandler: transfer }, [Faults.duplicateInvocation(1)])
    assert.deepStrictEqual(
      run.violations.filter((v) => v.includes("at-most-once")),
      []
    )
    assert.strictEqual(run.effects.count("transfer"), 1)
    assert.strictEqual(run.result?.getDuplicateInvocations().length, 1)
    // The delivery that lost the race for the token ends with a function error; when the service takes that as
    // the invocation's result, the winner's later checkpoints are refused and the step is interrupted. Without
    // retries an interrupted at-most-once step fails the execution (its body is never run a second time); the
    // step's result is never invented or recorded twice.
    const transferOp = run.result!.getOperation("transfer")
    if (run.result!.getStatus() === "SUCCEEDED") {
      assert.strictEqual(run.result!.getResult(), "sent")
      assert.strictEqual(transferOp.getStatus(), "SUCCEEDED")
    } else {
      assert.strictEqual(run.result!.getStatus(), "FAILED")
      assert.strictEqual(transferOp.getStepDetails()?.error?.errorType, "StepInterruptedError")
    }
  })

  it("checkFaults: 1,000 schedules with a duplicate delivery (and other faults): no invariant broken", async () => {
    const seeds = await seedsWithDuplicates(payout(new Faults.EffectLog(), retryInterrupted), 1000)
    const report = await Faults.checkFaults({ makeHandler: (effects) => payout(effects, retryInterrupted), seeds })
    assert.isTrue(report.ok, report.summary)
    assert.strictEqual(report.runs.length, 1000)
    assert.isTrue(report.runs.every((r) => r.faults.some((f) => f._tag === "DuplicateInvocation")))
  }, 120_000)

  it("checkFaults: duplicate deliveries alone: a noRetry at-most-once body never runs twice", async () => {
    const report = await Faults.checkFaults({
      makeHandler: (effects) => payout(effects, RetryStrategy.retryPresets.noRetry),
      seeds: 50,
      schedule: { kinds: ["DuplicateInvocation"] }
    })
    for (const run of report.runs) {
      assert.isDefined(run.result, run.runError)
      assert.deepStrictEqual(
        run.violations.filter((v) => v.includes("at-most-once")),
        [],
        `seed ${String(run.seed)}: ${Faults.describeSchedule(run.faults)}`
      )
      assert.isAtMost(run.effects.count("debit"), 1)
      assert.isAtMost(run.effects.count("credit"), 1)
      // Either the fault-free outcome, or the documented at-most-once rule: an interrupted step with no retries fails.
      if (run.result!.getStatus() !== "SUCCEEDED") {
        assert.match(run.result!.getError().errorMessage ?? "", /interruption/)
      }
    }
  })
})
