import { Determinism, Faults, History } from "@durable-lambda/testing"
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { makeHandler, MAX_CHECKS } from "../src/handler.ts"
import { fails, fakeServices, finishes, neverFinishes } from "./fakes.ts"
import { goldenRun, request, runJob } from "./scenarios.ts"
import { faultScenario } from "./faults.scenario.ts"

const golden = JSON.parse(readFileSync(new URL("./job-polling.history.json", import.meta.url), "utf8"))

/** The delays (s) the wait strategy chose between checks, as the service recorded them. */
const pollDelays = (events: ReadonlyArray<History.HistoryEvent>) =>
  events
    .filter((e) => e.EventType === "StepSucceeded" && e.SubType === "WaitForCondition")
    .map((e) => (e as any).StepSucceededDetails.RetryDetails.NextAttemptDelaySeconds as number | undefined)

describe("job-polling", () => {
  it("polls with a growing delay, suspended in between, and publishes the finished job", async () => {
    const { result, fake } = await goldenRun()

    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.deepStrictEqual(result.getResult(), {
      videoId: "v-9",
      jobId: "job-v-9-1080p",
      url: "https://videos.example.com/v-9"
    })
    assert.strictEqual(fake.checks(), 5)
    assert.deepStrictEqual(pollDelays(result.getHistoryEvents()), [10, 20, 40, 80, undefined])
    assert.deepStrictEqual([...fake.published], [["v-9", "s3://media/v-9/1080p.mp4"]])
    // One invocation per check: each suspends until the next one is due, nothing runs in between.
    assert.strictEqual(result.getInvocations().length, 5)
    assert.strictEqual(result.getCostSummary().elapsedMillis, (10 + 20 + 40 + 80) * 1000)
    // The last checked state is what the operation recorded.
    assert.deepStrictEqual(result.getOperation("await-job").getStepDetails()?.result, {
      jobId: "job-v-9-1080p",
      status: "SUCCEEDED",
      progress: 100,
      output: "s3://media/v-9/1080p.mp4"
    })
  })

  it("golden history: the run records exactly the checked-in history", async () => {
    const { result } = await goldenRun()
    assert.deepStrictEqual(History.normalize(result.getHistoryEvents()), golden)
  })

  it("a failed job fails the execution with TranscodeFailed and is not published", async () => {
    const { result, fake } = await runJob(fails)

    assert.strictEqual(result.getStatus(), "FAILED")
    assert.strictEqual(result.getError().errorType, "TranscodeFailed")
    assert.strictEqual(result.getError().errorMessage, "job job-v-9-1080p failed: unsupported codec")
    assert.strictEqual(fake.published.size, 0)
    assert.strictEqual(fake.checks(), 2)
  })

  it(`a job still running after ${MAX_CHECKS} checks is cancelled (delays capped at 5 minutes)`, async () => {
    const { result, fake } = await runJob(neverFinishes)

    assert.strictEqual(result.getStatus(), "FAILED")
    assert.strictEqual(result.getError().errorType, "TranscodeTimedOut")
    assert.include(result.getError().errorMessage, "waitForCondition exceeded maximum attempts (20)")
    assert.strictEqual(fake.checks(), MAX_CHECKS)
    assert.deepStrictEqual(fake.cancelled, ["job-v-9-1080p"])
    const delays = pollDelays(result.getHistoryEvents())
    assert.deepStrictEqual(delays.slice(0, 7), [10, 20, 40, 80, 160, 300, 300])
    assert.strictEqual(Math.max(...delays.filter((d) => d !== undefined)), 300)
  })

  it("determinism: restarts from every checkpoint prefix agree", async () => {
    for (const script of [finishes, fails]) {
      const report = await Determinism.check(makeHandler(fakeServices(script).services), { payload: request })
      assert.isTrue(report.ok, report.summary)
    }
  })

  it("faults: 20 seeded schedules keep the outcome; the job is submitted and published once", async () => {
    const report = await Faults.checkFaults({ ...faultScenario(), seeds: 20 })
    assert.isTrue(report.ok, report.summary)
    assert.strictEqual(report.baselineEffects.count("submit:job-v-9-1080p"), 1)
    assert.strictEqual(report.baselineEffects.count("publish:v-9"), 1)
    assert.isAbove(report.runs.filter((r) => r.applied.length > 0).length, 10)
  })
})
