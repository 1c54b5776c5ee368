/**
 * The endpoint's service clock: real time (timers on `setTimeout`) or virtual time (the clock only moves when
 * the endpoint or the test advances it).
 *
 * @internal
 */

/** The longest delay `setTimeout` accepts; later timers are re-armed when this one fires. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1

/** A service clock plus the single wake-up the endpoint needs for the earliest pending timer. */
export interface ServiceClock {
  readonly mode: "real" | "virtual"
  /** Epoch milliseconds. */
  readonly now: () => number
  /** Arms the wake-up for `at` (replacing the previous one); `undefined` disarms it. No-op on virtual time. */
  readonly wakeAt: (at: number | undefined) => void
  /** Moves a virtual clock forward to `to` (never backwards). Throws on real time. */
  readonly setTime: (to: number) => void
  /** Disarms the wake-up for good. */
  readonly dispose: () => void
}

/**
 * Real time: `now` (default `Date.now`), and a `setTimeout` (unref'd, so it never keeps a process alive) for
 * the wake-up.
 */
export const realClock = (onWake: () => void, now: () => number = Date.now): ServiceClock => {
  let handle: ReturnType<typeof setTimeout> | undefined
  let disposed = false
  const disarm = () => {
    if (handle !== undefined) clearTimeout(handle)
    handle = undefined
  }
  return {
    mode: "real",
    now,
    wakeAt: (at) => {
      disarm()
      if (at === undefined || disposed) return
      const delay = Math.min(MAX_TIMEOUT_MS, Math.max(0, at - now()))
      handle = setTimeout(() => {
        handle = undefined
        onWake()
      }, delay)
      handle.unref()
    },
    setTime: () => {
      throw new Error("The endpoint runs on real time: start it with virtualTime to move the clock")
    },
    dispose: () => {
      disposed = true
      disarm()
    }
  }
}

/** Virtual time starting at `start`: nothing fires until the clock is moved. */
export const virtualClock = (start: number): ServiceClock => {
  let current = start
  return {
    mode: "virtual",
    now: () => current,
    wakeAt: () => {},
    setTime: (to) => {
      if (to > current) current = to
    },
    dispose: () => {}
  }
}
