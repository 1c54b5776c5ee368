import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { withDurableExecution } from "@durable-lambda/core/async"
import { assert, describe, it } from "@effect/vitest"
import { Faults, History, LocalDurableTestRunner } from "../src/index.ts"
import * as Fixtures from "./fixtures/crashing.ts"

const fixture = new URL("./fixtures/crashing.ts", import.meta.url)
const marker = () => join(mkdtempSync(join(tmpdir(), "durable-testing-")), "marker")

const invocationErrors = (result: {
  getInvocations(): ReadonlyArray<{
    error?: { errorType: string | undefined; errorMessage: string | undefined } | undefined
  }>
}) =>
  result
    .getInvocations()
    .flatMap((i) => (i.error === undefined ? [] : [`${i.error.errorType}: ${i.error.errorMessage}`]))

describe("Isolation", () => {
  describe("in-process (default)", () => {
    it("process.exit inside a step ends only that invocation; the service re-invokes", async () => {
      const exitBefore = process.exit
      const result = await new LocalDurableTestRunner({ handlerFunction: Fixtures.exits }).run({
        payload: { marker: marker() }
      })
      assert.strictEqual(process.exit, exitBefore)
      assert.strictEqual(result.getStatus(), "SUCCEEDED")
      assert.strictEqual(result.getResult(), "ready/survived")
      const errors = invocationErrors(result)
      assert.strictEqual(errors.length, 1)
      assert.match(errors[0]!, /^Runtime\.ExitError: RequestId: \S+ Error: Runtime exited with error: exit status 3$/)
      const completed = result.getHistoryEvents().find((e) => e.EventType === "InvocationCompleted") as unknown as {
        InvocationCompletedDetails: { Error: { Payload: { ErrorType: string } } }
      }
      assert.strictEqual(completed.InvocationCompletedDetails.Error.Payload.ErrorType, "Runtime.ExitError")
      assert.strictEqual(result.getInvocations()[0]!.status, "CRASHED")
    })

    it("an exception thrown from a timer callback crashes only that invocation", async () => {
      const result = await new LocalDurableTestRunner({ handlerFunction: Fixtures.throwsOutside }).run({
        payload: { marker: marker() }
      })
      assert.strictEqual(result.getResult(), "ok")
      const errors = invocationErrors(result)
      assert.strictEqual(errors.length, 1)
      assert.match(errors[0]!, /^Runtime\.ExitError: .*exit status 129 \(uncaught Error: kaboom from a timer\)$/)
    })

    it("an unhandled rejection crashes only that invocation", async () => {
      let first = true
      const handler = withDurableExecution(async (_event, ctx) =>
        ctx.step("reject", async () => {
          if (first) {
            first = false
            void Promise.reject(new RangeError("nobody listens"))
            await new Promise<never>(() => {})
          }
          return "ok"
        })
      )
      const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
      assert.strictEqual(result.getResult(), "ok")
      assert.deepStrictEqual(invocationErrors(result), [
        "Runtime.UnhandledPromiseRejection: RangeError: nobody listens"
      ])
    })

    it("a handler that keeps crashing fails the run after maxConsecutiveFunctionErrors", async () => {
      const handler = withDurableExecution(async (_event, ctx) => ctx.step("always", async () => process.exit(9)))
      let message = ""
      try {
        await new LocalDurableTestRunner({ handlerFunction: handler, maxConsecutiveFunctionErrors: 3 }).run()
      } catch (error) {
        message = (error as Error).message
      }
      assert.match(
        message,
        /^3 invocations in a row ended with a function error; last: Runtime\.ExitError: .*exit status 9$/
      )
    })
  })

  describe("worker threads", () => {
    it("process.exit kills the worker; the next invocation gets a fresh one", async () => {
      const runner = new LocalDurableTestRunner({
        handlerFunction: Fixtures.exits,
        isolation: "worker",
        handlerModule: fixture,
        handlerExport: "exits"
      })
      const result = await runner.run({ payload: { marker: marker() } })
      assert.strictEqual(result.getResult(), "ready/survived")
      const errors = invocationErrors(result)
      assert.strictEqual(errors.length, 1)
      assert.match(errors[0]!, /^Runtime\.ExitError: .*exit status 3$/)
    })

    it("an uncaught exception in the worker is reported as the runtime would, then re-invoked", async () => {
      const result = await new LocalDurableTestRunner({
        handlerFunction: Fixtures.throwsOutside,
        isolation: "worker",
        handlerModule: fixture.pathname,
        handlerExport: "throwsOutside"
      }).run({ payload: { marker: marker() } })
      assert.strictEqual(result.getResult(), "ok")
      assert.match(invocationErrors(result)[0]!, /uncaught Error: kaboom from a timer/)
    })

    it("a worker run records the same history as an in-process run", async () => {
      const inProcess = await new LocalDurableTestRunner({ handlerFunction: Fixtures.plain }).run()
      const isolated = await new LocalDurableTestRunner({
        handlerFunction: Fixtures.plain,
        isolation: "worker",
        handlerModule: fixture,
        handlerExport: "plain"
      }).run()
      assert.deepStrictEqual(
        History.normalize(isolated.getHistoryEvents()),
        History.normalize(inProcess.getHistoryEvents())
      )
      assert.deepStrictEqual(isolated.getResult(), { v: 5, child: 10 })
    })

    it("faults apply to worker invocations too: a crash after a checkpoint terminates the thread", async () => {
      const result = await new LocalDurableTestRunner({
        handlerFunction: Fixtures.plain,
        isolation: "worker",
        handlerModule: fixture,
        handlerExport: "plain",
        faults: [Faults.crashAfter(1)]
      }).run()
      assert.deepStrictEqual(result.getResult(), { v: 5, child: 10 })
      const errors = invocationErrors(result)
      assert.strictEqual(errors.length, 1)
      assert.match(errors[0]!, /^Runtime\.ExitError: .*Runtime exited with signal: killed$/)
      assert.strictEqual(result.getInvocations()[0]!.fault, "CrashAfterCheckpoint@1")
    })

    it("a module export that is not a durable handler fails the invocation with a clear error", async () => {
      let message = ""
      try {
        await new LocalDurableTestRunner({
          handlerFunction: Fixtures.plain,
          isolation: "worker",
          handlerModule: fixture,
          handlerExport: "notDurable",
          maxConsecutiveFunctionErrors: 1
        }).run()
      } catch (error) {
        message = (error as Error).message
      }
      assert.match(message, /does not export a durable Lambda handler named "notDurable"/)
    })
  })
})
