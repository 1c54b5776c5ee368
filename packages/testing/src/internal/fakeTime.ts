/**
 * The process-wide fake clock that `LocalDurableTestRunner.setupTestEnvironment({ skipTime: true })`
 * installs (as the official runner does, with `@sinonjs/fake-timers`): `setTimeout`, `setInterval` and
 * `Date` of step bodies and of the test itself then run on the harness's virtual timeline.
 *
 * Immediates, `process.nextTick` and microtasks stay real: Effect's scheduler and promise continuations
 * run on them, and faking them would stall every fiber until someone ticks.
 *
 * Outside a run nobody drives the timeline, so the fake clock follows real time (the official runner's
 * `shouldAdvanceTime`): a test's `setTimeout` between runs still fires. While a run is in progress only the
 * harness moves it, to the next due item, when the execution cannot progress otherwise.
 *
 * @internal
 */
import * as FakeTimers from "@sinonjs/fake-timers"
import { realClearInterval, realDateNow, realSetInterval } from "./realTimers.ts"

/** The installed fake clock. */
export type FakeClock = FakeTimers.Clock & { uninstall(): void }

interface Installed {
  readonly clock: FakeClock
  readonly follower: ReturnType<typeof setInterval>
  /** Runs currently driving the clock (no real-time following while > 0). */
  driving: number
  lastReal: number
}

let installed: Installed | undefined

/** Error thrown when fake timers are already installed by someone else (e.g. `vi.useFakeTimers()`). */
export class FakeTimersAlreadyInstalled extends Error {
  override readonly name = "FakeTimersAlreadyInstalled"
}

/** Installs the fake clock (idempotent for this module's own installation). */
export const install = (): void => {
  if (installed !== undefined) return
  if ((Date as unknown as { isFake?: boolean }).isFake === true) {
    throw new FakeTimersAlreadyInstalled(
      "setupTestEnvironment({ skipTime: true }): fake timers are already installed (vi.useFakeTimers / jest.useFakeTimers?); use one or the other."
    )
  }
  const clock = FakeTimers.withGlobal(globalThis).install({
    now: realDateNow(),
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
    shouldClearNativeTimers: true
  }) as FakeClock
  const state: Installed = {
    clock,
    driving: 0,
    lastReal: realDateNow(),
    follower: realSetInterval(() => {
      const now = realDateNow()
      const elapsed = now - state.lastReal
      state.lastReal = now
      if (state.driving === 0 && elapsed > 0) clock.tick(elapsed)
    }, 20)
  }
  state.follower.unref?.()
  installed = state
}

/** Uninstalls the fake clock, if this module installed it. */
export const uninstall = (): void => {
  const state = installed
  if (state === undefined) return
  installed = undefined
  realClearInterval(state.follower)
  state.clock.uninstall()
}

/** The installed fake clock, if any. */
export const current = (): FakeClock | undefined => installed?.clock

/** Stops real-time following while a run drives the clock; returns the release function. */
export const drive = (): (() => void) => {
  const state = installed
  if (state === undefined) return () => {}
  state.driving++
  let released = false
  return () => {
    if (released) return
    released = true
    state.driving--
    state.lastReal = realDateNow()
  }
}

/** Due time of the earliest pending fake timer (sinon keeps them in `clock.timers`). */
export const nextTimerAt = (clock: FakeClock): number | undefined => {
  const timers = (clock as unknown as { timers?: Map<number, { callAt: number }> }).timers
  if (timers === undefined) return undefined
  let best: number | undefined
  for (const timer of timers.values()) if (best === undefined || timer.callAt < best) best = timer.callAt
  return best
}
