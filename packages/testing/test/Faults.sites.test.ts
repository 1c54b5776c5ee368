import { randomUUID } from "node:crypto"
import { withDurableExecution } from "@durable-lambda/core/async"
import { assert, describe, it } from "@effect/vitest"
import { Faults, TestRunner } from "../src/index.ts"

/** Six steps, a wait, a last step: the second invocation replays 7 operations, read in pages with `pageSize: 2`. */
const longWorkflow = (effects: Faults.EffectLog) =>
  withDurableExecution(async (_event: unknown, ctx) => {
    const parts: Array<string> = []
    for (let i = 1; i <= 6; i++) parts.push(await ctx.step(`part-${i}`, async () => `p${i}`))
    await ctx.wait("cool-off", { minutes: 5 })
    const sent = await ctx.step("send", async () => {
      effects.record("send")
      return parts.join("+")
    })
    return { sent }
  })

const paged = { pageSize: 2 } as const

/** A parent that invokes a durable child; the child runs two steps around a wait. */
const CHILD = "pricing:$LATEST"
const childHandler = withDurableExecution(async (event: { sku: string }, ctx) => {
  const base = await ctx.step("base-price", async () => 40)
  await ctx.wait("rate-limit", { seconds: 30 })
  return await ctx.step("with-tax", async () => ({ sku: event.sku, total: base * 1.25 }))
})
const parentHandler = withDurableExecution(async (_event: unknown, ctx) => {
  const priced = await ctx.invoke<{ sku: string }, { sku: string; total: number }>("price", CHILD, { sku: "book" })
  return await ctx.step("confirm", async () => `confirmed ${priced.sku} at ${priced.total}`)
})
const functions = new Map([[CHILD, TestRunner.durableFunction(childHandler)]])

