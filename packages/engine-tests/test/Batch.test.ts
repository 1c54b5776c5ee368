import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Batch, Callback, Errors, RetryStrategy, Step, Wait } from "@durable-lambda/core"
import { FakeDurableService, crashReplayMismatches } from "./support/service.ts"
import {
  asyncHandler,
  deferred,
  describeError,
  effectHandler,
  errorOf,
  id,
  invokeOnce,
  resultOf
} from "./support/helpers.ts"

class Oops extends Schema.TaggedError<Oops>()("Oops", { message: Schema.String }) {}

const summarize = (r: Batch.BatchResult<unknown>) => ({
  reason: r.completionReason,
  // S = succeeded, F = failed, R = started (still running when the batch completed)
  statuses: r.all.map((i) => ({ SUCCEEDED: "S", FAILED: "F", STARTED: "R" })[i.status]).join(""),
  total: r.totalCount,
  success: r.successCount,
  failure: r.failureCount,
  started: r.startedCount,
  results: r.getResults(),
  errors: r.getErrors().map((e) => e.message)
})

describe("Batch.map", () => {
  it.effect("runs each item in its own MapIteration child context; results in index order", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Batch.map("double", [1, 2, 3], (n) => Step.run("times-two", Effect.succeed(n * 2))).pipe(Effect.map(summarize))
      )
      const service = new FakeDurableService()
      const output = yield* invokeOnce(service, handler)
      assert.deepStrictEqual(resultOf(output), {
        reason: "ALL_COMPLETED",
        statuses: "SSS",
        total: 3,
        success: 3,
        failure: 0,
        started: 0,
        results: [2, 4, 6],
        errors: []
      })
      const contexts = service.ofType("CONTEXT").map((r) => [r.Id, r.SubType, r.Name, r.ParentId, r.Status])
      assert.deepStrictEqual(contexts, [
        [id("1"), "Map", "double", undefined, "SUCCEEDED"],
        [id("1-1"), "MapIteration", "map-item-0", id("1"), "SUCCEEDED"],
        [id("1-2"), "MapIteration", "map-item-1", id("1"), "SUCCEEDED"],
        [id("1-3"), "MapIteration", "map-item-2", id("1"), "SUCCEEDED"]
      ])
      assert.strictEqual(service.op("1-2-1")!.ParentId, id("1-2"))
      assert.strictEqual(service.op("1-2-1")!.Result, "4")
      assert.deepStrictEqual(JSON.parse(service.op("1")!.Result!), {
        all: [
          { result: 2, index: 0, status: "SUCCEEDED" },
          { result: 4, index: 1, status: "SUCCEEDED" },
          { result: 6, index: 2, status: "SUCCEEDED" }
        ],
        completionReason: "ALL_COMPLETED"
      })
    })
  )

  it.effect("an empty map completes at once, with its context checkpointed (P-36)", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const r = yield* Batch.map("nothing", [] as Array<number>, (n) => Effect.succeed(n))
          return summarize(r)
        })
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.strictEqual(run.invocations, 1)
      assert.deepStrictEqual(resultOf(run.output), {
        reason: "ALL_COMPLETED",
        statuses: "",
        total: 0,
        success: 0,
        failure: 0,
        started: 0,
        results: [],
        errors: []
      })
      assert.deepStrictEqual(service.trace(), ['START CONTEXT/Map "nothing"', 'SUCCEED CONTEXT/Map "nothing"'])
      assert.strictEqual(service.op("1")!.Result, '{"all":[],"completionReason":"ALL_COMPLETED"}')
    })
  )

  it.effect("itemNamer names the iterations", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Batch.map(["a", "b"], (s) => Effect.succeed(s.toUpperCase()), { itemNamer: (s, i) => `item ${s}#${i}` }).pipe(
          Effect.map((r) => r.getResults())
        )
      )
      const service = new FakeDurableService()
      assert.deepStrictEqual(resultOf(yield* invokeOnce(service, handler)), ["A", "B"])
      assert.deepStrictEqual(
        service.ofType("CONTEXT").map((r) => r.Name),
        [undefined, "item a#0", "item b#1"]
      )
    })
  )

  it.effect("invalid options are TypeErrors raised before any id is taken", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<[Batch.MapConfig<number, number>, string]> = [
        [
          { maxConcurrency: 0 },
          "Invalid maxConcurrency: 0. Must be a positive number or undefined for unlimited concurrency."
        ],
        [
          { maxConcurrency: -2 },
          "Invalid maxConcurrency: -2. Must be a positive number or undefined for unlimited concurrency."
        ],
        [{ itemNamer: () => "" }, 'map: name "" is invalid: names must be 1 to 256 printable ASCII characters']
      ]
      for (const [config, message] of cases) {
        const handler = effectHandler(() => Batch.map("m", [1], (n) => Effect.succeed(n), config))
        const service = new FakeDurableService()
        assert.deepStrictEqual(errorOf(yield* invokeOnce(service, handler)), {
          ErrorType: "TypeError",
          ErrorMessage: message
        })
        assert.strictEqual(service.updates().length, 0)
      }
    })
  )

  it.effect("maxConcurrency bounds how many items run at once; items start in index order", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Batch.map("waits", [30, 10, 10, 10], (s, i) => Wait.wait(`w${i}`, { seconds: s }).pipe(Effect.as(i)), {
          maxConcurrency: 2
        }).pipe(Effect.map((r) => r.getResults()))
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.deepStrictEqual(resultOf(run.output), [0, 1, 2, 3])
      const iterations = service.updates().filter((u) => u.SubType === "MapIteration")
      let running = 0
      let most = 0
      const startOrder: Array<string> = []
      for (const u of iterations) {
        if (u.Action === "START") {
          running++
          startOrder.push(u.Name!)
        } else running--
        most = Math.max(most, running)
      }
      assert.strictEqual(most, 2)
      assert.deepStrictEqual(startOrder, ["map-item-0", "map-item-1", "map-item-2", "map-item-3"])
      // item 2 starts only after item 1 (the shorter wait) finished, at t = 10 s
      const trace = service.trace()
      assert.isBelow(
        trace.indexOf('SUCCEED CONTEXT/MapIteration "map-item-1"'),
        trace.indexOf('START CONTEXT/MapIteration "map-item-2"')
      )
      assert.strictEqual(run.invocations, 4)
    })
  )
})

