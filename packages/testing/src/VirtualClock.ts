/**
 * Virtual time for simulated executions: one clock per runner, shared by the emulated service (its timers
 * and timestamps) and the engine inside each invocation (Effect's `Clock`), so every timestamp in the
 * history is consistent and a 7-day wait takes microseconds.
 *
 * **Details**: time moves only when nothing can progress without it. Between invocations the runner jumps
 * to the next service timer. Inside an invocation, a sleep of 0 ms resolves on the next macrotask (as with a
 * real clock), and a longer sleep (the engine's status polling, a deadline guard, a user `Effect.sleep`) is an
 * *in-process timer*: it fires only when the invocation is otherwise stuck — no other activity for several
 * event-loop turns and no new timers, sockets or file requests of its own pending — and then moves the clock
 * to its due time, firing the service timers due meanwhile (recorded before the invocation's
 * InvocationCompleted, exactly as the always-running service would).
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect } from "effect"

/** A sleep waiting for virtual time. */
interface InProcessTimer {
  readonly due: number
  readonly seq: number
  readonly fire: () => void
}

/**
 * The virtual clock: current time, in-process timers, and an activity counter the stuck detector reads.
 *
 * **When to use**: you rarely need it directly; `TestRunner` creates one per run. Use `clock.now()` in
 * assertions about virtual time (e.g. how long an execution took).
 *
 * @since 0.1.0
 */
export class VirtualClock {
  #now: number
  #seq = 0
  #activity = 0
  readonly #timers = new Set<InProcessTimer>()
  readonly #listeners = new Set<() => void>()
  readonly #advanceListeners = new Set<(now: number) => void>()

  constructor(start: number) {
    this.#now = start
  }

  /** Current virtual time, epoch milliseconds. */
  now(): number {
    return this.#now
  }

  /** Moves time forward to `at` (never backwards). */
  advanceTo(at: number): void {
    if (at > this.#now) {
      this.#now = at
      this.#activity++
      for (const listener of this.#advanceListeners) listener(at)
    }
  }

  /** Subscribes to time moving forward. */
  onAdvance(listener: (now: number) => void): () => void {
    this.#advanceListeners.add(listener)
    return () => this.#advanceListeners.delete(listener)
  }

  /** Counts progress (backend calls, sleeps, invocation boundaries) for the stuck detector. */
  touch(): void {
    this.#activity++
  }

  /** A number that changes whenever anything happens. */
  get activity(): number {
    return this.#activity
  }

  /** Registers an in-process timer; returns its cancel function. */
  addTimer(due: number, fire: () => void): () => void {
    const timer: InProcessTimer = { due, seq: this.#seq++, fire }
    this.#timers.add(timer)
    this.#activity++
    for (const listener of this.#listeners) listener()
    return () => {
      if (this.#timers.delete(timer)) this.#activity++
    }
  }

  /** Number of pending in-process timers. */
  get pendingTimers(): number {
    return this.#timers.size
  }

  /** Due time of the earliest in-process timer. */
  nextTimerAt(): number | undefined {
    let best: InProcessTimer | undefined
    for (const t of this.#timers)
      if (best === undefined || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t
    return best?.due
  }

  /** Fires every in-process timer due at or before the current time, earliest first. */
  fireDue(): number {
    let fired = 0
    for (;;) {
      let best: InProcessTimer | undefined
      for (const t of this.#timers) {
        if (t.due <= this.#now && (best === undefined || t.due < best.due || (t.due === best.due && t.seq < best.seq)))
          best = t
      }
      if (best === undefined) return fired
      this.#timers.delete(best)
      this.#activity++
      fired++
      best.fire()
    }
  }

  /** Subscribes to "a new in-process timer was registered". */
  onTimer(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * An Effect `Clock` reading this virtual time: `sleep(0)` resolves on the next macrotask, longer sleeps are
   * in-process timers.
   */
  effectClock(): Clock.Clock {
    const self = this
    const millis = () => self.#now
    return {
      currentTimeMillisUnsafe: millis,
      currentTimeMillis: Effect.sync(millis),
      currentTimeNanosUnsafe: () => BigInt(millis()) * 1_000_000n,
      currentTimeNanos: Effect.sync(() => BigInt(millis()) * 1_000_000n),
      monotonicTimeNanosUnsafe: () => BigInt(millis()) * 1_000_000n,
      monotonicTimeNanos: Effect.sync(() => BigInt(millis()) * 1_000_000n),
      sleep: (duration: Duration.Duration) => {
        const ms = Duration.toMillis(duration)
        if (!(ms > 0)) {
          return Effect.callback<void>((resume) => {
            self.touch()
            const handle = setImmediate(() => {
              self.touch()
              resume(Effect.void)
            })
            return Effect.sync(() => clearImmediate(handle))
          })
        }
        return Effect.callback<void>((resume) => {
          const cancel = self.addTimer(millis() + ms, () => resume(Effect.void))
          return Effect.sync(cancel)
        })
      }
    }
  }
}

/**
 * A wall-clock Effect `Clock` (for `time: "real"`), so a caller's `TestClock` never leaks into the invocations.
 *
 * @since 0.1.0
 */
export const realClock: Clock.Clock = {
  currentTimeMillisUnsafe: () => Date.now(),
  currentTimeMillis: Effect.sync(() => Date.now()),
  currentTimeNanosUnsafe: () => BigInt(Date.now()) * 1_000_000n,
  currentTimeNanos: Effect.sync(() => BigInt(Date.now()) * 1_000_000n),
  monotonicTimeNanosUnsafe: () => process.hrtime.bigint(),
  monotonicTimeNanos: Effect.sync(() => process.hrtime.bigint()),
  sleep: (duration: Duration.Duration) =>
    Effect.callback<void>((resume) => {
      const ms = Duration.toMillis(duration)
      const handle = setTimeout(() => resume(Effect.void), Number.isFinite(ms) ? Math.max(0, ms) : 2 ** 31 - 1)
      return Effect.sync(() => clearTimeout(handle))
    })
}

/**
 * The resources an invocation's own code may be waiting on (timers, sockets, file requests, child
 * processes), as counted by Node. Immediates and message ports are excluded: the harness uses them itself.
 *
 * @internal
 */
export const busyResources = (): number => {
  const info = (process as unknown as { getActiveResourcesInfo?: () => Array<string> }).getActiveResourcesInfo?.()
  if (info === undefined) return 0
  let n = 0
  for (const r of info) if (r !== "Immediate" && r !== "MessagePort") n++
  return n
}
