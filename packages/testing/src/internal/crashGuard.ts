/**
 * In-process crash interception: while an invocation runs in the test process, `process.exit`, uncaught
 * exceptions and unhandled rejections raised by *its* code (tracked with `AsyncLocalStorage`) end only that
 * invocation instead of the test process. Everything else is passed through unchanged.
 *
 * Installed while at least one in-process invocation is running, uninstalled afterwards.
 *
 * @internal
 */
import { AsyncLocalStorage } from "node:async_hooks"

/** What a crash is reported to. */
export interface CrashTarget {
  readonly crash: (crash: Crash) => void
}

/** A crash of the Lambda runtime process. */
export type Crash =
  | { readonly _tag: "Exit"; readonly code: number }
  | { readonly _tag: "UncaughtException"; readonly error: unknown }
  | { readonly _tag: "UnhandledRejection"; readonly reason: unknown }

/** Thrown from the patched `process.exit` to unwind the caller's stack (the invocation is already ended). */
export class ProcessExitSignal extends Error {
  override readonly name = "ProcessExitSignal"
  readonly code: number
  constructor(code: number) {
    super(`process.exit(${code}) called inside a simulated invocation`)
    this.code = code
  }
}

const storage = new AsyncLocalStorage<CrashTarget>()
let installed = 0
let originalExit: typeof process.exit | undefined
let originalEmit: typeof process.emit | undefined
let captureInstalled = false

/** Runs `f` with `target` as the crash target of everything it starts. */
export const runGuarded = <A>(target: CrashTarget, f: () => A): A => storage.run(target, f)

const patchedExit = function (this: unknown, code?: number | string | null): never {
  const target = storage.getStore()
  if (target === undefined) return originalExit!.call(process, code as number)
  const status = code === undefined || code === null ? Number(process.exitCode ?? 0) : Number(code)
  target.crash({ _tag: "Exit", code: Number.isFinite(status) ? status : 1 })
  throw new ProcessExitSignal(status)
}

const capture = (error: unknown): void => {
  if (error instanceof ProcessExitSignal) return
  const target = storage.getStore()
  if (target !== undefined) {
    target.crash({ _tag: "UncaughtException", error })
    return
  }
  // Not ours: behave as if no capture callback were set.
  if (process.listenerCount("uncaughtException") > 0) {
    ;((originalEmit ?? process.emit) as (...args: Array<unknown>) => boolean).call(
      process,
      "uncaughtException",
      error,
      "uncaughtException"
    )
    return
  }
  // eslint-disable-next-line no-console
  console.error(error)
  originalExit!.call(process, 7)
}

/** Installs the interception (reference counted). */
export const install = (): void => {
  if (installed++ > 0) return
  originalExit = process.exit
  process.exit = patchedExit as typeof process.exit
  originalEmit = process.emit
  const emit = originalEmit
  process.emit = function (this: unknown, event: string | symbol, ...args: Array<unknown>): boolean {
    if (event === "unhandledRejection") {
      const target = storage.getStore()
      if (target !== undefined) {
        if (!(args[0] instanceof ProcessExitSignal)) target.crash({ _tag: "UnhandledRejection", reason: args[0] })
        return true
      }
    }
    return (emit as (...a: Array<unknown>) => boolean).call(process, event, ...args)
  } as typeof process.emit
  if (!process.hasUncaughtExceptionCaptureCallback()) {
    process.setUncaughtExceptionCaptureCallback(capture)
    captureInstalled = true
  }
}

/** Removes the interception when the last user is done. */
export const uninstall = (): void => {
  if (installed === 0 || --installed > 0) return
  if (originalExit !== undefined) process.exit = originalExit
  if (originalEmit !== undefined) process.emit = originalEmit
  if (captureInstalled) {
    process.setUncaughtExceptionCaptureCallback(null)
    captureInstalled = false
  }
  originalExit = undefined
  originalEmit = undefined
}
