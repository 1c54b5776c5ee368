/**
 * The simulation's event loop: start an invocation for every execution the service wants invoked; while
 * anything runs, wait; when everything is quiescent, give the test a few event-loop turns to react, then
 * move time to the next due item (service timer, scheduled external action, delayed re-invocation, and
 * under `skipTime` the fake timers of the test and of user code) and fire it.
 *
 * @internal
 */
import type { Kernel } from "./kernel.ts"
import type { Lifecycle } from "./lifecycle.ts"
import { type ExecutionRun, SimulationError } from "./records.ts"

/** Runs until `root` is closed and nothing is in flight; throws the run's failure. */
export const loop = async (kernel: Kernel, lifecycle: Lifecycle, root: ExecutionRun): Promise<void> => {
  for (;;) {
    if (kernel.failure !== undefined) throw kernel.failure
    kernel.scanAll()
    for (const exec of kernel.executions.values()) lifecycle.checkClosed(exec)
    const now = kernel.now()
    for (const exec of kernel.executions.values()) {
      if (exec.running === undefined && exec.notBefore <= now && kernel.state.needsInvocation(exec.arn)) {
        lifecycle.start(exec)
      }
    }
    if (kernel.failure !== undefined) throw kernel.failure
    if (root.closed && kernel.inflight === 0) return
    if (kernel.inflight > 0) {
      await kernel.nextSignal()
      continue
    }
    // Quiescent: let the test react (e.g. send a callback after waitForData) before time moves.
    if (await settle(kernel)) {
      if (kernel.inflight === 0 && kernel.external.some((a) => a.at <= kernel.now())) kernel.fireDue()
      continue
    }
    const next = nextDue(kernel)
    if (next === undefined) {
      throw new SimulationError(
        "The execution is idle and nothing is scheduled: no invocation is running, no timer is pending and no callback or invoke can complete it."
      )
    }
    if (kernel.clock !== undefined) {
      kernel.clock.advanceTo(next)
    } else {
      const delay = next - Date.now()
      if (delay > 0) await kernel.nextSignal(delay)
    }
    kernel.fireDue()
  }
}

/** Yields event-loop turns until nothing changes for `settleTurns` turns; true if work appeared. */
const settle = async (kernel: Kernel): Promise<boolean> => {
  let quiet = 0
  let last = kernel.clock?.activity ?? -1
  while (quiet < kernel.options.settleTurns) {
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (kernel.failure !== undefined) return true
    if (kernel.inflight > 0 || runnable(kernel)) return true
    const activity = kernel.clock?.activity ?? -1
    if (activity !== last) {
      last = activity
      quiet = 0
    } else quiet++
  }
  return kernel.inflight > 0 || runnable(kernel)
}

const runnable = (kernel: Kernel): boolean => {
  const now = kernel.now()
  for (const exec of kernel.executions.values()) {
    if (exec.running === undefined && exec.notBefore <= now && kernel.state.needsInvocation(exec.arn)) return true
  }
  return kernel.external.some((a) => a.at <= now)
}

const nextDue = (kernel: Kernel): number | undefined => {
  let next = kernel.state.nextTimerAt()
  const take = (t: number) => {
    if (next === undefined || t < next) next = t
  }
  for (const a of kernel.external) take(a.at)
  for (const exec of kernel.executions.values()) {
    if (exec.running === undefined && kernel.state.needsInvocation(exec.arn)) take(exec.notBefore)
  }
  // Under skipTime the test's own timers are on the timeline too.
  if (kernel.clock?.fake === true) {
    const fake = kernel.clock.nextTimerAt()
    if (fake !== undefined) take(fake)
  }
  return next
}
