import { assert, describe, it } from "@effect/vitest"
import type { Config } from "@durable-lambda/core"
import { Effect } from "effect"
import { asyncHandler, errorOf } from "./support/helpers.ts"
import { makeDrive, run } from "./support/service.ts"

/** A step whose SUCCEED is still queued when the handler returns (batched and optimistic modes). */
const quickReturn = (checkpointing: Config.CheckpointingMode) =>
  asyncHandler(async (_: unknown, ctx) => ctx.step("work", async () => 1), { checkpointing })

describe("Final flush failures say what failed", () => {
  for (const mode of ["batched", "optimistic"] as const) {
    it.live(`${mode}: a throttled final flush is an invocation error naming the flush, then the retry succeeds`, () =>
      Effect.gen(function* () {
        const drive = makeDrive()
        const mock = yield* drive.mock()
        yield* mock.failNext("checkpoint", 1, "Throttled")
        const r = yield* run(drive, () => quickReturn(mode))
        const first = r.outcomes[0] as { InvocationError?: { _tag: string; message: string } }
        assert.strictEqual(first.InvocationError?._tag, "CheckpointUnrecoverableInvocationError")
        assert.match(
          first.InvocationError?.message ?? "",
          /^\[Unrecoverable Invocation\] Final checkpoint flush failed: /
        )
        assert.notInclude(first.InvocationError?.message ?? "", "load execution state")
        assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: "1" })
      })
    )

    it.live(`${mode}: a rejected final flush fails the execution, naming the flush`, () =>
      Effect.gen(function* () {
        const drive = makeDrive()
        const mock = yield* drive.mock()
        yield* mock.failNext("checkpoint", 1, "InvalidParameter")
        const r = yield* run(drive, () => quickReturn(mode))
        assert.strictEqual(r.outcomes.length, 1)
        assert.strictEqual(errorOf(r.last).ErrorType, "CheckpointUnrecoverableExecutionError")
        assert.match(errorOf(r.last).ErrorMessage ?? "", /^\[Unrecoverable Execution\] Final checkpoint flush failed: /)
      })
    )
  }
})
