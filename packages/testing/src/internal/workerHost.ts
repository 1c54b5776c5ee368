/**
 * Main-thread side of isolated invocations: one warm worker thread per handler module (a Lambda execution
 * environment), replaced after a crash (the next invocation is a cold start). Backend calls from the worker
 * are served by the simulation's per-invocation backend (faults and recording included); its sleeps become
 * in-process timers of the virtual clock.
 *
 * @internal
 */
import { Worker } from "node:worker_threads"
import type { ServiceState } from "@durable-lambda/backend-mock"
import { DurableBackend, type Operation } from "@durable-lambda/core"
import { Clock, Effect, Exit, Schema } from "effect"
import type { Kernel } from "./simulation/kernel.ts"
import { exitError, type RunningInvocation, type Target } from "./simulation/records.ts"

const workerUrl = (): URL =>
  new URL(import.meta.url.endsWith(".ts") ? "./invocationWorker.ts" : "./invocationWorker.js", import.meta.url)

const encodeBackendError = Schema.encodeSync(DurableBackend.BackendErrorSchema)

/**
 * The worker's Node options: the parent's export conditions (`--conditions x`, `--conditions=x`, `-C x`), plus
 * the workspace source condition when this package itself runs from source (inside the monorepo).
 */
const workerExecArgv = (): Array<string> => {
  const conditions = new Set<string>()
  const argv = process.execArgv
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--conditions" || arg === "-C") {
      const value = argv[++i]
      if (value !== undefined) conditions.add(value)
    } else if (arg.startsWith("--conditions=")) conditions.add(arg.slice("--conditions=".length))
  }
  if (import.meta.url.endsWith(".ts")) conditions.add("@durable-lambda/source")
  return [...conditions].map((c) => `--conditions=${c}`)
}

interface Slot {
  readonly worker: Worker
  readonly ready: Promise<void>
  current: Active | undefined
  dead: boolean
  /** Sequence number of the last message sent to the worker (idle reports must have seen it). */
  sent: number
  /** Why the worker died before running anything (e.g. the handler module failed to load). */
  startupError: Error | undefined
}

const send = (slot: Slot, message: Record<string, unknown>): void => {
  slot.sent++
  slot.worker.postMessage({ ...message, seq: slot.sent })
}

interface Active {
  readonly id: number
  readonly inv: RunningInvocation
  readonly backend: DurableBackend.DurableBackend["Service"]
  readonly resolve: (outcome: ServiceState.InvocationOutcome) => void
  readonly cancels: Map<number, () => void>
  crash: Operation.ErrorObject | undefined
  /** Backend calls from the worker still being answered. */
  calls: number
}

/** The worker threads of one simulation. */
export class WorkerPool {
  readonly #sim: Kernel
  readonly #slots = new Map<string, Slot>()
  readonly #shared: SharedArrayBuffer | undefined
  readonly #now: Float64Array | undefined
  #nextId = 1

  constructor(sim: Kernel) {
    this.#sim = sim
    if (sim.clock !== undefined) {
      this.#shared = new SharedArrayBuffer(8)
      this.#now = new Float64Array(this.#shared)
      this.#now[0] = sim.clock.now()
      sim.clock.onAdvance((now) => {
        this.#now![0] = now
      })
    }
  }

  #slot(target: Extract<Target, { _tag: "Worker" }>): Slot {
    const key = `${target.module}#${target.exportName}`
    const existing = this.#slots.get(key)
    if (existing !== undefined && !existing.dead) return existing
    const worker = new Worker(workerUrl(), {
      workerData: { module: target.module, exportName: target.exportName, clock: this.#shared },
      execArgv: workerExecArgv()
    })
    let markReady: () => void = () => {}
    const slot: Slot = {
      worker,
      ready: new Promise<void>((r) => (markReady = r)),
      current: undefined,
      dead: false,
      sent: 0,
      startupError: undefined
    }
    worker.on("message", (message: any) => {
      if (message.type === "ready") markReady()
      else this.#onMessage(slot, message)
    })
    worker.on("error", (error) => {
      const active = slot.current
      if (active === undefined) slot.startupError = error
      if (active !== undefined) {
        active.crash ??= {
          ErrorType: "Runtime.ExitError",
          ErrorMessage: `RequestId: ${active.inv.record.requestId} Error: Runtime exited with error: ${error.message}`
        }
      }
    })
    worker.on("exit", (code) => {
      slot.dead = true
      markReady()
      const active = slot.current
      slot.current = undefined
      if (active !== undefined) {
        for (const cancel of active.cancels.values()) cancel()
        active.resolve({
          functionError: active.inv.killed ?? active.crash ?? exitError(active.inv, { code })
        })
      }
    })
    worker.unref()
    this.#slots.set(key, slot)
    return slot
  }

