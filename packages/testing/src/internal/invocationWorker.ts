/**
 * Worker-thread entry for isolated invocations: loads the handler module once (a warm Lambda environment),
 * runs each invocation it is sent against a `DurableBackend` that forwards every call to the main thread,
 * on the runner's virtual clock (shared memory), and reports crashes (`process.exit`, uncaught exceptions,
 * unhandled rejections) before the thread dies, as the Lambda runtime would.
 *
 * **Idle**: the worker tells the main thread it may move virtual time only from its own state, never from
 * process-wide resources or real-time quiet: no backend call outstanding, no step or `waitForCondition`
 * attempt running, at least one engine sleep pending, and `settleTurns` event-loop turns without engine
 * activity. Work inside an attempt is always waited for (its timers, step timeout included, run on real
 * time). Durable handlers must do their I/O inside steps: a real timer or socket awaited outside any step
 * while the engine is parked is not waited for.
 *
 * @internal
 */
import { parentPort, workerData } from "node:worker_threads"
import { ServiceDriver } from "@durable-lambda/backend-mock"
import { DurableBackend, Handler, Instrumentation, type Invocation } from "@durable-lambda/core"
import { Clock, Duration, Effect, Random, Schema } from "effect"

interface Data {
  readonly module: string
  readonly exportName: string
  readonly clock: SharedArrayBuffer | undefined
}

const port = parentPort!
const data = workerData as Data
const shared = data.clock === undefined ? undefined : new Float64Array(data.clock)
const now = (): number => (shared === undefined ? Date.now() : shared[0]!)

let activity = 0
let active = false
/** Event-loop turns without activity before the worker reports itself idle (the runner's `settleTurns`). */
let settleTurns = 5
/** Step and `waitForCondition` attempt bodies of the current invocation running now. */
let attempts = new Set<object>()
/** Sequence number of the last message received from the main thread. */
let seen = 0
let idleReported = false
let settling = false
const touch = () => {
  activity++
  idleReported = false
  if (active && !settling) settle()
}

const post = (message: unknown) => {
  port.postMessage(message)
}

const errorObject = ServiceDriver.errorObjectOf

process.on("uncaughtException", (error) => {
  post({ type: "crash", crash: { _tag: "UncaughtException", error: errorObject(error) } })
  process.exit(129)
})
process.on("unhandledRejection", (reason) => {
  post({ type: "crash", crash: { _tag: "UnhandledRejection", reason: errorObject(reason) } })
  process.exit(128)
})

let nextId = 1
const pending = new Map<number, (message: any) => void>()
const timers = new Map<number, () => void>()

/** The engine is parked on the virtual clock: no backend call outstanding, no attempt running, a sleep pending. */
const parked = (): boolean => pending.size === 0 && attempts.size === 0 && timers.size > 0

/** After activity, waits `settleTurns` quiet turns, then reports idle if the engine is parked. */
const settle = () => {
  settling = true
  let last = activity
  let quiet = 0
  const tick = () => {
    if (!active) {
      settling = false
      return
    }
    if (activity !== last) {
      last = activity
      quiet = 0
    } else quiet++
    if (quiet < settleTurns) return void setImmediate(tick)
    settling = false
    if (!idleReported && parked()) {
      idleReported = true
      post({ type: "idle", seen })
    }
  }
  setImmediate(tick)
}

const decodeBackendError = Schema.decodeUnknownSync(DurableBackend.BackendErrorSchema)

const call = <A>(kind: "checkpoint" | "getExecutionState", request: unknown) =>
  Effect.callback<A, DurableBackend.BackendError>((resume) => {
    const id = nextId++
    touch()
    pending.set(id, (message) => {
      touch()
      resume(message.ok ? Effect.succeed(message.value as A) : Effect.fail(decodeBackendError(message.error)))
    })
    post({ type: "call", callId: id, kind, request })
    return Effect.sync(() => pending.delete(id))
  })

const backend = DurableBackend.DurableBackend.of({
  checkpoint: (request) => call<DurableBackend.CheckpointResult>("checkpoint", request),
  getExecutionState: (request) => call<Invocation.ExecutionStatePage>("getExecutionState", request)
})

/**
 * Forwards every step attempt to the main thread, where the fault checker's at-most-once invariant reads them,
 * and counts the attempt bodies running (user work the idle report waits for).
 */
