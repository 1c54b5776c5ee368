import { assert, describe, it } from "@effect/vitest"
import { Duration } from "@durable-lambda/core"

describe("Duration", () => {
  it("toSeconds: sums every unit", () => {
    assert.strictEqual(Duration.toSeconds({ days: 1, hours: 2, minutes: 3, seconds: 4 }), 93_784)
    assert.strictEqual(Duration.toSeconds({ minutes: 1 }), 60)
  })

  it("toValidSeconds: rejects what the service would reject", () => {
    assert.strictEqual(Duration.toValidSeconds({ hours: 1 }, "wait"), 3600)
    assert.throws(() => Duration.toValidSeconds({ seconds: 0 }, "wait"), TypeError)
    assert.throws(() => Duration.toValidSeconds({ seconds: 1.5 }, "wait"), /whole number/)
    assert.throws(() => Duration.toValidSeconds({ days: 400 }, "wait"), /31622400/)
  })
})