  async invoke(
    inv: RunningInvocation,
    target: Extract<Target, { _tag: "Worker" }>,
    backend: DurableBackend.DurableBackend["Service"],
    lambdaContext: object
  ): Promise<ServiceState.InvocationOutcome> {
    let slot = this.#slot(target)
    await slot.ready
    if (slot.dead) {
      slot = this.#slot(target)
      await slot.ready
    }
    if (slot.dead) {
      // The environment cannot even start: Lambda reports an init error for the invocation.
      return {
        functionError: {
          ErrorType: "Runtime.ImportModuleError",
          ErrorMessage: `Error: ${slot.startupError?.message ?? "the worker exited during initialisation"}`
        }
      }
    }
    // The context's data fields travel to the worker; its functions are rebuilt there.
    const fields = Object.fromEntries(Object.entries(lambdaContext).filter(([, value]) => typeof value !== "function"))
    return new Promise<ServiceState.InvocationOutcome>((resolve) => {
      const id = this.#nextId++
      const active: Active = { id, inv, backend, resolve, cancels: new Map(), crash: undefined, calls: 0 }
      slot.current = active
      inv.onKill(() => {
        // The platform kills the environment: terminate the thread (the exit handler resolves).
        if (slot.current === active) void slot.worker.terminate()
      })
      send(slot, {
        type: "invoke",
        id,
        event: inv.event,
        context: { ...fields, deadline: inv.deadline },
        seed: `${this.#sim.options.seed}:${inv.exec.arn}:${inv.record.index}:${inv.record.duplicate}`,
        virtual: this.#sim.clock !== undefined,
        settleTurns: this.#sim.options.settleTurns
      })
    })
  }

  #onMessage(slot: Slot, message: any): void {
    // A step attempt counts whatever happens to the invocation afterwards.
    if (message.type === "stepAttempt") this.#sim.stepAttempts.push(message.attempt)
    const active = slot.current
    if (active === undefined) return
    const inv = active.inv
    inv.workerStuck = undefined
    this.#sim.clock?.touch()
    switch (message.type) {
      case "idle":
        // Stale if the worker has not yet seen everything we sent, or a call of its is being answered.
        if (message.seen === slot.sent && active.calls === 0) inv.workerStuck = this.#sim.now()
        return
      case "call": {
        const call: Effect.Effect<unknown, DurableBackend.BackendError> =
          message.kind === "checkpoint"
            ? active.backend.checkpoint(message.request)
            : active.backend.getExecutionState(message.request)
        const clock = this.#sim.clock
        const program = clock === undefined ? call : call.pipe(Effect.provideService(Clock.Clock, clock.effectClock()))
        active.calls++
        void Effect.runPromiseExit(program as Effect.Effect<unknown, DurableBackend.BackendError>).then((exit) => {
          active.calls--
          if (slot.current !== active || slot.dead) return
          if (Exit.isSuccess(exit)) send(slot, { type: "reply", callId: message.callId, ok: true, value: exit.value })
          else {
            const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
            if (reason === undefined || reason._tag !== "Fail") return
            send(slot, {
              type: "reply",
              callId: message.callId,
              ok: false,
              error: encodeBackendError(reason.error)
            })
          }
        })
        return
      }
      case "sleep": {
        const clock = this.#sim.clock
        if (clock === undefined) {
          const handle = setTimeout(
            () => send(slot, { type: "wake", timerId: message.timerId }),
            Math.max(0, message.due - Date.now())
          )
          active.cancels.set(message.timerId, () => clearTimeout(handle))
          return
        }
        const cancel = clock.addTimer(message.due, () => {
          active.cancels.delete(message.timerId)
          if (slot.current === active && !slot.dead) send(slot, { type: "wake", timerId: message.timerId })
        })
        active.cancels.set(message.timerId, cancel)
        return
      }
      case "cancelSleep":
        active.cancels.get(message.timerId)?.()
        active.cancels.delete(message.timerId)
        return
      case "crash": {
        const rid = inv.record.requestId
        const crash = message.crash
        active.crash =
          crash._tag === "UnhandledRejection"
            ? {
                ErrorType: "Runtime.UnhandledPromiseRejection",
                ErrorMessage: `${crash.reason.ErrorType}: ${crash.reason.ErrorMessage}`
              }
            : {
                ErrorType: "Runtime.ExitError",
                ErrorMessage: `RequestId: ${rid} Error: Runtime exited with error: exit status 129 (uncaught ${crash.error.ErrorType}: ${crash.error.ErrorMessage})`
              }
        return
      }
      case "done": {
        slot.current = undefined
        for (const cancel of active.cancels.values()) cancel()
        if (inv.killed !== undefined) {
          active.resolve({ functionError: inv.killed })
          return
        }
        active.resolve(message.output !== undefined ? message.output : { functionError: message.error })
        return
      }
    }
  }

  /** Time moved: workers read the shared clock; nudge them, and wait for their next idle report. */
  advanced(_now: number): void {
    for (const slot of this.#slots.values()) {
      if (slot.dead || slot.current === undefined) continue
      slot.current.inv.workerStuck = undefined
      send(slot, { type: "advance" })
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#slots.values()].map((slot) => (slot.dead ? undefined : slot.worker.terminate())))
    this.#slots.clear()
  }
}
