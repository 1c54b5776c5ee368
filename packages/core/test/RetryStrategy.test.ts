import { assert, describe, it } from "@effect/vitest"
import { RetryStrategy } from "@durable-lambda/core"

const { createLinearRetryStrategy, createRetryStrategy, retryPresets } = RetryStrategy

describe("RetryStrategy", () => {
  it("createRetryStrategy: stops at maxAttempts", () => {
    const s = createRetryStrategy({ maxAttempts: 3, jitter: "NONE" })
    assert.isTrue(s(new Error("x"), 1).shouldRetry)
    assert.isTrue(s(new Error("x"), 2).shouldRetry)
    assert.isFalse(s(new Error("x"), 3).shouldRetry)
  })

  it("createRetryStrategy: backs off exponentially up to maxDelay", () => {
    const s = createRetryStrategy({
      maxAttempts: 10,
      initialDelay: { seconds: 2 },
      maxDelay: { seconds: 10 },
      backoffRate: 2,
      jitter: "NONE"
    })
    const delays = [1, 2, 3, 4, 5].map((n) => s(new Error("x"), n).delay)
    assert.deepStrictEqual(delays, [{ seconds: 2 }, { seconds: 4 }, { seconds: 8 }, { seconds: 10 }, { seconds: 10 }])
  })

  it("createRetryStrategy: applies full and half jitter from the random source, never below 1 s", () => {
    const full = createRetryStrategy({ initialDelay: { seconds: 10 }, jitter: "FULL" })
    const half = createRetryStrategy({ initialDelay: { seconds: 10 }, jitter: "HALF" })
    assert.deepStrictEqual(full(new Error("x"), 1, () => 0.25).delay, { seconds: 3 })
    assert.deepStrictEqual(half(new Error("x"), 1, () => 0.5).delay, { seconds: 8 })
    assert.deepStrictEqual(full(new Error("x"), 1, () => 0).delay, { seconds: 1 })
  })

  it("createRetryStrategy: filters by message pattern and error type", () => {
    class Transient extends Error {}
    const s = createRetryStrategy({ retryableErrors: ["timeout", /^5\d\d/], retryableErrorTypes: [Transient] })
    assert.isTrue(s(new Error("socket timeout"), 1).shouldRetry)
    assert.isTrue(s(new Error("503 unavailable"), 1).shouldRetry)
    assert.isTrue(s(new Transient("anything"), 1).shouldRetry)
    assert.isFalse(s(new Error("validation failed"), 1).shouldRetry)
  })

  it("retryPresets: default allows 6 attempts, noRetry one", () => {
    assert.isTrue(retryPresets.default(new Error("x"), 5).shouldRetry)
    assert.isFalse(retryPresets.default(new Error("x"), 6).shouldRetry)
    assert.isFalse(retryPresets.noRetry(new Error("x"), 1).shouldRetry)
  })

  it("createLinearRetryStrategy: initial + increment per retry, capped, until maxAttempts", () => {
    const s = createLinearRetryStrategy({
      maxAttempts: 5,
      initialDelay: { seconds: 2 },
      increment: { seconds: 3 },
      maxDelay: { seconds: 7 },
      jitter: "NONE"
    })
    assert.deepStrictEqual(
      [1, 2, 3, 4].map((n) => s(new Error("x"), n).delay),
      [{ seconds: 2 }, { seconds: 5 }, { seconds: 7 }, { seconds: 7 }]
    )
    assert.isFalse(s(new Error("x"), 5).shouldRetry)
    const filtered = createLinearRetryStrategy({ retryableErrors: ["timeout"] })
    assert.isFalse(filtered(new Error("validation failed"), 1).shouldRetry)
    assert.deepStrictEqual(createLinearRetryStrategy()(new Error("x"), 3, () => 0.5).delay, { seconds: 2 })
  })

  it("retryPresets.linear: delays 1..5 s without jitter, 6 attempts", () => {
    assert.deepStrictEqual(
      [1, 2, 3, 4, 5].map((n) => retryPresets.linear(new Error("x"), n, () => 0).delay),
      [1, 2, 3, 4, 5].map((seconds) => ({ seconds }))
    )
    assert.isFalse(retryPresets.linear(new Error("x"), 6).shouldRetry)
  })
})