describe("Batch completion policy at each tolerance boundary (5 items, one at a time)", () => {
  const cases: ReadonlyArray<[string, Batch.CompletionConfig | undefined, ReadonlyArray<number>, string, string]> = [
    ["no config: fail fast", undefined, [1], "FAILURE_TOLERANCE_EXCEEDED", "SF"],
    ["empty config: fail fast", {}, [1], "FAILURE_TOLERANCE_EXCEEDED", "SF"],
    ["no failures", undefined, [], "ALL_COMPLETED", "SSSSS"],
    ["tolerated 0, 1 failure", { toleratedFailureCount: 0 }, [2], "FAILURE_TOLERANCE_EXCEEDED", "SSF"],
    ["tolerated 1, 1 failure", { toleratedFailureCount: 1 }, [1], "ALL_COMPLETED", "SFSSS"],
    ["tolerated 1, 2 failures", { toleratedFailureCount: 1 }, [1, 3], "FAILURE_TOLERANCE_EXCEEDED", "SFSF"],
    ["40%: 2 of 5 failures is not over", { toleratedFailurePercentage: 40 }, [1, 3], "ALL_COMPLETED", "SFSFS"],
    [
      "40%: 3 of 5 failures is over",
      { toleratedFailurePercentage: 40 },
      [0, 1, 3],
      "FAILURE_TOLERANCE_EXCEEDED",
      "FFSF"
    ],
    ["39%: 2 of 5 failures is over", { toleratedFailurePercentage: 39 }, [1, 3], "FAILURE_TOLERANCE_EXCEEDED", "SFSF"],
    ["minSuccessful 2 reached early", { minSuccessful: 2 }, [], "MIN_SUCCESSFUL_REACHED", "SS"],
    ["minSuccessful 2 after failures", { minSuccessful: 2 }, [0, 1], "MIN_SUCCESSFUL_REACHED", "FFSS"],
    ["minSuccessful never reached: failures do not stop it", { minSuccessful: 4 }, [0, 1, 2], "ALL_COMPLETED", "FFFSS"],
    [
      "minSuccessful with tolerance 0",
      { minSuccessful: 1, toleratedFailureCount: 0 },
      [0],
      "FAILURE_TOLERANCE_EXCEEDED",
      "F"
    ]
  ]
  for (const [title, completionConfig, failing, reason, statuses] of cases) {
    it.effect(title, () =>
      Effect.gen(function* () {
        const handler = effectHandler(() =>
          Batch.map(
            "m",
            [0, 1, 2, 3, 4],
            (i) => (failing.includes(i) ? Effect.fail(new Error(`item ${i} failed`)) : Effect.succeed(i)),
            { maxConcurrency: 1, ...(completionConfig === undefined ? {} : { completionConfig }) }
          ).pipe(Effect.map(summarize))
        )
        const service = new FakeDurableService()
        const r = resultOf(yield* invokeOnce(service, handler)) as ReturnType<typeof summarize>
        assert.strictEqual(r.reason, reason)
        assert.strictEqual(r.statuses, statuses)
        assert.strictEqual(r.total, statuses.length)
        assert.deepStrictEqual(
          r.errors,
          [...statuses].flatMap((s, i) => (s === "F" ? [`item ${i} failed`] : []))
        )
        // items never started have no operation
        assert.strictEqual(service.ofType("CONTEXT").length, 1 + statuses.length)
        // the batch itself succeeds even when items failed
        assert.strictEqual(service.op("1")!.Status, "SUCCEEDED")
      })
    )
  }

  it.effect("with unlimited concurrency, items still running at a fail-fast stop are STARTED", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Batch.map("m", [0, 1, 2], (i) =>
          i === 0 ? Effect.fail(new Error("first")) : Callback.create(`cb${i}`).pipe(Effect.flatMap((cb) => cb.result))
        ).pipe(Effect.map(summarize))
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.strictEqual(run.invocations, 1)
      const r = resultOf(run.output) as ReturnType<typeof summarize>
      assert.strictEqual(r.reason, "FAILURE_TOLERANCE_EXCEEDED")
      assert.strictEqual(r.statuses, "FRR")
      assert.deepStrictEqual([r.total, r.started], [3, 2])
      // both running items had started (their callbacks exist), and were abandoned
      assert.deepStrictEqual(
        service.ofType("CALLBACK").map((c) => [c.ParentId, c.Status]),
        [
          [id("1-2"), "STARTED"],
          [id("1-3"), "STARTED"]
        ]
      )
    })
  )
})

