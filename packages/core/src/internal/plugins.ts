/**
 * Calls instrumentation plugins for one invocation: lifecycle hooks concurrently and awaited, with their
 * failures logged and isolated; `wrap*` hooks nested in plugin order around a function that runs an Effect.
 * With no plugin defining a hook, every call costs nothing.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type {
  AttemptEndInfo,
  AttemptInfo,
  DurableInstrumentationPlugin,
  InvocationEndInfo,
  InvocationInfo,
  OperationChangeInfo,
  OperationEndInfo,
  OperationInfo
} from "../Instrumentation.ts"
import { fromErrorObject } from "../Errors.ts"
import type { Operation } from "../Operation.ts"

type Hooks = {
  onInvocationStart: InvocationInfo
  onInvocationEnd: InvocationEndInfo
  onOperationStart: OperationInfo
  onOperationEnd: OperationEndInfo
  onOperationAttemptStart: AttemptInfo
  onOperationAttemptEnd: AttemptEndInfo
  onOperationChange: OperationChangeInfo
}
type WrapHook = "wrapInvocation" | "wrapChildContextFn" | "wrapOperationAttemptFn"
type OtherHook = WrapHook | "chainedInvokeTraceHeader"

const describe = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))

export class PluginRunner {
  static readonly none = new PluginRunner([], () => {})

  readonly plugins: ReadonlyArray<DurableInstrumentationPlugin>
  private readonly warn: (message: string) => void

  constructor(plugins: ReadonlyArray<DurableInstrumentationPlugin>, warn: (message: string) => void) {
    this.plugins = plugins
    this.warn = warn
  }

  get active(): boolean {
    return this.plugins.length > 0
  }

  has(hook: keyof Hooks | OtherHook): boolean {
    for (const p of this.plugins) if (typeof p[hook] === "function") return true
    return false
  }

  /** Calls `hook` on every plugin defining it, concurrently, and waits for all to settle. */
  emit<K extends keyof Hooks>(hook: K, info: () => Hooks[K]): Effect.Effect<void> {
    if (!this.has(hook)) return Effect.void
    return Effect.promise(() => {
      const value = info()
      return Promise.allSettled(
        this.plugins.map(async (p) => {
          const f = p[hook] as ((i: Hooks[K]) => unknown) | undefined
          if (typeof f === "function") await f.call(p, value)
        })
      )
    }).pipe(
      Effect.map((results) => {
        for (const r of results) {
          if (r.status === "rejected") this.warn(`Instrumentation plugin hook ${hook} failed: ${describe(r.reason)}`)
        }
      })
    )
  }

  /** Merged `enrichLogContext` of every plugin (a throwing plugin is skipped). */
  enrichLogContext(): Record<string, string | number | boolean> | undefined {
    let merged: Record<string, string | number | boolean> | undefined
    for (const p of this.plugins) {
      if (typeof p.enrichLogContext !== "function") continue
      try {
        const extra = p.enrichLogContext()
        if (extra !== undefined && extra !== null) merged = { ...merged, ...extra }
      } catch (e) {
        this.warn(`Instrumentation plugin hook enrichLogContext failed: ${describe(e)}`)
      }
    }
    return merged
  }

  /**
   * The trace header for a chained invoke: the first string a plugin's `chainedInvokeTraceHeader` returns
   * (a throwing plugin is skipped), `undefined` when none does.
   */
  chainedInvokeTraceHeader(info: () => OperationInfo): string | undefined {
    if (!this.has("chainedInvokeTraceHeader")) return undefined
    const value = info()
    for (const p of this.plugins) {
      if (typeof p.chainedInvokeTraceHeader !== "function") continue
      try {
        const header = p.chainedInvokeTraceHeader(value)
        if (typeof header === "string" && header !== "") return header
      } catch (e) {
        this.warn(`Instrumentation plugin hook chainedInvokeTraceHeader failed: ${describe(e)}`)
      }
    }
    return undefined
  }

  /**
   * Runs `effect` inside the `hook` wrappers of every plugin (the first plugin outermost). The innermost
   * function runs the effect (once, whatever the wrappers do) and returns a promise of its value; the
   * effect's own outcome is what this returns, even if a wrapper swallows its failure. A wrapper that throws
   * synchronously is skipped. Interrupting the result interrupts the effect.
   */
  wrap<A, E, R>(hook: WrapHook, info: unknown, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    if (!this.has(hook)) return effect
    const plugins = this.plugins
    const warn = this.warn
    return Effect.flatMap(Effect.context<R>(), (context) =>
      Effect.callback<A, E>((resume) => {
        let fiber: Fiber.Fiber<A, E> | undefined
        let exit: Exit.Exit<A, E> | undefined
        let run: Promise<A> | undefined
        const fn = (): Promise<A> => {
          if (run !== undefined) return run
          run = new Promise<A>((resolve, reject) => {
            fiber = Effect.runForkWith(context)(effect)
            fiber.addObserver((e) => {
              exit = e
              if (Exit.isSuccess(e)) resolve(e.value)
              else reject(Cause.squash(e.cause))
            })
          })
          return run
        }
        const chain = plugins.reduceRight<() => unknown>(
          (next, plugin) => () => {
            const w = plugin[hook] as ((i: unknown, f: () => unknown) => unknown) | undefined
            if (typeof w !== "function") return next()
            try {
              return w.call(plugin, info, next)
            } catch (e) {
              warn(`Instrumentation plugin hook ${hook} failed: ${describe(e)}`)
              return next()
            }
          },
          fn
        )
        const settle = (fallback: Exit.Exit<A, E>) => {
          if (run === undefined) return resume(fallback)
          // The effect ran: its own outcome wins over whatever the wrappers made of it.
          run.then(
            () => resume(exit!),
            () => resume(exit!)
          )
        }
        let result: unknown
        try {
          result = chain()
        } catch (e) {
          if (run === undefined) fn()
          return settle(Exit.die(e))
        }
        Promise.resolve(result).then(
          (value) => settle(Exit.succeed(value as A)),
          (e) => settle(Exit.die(e))
        )
        return Effect.suspend(() => (fiber === undefined ? Effect.void : Fiber.interrupt(fiber)))
      })
    )
  }
}

