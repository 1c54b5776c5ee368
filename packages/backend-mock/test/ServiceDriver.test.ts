import { MockBackend, ServiceDriver, ServiceState } from "@durable-lambda/backend-mock"
import { Handler, Step, Wait } from "@durable-lambda/core"
import { Cause, Data, Effect, Exit, Result } from "effect"
import { describe, expect, it } from "vitest"
import { callback, makeState, start, T0, wait } from "./helpers.ts"

/** Runs `handler` for one invocation over a `MockBackend` on `state`. */
const invoker =
  (state: ServiceState.ServiceState, handler: Handler.DurableHandler<never>) =>
  async (started: ServiceState.InvocationStarted): Promise<ServiceState.InvocationOutcome> => {
    const exit = await Effect.runPromiseExit(
      handler
        .invoke(started.invocationInput, { awsRequestId: started.requestId })
        .pipe(Effect.provide(MockBackend.layerWith(state)))
    )
    return ServiceDriver.outcomeOfExit(exit)
  }

class Boom extends Data.TaggedError("Boom")<{ readonly message: string }> {}

describe("ServiceDriver.errorObjectOf", () => {
  it("an Error: its name, message and stack lines", () => {
    const error = new RangeError("out of range")
    const object = ServiceDriver.errorObjectOf(error)
    expect(object.ErrorType).toBe("RangeError")
    expect(object.ErrorMessage).toBe("out of range")
    expect(object.StackTrace?.[0]).toBe("RangeError: out of range")
  })

  it("a tagged error: its tag", () => {
    expect(ServiceDriver.errorObjectOf(new Boom({ message: "bad" }))).toMatchObject({
      ErrorType: "Boom",
      ErrorMessage: "bad"
    })
  })

  it("anything else: Error and the value as text", () => {
    expect(ServiceDriver.errorObjectOf("plain")).toEqual({ ErrorType: "Error", ErrorMessage: "plain" })
    expect(ServiceDriver.errorObjectOf(42)).toEqual({ ErrorType: "Error", ErrorMessage: "42" })
  })
})

describe("ServiceDriver.outcomeOfExit", () => {
  it("a success is the output; a failure, a defect and an interruption are function errors", () => {
    expect(ServiceDriver.outcomeOfExit(Exit.succeed({ Status: "PENDING" }))).toEqual({ Status: "PENDING" })
    expect(ServiceDriver.outcomeOfExit(Exit.fail(new Boom({ message: "x" })))).toMatchObject({
      functionError: { ErrorType: "Boom", ErrorMessage: "x" }
    })
    expect(ServiceDriver.outcomeOfExit(Exit.die(new TypeError("t")))).toMatchObject({
      functionError: { ErrorType: "TypeError", ErrorMessage: "t" }
    })
    expect(ServiceDriver.outcomeOfExit(Exit.failCause(Cause.interrupt()))).toEqual({
      functionError: ServiceDriver.INTERRUPTED
    })
    const custom = { ErrorType: "Runtime.Interrupted", ErrorMessage: "stopped" }
    expect(ServiceDriver.outcomeOfExit(Exit.failCause(Cause.interrupt()), custom)).toEqual({ functionError: custom })
  })
})

describe("ServiceDriver.lambdaContext", () => {
  it("the Node.js runtime's fields, the deadline on the caller's clock", () => {
    let left = 5000
    const context = ServiceDriver.lambdaContext({
      functionName: "orders",
      requestId: "r-1",
      remainingMillis: () => left
    })
    expect(context).toMatchObject({
      functionName: "orders",
      functionVersion: "$LATEST",
      invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:orders",
      memoryLimitInMB: "128",
      awsRequestId: "r-1",
      logGroupName: "/aws/lambda/orders",
      logStreamName: "local/[$LATEST]r-1",
      callbackWaitsForEmptyEventLoop: false
    })
    expect(context.getRemainingTimeInMillis()).toBe(5000)
    left = -10
    expect(context.getRemainingTimeInMillis()).toBe(0)
  })
})

