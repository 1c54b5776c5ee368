/**
 * Time inside running invocations. Time moves only when the harness knows the invocations cannot progress
 * otherwise: it holds their backend call (an injected lost or delayed answer), a worker reported itself
 * idle, or under `skipTime` every timer is on the one fake timeline and the event loop has nothing else to
 * run. Otherwise in-process timers fire when their real delay has elapsed. Invocations past their deadline
 * are killed (`Sandbox.Timedout`).
 *
 * @internal
 */
import { realSetTimeout } from "../realTimers.ts"
import type { Kernel } from "./kernel.ts"
import type { RunningInvocation } from "./records.ts"

/** Plugs the invocation clock into `kernel`. */
export const install = (kernel: Kernel): void => {
  let watching = false
  const watch = (): void => {
    const clock = kernel.clock
    if (clock === undefined || watching) return
    watching = true
    let last = -1
    let quiet = 0
    const tick = () => {
      // Duplicate deliveries count too: a fault can leave one hanging until its Lambda timeout.
      const running = [...kernel.running(), ...kernel.duplicateRuns]
      if (kernel.inflight === 0 || kernel.finished) {
        watching = false
        return
      }
      const activity = clock.activity
      if (activity !== last) {
        last = activity
        quiet = 0
      } else quiet++
      if (quiet >= kernel.options.settleTurns && blockedOnTime(kernel, running)) {
        quiet = 0
        advanceInsideInvocations(kernel, running)
      }
      // Spin on immediates while things happen; back off once the invocations have been quiet for a while.
      if (quiet > 100) realSetTimeout(tick, 2)
      else setImmediate(tick)
    }
    setImmediate(tick)
  }
  kernel.hooks.watch = watch
  kernel.clock?.onTimer(() => watch())
  // An in-process timer's real delay elapsed (no skipTime): time has really passed up to `due`.
  kernel.clock?.onRealDue((due) => {
    if (kernel.finished) return
    timePassed(kernel, due, kernel.running())
  })
}

/**
 * Whether every running invocation can only progress by time moving, known from the harness's own
 * state: it holds the invocation's backend call (an injected lost or delayed answer), a worker reported
 * itself idle, or under skipTime every timer is on the one fake timeline and nothing else is left to run.
 */
const blockedOnTime = (kernel: Kernel, running: ReadonlyArray<RunningInvocation>): boolean => {
  const fake = kernel.clock?.fake === true
  // A plain invoke target is user code: on real time it is never cut short.
  if (!fake && kernel.inflight > running.length) return false
  for (const inv of running) {
    if (inv.exec.target._tag === "Worker") {
      if (inv.workerStuck === undefined) return false
    } else if (!fake && inv.held === 0) return false
  }
  return true
}

/** Moves time inside running invocations to the next due item (timer, service timer, deadline). */
const advanceInsideInvocations = (kernel: Kernel, running: ReadonlyArray<RunningInvocation>): void => {
  const clock = kernel.clock!
  let next = clock.nextTimerAt()
  const take = (t: number | undefined) => {
    if (t !== undefined && (next === undefined || t < next)) next = t
  }
  take(kernel.state.nextTimerAt())
  for (const action of kernel.external) take(action.at)
  for (const inv of running) take(inv.deadline)
  if (next === undefined) return
  timePassed(kernel, next, running)
}

const timePassed = (kernel: Kernel, to: number, running: ReadonlyArray<RunningInvocation>): void => {
  const clock = kernel.clock!
  clock.advanceTo(to)
  for (const inv of running) {
    if (inv.deadline <= clock.now()) {
      const seconds = (kernel.options.invocationTimeoutMillis / 1000).toFixed(2)
      kernel.killInvocation(inv, {
        ErrorType: "Sandbox.Timedout",
        ErrorMessage: `RequestId: ${inv.record.requestId} Error: Task timed out after ${seconds} seconds`
      })
    }
  }
  kernel.fireDue()
  kernel.hooks.advanced(clock.now())
}
