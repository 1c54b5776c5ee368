/**
 * Virtual time for simulated executions: one clock per runner, shared by the emulated service (its timers
 * and timestamps) and the engine inside each invocation (Effect's `Clock`), so every timestamp in the
 * history is consistent and a 7-day wait takes microseconds.
 *
 * **Details**: time moves only when the execution cannot progress otherwise, decided from the harness's own
 * state, never from process-wide resources or real-time quiet. Between invocations the runner jumps to the
 * next due item (service timer, scripted answer, re-invocation). Inside an invocation, a sleep of 0 ms
 * resolves on the next macrotask, and a longer sleep (the engine's status polling, its deadline guard, a
 * user `Effect.sleep`) is an *in-process timer*:
 * - by default it fires when its real delay has elapsed (user code is never cut short), or earlier when the
 *   harness itself holds the invocation (a lost or delayed checkpoint answer it injected);
 * - under `LocalDurableTestRunner.setupTestEnvironment({ skipTime: true })` it is a timer of the installed
 *   fake clock (`@sinonjs/fake-timers`), on the same timeline as the `setTimeout`s of step bodies and of the
 *   test, and fires in order when the event loop has nothing else to run.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect } from "effect"
import * as FakeTime from "./internal/fakeTime.ts"
import { realClearTimeout, realSetTimeout } from "./internal/realTimers.ts"

/** A sleep waiting for virtual time. */
interface InProcessTimer {
  readonly due: number
  readonly seq: number
  readonly fire: () => void
  real: ReturnType<typeof setTimeout> | undefined
}

/**
 * Options of a `VirtualClock`.
 *
 * @since 0.1.0
 */
export interface VirtualClockOptions {
  /**
   * Give every in-process timer a real-time fallback: it also fires once its delay has really elapsed,
   * moving virtual time up to its due time (`onRealDue` decides how). Default false.
   */
  readonly realFallback?: boolean
  /** A fake clock (`@sinonjs/fake-timers`) to read time from and keep timers on, instead of our own. */
  readonly fake?: FakeTime.FakeClock | undefined
}

/**
 * The virtual clock: current time, in-process timers, and an activity counter the scheduler reads.
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
  readonly #realFallback: boolean
  readonly #fake: FakeTime.FakeClock | undefined
  #realDue: ((due: number) => void) | undefined

  constructor(start: number, options?: VirtualClockOptions) {
    this.#now = start
    this.#realFallback = options?.realFallback ?? false
    this.#fake = options?.fake
    this.#fake?.setSystemTime(start)
  }

  /** Whether timers live on an installed fake clock (`skipTime`). */
  get fake(): boolean {
    return this.#fake !== undefined
  }

  /** Current virtual time, epoch milliseconds. */
  now(): number {
    return this.#fake?.now ?? this.#now
  }

  /**
   * Moves time forward to `at` (never backwards). On a fake clock this fires, in order, every fake timer
   * due meanwhile (the test's and step bodies' `setTimeout`s included).
   */
  advanceTo(at: number): void {
    const fake = this.#fake
    if (fake !== undefined) {
      if (at > fake.now) {
        fake.tick(at - fake.now)
        this.#activity++
        for (const listener of this.#advanceListeners) listener(fake.now)
      }
      return
    }
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

  /**
   * Sets what happens when an in-process timer's real-time fallback fires (default: move time to its due
   * time and fire what is due).
   */
  onRealDue(handler: (due: number) => void): void {
    this.#realDue = handler
  }

  /** Counts progress (backend calls, sleeps, invocation boundaries) for the scheduler. */
  touch(): void {
    this.#activity++
  }

  /** A number that changes whenever anything happens. */
  get activity(): number {
    return this.#activity + (this.#fake?.countTimers() ?? 0)
  }

  /** Registers an in-process timer; returns its cancel function. */
  addTimer(due: number, fire: () => void): () => void {
    const fake = this.#fake
    this.#activity++
    if (!Number.isFinite(due)) return () => {} // a sleep forever never fires
    if (fake !== undefined) {
      const id = fake.setTimeout(fire, Math.max(0, due - fake.now))
      for (const listener of this.#listeners) listener()
      return () => {
        fake.clearTimeout(id)
        this.#activity++
      }
    }
    const timer: InProcessTimer = { due, seq: this.#seq++, fire, real: undefined }
    this.#timers.add(timer)
    if (this.#realFallback) {
      timer.real = realSetTimeout(
        () => {
          timer.real = undefined
          if (!this.#timers.has(timer)) return
          if (this.#realDue !== undefined) this.#realDue(timer.due)
          else {
            this.advanceTo(timer.due)
            this.fireDue()
          }
        },
        Math.min(2 ** 31 - 1, Math.max(0, due - this.#now))
      )
      timer.real.unref?.()
    }
    for (const listener of this.#listeners) listener()
    return () => {
      if (this.#timers.delete(timer)) {
        if (timer.real !== undefined) realClearTimeout(timer.real)
        this.#activity++
      }
    }
  }

  /** Number of pending in-process timers (on a fake clock: every pending fake timer). */
  get pendingTimers(): number {
    return this.#fake?.countTimers() ?? this.#timers.size
  }

  /** Due time of the earliest in-process timer (on a fake clock: of the earliest fake timer). */
  nextTimerAt(): number | undefined {
    if (this.#fake !== undefined) return FakeTime.nextTimerAt(this.#fake)
    let best: InProcessTimer | undefined
    for (const t of this.#timers)
      if (best === undefined || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t
    return best?.due
  }

  /** Fires every in-process timer due at or before the current time, earliest first. */
  fireDue(): number {
    if (this.#fake !== undefined) return 0 // fake timers fire as the fake clock ticks
    let fired = 0
    for (;;) {
      let best: InProcessTimer | undefined
      for (const t of this.#timers) {
        if (t.due <= this.#now && (best === undefined || t.due < best.due || (t.due === best.due && t.seq < best.seq)))
          best = t
      }
      if (best === undefined) return fired
      this.#timers.delete(best)
      if (best.real !== undefined) realClearTimeout(best.real)
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
    const millis = () => self.now()
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
