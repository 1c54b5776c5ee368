import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { asyncHandler, id, memoryLogger } from "./support/helpers.ts"
import { makeDrive, run } from "./support/service.ts"

describe("Operations the handler never awaited", () => {
  it.live("a handler returning while operations are still running logs a warning naming each (name and id)", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const { lines, logger } = memoryLogger()
      const fn = asyncHandler(
        async (_: unknown, ctx) => {
          void ctx.wait("nap", { seconds: 60 })
          void ctx.step("slow", () => new Promise<number>(() => {}))
          return await ctx.step("done", async () => "ok")
        },
        { logger }
      )
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: '"ok"' })
      const warnings = lines.filter((l) => l.startsWith("WARN"))
      assert.strictEqual(warnings.length, 1, lines.join("\n"))
      const warning = warnings[0]!
      assert.include(warning, "2 operations")
      assert.include(warning, `"nap" (WAIT ${id("1")}`)
      assert.include(warning, `"slow" (STEP ${id("2")}`)
      assert.notInclude(warning, '"done"')
    })
  )

  it.live("a handler that awaited everything logs no warning", () =>
    Effect.gen(function* () {
      const drive = makeDrive()
      const { lines, logger } = memoryLogger()
      const fn = asyncHandler(
        async (_: unknown, ctx) => {
          await ctx.wait("nap", { seconds: 1 })
          return await ctx.step("done", async () => "ok")
        },
        { logger }
      )
      const r = yield* run(drive, () => fn)
      assert.deepStrictEqual(r.last, { Status: "SUCCEEDED", Result: '"ok"' })
      assert.deepStrictEqual(
        lines.filter((l) => l.startsWith("WARN")),
        []
      )
    })
  )
})