const attemptForwarder = (executionArn: string): Instrumentation.DurableInstrumentationPlugin => ({
  wrapOperationAttemptFn: (_info, fn) => {
    const token = {}
    const running = attempts
    running.add(token)
    touch()
    const end = () => {
      running.delete(token)
      touch()
    }
    try {
      return Promise.resolve(fn()).finally(end)
    } catch (error) {
      end()
      throw error
    }
  },
  onOperationAttemptStart: async (info) => {
    if (info.type !== "STEP" || info.subType !== "Step") return
    const attempt: Instrumentation.StepAttempt = {
      executionArn,
      operationId: info.id,
      name: info.name,
      attempt: info.attempt,
      semantics: info.semantics
    }
    post({ type: "stepAttempt", attempt })
  }
})

const virtualClock: Clock.Clock = {
  currentTimeMillisUnsafe: now,
  currentTimeMillis: Effect.sync(now),
  currentTimeNanosUnsafe: () => BigInt(Math.floor(now())) * 1_000_000n,
  currentTimeNanos: Effect.sync(() => BigInt(Math.floor(now())) * 1_000_000n),
  monotonicTimeNanosUnsafe: () => BigInt(Math.floor(now())) * 1_000_000n,
  monotonicTimeNanos: Effect.sync(() => BigInt(Math.floor(now())) * 1_000_000n),
  sleep: (duration) => {
    const ms = Duration.toMillis(duration)
    if (!(ms > 0)) {
      return Effect.callback<void>((resume) => {
        touch()
        const handle = setImmediate(() => {
          touch()
          resume(Effect.void)
        })
        return Effect.sync(() => clearImmediate(handle))
      })
    }
    return Effect.callback<void>((resume) => {
      const id = nextId++
      touch()
      timers.set(id, () => resume(Effect.void))
      post({ type: "sleep", timerId: id, due: now() + ms })
      return Effect.sync(() => {
        if (timers.delete(id)) post({ type: "cancelSleep", timerId: id })
      })
    })
  }
}

const loaded = import(data.module).then((mod: Record<string, unknown>) => {
  const info = Handler.lambdaHandlerInfo(mod[data.exportName])
  if (info === undefined) {
    throw new Error(
      `${data.module} does not export a durable Lambda handler named "${data.exportName}" (built with withDurableExecution or Handler.toLambdaHandler)`
    )
  }
  return info
})

port.on("message", (message: any) => {
  if (typeof message.seq === "number") seen = message.seq
  switch (message.type) {
    case "reply":
      pending.get(message.callId)?.(message)
      pending.delete(message.callId)
      return
    case "wake": {
      const fire = timers.get(message.timerId)
      timers.delete(message.timerId)
      touch()
      fire?.()
      return
    }
    case "advance":
      touch()
      return
    case "invoke":
      void runInvocation(message)
      return
  }
})

const runInvocation = async (message: {
  readonly id: number
  readonly event: unknown
  readonly context: Record<string, unknown> & { readonly deadline: number }
  readonly seed: string
  readonly virtual: boolean
  readonly settleTurns: number
}) => {
  let info: Awaited<typeof loaded>
  try {
    info = await loaded
  } catch (error) {
    post({ type: "done", id: message.id, error: errorObject(error) })
    return
  }
  settleTurns = message.settleTurns
  attempts = new Set()
  active = true
  touch()
  const { deadline, ...fields } = message.context
  const lambdaContext = { ...fields, getRemainingTimeInMillis: () => Math.max(0, deadline - now()) }
  let program = info.handler
    .invoke(message.event, lambdaContext)
    .pipe(Effect.provideService(DurableBackend.DurableBackend, backend)) as Effect.Effect<
    Invocation.InvocationOutput,
    unknown,
    any
  >
  // Step attempts go to the main thread, where the fault checker's at-most-once invariant reads them.
  const forwarder = attemptForwarder(String((message.event as { DurableExecutionArn?: unknown }).DurableExecutionArn))
  program = program.pipe(
    Effect.updateService(Instrumentation.Instrumentation, (p) => ({ ...p, plugins: [...p.plugins, forwarder] }))
  )
  if (message.virtual) program = program.pipe(Effect.provideService(Clock.Clock, virtualClock))
  program = Random.withSeed(program, message.seed)
  if (info.services !== undefined) program = program.pipe(Effect.provide(info.services))
  const exit = await Effect.runPromiseExit(program as Effect.Effect<Invocation.InvocationOutput, unknown, never>)
  active = false
  const outcome = ServiceDriver.outcomeOfExit(exit, { ErrorType: "Error", ErrorMessage: "interrupted" })
  if ("functionError" in outcome) post({ type: "done", id: message.id, error: outcome.functionError })
  else post({ type: "done", id: message.id, output: outcome })
}

post({ type: "ready" })
