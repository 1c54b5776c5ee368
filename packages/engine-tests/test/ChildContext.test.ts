import { assert, describe, it } from "@effect/vitest"
import { ChildContext, Step, Wait } from "@durable-lambda/core"
import { Effect } from "effect"
import { effectHandler, errorOf, id, resultOf } from "./support/helpers.ts"
import { makeDrive, run } from "./support/service.ts"

describe("ChildContext.run", () => {
  it.live("operations inside the child belong to it: ids <child>-n, ParentId the child", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const handler = effectHandler(() =>
        ChildContext.run(
          "checkout",
          Effect.gen(function* () {
            const a = yield* Step.run("reserve", Effect.succeed(1))
            const b = yield* Step.run("charge", Effect.succeed(2))
            return a + b
          })
        )
      )
      const r = yield* run(drive, () => handler)
      assert.strictEqual(resultOf(r.last), 3)
      const child = drive.op("1")!
      assert.strictEqual(child.Type, "CONTEXT")
      assert.strictEqual(child.Name, "checkout")
      assert.strictEqual(child.Result, "3")
      assert.strictEqual(drive.op("1-1")?.Name, "reserve")
      assert.strictEqual(drive.op("1-2")?.Name, "charge")
      assert.strictEqual(drive.op("1-1")?.ParentId, id("1"))
      assert.strictEqual(drive.op("1-2")?.ParentId, id("1"))
    })
  )

  it.live("a completed child is replayed from its result: its body does not run again", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      let bodyRuns = 0
      const handler = effectHandler(() =>
        Effect.gen(function* () {
          const total = yield* ChildContext.run(
            "sum",
            Effect.gen(function* () {
              bodyRuns++
              return yield* Step.run("one", Effect.succeed(41))
            })
          )
          yield* Wait.wait({ seconds: 3 })
          return total + 1
        })
      )
      const r = yield* run(drive, () => handler)
      assert.strictEqual(resultOf(r.last), 42)
      assert.strictEqual(r.invocations, 2)
      assert.strictEqual(bodyRuns, 1)
      // the service no longer shows the closed child's operations to the next invocation
      assert.isFalse(drive.visible().some((op) => op.Id === id("1-1")))
    })
  )

  it.live("a failure inside the child surfaces as ChildContextError with the inner error as its cause", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const handler = effectHandler(() =>
        ChildContext.run(
          "payment",
          Step.run("charge", Effect.fail(new TypeError("bad card")), { retryStrategy: () => ({ shouldRetry: false }) })
        ).pipe(
          Effect.catch((e) =>
            Effect.succeed({ tag: e._tag, message: e.message, cause: e.cause instanceof Error ? e.cause.message : "" })
          )
        )
      )
      const r = yield* run(drive, () => handler)
      const caught = resultOf(r.last) as { tag: string; message: string; cause: string }
      assert.strictEqual(caught.tag, "ChildContextError")
      assert.include(caught.message, "bad card")
      assert.include(caught.cause, "bad card")
      assert.strictEqual(drive.op("1")?.Status, "FAILED")
    })
  )

  it.live("an uncaught child failure fails the execution", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const handler = effectHandler(() => ChildContext.run("boom", Effect.fail(new Error("exploded"))))
      const r = yield* run(drive, () => handler)
      assert.include(errorOf(r.last).ErrorMessage, "exploded")
      assert.strictEqual(drive.op("1")?.Status, "FAILED")
    })
  )

  it.live("children started together queue every START before the first operation inside any of them", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const child = (name: string, steps: number) =>
        ChildContext.run(
          name,
          Effect.gen(function* () {
            let total = 0
            for (let i = 1; i <= steps; i++) total += yield* Step.run(`${name}${i}`, Effect.succeed(i))
            return total
          })
        )
      const handler = effectHandler(() =>
        Effect.all([child("a", 2), child("b", 2), child("c", 1)], { concurrency: "unbounded" })
      )
      const r = yield* run(drive, () => handler)
      assert.deepStrictEqual(resultOf(r.last), [3, 3, 1])
      const updates = drive.updates().map((u) => `${u.Action} ${u.Type} ${u.Name}`)
      assert.deepStrictEqual(updates.slice(0, 6), [
        "START CONTEXT a",
        "START CONTEXT b",
        "START CONTEXT c",
        "START STEP a1",
        "START STEP b1",
        "START STEP c1"
      ])
      // the steps of one round resume together, in the order they queued their updates
      const second = updates.filter((u) => u === "START STEP a2" || u === "START STEP b2")
      assert.deepStrictEqual(second, ["START STEP a2", "START STEP b2"])
      assert.isBelow(updates.indexOf("START STEP b2"), updates.indexOf("SUCCEED STEP a2"))
    })
  )
})
