/**
 * One handler per conformance requirement, written from the requirement's prose (`handler` / `invocations`),
 * with the official async API. Each entry names the durable operations it uses.
 */
import { withDurableExecution } from "@durable-lambda/core/async"
import { createRetryStrategy, JitterStrategy, retryPresets, StepSemantics } from "@durable-lambda/core/async"
import type { DurableLogger } from "@durable-lambda/core/async"

/** Log lines a handler wrote through the durable logger. */
export type LogSink = Array<string>

const captureLogger = (sink: LogSink): DurableLogger => {
  const write =
    (level: string) =>
    (...params: ReadonlyArray<unknown>) => {
      sink.push(`[${level}] ${params.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join(" ")}`)
    }
  return { error: write("ERROR"), warn: write("WARN"), info: write("INFO"), debug: write("DEBUG") }
}

/** A durable operation of the async API a handler needs. */
export type Needs = "step" | "wait" | "runInChildContext" | "createCallback"

export interface ConformanceHandler {
  readonly needs: ReadonlyArray<Needs>
  readonly make: (logs: LogSink) => ReturnType<typeof withDurableExecution>
}

class TransientError extends Error {
  override name = "TransientError"
}

const fail = (message: string) => async (): Promise<never> => {
  throw new Error(message)
}

const noRetry = { retryStrategy: retryPresets.noRetry }
const everySecond = (maxAttempts: number) =>
  createRetryStrategy({ maxAttempts, initialDelay: { seconds: 1 }, backoffRate: 1, jitter: JitterStrategy.NONE })

const step = (make: ConformanceHandler["make"]): ConformanceHandler => ({ needs: ["step"], make })
const stepWait = (make: ConformanceHandler["make"]): ConformanceHandler => ({ needs: ["step", "wait"], make })
const wait = (make: ConformanceHandler["make"]): ConformanceHandler => ({ needs: ["wait"], make })
const callback = (make: ConformanceHandler["make"], extra: ReadonlyArray<Needs> = []): ConformanceHandler => ({
  needs: ["createCallback", ...extra],
  make
})

/** The callback API of the official SDK, typed loosely so this file compiles whatever core's DurableContext declares. */
type CallbackContext = {
  createCallback<T = unknown>(name?: string, config?: Record<string, unknown>): Promise<[Promise<T>, string]>
}
const cb = (ctx: unknown) => ctx as CallbackContext