describe("Batch: an item that throws", () => {
  it.effect("a synchronous throw in an item function is that item's failure, not a hang", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Batch.map(
          "m",
          [0, 1],
          (i): Effect.Effect<number> => {
            if (i === 1) throw new EvalError("thrown")
            return Effect.succeed(i)
          },
          { completionConfig: { toleratedFailureCount: 1 } }
        ).pipe(Effect.map(summarize))
      )
      const service = new FakeDurableService()
      const r = resultOf(yield* invokeOnce(service, handler)) as ReturnType<typeof summarize>
      assert.strictEqual(r.statuses, "SF")
      assert.deepStrictEqual(r.errors, ["thrown"])
      assert.deepStrictEqual(service.op("1-2")!.Error, { ErrorType: "EvalError", ErrorMessage: "thrown" })
    })
  )
})

describe("Batch errors keep their type and message (P-37)", () => {
  const program = () =>
    Batch.map(
      "m",
      ["ok", "type", "step", "tagged"],
      (kind) => {
        switch (kind) {
          case "type":
            return Effect.fail(new TypeError("bad input"))
          case "step":
            return Step.run("inner", Effect.fail(new RangeError("too far")), {
              retryStrategy: RetryStrategy.retryPresets.noRetry
            })
          case "tagged":
            return Effect.fail(new Oops({ message: "oops" }))
          default:
            return Effect.succeed(kind)
        }
      },
      { completionConfig: { toleratedFailureCount: 10 } }
    )
  const describeItems = (r: Batch.BatchResult<string>) =>
    r.all.map((i) => ({
      status: i.status,
      result: i.result,
      childContextError: i.error === undefined ? undefined : i.error instanceof Errors.ChildContextError,
      ...(i.error === undefined ? {} : describeError(i.error)),
      innerCause: (i.error?.cause as { cause?: { name?: string } } | undefined)?.cause?.name
    }))

  it.effect("on the first run and on replay, each item error is a ChildContextError with the original cause", () =>
    Effect.gen(function* () {
      const seen: Array<unknown> = []
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const r = yield* program()
          seen.push(JSON.parse(JSON.stringify(describeItems(r))))
          yield* Wait.wait({ seconds: 1 })
          return "done"
        })
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.strictEqual(resultOf(run.output), "done")
      assert.strictEqual(seen.length, 2)
      assert.deepStrictEqual(seen[0], seen[1])
      assert.deepStrictEqual(seen[0], [
        { status: "SUCCEEDED", result: "ok" },
        {
          status: "FAILED",
          childContextError: true,
          name: "ChildContextError",
          tag: "ChildContextError",
          message: "bad input",
          causeName: "StepError",
          causeMessage: "bad input",
          innerCause: "TypeError"
        },
        {
          status: "FAILED",
          childContextError: true,
          name: "ChildContextError",
          tag: "ChildContextError",
          message: "too far",
          causeName: "StepError",
          causeMessage: "too far",
          innerCause: "StepError"
        },
        {
          status: "FAILED",
          childContextError: true,
          name: "ChildContextError",
          tag: "ChildContextError",
          message: "oops",
          causeName: "StepError",
          causeMessage: "oops",
          innerCause: "Oops"
        }
      ])
      // stored as ErrorObjects of what each item threw
      const stored = JSON.parse(service.op("1")!.Result!)
      assert.deepStrictEqual(
        stored.all.map((i: { error?: unknown }) => i.error),
        [
          undefined,
          { ErrorType: "TypeError", ErrorMessage: "bad input" },
          { ErrorType: "StepError", ErrorMessage: "too far" },
          { ErrorType: "Oops", ErrorMessage: "oops" }
        ]
      )
    })
  )

  it.effect("throwIfError raises the first failed item's error", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() => Effect.flatMap(program(), Batch.throwIfError))
      const service = new FakeDurableService()
      assert.deepStrictEqual(errorOf(yield* invokeOnce(service, handler)), {
        ErrorType: "ChildContextError",
        ErrorMessage: "bad input"
      })
    })
  )
})