describe("ServiceDriver.runToCompletion", () => {
  it("runs across a wait: the clock jumps to the wait's end, the step is not run again", async () => {
    const { state, now, setTime } = makeState()
    let runs = 0
    const handler = Handler.make(() =>
      Effect.gen(function* () {
        const v = yield* Step.run(
          "compute",
          Effect.sync(() => ++runs)
        )
        yield* Wait.wait({ seconds: 60 })
        return v
      })
    )
    const started = state.startExecution({ input: "{}" })
    const outcome = await ServiceDriver.runToCompletion(state, started.durableExecutionArn, {
      first: started,
      clock: { now, advanceTo: setTime },
      invoke: invoker(state, handler)
    })
    expect(outcome.execution.Status).toBe("SUCCEEDED")
    expect(outcome.execution.Result).toBe("1")
    expect(outcome.invocations).toBe(2)
    expect(runs).toBe(1)
    expect(now()).toBe(T0 + 60_000)
  })

  it("re-invokes after a function error", async () => {
    const { state, now, setTime } = makeState()
    const started = state.startExecution({ input: "{}" })
    let calls = 0
    const done = await ServiceDriver.runToCompletion(state, started.durableExecutionArn, {
      first: started,
      clock: { now, advanceTo: setTime },
      invoke: async () => (++calls === 1 ? { functionError: { ErrorType: "Crash" } } : { Status: "SUCCEEDED" })
    })
    expect(done.execution.Status).toBe("SUCCEEDED")
    expect(done.invocations).toBe(2)
    expect(done.last).toEqual({ Status: "SUCCEEDED" })
  })

  it("begins the first invocation itself when none is handed over, and refuses a second one", async () => {
    const { state, now, setTime } = makeState()
    const arn = state.startExecution({ input: "{}" }).durableExecutionArn
    // startExecution already began an invocation nobody handed to the driver: the service refuses another
    const run = ServiceDriver.runToCompletion(state, arn, {
      clock: { now, advanceTo: setTime },
      invoke: async () => ({ Status: "SUCCEEDED" })
    })
    await expect(run).rejects.toBeInstanceOf(ServiceDriver.ServiceDriverError)
  })

  it("fails clearly when the execution waits on nothing but its timeout", async () => {
    const { state, now, setTime } = makeState()
    const started = state.startExecution({ input: "{}" })
    const run = ServiceDriver.runToCompletion(state, started.durableExecutionArn, {
      first: started,
      clock: { now, advanceTo: setTime },
      invoke: async () => ({ Status: "PENDING" })
    })
    await expect(run).rejects.toThrow(/PENDING with nothing to wake it/)
    expect(ServiceDriver.nextWakeAt(state, started.durableExecutionArn)).toBeUndefined()
  })

  it("stops at the invocation budget", async () => {
    const { state, now, setTime } = makeState()
    const started = state.startExecution({ input: "{}" })
    const run = ServiceDriver.runToCompletion(state, started.durableExecutionArn, {
      first: started,
      maxInvocations: 3,
      clock: { now, advanceTo: setTime },
      invoke: async () => ({ functionError: { ErrorType: "Crash" } })
    })
    await expect(run).rejects.toThrow(/did not finish in 3 invocations/)
  })

  it("a rejected invoke completes the invocation with a function error, then rethrows", async () => {
    const { state, now, setTime } = makeState()
    const started = state.startExecution({ input: "{}" })
    const arn = started.durableExecutionArn
    const run = ServiceDriver.runToCompletion(state, arn, {
      first: started,
      clock: { now, advanceTo: setTime },
      invoke: () => Promise.reject(new Error("harness broke"))
    })
    await expect(run).rejects.toThrow("harness broke")
    expect(state.isInvocationActive(arn)).toBe(false)
    expect(state.needsInvocation(arn)).toBe(true)
  })

  it("onBegun sees every invocation before it runs, the handed-over first one included", async () => {
    const { state, now, setTime } = makeState()
    const started = state.startExecution({ input: "{}" })
    const begun: Array<string> = []
    const invoked: Array<string> = []
    await ServiceDriver.runToCompletion(state, started.durableExecutionArn, {
      first: started,
      clock: { now, advanceTo: setTime },
      onBegun: (s, n) => begun.push(`${n} ${s.requestId}`),
      invoke: async (s, n) => {
        invoked.push(`${n} ${s.requestId}`)
        return n === 1 ? { functionError: { ErrorType: "Crash" } } : { Status: "SUCCEEDED" }
      }
    })
    expect(begun).toEqual(invoked)
    expect(begun).toHaveLength(2)
    expect(begun[0]).toBe(`1 ${started.requestId}`)
  })

  it("onSuspended answers a callback before the clock moves, and the execution is invoked at once", async () => {
    const { state, now, setTime } = makeState()
    const execution = start(state, { input: "{}" })
    let suspended = 0
    const done = await ServiceDriver.runToCompletion(state, execution.arn, {
      first: execution.started,
      clock: { now, advanceTo: setTime },
      onSuspended: () => {
        suspended++
        const callbackId = execution.op("cb").CallbackDetails?.CallbackId ?? ""
        return Result.isSuccess(state.sendCallbackSuccess(callbackId, '"yes"'))
      },
      invoke: async (_, n) => {
        if (n > 1) return { Status: "SUCCEEDED", Result: execution.op("cb").CallbackDetails?.Result ?? "" }
        execution.checkpoint([callback("cb")])
        return { Status: "PENDING" }
      }
    })
    expect(done.execution.Status).toBe("SUCCEEDED")
    expect(done.execution.Result).toBe('"yes"')
    expect(done.invocations).toBe(2)
    expect(suspended).toBe(1)
    expect(now()).toBe(T0)
  })

  it("onSuspended making no progress leaves the clock to move to the next wake-up", async () => {
    const { state, now, setTime } = makeState()
    const execution = start(state, { input: "{}" })
    const done = await ServiceDriver.runToCompletion(state, execution.arn, {
      first: execution.started,
      clock: { now, advanceTo: setTime },
      onSuspended: () => false,
      invoke: async (_, n) => {
        if (n > 1) return { Status: "SUCCEEDED" }
        execution.checkpoint([wait("w", 30)])
        return { Status: "PENDING" }
      }
    })
    expect(done.execution.Status).toBe("SUCCEEDED")
    expect(now()).toBe(T0 + 30_000)
  })

  it("wakeOn ALL_TIMERS lets an execution waiting on nothing time out, and returns it closed", async () => {
    const { state, now, setTime } = makeState()
    const started = state.startExecution({ input: "{}", timeoutSeconds: 60 })
    const done = await ServiceDriver.runToCompletion(state, started.durableExecutionArn, {
      first: started,
      clock: { now, advanceTo: setTime },
      wakeOn: ServiceDriver.ALL_TIMERS,
      invoke: async () => ({ Status: "PENDING" })
    })
    expect(done.execution.Status).toBe("TIMED_OUT")
    expect(done.invocations).toBe(1)
    expect(done.last).toEqual({ Status: "PENDING" })
    expect(now()).toBe(T0 + 60_000)
  })

  it("fails clearly when the clock does not move to the next wake-up", async () => {
    const { state, now } = makeState()
    const execution = start(state, { input: "{}" })
    const run = ServiceDriver.runToCompletion(state, execution.arn, {
      first: execution.started,
      clock: { now, advanceTo: () => {} },
      invoke: async () => {
        execution.checkpoint([wait("w", 30)])
        return { Status: "PENDING" }
      }
    })
    await expect(run).rejects.toThrow(/clock did not move/)
  })
})

describe("ServiceDriver.nextWakeAt", () => {
  it("wakeOn picks the earliest timer of those kinds; without an ARN, of any execution", () => {
    const { state } = makeState()
    const a = start(state, { input: "{}" })
    a.checkpoint([callback("cb", { TimeoutSeconds: 10 }), wait("w", 20)])
    const b = start(state, { input: "{}" })
    b.checkpoint([wait("w", 15)])
    expect(ServiceDriver.nextWakeAt(state, a.arn)).toBe(T0 + 10_000)
    expect(ServiceDriver.nextWakeAt(state, a.arn, ServiceDriver.WORKFLOW_TIMERS)).toBe(T0 + 20_000)
    expect(ServiceDriver.nextWakeAt(state, undefined, ServiceDriver.WORKFLOW_TIMERS)).toBe(T0 + 15_000)
    expect(ServiceDriver.nextWakeAt(state, a.arn, new Set(["CallbackHeartbeatTimeout"]))).toBeUndefined()
  })
})
