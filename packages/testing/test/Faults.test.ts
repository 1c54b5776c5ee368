import { AsyncContext, Step } from "@durable-lambda/core"
import { withDurableExecution } from "@durable-lambda/core/async"
import { assert, describe, it } from "@effect/vitest"
import { Faults, LocalDurableTestRunner } from "../src/index.ts"
import { makeSimulation, resolveTarget } from "../src/internal/runner.ts"

/** An order workflow charging a card through an external bank. `idempotent` makes the charge safe to repeat. */
const orderWorkflow = (effects: Faults.EffectLog, idempotent: boolean) => {
  const charged = new Set<string>()
  return withDurableExecution(async (event: { orderId: string; amount: number }, ctx) => {
    const reserved = await ctx.step("reserve", async () => ({ sku: "book", qty: 1 }))
    const receipt = await ctx.step("charge", async () => {
      const key = `charge:${event.orderId}`
      if (!idempotent || !charged.has(key)) {
        charged.add(key)
        effects.atMostOnce(key)
      }
      return `receipt-${event.orderId}`
    })
    await ctx.wait("ship-delay", { hours: 1 })
    const shipped = await ctx.step("ship", async () => `${reserved.sku} shipped`)
    return { receipt, shipped }
  })
}

const payload = { orderId: "o-17", amount: 42 }

describe("Faults", () => {
  it("schedule: the same seed gives the same schedule; boundaries stay in range", () => {
    const a = Faults.schedule(7, { checkpoints: 6, invocations: 2 })
    assert.deepStrictEqual(Faults.schedule(7, { checkpoints: 6, invocations: 2 }), a)
    const all = Array.from({ length: 50 }, (_, i) => Faults.schedule(i, { checkpoints: 6, invocations: 2 }))
    assert.isAbove(new Set(all.map((s) => JSON.stringify(s))).size, 40)
    for (const s of all) {
      assert.isAtLeast(s.length, 1)
      assert.isAtMost(s.length, 3)
      for (const f of s) {
        if (f._tag === "DuplicateInvocation") assert.isTrue(f.invocation >= 1 && f.invocation <= 2)
        else assert.isTrue(f.checkpoint >= 1 && f.checkpoint <= 6)
      }
    }
    const kinds = new Set(all.flat().map((f) => f._tag))
    assert.strictEqual(kinds.size, 8)
  })

  const recovers = (fault: Faults.Fault, invocationError: RegExp) =>
    it(`${Faults.describeSchedule([fault])}: the execution recovers with the fault-free result`, async () => {
      const effects = new Faults.EffectLog()
      const runner = new LocalDurableTestRunner({ handlerFunction: orderWorkflow(effects, true), faults: [fault] })
      const result = await runner.run({ payload })
      assert.strictEqual(result.getStatus(), "SUCCEEDED")
      assert.deepStrictEqual(result.getResult(), { receipt: "receipt-o-17", shipped: "book shipped" })
      const failed = result.getInvocations().filter((i) => i.error !== undefined)
      assert.strictEqual(failed.length, 1, result.format({ operations: false }))
      assert.match(`${failed[0]!.error?.errorType}: ${failed[0]!.error?.errorMessage}`, invocationError)
      assert.isDefined(failed[0]!.fault)
      // The failed invocation still gets its InvocationCompleted, with the error, and the service re-invokes.
      const completed = result.getHistoryEvents().filter((e) => e.EventType === "InvocationCompleted")
      assert.strictEqual(completed.length, result.getInvocations().length)
      assert.strictEqual(effects.count("charge:o-17"), 1)
    })

  recovers(Faults.crashBefore(2), /^Runtime\.ExitError: RequestId: .* Error: Runtime exited with signal: killed$/)
  recovers(Faults.crashAfter(2), /^Runtime\.ExitError: /)
  recovers(Faults.throttle(2), /^CheckpointUnrecoverableInvocationError: .*Rate exceeded/)
  recovers(Faults.serviceError(3, 503), /^CheckpointUnrecoverableInvocationError: .*Service unavailable/)
  recovers(Faults.staleToken(3), /^CheckpointUnrecoverableInvocationError: .*Invalid Checkpoint Token/)
  recovers(Faults.lose(2), /^Sandbox\.Timedout: RequestId: .* Error: Task timed out after 900\.00 seconds$/)

  it("DelayResponse: a slow answer lets service time pass without changing the outcome", async () => {
    const effects = new Faults.EffectLog()
    const result = await new LocalDurableTestRunner({
      handlerFunction: orderWorkflow(effects, true),
      faults: [Faults.delay(1, 30_000)]
    }).run({ payload })
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    const first = result.getInvocations()[0]!
    assert.strictEqual(first.fault, "DelayResponse@1")
    assert.isAtLeast(first.endTimestamp!.getTime() - first.startTimestamp.getTime(), 30_000)
  })

  it("DuplicateInvocation: a duplicate delivery races the real one; the service keeps one history", async () => {
    const effects = new Faults.EffectLog()
    const runner = new LocalDurableTestRunner({
      handlerFunction: orderWorkflow(effects, true),
      faults: [Faults.duplicateInvocation(2)]
    })
    const result = await runner.run({ payload })
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.strictEqual(result.getDuplicateInvocations().length, 1)
    assert.strictEqual(result.getDuplicateInvocations()[0]!.index, 2)
    assert.strictEqual(effects.count("charge:o-17"), 1)
  })

  it("checkFaults: a safe (idempotent) workflow keeps every invariant under 40 seeded schedules", async () => {
    const report = await Faults.checkFaults({
      makeHandler: (effects) => orderWorkflow(effects, true),
      payload,
      seeds: 40
    })
    assert.isTrue(report.ok, report.summary)
    assert.strictEqual(report.runs.length, 40)
    // The schedules really hurt: most runs had at least one failed invocation.
    const hurt = report.runs.filter((r) => r.result?.getInvocations().some((i) => i.error !== undefined))
    assert.isAbove(hurt.length, 20)
  })

  it("checkFaults: finds the unsafe (non-idempotent) charge, and the failing seed reproduces", async () => {
    const options: Faults.CheckFaultsOptions = {
      makeHandler: (effects) => orderWorkflow(effects, false),
      payload,
      seeds: 40
    }
    const report = await Faults.checkFaults(options)
    assert.isFalse(report.ok)
    const failure = report.failures[0]!
    assert.match(failure.violations.join("\n"), /at-most-once effect "charge:o-17" happened [2-9] times/)
    assert.include(report.summary, `seed ${String(failure.seed)}`)
    const again = await Faults.checkSchedule(options, Faults.schedule(failure.seed!, report.scheduleOptions))
    assert.deepStrictEqual(again.violations, failure.violations)
    assert.deepStrictEqual(again.faults, failure.faults)
  })

  it("checkFaults: reports a lost or mixed-up result", async () => {
    let runs = 0
    const report = await Faults.checkFaults({
      makeHandler: () => {
        runs++
        const run = runs
        return withDurableExecution(async (_event, ctx) => {
          const a = await ctx.step("a", async () => (run === 1 ? "baseline" : "changed"))
          return a
        })
      },
      seeds: 2
    })
    assert.isFalse(report.ok)
    assert.match(report.failures[0]!.violations.join("\n"), /final outcome differs/)
    assert.match(report.failures[0]!.violations.join("\n"), /result "changed" instead of "baseline"/)
  })
})