describe("Batch.parallel", () => {
  it.effect("branches run in ParallelBranch contexts, named or numbered; results in branch order", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Batch.parallel("fan-out", [
          Step.run("a", Effect.succeed(1)),
          { name: "second", effect: Step.run("b", Effect.succeed("two")) },
          Effect.succeed(true)
        ]).pipe(Effect.map((r) => r.getResults()))
      )
      const service = new FakeDurableService()
      assert.deepStrictEqual(resultOf(yield* invokeOnce(service, handler)), [1, "two", true])
      assert.deepStrictEqual(
        service.ofType("CONTEXT").map((r) => [r.SubType, r.Name, r.ParentId]),
        [
          ["Parallel", "fan-out", undefined],
          ["ParallelBranch", "parallel-branch-0", id("1")],
          ["ParallelBranch", "second", id("1")],
          ["ParallelBranch", "parallel-branch-2", id("1")]
        ]
      )
    })
  )

  it.effect("an empty parallel completes at once (P-36)", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() => Batch.parallel([]).pipe(Effect.map(summarize)))
      const service = new FakeDurableService()
      const run = yield* service.run(handler)
      assert.strictEqual(run.invocations, 1)
      assert.strictEqual((resultOf(run.output) as ReturnType<typeof summarize>).total, 0)
      assert.deepStrictEqual(service.trace(), ["START CONTEXT/Parallel", "SUCCEED CONTEXT/Parallel"])
    })
  )

  it.effect("nesting: a map inside a parallel branch inside a child numbering", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Batch.parallel("outer", [
          Batch.map("inner", [1, 2], (n) => Step.run("sq", Effect.succeed(n * n))).pipe(
            Effect.map((r) => r.getResults())
          ),
          Batch.parallel("empty", []).pipe(Effect.map((r) => r.totalCount))
        ]).pipe(Effect.map((r) => r.getResults()))
      )
      const result = yield* crashReplayMismatches(handler, {})
      assert.deepStrictEqual(result.mismatches, [])
      assert.deepStrictEqual(resultOf(result.reference.output), [[1, 4], 0])
      const s = result.service
      assert.strictEqual(s.op("1-1-1")!.SubType, "Map")
      assert.strictEqual(s.op("1-1-1")!.ParentId, id("1-1"))
      assert.strictEqual(s.op("1-1-1-2")!.ParentId, id("1-1-1"))
      assert.strictEqual(s.op("1-1-1-2-1")!.Result, "4")
      assert.strictEqual(s.op("1-2-1")!.SubType, "Parallel")
    })
  )
})

