import { retryPresets, withDurableExecution } from "@durable-lambda/core/async"
import { assert, describe, it } from "@effect/vitest"
import { LocalDurableTestRunner } from "../src/index.ts"

const revokedProxy = (): Error => {
  const { proxy, revoke } = Proxy.revocable(new Error("proxied"), {})
  revoke()
  return proxy
}

describe("LocalDurableTestRunner with hostile and non-error throwables", () => {
  it("a revoked Proxy thrown by the handler fails the execution in one invocation", async () => {
    const handler = withDurableExecution(async () => {
      throw revokedProxy()
    })
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getStatus(), "FAILED")
    assert.strictEqual(result.getInvocations().length, 1)
    assert.strictEqual(result.getError().errorType, "UnreadableThrowableError")
    assert.include(result.getError().errorMessage, "revoked")
  })

  it("a string thrown by a step is kept as the step's message and data", async () => {
    const handler = withDurableExecution(async (_: unknown, ctx) =>
      ctx.step(
        "charge",
        async () => {
          throw "card declined"
        },
        { retryStrategy: retryPresets.noRetry }
      )
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getStatus(), "FAILED")
    const error = result.getOperation("charge").getStepDetails()!.error
    assert.strictEqual(error?.errorMessage, "card declined")
    assert.strictEqual(error?.errorData, '"card declined"')
  })
})
