import {
  createRetryStrategy,
  createWaitStrategy,
  JitterStrategy,
  retryPresets,
  withDurableExecution
} from "@durable-lambda/core/async"
import { assert, describe, it } from "@effect/vitest"
import { Callbacks, History, LocalDurableTestRunner, WaitingOperationStatus } from "../src/index.ts"

const T0 = Date.UTC(2025, 0, 1)
const DAY = 86_400_000

const types = (result: { getHistoryEvents(): ReadonlyArray<History.HistoryEvent> }) =>
  result.getHistoryEvents().map((e) => e.EventType)

describe("LocalDurableTestRunner", () => {
  it("run: steps and a 7-day wait on virtual time, with service-exact order and timestamps", async () => {
    const handler = withDurableExecution(async (event: { n: number }, ctx) => {
      const a = await ctx.step("double", async () => event.n * 2)
      await ctx.wait("cool-off", { days: 7 })
      return ctx.step("add", async () => a + 1)
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run({ payload: { n: 20 } })
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.strictEqual(result.getResult(), 41)
    assert.deepStrictEqual(types(result), [
      "ExecutionStarted",
      "StepStarted",
      "StepSucceeded",
      "WaitStarted",
      "InvocationCompleted",
      "WaitSucceeded",
      "StepStarted",
      "StepSucceeded",
      "InvocationCompleted",
      "ExecutionSucceeded"
    ])
    const events = result.getHistoryEvents()
    assert.deepStrictEqual(
      events.map((e) => e.EventId),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    )
    const started = events[3] as History.HistoryEvent & {
      WaitStartedDetails: { Duration: number; ScheduledEndTimestamp: Date }
    }
    assert.strictEqual(started.WaitStartedDetails.Duration, 7 * 86_400)
    assert.strictEqual(started.WaitStartedDetails.ScheduledEndTimestamp.getTime(), T0 + 7 * DAY)
    // The suspending invocation completes before the wait fires, at the time it suspended.
    assert.strictEqual(events[4]!.EventTimestamp.getTime(), T0)
    assert.strictEqual(events[5]!.EventTimestamp.getTime(), T0 + 7 * DAY)
    assert.strictEqual(events[9]!.EventTimestamp.getTime(), T0 + 7 * DAY)
    const wait = result.getOperation("cool-off")
    assert.deepStrictEqual(wait.getWaitDetails(), {
      waitSeconds: 604_800,
      scheduledEndTimestamp: new Date(T0 + 7 * DAY)
    })
    assert.strictEqual(wait.getEndTimestamp()?.getTime(), T0 + 7 * DAY)
    const invocations = result.getInvocations()
    assert.strictEqual(invocations.length, 2)
    assert.strictEqual(invocations[0]!.status, "PENDING")
    assert.strictEqual(invocations[1]!.replayedOperations, 2)
    assert.deepStrictEqual(invocations[1]!.newOperationIds, [result.getOperation("add").getId()!])
  })

  it("run: retries count attempts as the service does and wait their delay in virtual time", async () => {
    let calls = 0
    const handler = withDurableExecution(async (_event, ctx) =>
      ctx.step(
        "flaky",
        async () => {
          calls++
          if (calls < 3) throw new Error(`failure ${calls}`)
          return "ok"
        },
        {
          retryStrategy: createRetryStrategy({
            maxAttempts: 5,
            initialDelay: { seconds: 10 },
            backoffRate: 2,
            jitter: JitterStrategy.NONE
          })
        }
      )
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getResult(), "ok")
    const retries = result
      .getHistoryEvents()
      .filter((e) => e.EventType === "StepFailed" || e.EventType === "StepSucceeded")
      .map((e) => (e as unknown as { [k: string]: { RetryDetails: unknown } })[`${e.EventType}Details`]!.RetryDetails)
    assert.deepStrictEqual(retries, [
      { CurrentAttempt: 1, NextAttemptDelaySeconds: 10 },
      { CurrentAttempt: 2, NextAttemptDelaySeconds: 20 },
      { CurrentAttempt: 3 }
    ])
    const step = result.getOperation("flaky").getStepDetails()!
    assert.strictEqual(step.attempt, 3)
    assert.strictEqual(step.result, "ok")
    const starts = result
      .getHistoryEvents()
      .filter((e) => e.EventType === "StepStarted")
      .map((e) => e.EventTimestamp.getTime() - T0)
    assert.deepStrictEqual(starts, [0, 10_000, 30_000])
    assert.strictEqual(result.getInvocations().length, 3)
  })

  it("run: a step failing without retry fails the execution with its error", async () => {
    const handler = withDurableExecution(async (_event, ctx) =>
      ctx.step(
        "boom",
        async () => {
          throw new TypeError("bad input")
        },
        { retryStrategy: retryPresets.noRetry }
      )
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getStatus(), "FAILED")
    assert.strictEqual(result.getError().errorMessage, "bad input")
    assert.throws(() => result.getResult(), /bad input/)
    assert.strictEqual(result.getOperation("boom").getStepDetails()!.error?.errorType, "TypeError")
    assert.strictEqual(types(result).at(-1), "ExecutionFailed")
  })

  it("run: child contexts nest their operations and replay as one result", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      const total = await ctx.runInChildContext("batch", async (child) => {
        const a = await child.step("a", async () => 1)
        await child.wait({ seconds: 30 })
        return a + (await child.step("b", async () => 2))
      })
      return total
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getResult(), 3)
    const batch = result.getOperation("batch")
    assert.strictEqual(batch.getType(), "CONTEXT")
    assert.strictEqual(batch.getContextDetails()!.result, 3)
    assert.deepStrictEqual(
      batch.getChildOperations().map((op) => op.getName() ?? op.getType()),
      ["a", "WAIT", "b"]
    )
    assert.strictEqual(result.getOperationByIndex(1).getName(), "a")
    assert.strictEqual(result.getOperationByIndex(1).getParentId(), batch.getId())
    assert.strictEqual(result.getOperations({ status: "SUCCEEDED" }).length, 4)
  })

  it("waitForData + sendCallbackSuccess: drive a callback by hand while run() is pending", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      const [answer, callbackId] = await ctx.createCallback<string>("approval", { timeout: { hours: 1 } })
      await ctx.step("notify", async () => `sent ${callbackId.length > 0}`)
      return `approved: ${await answer}`
    })
    const runner = new LocalDurableTestRunner({ handlerFunction: handler })
    const approval = runner.getOperation("approval")
    const pending = runner.run()
    await approval.waitForData(WaitingOperationStatus.STARTED)
    assert.isTrue(approval.isCallback())
    assert.match(approval.getCallbackDetails().callbackId, /^[A-Za-z0-9+/]+={0,2}$/)
    await approval.sendCallbackSuccess("yes")
    const result = await pending
    assert.strictEqual(result.getResult(), "approved: yes")
    assert.strictEqual(approval.getCallbackDetails().result, "yes")
    const error = await approval.sendCallbackSuccess("again").then(
      () => undefined,
      (e: Error) => e
    )
    assert.strictEqual(error?.name, "CallbackTimeoutException")
  })

  it("callbacks: an unanswered callback times out in virtual time with Callback.Timeout", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      const [answer] = await ctx.createCallback("approval", { timeout: { days: 2 } })
      try {
        return await answer
      } catch (error) {
        return `gave up: ${(error as Error).name}`
      }
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.match(String(result.getResult()), /^gave up: /)
    const timedOut = result.getHistoryEvents().find((e) => e.EventType === "CallbackTimedOut") as unknown as {
      EventTimestamp: Date
      CallbackTimedOutDetails: { Error: { Payload: { ErrorType: string } } }
    }
    assert.strictEqual(timedOut.CallbackTimedOutDetails.Error.Payload.ErrorType, "Callback.Timeout")
    assert.strictEqual(timedOut.EventTimestamp.getTime(), T0 + 2 * DAY)
  })

  it("callbacks: scripted responders with heartbeats keep a callback alive past its heartbeat timeout", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      const [answer] = await ctx.createCallback("job", { heartbeatTimeout: { minutes: 10 } })
      return await answer
    })
    const runner = new LocalDurableTestRunner({ handlerFunction: handler }).onCallback(
      "job",
      Callbacks.heartbeat(9 * 60_000),
      Callbacks.heartbeat(9 * 60_000),
      Callbacks.success('"done"', 9 * 60_000)
    )
    const result = await runner.run()
    assert.strictEqual(result.getResult(), '"done"')
    const succeeded = result.getHistoryEvents().find((e) => e.EventType === "CallbackSucceeded")!
    assert.strictEqual(succeeded.EventTimestamp.getTime(), T0 + 27 * 60_000)
  })

  it("waitForCallback: a handle on the WaitForCallback context waits for SUBMITTED and answers the callback", async () => {
    const submitted: Array<string> = []
    const handler = withDurableExecution(async (_event, ctx) =>
      ctx.waitForCallback<string>("approval", async (callbackId) => {
        submitted.push(callbackId)
      })
    )
    const runner = new LocalDurableTestRunner({ handlerFunction: handler })
    const approval = runner.getOperation("approval")
    const pending = runner.run()
    await approval.waitForData(WaitingOperationStatus.SUBMITTED)
    assert.isTrue(approval.isWaitForCallback())
    assert.strictEqual(approval.getCallbackDetails().callbackId, submitted[0])
    await approval.sendCallbackSuccess("granted")
    const result = await pending
    assert.strictEqual(result.getResult(), "granted")
    const signature = History.signatures(result.getHistoryEvents())
    assert.deepStrictEqual(signature.slice(1, 5), [
      "ContextStarted|WaitForCallback|approval",
      "CallbackStarted|Callback|",
      "StepStarted|Step|",
      "StepSucceeded|Step|"
    ])
    assert.strictEqual(signature.at(-2), "InvocationCompleted||")
    assert.include(signature, "ContextSucceeded|WaitForCallback|approval")
  })

  it("waitForCondition: each poll re-invokes after its delay in virtual time", async () => {
    let polls = 0
    const handler = withDurableExecution(async (_event, ctx) =>
      ctx.waitForCondition<number>(
        "until-ready",
        async (state) => {
          polls++
          return state + 1
        },
        {
          initialState: 0,
          waitStrategy: createWaitStrategy({
            shouldContinuePolling: (n: number) => n < 3,
            initialDelay: { seconds: 30 },
            backoffRate: 1,
            jitter: JitterStrategy.NONE
          })
        }
      )
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getResult(), 3)
    assert.strictEqual(polls, 3)
    assert.strictEqual(result.getInvocations().length, 3)
    const starts = result
      .getHistoryEvents()
      .filter((e) => e.EventType === "StepStarted")
      .map((e) => e.EventTimestamp.getTime() - T0)
    assert.deepStrictEqual(starts, [0, 30_000, 60_000])
  })

  it("map: concurrent iterations run as child contexts and replay deterministically", async () => {
    const handler = withDurableExecution(async (event: { ids: Array<number> }, ctx) => {
      const batch = await ctx.map("fetch-all", event.ids, async (child, id) => {
        await child.wait({ seconds: id })
        return child.step(`fetch-${id}`, async () => id * 10)
      })
      return batch.getResults()
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run({ payload: { ids: [3, 1, 2] } })
    assert.strictEqual(result.getStatus(), "SUCCEEDED", result.format())
    assert.deepStrictEqual(result.getResult(), [30, 10, 20])
    const map = result.getOperation("fetch-all")
    assert.strictEqual(map.getSubType(), "Map")
    assert.strictEqual(map.getChildOperations().length, 3)
    assert.isTrue(map.getChildOperations().every((c) => c.getSubType() === "MapIteration"))
  })

  it("map FLAT: the items' operations are the Map operation's children; suspended items resume", async () => {
    let fetched = 0
    const handler = withDurableExecution(async (event: { ids: Array<number> }, ctx) => {
      const batch = await ctx.map(
        "fetch-all",
        event.ids,
        async (child, id) => {
          await child.wait({ seconds: id })
          return child.step(`fetch-${id}`, async () => {
            fetched++
            return id * 10
          })
        },
        { nesting: "FLAT" }
      )
      return batch.getResults()
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run({ payload: { ids: [3, 1, 2] } })
    assert.strictEqual(result.getStatus(), "SUCCEEDED", result.format())
    assert.deepStrictEqual(result.getResult(), [30, 10, 20])
    assert.strictEqual(fetched, 3)
    assert.isAbove(result.getInvocations().length, 1)
    const map = result.getOperation("fetch-all")
    assert.deepStrictEqual(
      map
        .getChildOperations()
        .map((c) => `${c.getType()} ${c.getName() ?? "-"}`)
        .sort(),
      ["STEP fetch-1", "STEP fetch-2", "STEP fetch-3", "WAIT -", "WAIT -", "WAIT -"]
    )
  })

  it("details accessors: undefined before the operation exists, an error for the wrong type", async () => {
    const handler = withDurableExecution(async (_event, ctx) => ctx.step("only", async () => 1))
    const runner = new LocalDurableTestRunner({ handlerFunction: handler })
    assert.isUndefined(runner.getOperation("only").getStepDetails())
    assert.isUndefined(runner.getOperation("only").getStatus())
    const result = await runner.run()
    assert.strictEqual(runner.getOperation("only").getStepDetails()?.result, 1)
    assert.throws(() => result.getOperation("only").getWaitDetails(), /^Operation type STEP is not WAIT$/)
    assert.throws(() => result.getOperation("only").getChainedInvokeDetails(), /^Operation type STEP is not INVOKE$/)
    assert.throws(() => result.getOperation("only").getCallbackDetails(), /is not a valid callback/)
    runner.reset()
    assert.isUndefined(runner.getOperation("only").getStatus())
  })

  it("waitForData: rejects when the run ends without the operation", async () => {
    const handler = withDurableExecution(async (_event, ctx) => ctx.step("only", async () => 1))
    const runner = new LocalDurableTestRunner({ handlerFunction: handler })
    const missing = runner.getOperation("never")
    const waiting = missing.waitForData().then(
      () => "resolved",
      (e: Error) => e.message
    )
    await runner.run()
    assert.match(await waiting, /^Operation was not found after execution completion\. Expected status: STARTED/)
  })

  it("registerDurableFunction / registerFunction: chained invokes run their targets", async () => {
    const child = withDurableExecution(async (event: { x: number }, ctx) => {
      await ctx.wait({ minutes: 5 })
      return ctx.step("square", async () => event.x * event.x)
    })
    const handler = withDurableExecution(async (_event, ctx) => {
      const squared = await ctx.invoke("square-it", "squarer:$LATEST", { x: 7 })
      const greeting = await ctx.invoke("greet-it", "greeter", { name: "Ada" })
      let missing: string
      try {
        await ctx.invoke("nowhere", "missing-fn", {})
        missing = "no error"
      } catch (error) {
        missing = (error as Error).message
      }
      return { squared, greeting, missing }
    })
    const runner = new LocalDurableTestRunner({ handlerFunction: handler })
      .registerDurableFunction("squarer:$LATEST", child)
      .registerFunction("greeter", async (event: { name: string }) => `hello ${event.name}`)
    const result = await runner.run()
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    const value = result.getResult() as { squared: number; greeting: string; missing: string }
    assert.strictEqual(value.squared, 49)
    assert.strictEqual(value.greeting, "hello Ada")
    assert.match(value.missing, /Function not found: missing-fn/)
    const started = result.getHistoryEvents().find((e) => e.EventType === "ChainedInvokeStarted") as unknown as {
      ChainedInvokeStartedDetails: {
        FunctionName: string
        Input: { Payload: string }
        ExecutedVersion: string
        DurableExecutionArn: string
      }
    }
    assert.strictEqual(started.ChainedInvokeStartedDetails.FunctionName, "squarer:$LATEST")
    assert.strictEqual(started.ChainedInvokeStartedDetails.Input.Payload, '{"x":7}')
    assert.strictEqual(started.ChainedInvokeStartedDetails.ExecutedVersion, "$LATEST")
    assert.match(
      started.ChainedInvokeStartedDetails.DurableExecutionArn,
      /^arn:aws:lambda:us-east-1:123456789012:function:squarer:/
    )
    const invoke = result.getOperation("square-it")
    assert.strictEqual(invoke.getChainedInvokeDetails()!.result, 49)
    const childRun = invoke.getChildExecution()
    assert.strictEqual(childRun?.status, "SUCCEEDED")
    // The child runs under the ARN the service announced in ChainedInvokeStarted.
    assert.strictEqual(childRun?.durableExecutionArn, started.ChainedInvokeStartedDetails.DurableExecutionArn)
    assert.strictEqual(childRun?.history.filter((e) => e.EventType === "WaitSucceeded").length, 1)
    const childDone = result.getHistoryEvents().find((e) => e.EventType === "ChainedInvokeSucceeded")!
    assert.strictEqual(childDone.EventTimestamp.getTime(), T0 + 5 * 60_000)
  })

  it("run: the execution timeout closes the execution after the suspended invocation's InvocationCompleted", async () => {
    const handler = withDurableExecution(async (_event, ctx) => ctx.wait({ hours: 2 }))
    const result = await new LocalDurableTestRunner({ handlerFunction: handler, executionTimeoutSeconds: 3600 }).run()
    assert.strictEqual(result.getStatus(), "TIMED_OUT")
    assert.deepStrictEqual(types(result), [
      "ExecutionStarted",
      "WaitStarted",
      "InvocationCompleted",
      "ExecutionTimedOut"
    ])
    assert.strictEqual(result.getHistoryEvents()[3]!.EventTimestamp.getTime(), T0 + 3_600_000)
  })

  it("run: independent runs never share state, even concurrently", async () => {
    const handler = withDurableExecution(async (event: { id: number }, ctx) => {
      await ctx.wait({ seconds: event.id })
      return ctx.step("echo", async () => event.id)
    })
    const runner = new LocalDurableTestRunner({ handlerFunction: handler })
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        new LocalDurableTestRunner({ handlerFunction: handler }).run({ payload: { id: i + 1 } })
      )
    )
    assert.deepStrictEqual(
      results.map((r) => r.getResult()),
      [1, 2, 3, 4, 5, 6, 7, 8]
    )
    for (const r of results) assert.strictEqual(r.getHistoryEvents().length, 8)
    const again = await runner.run({ payload: { id: 3 } })
    assert.strictEqual(again.getHistoryEvents()[0]!.EventId, 1)
  })

  it("run: small state pages and full checkpoint responses exercise the SDK's paging and merging", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      const values: Array<number> = []
      for (let i = 0; i < 5; i++) values.push(await ctx.step(`s${i}`, async () => i))
      await ctx.wait({ seconds: 10 })
      return values
    })
    const paged = await new LocalDurableTestRunner({
      handlerFunction: handler,
      pageSize: 2,
      newExecutionState: "full"
    }).run()
    assert.deepStrictEqual(paged.getResult(), [0, 1, 2, 3, 4])
    assert.isAbove(paged.getCostSummary().getStateCalls, 0)
    const plain = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(plain.getCostSummary().getStateCalls, 0)
    assert.deepStrictEqual(History.normalize(paged.getHistoryEvents()), History.normalize(plain.getHistoryEvents()))
  })

  it("waitForData(COMPLETED): resolves when the operation reaches a terminal status", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      await ctx.wait("nap", { minutes: 3 })
      return ctx.step("after", async () => "awake")
    })
    const runner = new LocalDurableTestRunner({ handlerFunction: handler })
    const nap = runner.getOperation("nap")
    const pending = runner.run()
    await nap.waitForData(WaitingOperationStatus.COMPLETED)
    assert.strictEqual(nap.getStatus(), "SUCCEEDED")
    assert.strictEqual((await pending).getResult(), "awake")
  })

  it("print / format: timeline with invocations, service events and a cost summary", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      await ctx.step("a", async () => "x")
      await ctx.wait("pause", { hours: 3 })
      return "done"
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    const lines: Array<string> = []
    result.print({ write: (text) => lines.push(text) })
    const text = lines.join("\n")
    assert.include(text, "┌ invocation 1")
    assert.include(text, "┌ invocation 2")
    assert.include(text, "replays 2 operations")
    assert.match(text, /⏱ \+03:00:00\s+#6 WaitSucceeded Wait "pause"/)
    assert.include(text, "InvocationCompleted PENDING (suspended)")
    assert.include(text, "Invocations: 2")
    const cost = result.getCostSummary()
    assert.strictEqual(cost.invocations, 2)
    assert.strictEqual(
      cost.checkpointCalls,
      result.getInvocations().reduce((n, i) => n + i.checkpointCalls, 0)
    )
    assert.isAbove(cost.checkpointBytes, 0)
    assert.strictEqual(cost.elapsedMillis, 3 * 3_600_000)
    assert.isAtLeast(cost.billedDurationMillis, 2)
    assert.notInclude(result.format({ timeline: false, cost: false }), "Invocations:")
  })

  it("run: real time is available as an option", async () => {
    const handler = withDurableExecution(async (_event, ctx) => {
      await ctx.wait({ seconds: 1 })
      return "woke"
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler, time: "real" }).run()
    assert.strictEqual(result.getResult(), "woke")
    assert.deepStrictEqual(types(result).slice(2, 4), ["InvocationCompleted", "WaitSucceeded"])
    // The service never fires a timer early: WaitSucceeded is stamped at or after the scheduled end.
    const events = result.getHistoryEvents()
    const scheduled = (events[1] as unknown as { WaitStartedDetails: { ScheduledEndTimestamp: Date } })
      .WaitStartedDetails.ScheduledEndTimestamp
    assert.isAtLeast(events[3]!.EventTimestamp.getTime(), scheduled.getTime())
  })

  it("setupTestEnvironment({ skipTime: true }) / teardownTestEnvironment: a year-long wait still takes no real time", async () => {
    await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true })
    const handler = withDurableExecution(async (_event, ctx) => ctx.wait({ days: 365 }))
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    await LocalDurableTestRunner.teardownTestEnvironment()
  })
})