describe("Batch: abandoned items (§8.6)", () => {
  it.effect("Effect API: an item still waiting when the policy is met is interrupted and never checkpoints again", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const r = yield* Batch.map(
            "m",
            [0, 1],
            (i) =>
              i === 0
                ? Step.run("fast", Effect.succeed("fast"))
                : Effect.gen(function* () {
                    const cb = yield* Callback.create("slow")
                    const answer = yield* cb.result
                    return yield* Step.run("after-answer", Effect.succeed(answer))
                  }),
            { completionConfig: { minSuccessful: 1 } }
          )
          yield* Wait.wait("later", { seconds: 5 })
          return summarize(r)
        })
      )
      const service = new FakeDurableService()
      const run = yield* service.run(handler, { policy: { callback: () => ({ result: "too late" }) } })
      assert.deepStrictEqual(resultOf(run.output), {
        reason: "MIN_SUCCESSFUL_REACHED",
        statuses: "SR",
        total: 2,
        success: 1,
        failure: 0,
        started: 1,
        results: ["fast"],
        errors: []
      })
      // nothing under the abandoned item after its callback START
      const underItem = service.updates().filter((u) => u.ParentId === id("1-2"))
      assert.deepStrictEqual(
        underItem.map((u) => `${u.Action} ${u.Type}`),
        ["START CALLBACK"]
      )
      assert.strictEqual(service.op("1-2")!.Status, "STARTED")
      const crash = yield* crashReplayMismatches(handler, { policy: { callback: () => ({ result: "too late" }) } })
      assert.deepStrictEqual(crash.mismatches, [])
    })
  )

  it.effect("async API: an abandoned item that goes on cannot checkpoint under the finished batch", () =>
    Effect.gen(function* () {
      const release = deferred()
      const called = deferred()
      const lateBodyRan: Array<boolean> = []
      const handler = asyncHandler(async (_event, context) => {
        const r = await context.map(
          "m",
          [0, 1],
          async (c, item) => {
            if (item === 0) return await c.step("fast", async () => "fast")
            await release.promise
            const late = c.step("late", async () => {
              lateBodyRan.push(true)
              return "late"
            })
            called.resolve()
            return await late
          },
          { completionConfig: { minSuccessful: 1 } }
        )
        release.resolve()
        await called.promise
        const after = await context.step("after", async () => r.completionReason)
        return { after, statuses: r.all.map((i) => i.status) }
      })
      const service = new FakeDurableService()
      const output = yield* invokeOnce(service, handler)
      assert.deepStrictEqual(resultOf(output), { after: "MIN_SUCCESSFUL_REACHED", statuses: ["SUCCEEDED", "STARTED"] })
      assert.deepStrictEqual(lateBodyRan, [])
      assert.isUndefined(service.updates().find((u) => u.Name === "late"))
      const trace = service.trace()
      assert.deepStrictEqual(trace.slice(trace.indexOf('SUCCEED CONTEXT/Map "m"')), [
        'SUCCEED CONTEXT/Map "m"',
        'START STEP/Step "after"',
        'SUCCEED STEP/Step "after"'
      ])
    })
  )
})