/** The plugin view of a recorded operation (`undefined`: not recorded yet). */
export const operationInfo = (op: Operation | undefined, isReplay: boolean): OperationInfo => {
  const error =
    op?.StepDetails?.Error ?? op?.CallbackDetails?.Error ?? op?.ContextDetails?.Error ?? op?.ChainedInvokeDetails?.Error
  const result =
    op?.StepDetails?.Result ??
    op?.CallbackDetails?.Result ??
    op?.ContextDetails?.Result ??
    op?.ChainedInvokeDetails?.Result
  const info: OperationInfo = { id: op?.Id ?? "", type: op?.Type ?? "", isReplay }
  if (op?.Name !== undefined) info.name = op.Name
  if (op?.SubType !== undefined) info.subType = op.SubType
  if (op?.ParentId !== undefined) info.parentId = op.ParentId
  if (op?.Status !== undefined) info.status = op.Status
  if (op?.StartTimestamp !== undefined) info.startTimestamp = op.StartTimestamp
  if (op?.EndTimestamp !== undefined) info.endTimestamp = op.EndTimestamp
  if (result !== undefined) info.result = result
  if (error !== undefined) info.error = fromErrorObject(error)
  if (op?.StepDetails?.Attempt !== undefined) info.attempt = op.StepDetails.Attempt
  return info
}

/** The plugin view of a list of operations, by wire id. */
export const operationInfoMap = (ops: Iterable<Operation>): Record<string, OperationInfo> => {
  const map: Record<string, OperationInfo> = {}
  for (const op of ops) map[op.Id] = operationInfo(op, false)
  return map
}
