/**
 * A handler written against the official SDK, using every operation, its options and its error classes.
 * `sdk-handler.official.ts` imports `@aws/durable-execution-sdk-js`; `sdk-handler.ours.ts` is the same file with
 * only the import specifier changed. `sdk-names.test.ts` checks the two stay identical otherwise, and `tsc`
 * checks both compile.
 */
import {
  BatchItemStatus,
  ChildContextError,
  completeBatch,
  continueBatch,
  createRetryStrategy,
  createWaitStrategy,
  defaultSerdes,
  JitterStrategy,
  retryPresets,
  StepError,
  StepSemantics,
  withDurableExecution,
  withRetry,
  type BatchResult,
  type DurableContext,
  type DurablePromise,
  type Serdes
} from "@durable-lambda/backend-aws"

interface Order {
  id: string
  total: number
}

const orderSerdes: Serdes<Order> = {
  serialize: async (value) => (value === undefined ? undefined : JSON.stringify(value)),
  deserialize: async (data) => (data === undefined ? undefined : (JSON.parse(data) as Order))
}

const charge = async (context: DurableContext, order: Order): Promise<number> =>
  context.step(
    `charge-${order.id}`,
    async (stepContext) => {
      stepContext.logger.info("charging", { attempt: stepContext.attempt })
      return order.total
    },
    { retryStrategy: retryPresets.default, semantics: StepSemantics.AtLeastOncePerRetry }
  )

export const handler = withDurableExecution(async (event: { orders: Order[] }, context: DurableContext) => {
  context.logger.info("start", context.executionContext.durableExecutionArn)
  context.configureSerdes({ defaultSerdes })
  const first: DurablePromise<Order> = context.step("load", async () => event.orders[0]!, { serdes: orderSerdes })
  const order = await first
  await context.wait("pause", { seconds: 5 })
  await context.wait({ minutes: 1 })
  const child = await context.runInChildContext("child", async (c) => charge(c, order), {
    errorMapper: (error) => {
      context.logger.warn("child failed", error.errorType, error.message)
      return error
    }
  })
  const [callback, callbackId] = await context.createCallback<string>("approval", { timeout: { hours: 1 } })
  context.logger.debug("callback", callbackId)
  const approval = await callback
  const submitted = await context.waitForCallback(
    "external",
    async (id, ctx) => {
      ctx.logger.info("submit", id)
    },
    { heartbeatTimeout: { minutes: 5 } }
  )
  const polled = await context.waitForCondition(
    "poll",
    async (state: number, ctx) => {
      ctx.logger.info("check", ctx.attempt)
      return state + 1
    },
    {
      initialState: 0,
      waitStrategy: createWaitStrategy({ shouldContinuePolling: (n: number) => n < 3, jitter: JitterStrategy.NONE })
    }
  )
  const invoked = await context.invoke<{ id: string }, number>("price", "price-function", { id: order.id })
  const mapped: BatchResult<number> = await context.map("charge-all", event.orders, async (c, o) => charge(c, o), {
    maxConcurrency: 2,
    completionConfig: { shouldComplete: (s) => (s.failureCount > 0 ? completeBatch() : continueBatch()) }
  })
  const childErrors: ChildContextError[] = mapped.getErrors()
  const failedItems = mapped.all.filter((item) => item.status === BatchItemStatus.FAILED)
  const parallel = await context.parallel("both", [async () => 1, { name: "two", func: async () => 2 }], {
    completionConfig: { toleratedFailureCount: 0 }
  })
  parallel.throwIfError()
  const all = await context.promise.all("all", [context.step(async () => 1), context.step(async () => 2)])
  const retried = await withRetry(context, "retry", async (c, attempt) => c.step(async () => attempt), {
    retryStrategy: createRetryStrategy({ maxAttempts: 3 })
  })
  try {
    await context.step("may-fail", async () => {
      throw new Error("nope")
    })
  } catch (error) {
    if (error instanceof StepError) context.logger.warn("step failed", error.message)
  }
  return {
    child,
    approval,
    submitted,
    polled,
    invoked,
    results: mapped.getResults(),
    failed: failedItems.length + childErrors.length,
    parallel: parallel.getResults(),
    all,
    retried
  }
})
