import { context, ROOT_CONTEXT, type Context, type ContextManager } from "@opentelemetry/api"
import { withDurableExecution } from "@durable-lambda/core/async"
import { LocalDurableTestRunner } from "@durable-lambda/testing"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { AsyncLocalStorage } from "node:async_hooks"
import { tracing } from "./harness.ts"

/** The smallest AsyncLocalStorage context manager (what `@opentelemetry/context-async-hooks` provides). */
class AlsContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>()
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT
  }
  with<A extends Array<unknown>, F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args))
  }
  bind<T>(_ctx: Context, target: T): T {
    return target
  }
  enable(): this {
    return this
  }
  disable(): this {
    this.storage.disable()
    return this
  }
}

describe("active context", () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AlsContextManager())
  })
  afterAll(() => {
    context.disable()
  })

  it("spans created in a step body are children of its attempt span", async () => {
    const t = tracing()
    const tracer = t.provider.getTracer("user")
    const handler = withDurableExecution(
      async (_e: unknown, ctx) => {
        await ctx.step("work", async () => {
          await new Promise((resolve) => setImmediate(resolve))
          tracer.startSpan("user-span").end()
        })
        return "done"
      },
      { plugins: [t.plugin()] }
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run()
    assert.strictEqual(result.getResult(), "done")
    const spans = t.spans()
    const user = spans.find((s) => s.name === "user-span")!
    const attempt = spans.find((s) => s.name === "work attempt 1")!
    assert.strictEqual(user.parentSpanContext?.spanId, attempt.spanContext().spanId)
    assert.strictEqual(user.spanContext().traceId, attempt.spanContext().traceId)
  })
})