export const handlers: Readonly<Record<string, ConformanceHandler>> = {
  // ---- step ----
  "1-1": step(() => withDurableExecution(async (event: string, ctx) => ctx.step(async () => `Hello, ${event}!`))),
  "1-2": step(() =>
    withDurableExecution(async (event: string, ctx) => ctx.step("custom_step_name", async () => `Hello, ${event}!`))
  ),
  "1-3": step(() =>
    withDurableExecution(async (_event, ctx) => {
      const first = await ctx.step(async () => "first")
      return ctx.step(async () => `${first}_second`)
    })
  ),
  "1-4": step(() =>
    withDurableExecution(async (event: { name: string; tags: Array<string> }, ctx) =>
      ctx.step(async () => ({ user: { name: event.name, tags: event.tags }, count: event.tags.length }))
    )
  ),
  "1-5": step(() => withDurableExecution(async (_event, ctx) => ctx.step(async () => null))),
  "1-6": step(() =>
    withDurableExecution(async (event: string, ctx) =>
      ctx.step(async () => event, {
        serdes: {
          serialize: async (value: string | undefined) =>
            value === undefined ? undefined : JSON.stringify(value.toUpperCase()),
          deserialize: async (data: string | undefined) =>
            data === undefined ? undefined : (JSON.parse(data) as string)
        }
      })
    )
  ),
  "1-7": step((logs) =>
    withDurableExecution(
      async (event: string, ctx) =>
        ctx.step(async (s) => {
          s.logger.info(`Greeting step started for: ${event}`)
          const greeting = `Hello, ${event}!`
          s.logger.info(`Greeting step completed with: ${greeting}`)
          return greeting
        }),
      { logger: captureLogger(logs) }
    )
  ),
  "1-8": stepWait(() =>
    withDurableExecution(async (_event, ctx) => {
      const value = await ctx.step(async () => "computed")
      await ctx.wait({ seconds: 2 })
      return value
    })
  ),
  "1-9": stepWait((logs) =>
    withDurableExecution(
      async (_event, ctx) => {
        const value = await ctx.step(async (s) => {
          s.logger.info("step executed")
          return "cached_value"
        })
        await ctx.wait({ seconds: 1 })
        return value
      },
      { logger: captureLogger(logs) }
    )
  ),
  "1-10": stepWait((logs) =>
    withDurableExecution(
      async (_event, ctx) => {
        try {
          await ctx.step(async (s) => {
            s.logger.info("step executed")
            throw new Error("permanent failure")
          }, noRetry)
        } catch {
          // caught: execution continues
        }
        await ctx.wait({ seconds: 1 })
      },
      { logger: captureLogger(logs) }
    )
  ),
  "1-11": step(() => {
    let calls = 0
    return withDurableExecution(async (_event, ctx) =>
      ctx.step(
        async () => {
          calls++
          if (calls === 1) throw new Error("transient failure")
          return "Operation succeeded"
        },
        { retryStrategy: everySecond(3) }
      )
    )
  }),
  "1-12": step(() =>
    withDurableExecution(async (_event, ctx) => ctx.step(fail("always fails"), { retryStrategy: everySecond(4) }))
  ),
  "1-13": step(() => {
    let calls = 0
    return withDurableExecution(async (_event, ctx) =>
      ctx.step(async () => {
        calls++
        if (calls <= 2) throw new Error(`failure ${calls}`)
        return "third time lucky"
      })
    )
  }),
  "1-14": step(() => {
    // The requirement keeps the attempt count in DynamoDB: an external store that survives invocations.
    const store = { attempts: 0 }
    return withDurableExecution(async (_event, ctx) =>
      ctx.step(
        async () => {
          store.attempts++
          if (store.attempts <= 2) throw new Error(`attempt ${store.attempts} failed`)
          return store.attempts
        },
        {
          retryStrategy: createRetryStrategy({
            maxAttempts: 5,
            initialDelay: { seconds: 2 },
            backoffRate: 3,
            jitter: JitterStrategy.NONE
          })
        }
      )
    )
  }),
  "1-15": step(() => {
    let calls = 0
    return withDurableExecution(async (_event, ctx) =>
      ctx.step(
        async () => {
          calls++
          if (calls === 1) throw new TransientError("temporary glitch")
          return "recovered"
        },
        {
          retryStrategy: (error: Error) =>
            error instanceof TransientError ? { shouldRetry: true, delay: { seconds: 1 } } : { shouldRetry: false }
        }
      )
    )
  }),
  "1-16": step(() =>
    withDurableExecution(async (_event, ctx) =>
      ctx.step(
        async () => {
          throw new TransientError("temporary glitch")
        },
        { retryStrategy: (error: Error) => ({ shouldRetry: !(error instanceof TransientError) }) }
      )
    )
  ),
  "1-17": step((logs) =>
    withDurableExecution(
      async (event: string, ctx) =>
        ctx.step(
          "at_most_once_flaky_step",
          async (s) => {
            s.logger.info(`processing ${event}`)
            process.exit(1)
          },
          { semantics: StepSemantics.AtMostOncePerRetry, retryStrategy: retryPresets.noRetry }
        ),
      { logger: captureLogger(logs) }
    )
  ),
  "1-18": step((logs) => {
    let attempts = 0
    return withDurableExecution(
      async (event: string, ctx) =>
        ctx.step(
          async (s) => {
            s.logger.info(`processing ${event}`)
            attempts++
            if (attempts === 1) process.exit(1)
            return "succeeded on second attempt"
          },
          { semantics: StepSemantics.AtMostOncePerRetry, retryStrategy: everySecond(3) }
        ),
      { logger: captureLogger(logs) }
    )
  }),
  "1-19": step(() => withDurableExecution(async (_event, ctx) => ctx.step(fail("boom"), noRetry))),
  "1-20": step(() =>
    withDurableExecution(async (_event, ctx) => {
      let fallback: string
      try {
        fallback = await ctx.step(fail("primary failed"), noRetry)
      } catch {
        fallback = "fallback"
      }
      return ctx.step(async () => `${fallback}_result`)
    })
  ),
  // ---- wait ----
  "2-1": wait(() => withDurableExecution(async (_event, ctx) => ctx.wait({ seconds: 2 }))),
  "2-2": wait(() => withDurableExecution(async (_event, ctx) => ctx.wait("custom_wait_name", { seconds: 2 }))),
  "2-3": wait(() =>
    withDurableExecution(async (_event, ctx) => {
      await ctx.wait("wait-1", { seconds: 2 })
      await ctx.wait("wait-2", { seconds: 2 })
      return { completedWaits: 2 }
    })
  ),
  "2-4": wait(() => withDurableExecution(async (_event, ctx) => ctx.wait({ minutes: 1 }))),
  "2-5": wait(() => withDurableExecution(async (_event, ctx) => ctx.wait({ hours: 1 }))),
  // ---- callback (needs createCallback in core) ----
  "4-1": callback(() =>
    withDurableExecution(async (event: string, ctx) => {
      const [result] = await cb(ctx).createCallback<string>(event)
      return await result
    })
  ),
  "4-2": callback(() =>
    withDurableExecution(async (_event, ctx) => {
      const [result] = await cb(ctx).createCallback<string>("approval")
      return await result
    })
  ),
  "4-3": callback(() =>
    withDurableExecution(async (event: string, ctx) => {
      const [result] = await cb(ctx).createCallback<string>(event, { timeout: { seconds: 5 } })
      return await result
    })
  ),
  "4-4": callback(() =>
    withDurableExecution(async (event: string, ctx) => {
      const [result] = await cb(ctx).createCallback<string>(event, { heartbeatTimeout: { seconds: 5 } })
      return await result
    })
  ),
  "4-5": callback(() =>
    withDurableExecution(async (event: string, ctx) => {
      const [result] = await cb(ctx).createCallback<string>(event, { heartbeatTimeout: { seconds: 10 } })
      return await result
    })
  ),
  "4-6": callback(() =>
    withDurableExecution(async (event: string, ctx) => {
      const [result] = await cb(ctx).createCallback<string>(event)
      return await result
    })
  ),
  "4-7": callback(
    () =>
      withDurableExecution(async (event: string, ctx) => {
        const [result] = await cb(ctx).createCallback<string>(event)
        await ctx.step(async () => "side work")
        return await result
      }),
    ["step"]
  ),
  "4-8": callback(
    () =>
      withDurableExecution(async (event: string, ctx) => {
        const [result] = await cb(ctx).createCallback<string>(event, { timeout: { seconds: 5 } })
        await ctx.step(async () => "side work")
        return await result
      }),
    ["step"]
  ),
  "4-9": callback(
    () =>
      withDurableExecution(async (event: string, ctx) => {
        const [result] = await cb(ctx).createCallback<string>(event)
        await ctx.wait({ seconds: 5 })
        return await result
      }),
    ["wait"]
  ),
  "4-10": callback(
    () =>
      withDurableExecution(async (event: string, ctx) => {
        const [result] = await cb(ctx).createCallback<string>(event)
        await ctx.wait({ seconds: 5 })
        return await result
      }),
    ["wait"]
  ),
  "4-11": callback(
    () =>
      withDurableExecution(async (event: string, ctx) => {
        const [result] = await cb(ctx).createCallback<string>(event, { timeout: { seconds: 3 } })
        await ctx.wait({ seconds: 6 })
        return await result
      }),
    ["wait"]
  ),
  "4-12": callback(
    () =>
      withDurableExecution(async (event: string, ctx) => {
        const [result] = await cb(ctx).createCallback<string>(event)
        const value = await result
        await ctx.wait({ seconds: 2 })
        return value
      }),
    ["wait"]
  ),
  "4-13": callback(
    () =>
      withDurableExecution(async (event: string, ctx) => {
        const [result] = await cb(ctx).createCallback<string>(event)
        let message: string
        try {
          message = await result
        } catch (error) {
          message = `callback failed: ${(error as Error).message}`
        }
        await ctx.wait({ seconds: 2 })
        return message
      }),
    ["wait"]
  ),
  "4-14": callback(
    () =>
      withDurableExecution(async (event: string, ctx) => {
        const [result] = await cb(ctx).createCallback<string>(event, { timeout: { seconds: 3 } })
        let message: string
        try {
          message = await result
        } catch (error) {
          message = `callback timed out: ${(error as Error).message}`
        }
        await ctx.wait({ seconds: 2 })
        return message
      }),
    ["wait"]
  ),
  "4-15": callback(() =>
    withDurableExecution(async (event: string, ctx) => {
      const [result] = await cb(ctx).createCallback<{ id: string; message: string; timestamp: number }>(event, {
        serdes: {
          serialize: (value: unknown) => (value === undefined ? undefined : JSON.stringify(value)),
          deserialize: (data: string | undefined) => {
            if (data === undefined) return undefined
            const raw = JSON.parse(data) as { id: string; message: string; timestamp: string }
            return { id: raw.id, message: raw.message, timestamp: Date.parse(raw.timestamp) / 1000 }
          }
        }
      })
      return { received: await result }
    })
  ),
  "4-16": callback(() =>
    withDurableExecution(async (event: string, ctx) => {
      const [result] = await cb(ctx).createCallback<number>(event, {
        serdes: {
          serialize: (value: unknown) => (value === undefined ? undefined : String(value)),
          deserialize: async (data: string | undefined) => (data === undefined ? undefined : Number(JSON.parse(data)))
        }
      })
      const count = await result
      return { count, doubled: count * 2 }
    })
  ),
  "4-17": callback(() =>
    withDurableExecution(async (event: [string, string], ctx) => {
      const [a] = await cb(ctx).createCallback<string>(event[0])
      const first = await a
      const [b] = await cb(ctx).createCallback<string>(event[1])
      return [first, await b]
    })
  ),
  "4-18": callback(() =>
    withDurableExecution(async (event: [string, string], ctx) => {
      const [a] = await cb(ctx).createCallback<string>(event[0])
      const [b] = await cb(ctx).createCallback<string>(event[1])
      const first = await a
      return [first, await b]
    })
  ),
  "4-19": callback(() =>
    withDurableExecution(async (event: [string, string], ctx) => {
      const [a] = await cb(ctx).createCallback<string>(event[0])
      const [b] = await cb(ctx).createCallback<string>(event[1])
      const second = await b
      return [await a, second]
    })
  )
}
