import {
  createRetryStrategy,
  createWaitStrategy,
  withDurableExecution,
  type DurableInstrumentationPlugin,
  type OperationInfo
} from "@durable-lambda/core/async"
import * as Aws from "@durable-lambda/backend-aws"
import { Handler, Instrumentation, Step } from "@durable-lambda/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { Callbacks, LocalDurableTestRunner } from "../src/index.ts"

/** A plugin writing one line per hook call: hook, operation (type/subtype "name"), and what varies. */
const recorder = () => {
  const calls: Array<string> = []
  const op = (i: OperationInfo) => `${i.type}/${i.subType ?? ""} ${i.name ?? "-"}${i.isReplay ? " replay" : ""}`
  const plugin: DurableInstrumentationPlugin = {
    onInvocationStart: async (i) => {
      calls.push(`invocationStart first=${i.isFirstInvocation} updated=${Object.keys(i.updatedOperations).length}`)
    },
    wrapInvocation: async (_i, fn) => {
      calls.push("wrapInvocation")
      return fn()
    },
    onInvocationEnd: async (i) => {
      calls.push(`invocationEnd ${i.status}`)
    },
    onOperationStart: async (i) => {
      calls.push(`start ${op(i)} ${i.status ?? ""}`.trimEnd())
    },
    onOperationEnd: async (i) => {
      calls.push(`end ${op(i)} ${i.status ?? ""}${i.error === undefined ? "" : ` error=${i.error.message}`}`)
    },
    onOperationAttemptStart: async (i) => {
      calls.push(`attemptStart ${op(i)} #${i.attempt}`)
    },
    onOperationAttemptEnd: async (i) => {
      calls.push(`attemptEnd ${op(i)} #${i.attempt} ${i.outcome} ${i.status ?? ""}`)
    },
    wrapOperationAttemptFn: (i, fn) => {
      calls.push(`wrapAttempt ${op(i)} #${i.attempt}`)
      return fn()
    },
    wrapChildContextFn: (i, fn) => {
      calls.push(`wrapChild ${op(i)}`)
      return fn()
    }
  }
  return { calls, plugin }
}

