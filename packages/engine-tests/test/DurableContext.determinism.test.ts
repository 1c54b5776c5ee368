/**
 * A workflow that uses every operation, in both APIs: the same result and the same operations (ids, types,
 * names, parents, final statuses) when re-run after a crash at every checkpoint, and against every prefix of
 * the recorded operations.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Batch, Callback, Invoke, PromiseCombinators, Step, Wait, WaitForCondition } from "@durable-lambda/core"
import { createWaitStrategy } from "@durable-lambda/core/async"
import { crashReplayMismatches, prefixReplayMismatches, type Policy } from "./support/service.ts"
import { asyncHandler, effectHandler, resultOf } from "./support/helpers.ts"

const policy: Policy = {
  callback: (cb) => (cb.Name === "never" ? undefined : { result: `answer:${cb.Name ?? cb.Id}` }),
  invoke: (inv) =>
    inv.FunctionName === "broken"
      ? { error: { ErrorType: "Boom", ErrorMessage: "broken" } }
      : { result: JSON.stringify({ echoed: JSON.parse(inv.InputPayload ?? "null") }) }
}

const pollTwice = createWaitStrategy<number>({
  shouldContinuePolling: (n) => n < 2,
  jitter: "NONE",
  initialDelay: { seconds: 5 }
})

const effectWorkflow = effectHandler((input: { orderId: string }) =>
  Effect.gen(function* () {
    const order = yield* Step.run("load", Effect.succeed({ id: input.orderId, items: [1, 2, 3] }))
    const polls = yield* WaitForCondition.run("ready", (n: number) => Effect.succeed(n + 1), {
      initialState: 0,
      waitStrategy: pollTwice
    })
    const priced = yield* Batch.map("price", order.items, (item) => Step.run("price", Effect.succeed(item * 10)), {
      maxConcurrency: 2
    })
    const checks = yield* Batch.parallel(
      "checks",
      [
        Invoke.run({ name: "fraud", functionName: "fraud-check", payload: order.id }),
        { name: "approval", effect: Callback.waitFor("approve", () => Effect.void, { timeout: { hours: 1 } }) },
        Invoke.run({ name: "legacy", functionName: "broken" })
      ],
      { completionConfig: { toleratedFailureCount: 1 } }
    )
    const first = yield* Batch.map(
      "first-of",
      ["a", "b"],
      (s): Effect.Effect<string, unknown, any> =>
        s === "a"
          ? Step.run("quick", Effect.succeed(s))
          : Callback.create("never").pipe(Effect.flatMap((cb) => cb.result)),
      { completionConfig: { minSuccessful: 1 } }
    )
    const cb = yield* Callback.create("confirm", { timeout: { minutes: 10 } })
    const winner = yield* PromiseCombinators.race("deadline", [
      cb.result,
      Wait.wait("deadline", { minutes: 5 }).pipe(Effect.as("late"))
    ])
    yield* Wait.wait("cool-off", { seconds: 30 })
    return {
      polls,
      priced: priced.getResults(),
      checks: checks.all.map((i) => i.status),
      fraud: checks.getResults()[0],
      errors: checks.getErrors().map((e) => e.message),
      first: first.getResults(),
      firstReason: first.completionReason,
      winner
    }
  })
)

const asyncWorkflow = asyncHandler(async (input: { orderId: string }, context) => {
  const order = await context.step("load", async () => ({ id: input.orderId, items: [1, 2, 3] }))
  const polls = await context.waitForCondition("ready", async (n: number) => n + 1, {
    initialState: 0,
    waitStrategy: pollTwice
  })
  const priced = await context.map("price", order.items, async (c, item) => c.step("price", async () => item * 10), {
    maxConcurrency: 2
  })
  const checks = await context.parallel(
    "checks",
    [
      async (c) => c.invoke("fraud", "fraud-check", order.id),
      { name: "approval", func: async (c) => c.waitForCallback("approve", async () => {}, { timeout: { hours: 1 } }) },
      async (c) => c.invoke("legacy", "broken", {})
    ],
    { completionConfig: { toleratedFailureCount: 1 } }
  )
  const first = await context.map(
    "first-of",
    ["a", "b"],
    async (c, s) => {
      if (s === "a") return c.step("quick", async () => s)
      const [never] = await c.createCallback("never")
      return never
    },
    { completionConfig: { minSuccessful: 1 } }
  )
  const [confirm] = await context.createCallback("confirm", { timeout: { minutes: 10 } })
  const deadline = context.wait("deadline", { minutes: 5 }).then(() => "late")
  const winner = await context.promise.race("deadline", [confirm, deadline])
  await context.wait("cool-off", { seconds: 30 })
  return {
    polls,
    priced: priced.getResults(),
    checks: checks.all.map((i) => i.status),
    fraud: checks.getResults()[0],
    errors: checks.getErrors().map((e) => e.message),
    first: first.getResults(),
    firstReason: first.completionReason,
    winner
  }
})

const expected = {
  polls: 2,
  priced: [10, 20, 30],
  checks: ["SUCCEEDED", "SUCCEEDED", "FAILED"],
  fraud: { echoed: "o-1" },
  errors: ["broken"],
  first: ["a"],
  firstReason: "MIN_SUCCESSFUL_REACHED",
  winner: "answer:confirm"
}

describe("determinism across replays", () => {
  for (const [face, handler] of [
    ["Effect API", effectWorkflow],
    ["async API", asyncWorkflow]
  ] as const) {
    it.effect(`${face}: a crash after any checkpoint replays to the same result and operations`, () =>
      Effect.gen(function* () {
        const result = yield* crashReplayMismatches(handler, { input: { orderId: "o-1" }, policy })
        assert.deepStrictEqual(resultOf(result.reference.output), expected)
        assert.isAbove(result.service.snapshots.length, 10)
        assert.deepStrictEqual(result.mismatches, [])
      })
    )

    it.effect(`${face}: every prefix of the recorded operations replays to the same result and operations`, () =>
      Effect.gen(function* () {
        const result = yield* prefixReplayMismatches(handler, { input: { orderId: "o-1" }, policy })
        assert.deepStrictEqual(resultOf(result.reference.output), expected)
        assert.isAbove(result.prefixes, 20)
        assert.deepStrictEqual(result.mismatches, [])
      })
    )
  }

  it.effect("both APIs record the same operations", () =>
    Effect.gen(function* () {
      const a = yield* crashReplayMismatches(effectWorkflow, { input: { orderId: "o-1" }, policy })
      const b = yield* crashReplayMismatches(asyncWorkflow, { input: { orderId: "o-1" }, policy })
      assert.deepStrictEqual(a.service.identities(), b.service.identities())
    })
  )
})
