/**
 * Worker-thread entry for isolated invocations: loads the handler module once (a warm Lambda environment),
 * runs each invocation it is sent against a `DurableBackend` that forwards every call to the main thread,
 * on the runner's virtual clock (shared memory), and reports crashes (`process.exit`, uncaught exceptions,
 * unhandled rejections) before the thread dies, as the Lambda runtime would.
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
/** Sequence number of the last message received from the main thread. */
let seen = 0
let idleReported = false
const touch = () => {
  activity++
  idleReported = false
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

/** Forwards every step attempt to the main thread, where the fault checker's at-most-once invariant reads them. */
const attemptForwarder = (executionArn: string): Instrumentation.DurableInstrumentationPlugin => ({
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

const busy = (): number => {
  let n = 0
  for (const r of process.getActiveResourcesInfo()) if (r !== "Immediate" && r !== "MessagePort") n++
  return n
}

const watchIdle = (baseline: number) => {
  let last = -1
  let quiet = 0
  const tick = () => {
    if (!active) return
    if (activity !== last) {
      last = activity
      quiet = 0
    } else quiet++
    if (quiet >= 5 && !idleReported && pending.size === 0 && busy() <= baseline) {
      idleReported = true
      post({ type: "idle", seen })
    }
    setImmediate(tick)
  }
  setImmediate(tick)
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
}) => {
  let info: Awaited<typeof loaded>
  try {
    info = await loaded
  } catch (error) {
    post({ type: "done", id: message.id, error: errorObject(error) })
    return
  }
  active = true
  touch()
  watchIdle(busy())
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