describe("Instrumentation plugins", () => {
  it("every hook, for a workflow using every operation, in order", async () => {
    const { calls, plugin } = recorder()
    let flaky = 0
    const handler = withDurableExecution(
      async (_event: unknown, ctx) => {
        const a = await ctx.step(
          "flaky",
          async () => {
            if (++flaky < 2) throw new Error("boom")
            return 1
          },
          { retryStrategy: createRetryStrategy({ maxAttempts: 3, initialDelay: { seconds: 5 } }) }
        )
        await ctx.wait("pause", { seconds: 10 })
        const [answer] = await ctx.createCallback<string>("approval")
        const approved = await answer
        const polled = await ctx.waitForCondition<number>("poll", async (n) => n + 1, {
          initialState: 0,
          waitStrategy: createWaitStrategy({
            shouldContinuePolling: (n: number) => n < 2,
            initialDelay: { seconds: 1 }
          })
        })
        const greeting = await ctx.invoke("greet", "greeter", { name: "Ada" })
        const child = await ctx.runInChildContext("child", async (c) => c.step("inner", async () => 2))
        const mapped = await ctx.map("items", [1], async (c, x) => c.step("double", async () => x * 2))
        const par = await ctx.parallel("branches", [async (c) => c.step("p", async () => 3)])
        return { a, approved, polled, greeting, child, mapped: mapped.getResults(), par: par.getResults() }
      },
      { plugins: [plugin] }
    )
    const runner = new LocalDurableTestRunner({ handlerFunction: handler })
      .onCallback("approval", Callbacks.success('"yes"', 1000))
      .registerFunction("greeter", async (event: { name: string }) => `hello ${event.name}`)
    const result = await runner.run()
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.deepStrictEqual(result.getResult(), {
      a: 1,
      approved: '"yes"',
      polled: 2,
      greeting: "hello Ada",
      child: 2,
      mapped: [2],
      par: [3]
    })
    assert.deepStrictEqual(calls, [
      // Invocation 1: the first attempt fails and the retry is scheduled.
      "invocationStart first=true updated=0",
      "wrapInvocation",
      "start STEP/Step flaky STARTED",
      "attemptStart STEP/Step flaky #1",
      "wrapAttempt STEP/Step flaky #1",
      "attemptEnd STEP/Step flaky #1 FAILED PENDING",
      "invocationEnd PENDING",
      // Invocation 2: the retry (a start again, as a replay), then the wait starts.
      "invocationStart first=false updated=1",
      "wrapInvocation",
      "start STEP/Step flaky replay STARTED",
      "attemptStart STEP/Step flaky #2",
      "wrapAttempt STEP/Step flaky #2",
      "attemptEnd STEP/Step flaky #2 SUCCEEDED SUCCEEDED",
      "end STEP/Step flaky SUCCEEDED",
      "start WAIT/Wait pause STARTED",
      "invocationEnd PENDING",
      // Invocation 3: the wait completed since the previous invocation; the completed step is silent.
      "invocationStart first=false updated=1",
      "wrapInvocation",
      "end WAIT/Wait pause SUCCEEDED",
      "start CALLBACK/Callback approval STARTED",
      "invocationEnd PENDING",
      "invocationStart first=false updated=1",
      "wrapInvocation",
      "end WAIT/Wait pause replay SUCCEEDED",
      "end CALLBACK/Callback approval SUCCEEDED",
      "start STEP/WaitForCondition poll STARTED",
      "attemptStart STEP/WaitForCondition poll #1",
      "wrapAttempt STEP/WaitForCondition poll #1",
      "attemptEnd STEP/WaitForCondition poll #1 SUCCEEDED PENDING",
      "invocationEnd PENDING",
      "invocationStart first=false updated=1",
      "wrapInvocation",
      "end WAIT/Wait pause replay SUCCEEDED",
      "end CALLBACK/Callback approval replay SUCCEEDED",
      "start STEP/WaitForCondition poll replay STARTED",
      "attemptStart STEP/WaitForCondition poll #2",
      "wrapAttempt STEP/WaitForCondition poll #2",
      "attemptEnd STEP/WaitForCondition poll #2 SUCCEEDED SUCCEEDED",
      "end STEP/WaitForCondition poll SUCCEEDED",
      "start CHAINED_INVOKE/ChainedInvoke greet STARTED",
      "invocationEnd PENDING",
      "invocationStart first=false updated=1",
      "wrapInvocation",
      "end WAIT/Wait pause replay SUCCEEDED",
      "end CALLBACK/Callback approval replay SUCCEEDED",
      "end CHAINED_INVOKE/ChainedInvoke greet SUCCEEDED",
      "start CONTEXT/RunInChildContext child STARTED",
      "wrapChild CONTEXT/RunInChildContext child",
      "start STEP/Step inner STARTED",
      "attemptStart STEP/Step inner #1",
      "wrapAttempt STEP/Step inner #1",
      "attemptEnd STEP/Step inner #1 SUCCEEDED SUCCEEDED",
      "end STEP/Step inner SUCCEEDED",
      "end CONTEXT/RunInChildContext child SUCCEEDED",
      "start CONTEXT/Map items STARTED",
      "wrapChild CONTEXT/Map items",
      "start CONTEXT/MapIteration map-item-0 STARTED",
      "wrapChild CONTEXT/MapIteration map-item-0",
      "start STEP/Step double STARTED",
      "attemptStart STEP/Step double #1",
      "wrapAttempt STEP/Step double #1",
      "attemptEnd STEP/Step double #1 SUCCEEDED SUCCEEDED",
      "end STEP/Step double SUCCEEDED",
      "end CONTEXT/MapIteration map-item-0 SUCCEEDED",
      "end CONTEXT/Map items SUCCEEDED",
      "start CONTEXT/Parallel branches STARTED",
      "wrapChild CONTEXT/Parallel branches",
      "start CONTEXT/ParallelBranch parallel-branch-0 STARTED",
      "wrapChild CONTEXT/ParallelBranch parallel-branch-0",
      "start STEP/Step p STARTED",
      "attemptStart STEP/Step p #1",
      "wrapAttempt STEP/Step p #1",
      "attemptEnd STEP/Step p #1 SUCCEEDED SUCCEEDED",
      "end STEP/Step p SUCCEEDED",
      "end CONTEXT/ParallelBranch parallel-branch-0 SUCCEEDED",
      "end CONTEXT/Parallel branches SUCCEEDED",
      "invocationEnd SUCCEEDED"
    ])
  })

  it("a failing hook is logged and never affects the execution; the other plugins still see everything", async () => {
    const warnings: Array<string> = []
    const logger = {
      log() {},
      error() {},
      info() {},
      debug() {},
      warn: (...params: ReadonlyArray<unknown>) => {
        warnings.push(String(params[0]))
      },
      configureDurableLoggingContext: (c: { getDurableLogData(): unknown }) => {
        c.getDurableLogData()
      }
    }
    const throwing: DurableInstrumentationPlugin = {
      onInvocationStart: async () => {
        throw new Error("start hook")
      },
      // a hook that throws synchronously (not a rejected promise)
      onOperationStart: (() => {
        throw new Error("sync throw")
      }) as () => Promise<void>,
      onOperationEnd: () => Promise.reject("not even an Error"),
      wrapOperationAttemptFn: () => {
        throw new Error("wrapper")
      },
      // swallows the failure of the function it wraps: the engine still sees the failure
      wrapChildContextFn: async (_info, fn) => {
        try {
          await fn()
        } catch {
          // swallowed
        }
        return "swallowed"
      },
      enrichLogContext: () => {
        throw new Error("enrich")
      },
      onInvocationEnd: async () => {
        throw new Error("end hook")
      }
    }
    const { calls, plugin } = recorder()
    let bodies = 0
    const handler = withDurableExecution(
      async (_event: unknown, ctx) => {
        const s = await ctx.step("s", async () => {
          bodies++
          return 1
        })
        const child = await ctx
          .runInChildContext("c", async () => {
            throw new Error("inner failure")
          })
          .catch((e: Error) => `${e.name}: ${e.message}`)
        ctx.logger.info("done")
        return { s, child }
      },
      { plugins: [throwing, plugin], logger }
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.deepStrictEqual(result.getResult(), { s: 1, child: "ChildContextError: inner failure" })
    assert.strictEqual(bodies, 1)
    assert.deepStrictEqual(calls, [
      "invocationStart first=true updated=0",
      "wrapInvocation",
      "start STEP/Step s STARTED",
      "attemptStart STEP/Step s #1",
      "wrapAttempt STEP/Step s #1",
      "attemptEnd STEP/Step s #1 SUCCEEDED SUCCEEDED",
      "end STEP/Step s SUCCEEDED",
      "start CONTEXT/RunInChildContext c STARTED",
      "wrapChild CONTEXT/RunInChildContext c",
      "end CONTEXT/RunInChildContext c FAILED error=inner failure",
      "invocationEnd SUCCEEDED"
    ])
    assert.includeMembers(warnings, [
      "Instrumentation plugin hook onInvocationStart failed: Error: start hook",
      "Instrumentation plugin hook onOperationStart failed: Error: sync throw",
      "Instrumentation plugin hook onOperationEnd failed: not even an Error",
      "Instrumentation plugin hook wrapOperationAttemptFn failed: Error: wrapper",
      "Instrumentation plugin hook enrichLogContext failed: Error: enrich",
      "Instrumentation plugin hook onInvocationEnd failed: Error: end hook"
    ])
  })

  it("enrichLogContext adds fields to every log record; onOperationChange reports status changes", async () => {
    const records: Array<Record<string, unknown>> = []
    let context: { getDurableLogData(): Record<string, unknown> } | undefined
    const logger = {
      log() {},
      error() {},
      warn() {},
      debug() {},
      info: (message: unknown) => {
        records.push({ ...context?.getDurableLogData(), message })
      },
      configureDurableLoggingContext: (c: { getDurableLogData(): Record<string, unknown> }) => {
        context = c
      }
    }
    const changes: Array<string> = []
    const plugins: Array<DurableInstrumentationPlugin> = [
      { enrichLogContext: () => ({ traceId: "t-1", sampled: true }) },
      { enrichLogContext: () => ({ traceId: "t-2" }) },
      {
        onOperationChange: async (info) => {
          for (const op of Object.values(info.updatedOperations)) {
            changes.push(`${op.name ?? op.type} ${op.status} (of ${Object.keys(info.operations).length})`)
          }
        }
      }
    ]
    const handler = withDurableExecution(
      async (_event: unknown, ctx) => {
        await ctx.step("one", async () => 1)
        ctx.logger.info("after one")
        await ctx.step("two", async () => 2)
      },
      { plugins, logger }
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getStatus(), "SUCCEEDED")
    assert.strictEqual(records.length, 1)
    // plugins merge in order: the later plugin's field wins
    assert.strictEqual(records[0]!.traceId, "t-2")
    assert.strictEqual(records[0]!.sampled, true)
    assert.strictEqual(records[0]!.message, "after one")
    // an at-least-once step's START rides with its SUCCEED: one response, one change per step
    assert.deepStrictEqual(changes, ["one SUCCEEDED (of 2)", "two SUCCEEDED (of 3)"])
  })

  it("pluginsConfig.childOperationsDepth keeps that many levels of completed children for later invocations", async () => {
    const seenAfterWait = async (childOperationsDepth: number | undefined) => {
      let operations: Record<string, OperationInfo> = {}
      const plugin: DurableInstrumentationPlugin = {
        onInvocationStart: async (info) => {
          if (!info.isFirstInvocation) operations = info.operations
        }
      }
      const handler = withDurableExecution(
        async (_event: unknown, ctx) => {
          const mapped = await ctx.map("m", [1, 2], async (c, x) => c.step("s", async () => x * 10))
          await ctx.wait({ seconds: 1 })
          return mapped.getResults()
        },
        { plugins: [plugin], pluginsConfig: { childOperationsDepth } }
      )
      const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
      assert.deepStrictEqual(result.getResult(), [10, 20])
      return Object.values(operations)
        .map((op) => `${op.type}/${op.subType ?? ""}`)
        .sort()
    }
    const top = ["CONTEXT/Map", "EXECUTION/", "WAIT/Wait"]
    const items = ["CONTEXT/MapIteration", "CONTEXT/MapIteration"]
    const steps = ["STEP/Step", "STEP/Step"]
    assert.deepStrictEqual(await seenAfterWait(undefined), top)
    assert.deepStrictEqual(await seenAfterWait(0), top)
    assert.deepStrictEqual(await seenAfterWait(1), [...top, ...items].sort())
    assert.deepStrictEqual(await seenAfterWait(2), [...top, ...items, ...steps].sort())
    assert.deepStrictEqual(await seenAfterWait(Infinity), [...top, ...items, ...steps].sort())
  })

  it("an invalid childOperationsDepth fails the execution before the handler runs", async () => {
    const { calls, plugin } = recorder()
    let ran = false
    const handler = withDurableExecution(
      async () => {
        ran = true
      },
      { plugins: [plugin], pluginsConfig: { childOperationsDepth: 1.5 } }
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getStatus(), "FAILED")
    assert.strictEqual(
      result.getError()?.errorMessage,
      "pluginsConfig.childOperationsDepth must be a non-negative integer or Infinity; got 1.5."
    )
    assert.isFalse(ran)
    assert.deepStrictEqual(calls, ["invocationStart first=true updated=0", "invocationEnd FAILED"])
  })

  it("the Effect API gets the same hooks through Instrumentation.layer", async () => {
    const { calls, plugin } = recorder()
    const program = () => Step.run("e", Effect.succeed(5))
    const handler = Handler.toLambdaHandler(Handler.make(program), undefined, Instrumentation.layer([plugin]))
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getResult(), 5)
    assert.deepStrictEqual(calls, [
      "invocationStart first=true updated=0",
      "wrapInvocation",
      "start STEP/Step e STARTED",
      "attemptStart STEP/Step e #1",
      "wrapAttempt STEP/Step e #1",
      "attemptEnd STEP/Step e #1 SUCCEEDED SUCCEEDED",
      "end STEP/Step e SUCCEEDED",
      "invocationEnd SUCCEEDED"
    ])
  })

  it("a plugin listed in DURABLE_EXECUTION_PLUGINS is loaded by the production entry and sees the run", async () => {
    const calls: Array<string> = []
    ;(globalThis as { __durablePluginCalls?: Array<string> }).__durablePluginCalls = calls
    const { calls: explicit, plugin } = recorder()
    const handler = await withEnvironmentPlugins(
      fileURLToPath(new URL("./fixtures/recording-plugin.mjs", import.meta.url)),
      () =>
        Aws.withDurableExecution(
          async (_event: unknown, ctx) => {
            await ctx.step("s", async () => 1)
            await ctx.wait("w", { seconds: 1 })
            return "done"
          },
          { plugins: [plugin] }
        )
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getResult(), "done")
    assert.deepStrictEqual(calls, [
      "invocationStart arn",
      "end s SUCCEEDED",
      "invocationEnd PENDING",
      "invocationStart arn",
      "end w SUCCEEDED",
      "invocationEnd SUCCEEDED"
    ])
    // the explicit plugin runs too (explicit plugins first, then the environment's)
    assert.strictEqual(explicit[0], "invocationStart first=true updated=0")
  })

  it("a module in DURABLE_EXECUTION_PLUGINS that cannot load fails every invocation with PluginLoadError", async () => {
    let ran = false
    const handler = await withEnvironmentPlugins("@durable-lambda/no-such-plugin", () =>
      Aws.withDurableExecution(async () => {
        ran = true
      })
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getStatus(), "FAILED")
    assert.strictEqual(result.getError()?.errorType, "PluginLoadError")
    assert.match(
      result.getError()?.errorMessage ?? "",
      /^Dynamic plugin configuration failed: Failed to load plugin module '@durable-lambda\/no-such-plugin'/
    )
    assert.isFalse(ran)
  })
})

/**
 * Builds a handler while `DURABLE_EXECUTION_PLUGINS` lists `list` (plugins load when the handler is built),
 * and waits for that loading to finish, as Lambda's init phase does before the first invocation.
 */
const withEnvironmentPlugins = async (list: string, build: () => Aws.DurableLambdaHandler) => {
  const previous = process.env.DURABLE_EXECUTION_PLUGINS
  process.env.DURABLE_EXECUTION_PLUGINS = list
  let handler: Aws.DurableLambdaHandler
  try {
    handler = build()
  } finally {
    if (previous === undefined) delete process.env.DURABLE_EXECUTION_PLUGINS
    else process.env.DURABLE_EXECUTION_PLUGINS = previous
  }
  const services = Handler.lambdaHandlerInfo(handler)?.services
  if (services !== undefined) {
    await Effect.runPromise(
      Effect.gen(function* () {
        const source = yield* Instrumentation.PluginSource
        yield* Effect.ignore(source.load)
      }).pipe(Effect.provide(services))
    )
  }
  return handler
}