describe("Batch.restoreResult reads what the official SDK stores", () => {
  it("an item error stored as a ChildContextError with a Cause chain gives the error ours stores would", () => {
    const item = (error: unknown) => ({ index: 0, status: "FAILED", error })
    const ours = Batch.restoreResult({
      all: [
        item({ ErrorType: "TypeError", ErrorMessage: "bad input" }),
        item({ ErrorType: "StepError", ErrorMessage: "too far", ErrorData: "d" })
      ],
      completionReason: "ALL_COMPLETED"
    })
    const official = Batch.restoreResult({
      all: [
        item({
          ErrorType: "ChildContextError",
          ErrorMessage: "bad input",
          Cause: {
            ErrorType: "StepError",
            ErrorMessage: "bad input",
            Cause: { ErrorType: "TypeError", ErrorMessage: "bad input" }
          }
        }),
        item({
          ErrorType: "ChildContextError",
          ErrorMessage: "too far",
          ErrorData: "d",
          Cause: {
            ErrorType: "StepError",
            ErrorMessage: "too far",
            ErrorData: "d",
            Cause: { ErrorType: "StepError", ErrorMessage: "too far" }
          }
        })
      ],
      completionReason: "ALL_COMPLETED"
    })
    const chain = (r: Batch.BatchResult<unknown>): Array<Record<string, unknown>> =>
      r.getErrors().map((e) => ({
        ...describeError(e),
        innerCause: (e.cause as { cause?: { name?: string } } | undefined)?.cause?.name
      }))
    assert.deepStrictEqual(chain(official), chain(ours))
    assert.deepStrictEqual(
      chain(official).map((e) => [e["name"], e["causeName"], e["innerCause"], e["message"]]),
      [
        ["ChildContextError", "StepError", "TypeError", "bad input"],
        ["ChildContextError", "StepError", "StepError", "too far"]
      ]
    )
    // Stored again, it is in ours' form.
    assert.deepStrictEqual(
      official.toJSON().all.map((i) => i.error),
      ours.toJSON().all.map((i) => i.error)
    )
  })
})