describe("Faults: GetDurableExecutionState calls", () => {
  const kinds: ReadonlyArray<[Faults.Fault, RegExp]> = [
    [Faults.throttle(1, { call: "GetDurableExecutionState" }), /Rate exceeded/],
    [Faults.serviceError(2, 503, { call: "GetDurableExecutionState" }), /Service unavailable/],
    [Faults.staleToken(1, { call: "GetDurableExecutionState" }), /[Tt]oken/],
    [Faults.crashBefore(1, { call: "GetDurableExecutionState" }), /Runtime exited with signal: killed/],
    [Faults.crashAfter(2, { call: "GetDurableExecutionState" }), /Runtime exited with signal: killed/],
    [Faults.lose(1, { call: "GetDurableExecutionState" }), /Task timed out/]
  ]
  for (const [fault, error] of kinds) {
    it(`${Faults.describeSchedule([fault])}: strikes a state read; the execution recovers with nothing lost`, async () => {
      const run = await Faults.checkSchedule({ makeHandler: longWorkflow, ...paged }, [fault])
      assert.deepStrictEqual(run.violations, [])
      assert.deepStrictEqual(run.applied, [fault])
      const struck = run.result!.getInvocations().filter((i) => i.fault !== undefined)
      assert.strictEqual(struck.length, 1)
      assert.match(struck[0]!.fault!, /@root\/GetDurableExecutionState#/)
      assert.match(`${struck[0]!.error?.errorType}: ${struck[0]!.error?.errorMessage}`, error)
      assert.deepStrictEqual(run.result!.getResult(), { sent: "p1+p2+p3+p4+p5+p6" })
    })
  }

  it("DelayResponse on a state read lets time pass; the result is unchanged", async () => {
    const fault = Faults.delay(1, 30_000, { call: "GetDurableExecutionState" })
    const run = await Faults.checkSchedule({ makeHandler: longWorkflow, ...paged }, [fault])
    assert.deepStrictEqual(run.violations, [])
    assert.deepStrictEqual(run.applied, [fault])
  })
})

describe("Faults: an invoked child execution's calls", () => {
  it("a crash before the child's checkpoint re-invokes the child; the parent gets the same result", async () => {
    const fault = Faults.crashBefore(2, { execution: "invoked" })
    const run = await Faults.checkSchedule({ handler: parentHandler, functions }, [fault])
    assert.deepStrictEqual(run.violations, [])
    assert.deepStrictEqual(run.applied, [fault])
    assert.strictEqual(run.result!.getResult(), "confirmed book at 50")
    // The root was not struck: its invocations carry no fault.
    assert.isTrue(run.result!.getInvocations().every((i) => i.fault === undefined))
  })

  it("throttling, a stale token and a lost checkpoint in the child are all survived", async () => {
    for (const fault of [
      Faults.throttle(1, { execution: "invoked" }),
      Faults.staleToken(3, { execution: "invoked" }),
      Faults.lose(2, { execution: "invoked" })
    ]) {
      const run = await Faults.checkSchedule({ handler: parentHandler, functions }, [fault])
      assert.deepStrictEqual(run.violations, [], Faults.describeSchedule([fault]))
      assert.deepStrictEqual(run.applied, [fault])
    }
  })
})

describe("Faults: a duplicate delivery's own calls", () => {
  it("a throttled duplicate ends in an invocation error; the real delivery's results stand", async () => {
    const faults = [Faults.duplicateInvocation(1), Faults.throttle(1, { execution: "duplicate" })]
    const run = await Faults.checkSchedule({ makeHandler: longWorkflow }, faults)
    assert.deepStrictEqual(run.violations, [])
    assert.includeDeepMembers([...run.applied], faults)
    const duplicate = run.result!.getDuplicateInvocations()[0]!
    assert.strictEqual(duplicate.fault, "Throttle@duplicate/Checkpoint#1")
    assert.match(duplicate.error?.errorMessage ?? "", /Rate exceeded/)
  })

  it("a duplicate whose checkpoint is lost hangs until its Lambda timeout, and the run still finishes", async () => {
    const faults = [Faults.duplicateInvocation(1), Faults.lose(1, { execution: "duplicate" })]
    const run = await Faults.checkSchedule({ makeHandler: longWorkflow }, faults)
    assert.deepStrictEqual(run.violations, [])
    const duplicate = run.result!.getDuplicateInvocations()[0]!
    assert.match(duplicate.error?.errorType ?? "", /Sandbox\.Timedout/)
  })
})

describe("Faults: seeded schedules reach every site", () => {
  it("checkFaults draws faults on state reads, invoked executions and duplicates, and every run keeps the invariants", async () => {
    const report = await Faults.checkFaults({ handler: parentHandler, functions, pageSize: 1, seeds: 60 })
    assert.isTrue(report.ok, report.summary)
    assert.isAbove(report.scheduleOptions.calls?.["invoked/Checkpoint"] ?? 0, 0)
    const sites = new Set(
      report.runs.flatMap((r) =>
        r.applied.flatMap((f) => (f._tag === "DuplicateInvocation" ? [] : [Faults.siteKey(f.site)]))
      )
    )
    for (const site of [
      "root/Checkpoint",
      "root/GetDurableExecutionState",
      "invoked/Checkpoint",
      "duplicate/Checkpoint"
    ]) {
      assert.isTrue(sites.has(site as Faults.SiteKey), `no fault applied at ${site}: ${[...sites].join(", ")}`)
    }
  })
})

describe("Faults: the baseline is checked", () => {
  /** A mutation that broke the workflow itself: it fails without any fault. */
  const broken = withDurableExecution(async (_event: unknown, ctx) => {
    await ctx.step("prepare", async () => "ok")
    throw new Error("No callback ID")
  })

  it("a baseline that does not succeed fails the check with a BaselineError before any seed runs", async () => {
    let error: unknown
    try {
      await Faults.checkFaults({ handler: broken, seeds: 3 })
    } catch (e) {
      error = e
    }
    assert.instanceOf(error, Faults.BaselineError)
    assert.match((error as Error).message, /baseline ended FAILED .*No callback ID.* expects SUCCEEDED/)
    assert.strictEqual((error as Faults.BaselineError).baseline.getStatus(), "FAILED")
  })

  it("checkSchedule checks the baseline too", async () => {
    let error: unknown
    try {
      await Faults.checkSchedule({ handler: broken }, [Faults.crashBefore(1)])
    } catch (e) {
      error = e
    }
    assert.instanceOf(error, Faults.BaselineError)
  })

  it("an expected failure is accepted when stated, and an expected result is compared", async () => {
    const report = await Faults.checkFaults({ handler: broken, seeds: 5, expect: { status: "FAILED" } })
    assert.isTrue(report.ok, report.summary)
    let error: unknown
    try {
      await Faults.checkFaults({ makeHandler: longWorkflow, seeds: 1, expect: { result: { sent: "other" } } })
    } catch (e) {
      error = e
    }
    assert.instanceOf(error, Faults.BaselineError)
    assert.match(
      (error as Error).message,
      /returned \{"sent":"p1\+p2\+p3\+p4\+p5\+p6"\} but the check expects \{"sent":"other"\}/
    )
  })
})

describe("Faults: nondeterministic steps", () => {
  /** Mints an order id in a step (a new one whenever the body runs), then uses the recorded id. */
  const minting = (checkpointing: "batched" | "optimistic", useRecorded = true) =>
    withDurableExecution(
      async (_event: unknown, ctx) => {
        const id = await ctx.step("mint-id", async () => `order-${randomUUID()}`)
        const line = await ctx.step("describe", async () => `line of ${id}`)
        await ctx.wait("settle", { seconds: 10 })
        return { id: useRecorded ? id : `order-${randomUUID()}`, line }
      },
      { checkpointing }
    )

  for (const mode of ["batched", "optimistic"] as const) {
    it(`${mode}: without the declaration a minting step is reported; declared, its recorded value is compared`, async () => {
      const undeclared = await Faults.checkFaults({ handler: minting(mode), seeds: 10 })
      assert.isFalse(undeclared.ok)
      assert.match(undeclared.summary, /mint-id|final outcome differs/)
      const declared = await Faults.checkFaults({
        handler: minting(mode),
        seeds: 30,
        nondeterministicSteps: ["mint-id"]
      })
      assert.isTrue(declared.ok, declared.summary)
    })
  }

  it("declared, a result that does not use the recorded value is still caught", async () => {
    const report = await Faults.checkFaults({
      handler: minting("batched", false),
      seeds: 3,
      nondeterministicSteps: ["mint-id"]
    })
    assert.isFalse(report.ok)
    assert.match(report.summary, /final outcome differs/)
  })
})