describe("Faults: at-most-once step attempts (observed through the engine)", () => {
  it("repeatedAtMostOnceAttempts: reports a step attempt whose body started twice, ignores at-least-once steps", () => {
    const base = { executionArn: "arn", operationId: "c4ca4238a0b92382", rawId: "1", name: "charge" }
    const violations = Faults.repeatedAtMostOnceAttempts([
      { ...base, attempt: 1, semantics: "AT_MOST_ONCE_PER_RETRY" },
      { ...base, attempt: 2, semantics: "AT_MOST_ONCE_PER_RETRY" },
      { ...base, attempt: 2, semantics: "AT_MOST_ONCE_PER_RETRY" },
      { ...base, operationId: "x", rawId: "2", name: "log", attempt: 1, semantics: "AT_LEAST_ONCE_PER_RETRY" },
      { ...base, operationId: "x", rawId: "2", name: "log", attempt: 1, semantics: "AT_LEAST_ONCE_PER_RETRY" }
    ])
    assert.deepStrictEqual(violations, ['at-most-once step "charge" (1) ran attempt 2 2 times'])
  })

  it("step attempts are recorded for the fault checker's runs only, not by a plain run", async () => {
    const handler = withDurableExecution(async (_: unknown, ctx) => {
      const a = await ctx.step("charge", async () => "charged", { semantics: Step.StepSemantics.AtMostOncePerRetry })
      const b = await ctx.step("log", async () => "logged")
      return `${a}/${b}`
    })
    const recorded = makeSimulation({ recordStepAttempts: true })
    await recorded.run(resolveTarget(handler, {}), undefined)
    assert.deepStrictEqual(
      recorded.stepAttempts.map((a) => [a.name, a.attempt, a.semantics]),
      [
        ["charge", 1, "AT_MOST_ONCE_PER_RETRY"],
        ["log", 1, "AT_LEAST_ONCE_PER_RETRY"]
      ]
    )
    const plain = makeSimulation({})
    await plain.run(resolveTarget(handler, {}), undefined)
    assert.deepStrictEqual(plain.stepAttempts, [])
  })

  it("checkFaults: crashes around checkpoints never start an at-most-once body twice for one attempt", async () => {
    let bodies = 0
    const report = await Faults.checkFaults({
      handler: AsyncContext.withDurableExecution(async (_: unknown, ctx) => {
        const charged = await ctx.step(
          "charge",
          async () => {
            bodies++
            return "charged"
          },
          { semantics: Step.StepSemantics.AtMostOncePerRetry }
        )
        await ctx.wait({ seconds: 5 })
        return charged
      }),
      seeds: 15
    })
    assert.isTrue(report.ok, report.summary)
    // Every run (the fault-free one and 15 seeds) started the body, so the invariant had attempts to check.
    assert.isAtLeast(bodies, 16)
    assert.isAbove(report.runs.filter((r) => r.applied.length > 0).length, 5)
  })
})