describe("Batch: results over 256 KiB are summarised and rebuilt from the items on replay", () => {
  it.effect(
    "stores a MapResult summary with ReplayChildren; the replay gives the same result without re-running items",
    () =>
      Effect.gen(function* () {
        let bodies = 0
        const big = (i: number) => `${i}`.repeat(100 * 1024)
        const results: Array<unknown> = []
        const handler = effectHandler(() =>
          Effect.gen(function* () {
            const r = yield* Batch.map(
              "big",
              [0, 1, 2, 3],
              (i) =>
                i === 3
                  ? Effect.fail(new Error("no"))
                  : Step.run(
                      "make",
                      Effect.sync(() => {
                        bodies++
                        return big(i)
                      })
                    ),
              { completionConfig: { toleratedFailureCount: 1 } }
            )
            results.push({
              ...summarize(r),
              results: r.getResults().map((s) => s.length),
              first: r.getResults().map((s) => s[0])
            })
            yield* Wait.wait({ seconds: 1 })
            return "done"
          })
        )
        const service = new FakeDurableService()
        const run = yield* service.run(handler)
        assert.strictEqual(resultOf(run.output), "done")
        const outer = service.op("1")!
        assert.strictEqual(outer.ReplayChildren, true)
        assert.deepStrictEqual(JSON.parse(outer.Result!), {
          type: "MapResult",
          totalCount: 4,
          successCount: 3,
          failureCount: 1,
          completionReason: "ALL_COMPLETED",
          status: "FAILED",
          itemStatuses: "SSSF"
        })
        assert.strictEqual(bodies, 3)
        assert.strictEqual(results.length, 2)
        assert.deepStrictEqual(results[0], results[1])
        assert.deepStrictEqual((results[0] as { first: Array<string> }).first, ["0", "1", "2"])
      })
  )

  it.effect("parallel summaries carry startedCount", () =>
    Effect.gen(function* () {
      const handler = effectHandler(() =>
        Batch.parallel("p", [Effect.succeed("x".repeat(200 * 1024)), Effect.succeed("y".repeat(100 * 1024))]).pipe(
          Effect.map((r) => r.successCount)
        )
      )
      const service = new FakeDurableService()
      assert.strictEqual(resultOf(yield* invokeOnce(service, handler)), 2)
      assert.deepStrictEqual(JSON.parse(service.op("1")!.Result!), {
        type: "ParallelResult",
        totalCount: 2,
        successCount: 2,
        failureCount: 0,
        startedCount: 0,
        completionReason: "ALL_COMPLETED",
        status: "SUCCEEDED",
        itemStatuses: "SS"
      })
    })
  )
})

describe("map / parallel (async API)", () => {
  it.effect("map passes (context, item, index, array); parallel takes functions and named branches", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        const m = await context.map("m", ["a", "b"], async (c, item, index, array) =>
          c.step(`s${index}`, async () => `${item}${index}/${array.length}`)
        )
        const p = await context.parallel("p", [
          async (c) => c.step(async () => 1),
          { name: "named", func: async () => "two" }
        ])
        return { m: m.getResults(), p: p.getResults(), names: p.all.length }
      })
      const service = new FakeDurableService()
      assert.deepStrictEqual(resultOf(yield* invokeOnce(service, handler)), {
        m: ["a0/2", "b1/2"],
        p: [1, "two"],
        names: 2
      })
      assert.deepStrictEqual(
        service.ofType("CONTEXT").map((r) => [r.SubType, r.Name]),
        [
          ["Map", "m"],
          ["MapIteration", "map-item-0"],
          ["MapIteration", "map-item-1"],
          ["Parallel", "p"],
          ["ParallelBranch", "parallel-branch-0"],
          ["ParallelBranch", "named"]
        ]
      )
    })
  )

  it.effect("item errors are ChildContextErrors with the original cause; validation rejects without an id", () =>
    Effect.gen(function* () {
      const handler = asyncHandler(async (_event, context) => {
        const rejections: Array<string> = []
        for (const call of [
          () => (context.map as any)("x", "not an array", async () => 1),
          () => (context.map as any)([1], "not a function"),
          () => context.map([1], async () => 1, { maxConcurrency: 0 }),
          () => (context.parallel as any)([42]),
          () => (context.parallel as any)("p", "nope")
        ]) {
          try {
            await call()
          } catch (e) {
            rejections.push((e as Error).message)
          }
        }
        const r = await context.map(
          [1, 2],
          async (_c, n) => {
            if (n === 2) throw new SyntaxError("nope")
            return n
          },
          { completionConfig: { toleratedFailureCount: 1 } }
        )
        const error = r.getErrors()[0]
        return {
          rejections,
          error: { ...describeError(error), instance: error instanceof Errors.ChildContextError },
          innerCause: ((error?.cause as any)?.cause as Error | undefined)?.name
        }
      })
      const service = new FakeDurableService()
      const output = yield* invokeOnce(service, handler)
      assert.deepStrictEqual(resultOf(output), {
        rejections: [
          "Map operation requires an array of items",
          "Map operation requires a function to process items",
          "Invalid maxConcurrency: 0. Must be a positive number or undefined for unlimited concurrency.",
          "All branches must be functions or NamedParallelBranch objects",
          "Parallel operation requires an array of branch functions"
        ],
        error: {
          name: "ChildContextError",
          tag: "ChildContextError",
          message: "nope",
          causeName: "StepError",
          causeMessage: "nope",
          instance: true
        },
        innerCause: "SyntaxError"
      })
      assert.strictEqual(service.ofType("CONTEXT")[0]!.Id, id("1"))
    })
  )

  it.effect("custom serdes for the batch and for items are used", () =>
    Effect.gen(function* () {
      const itemSerdes = {
        serialize: async (v: number | undefined) => (v === undefined ? undefined : `n:${v}`),
        deserialize: async (d: string | undefined) => (d === undefined ? undefined : Number(d.slice(2)))
      }
      const handler = asyncHandler(async (_event, context) => {
        const r = await context.map([1, 2], async (_c, n) => n * 10, { itemSerdes })
        return r.getResults()
      })
      const service = new FakeDurableService()
      assert.deepStrictEqual(resultOf(yield* invokeOnce(service, handler)), [10, 20])
      assert.strictEqual(service.op("1-1")!.Result, "n:10")
    })
  )
})

describe("BatchResult", () => {
  const error = new Errors.ChildContextError("bad")
  const r = Batch.makeResult<number | undefined>(
    [
      { index: 0, status: "SUCCEEDED", result: 1 },
      { index: 1, status: "SUCCEEDED", result: undefined },
      { index: 2, status: "FAILED", error },
      { index: 3, status: "STARTED" }
    ],
    "FAILURE_TOLERANCE_EXCEEDED"
  )

  it("accessors follow the official definitions", () => {
    assert.strictEqual(r.status, "FAILED")
    assert.isTrue(r.hasFailure)
    assert.deepStrictEqual([r.successCount, r.failureCount, r.startedCount, r.totalCount], [2, 1, 1, 4])
    // succeeded() and getResults() skip undefined results (P-39)
    assert.deepStrictEqual(
      r.succeeded().map((i) => i.index),
      [0]
    )
    assert.deepStrictEqual(r.getResults(), [1])
    assert.deepStrictEqual(
      r.failed().map((i) => i.index),
      [2]
    )
    assert.deepStrictEqual(
      r.started().map((i) => i.index),
      [3]
    )
    assert.deepStrictEqual(r.getErrors(), [error])
    assert.throws(() => r.throwIfError(), "bad")
    const ok = Batch.makeResult([{ index: 0, status: "SUCCEEDED", result: 1 }], "ALL_COMPLETED")
    assert.strictEqual(ok.status, "SUCCEEDED")
    assert.doesNotThrow(() => ok.throwIfError())
  })

  it("JSON round trip keeps errors as ErrorObjects and rebuilds them", () => {
    const json = JSON.parse(JSON.stringify(r))
    assert.deepStrictEqual(json.all[2], {
      index: 2,
      status: "FAILED",
      error: { ErrorType: "ChildContextError", ErrorMessage: "bad" }
    })
    const back = Batch.restoreResult<number>(json)
    assert.isTrue(Batch.isBatchResult(back))
    assert.strictEqual(back.completionReason, "FAILURE_TOLERANCE_EXCEEDED")
    assert.strictEqual(back.getErrors()[0]!.message, "bad")
    assert.instanceOf(back.getErrors()[0]!.cause, Errors.ChildContextError)
    assert.deepStrictEqual(JSON.parse(JSON.stringify(back)), json)
  })
})
