/**
 * The checkpoint queue of one invocation: updates in FIFO order, batched under the size budget, one call in
 * flight at a time (tokens chain), each request with a ClientToken naming (this invocation, this request) so a
 * retried call is idempotent and a duplicate delivery's call never is. Responses are merged into the ledger.
 */
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type { BackendError } from "../DurableBackend.ts"
import { DurableBackend } from "../DurableBackend.ts"
import type { OperationUpdate } from "../Operation.ts"
import { utf8Length } from "./bytes.ts"
import type { Ledger } from "./ledger.ts"
import { md5Hex } from "./md5.ts"

interface Queued {
  readonly seq: number
  readonly update: OperationUpdate
  readonly bytes: number
  /** Hash of the update's JSON, so a request's ClientToken depends on what it carries. */
  readonly digest: number
}

export interface CheckpointerOptions {
  readonly arn: string
  readonly token: string
  /**
   * Drawn once per invocation (from Effect's `Random`): mixed into every ClientToken so the requests of a
   * duplicate delivery of the same invocation event never share a token with this invocation's.
   */
  readonly invocationNonce: string
  readonly backend: DurableBackend["Service"]
  readonly ledger: Ledger
  readonly maxBatchBytes: number
  readonly scope: Scope.Scope
  /**
   * Whether other operations are running user code right now. Group commit: before taking a batch, a send
   * then waits one macrotask so those operations' updates (map items, parallel branches) join the request
   * instead of each paying for a call. Sequential code sends at once.
   */
  readonly concurrentWork: () => boolean
  /** Called (synchronously) whenever the queue drains and nothing is in flight. */
  readonly onIdle: () => void
}

export class Checkpointer {
  private token: string
  private readonly queue: Array<Queued> = []
  private nextSeq = 1
  private ackedSeq = 0
  private inFlight = false
  private lingering = false
  private closed = false
  /** A call is being prepared or is in flight (flushes and refreshes take turns). */
  private sending = false
  /** Who waits for the current call to end, in arrival order. */
  private readonly turnWaiters: Array<() => void> = []
  private readonly options: CheckpointerOptions

  constructor(options: CheckpointerOptions) {
    this.options = options
    this.token = options.token
  }

  /**
   * The invocation ended: every later call (a straggler's flush or refresh) is interrupted instead of sent,
   * so nothing reaches the service on behalf of an invocation that already returned.
   */
  close(): void {
    this.closed = true
  }

  /** No update queued and no call in flight. */
  get idle(): boolean {
    return this.queue.length === 0 && !this.inFlight
  }

  /** Queues an update; returns its sequence number for `flushThrough`. */
  enqueue(update: OperationUpdate): number {
    const seq = this.nextSeq++
    const json = JSON.stringify(update)
    this.queue.push({ seq, update, bytes: utf8Length(json) + 16, digest: fnv1a(json) })
    return seq
  }

  /**
   * Sends queued updates until `seq` is acknowledged. Sending is uninterruptible: a fiber interrupted while
   * its batch is on the wire (an abandoned map item, an invocation ending) must not lose the batch or the
   * next token; only the wait for its turn can be interrupted.
   */
  flushThrough(seq: number): Effect.Effect<void, BackendError> {
    return Effect.suspend(() => {
      if (this.ackedSeq >= seq) return Effect.void
      if (this.sending) return Effect.andThen(this.nextTurn, this.flushThrough(seq))
      return this.exclusive(
        this.options.concurrentWork() ? Effect.andThen(Effect.sleep(0), this.sendUntil(seq)) : this.sendUntil(seq)
      )
    })
  }

  /**
   * Runs `send` as the one call in progress. When it ends, the fiber that sent it and the waiters resume
   * together, in arrival order, one microtask later, as the official SDK resolves every update of a batch in
   * one loop: the operations whose updates one call acknowledged go on in the order they queued them.
   */
  private exclusive(send: Effect.Effect<void, BackendError>): Effect.Effect<void, BackendError> {
    return Effect.suspend(() => {
      this.sending = true
      return Effect.uninterruptible(
        Effect.exit(send).pipe(
          Effect.flatMap((exit) =>
            Effect.andThen(
              Effect.callback<void>((resume) => {
                this.turnWaiters.unshift(() => resume(Effect.void))
                this.release()
              }),
              exit
            )
          )
        )
      )
    })
  }

  /** The call in progress ended: whoever waits resumes, in arrival order, one microtask later. */
  private release(): void {
    this.sending = false
    if (this.turnWaiters.length === 0) return
    const woken = this.turnWaiters.splice(0)
    queueMicrotask(() => {
      for (const wake of woken) wake()
    })
  }

  /** Waits (interruptibly) until the call in progress ends. */
  private readonly nextTurn: Effect.Effect<void> = Effect.callback<void>((resume) => {
    const wake = () => resume(Effect.void)
    this.turnWaiters.push(wake)
    return Effect.sync(() => {
      const at = this.turnWaiters.indexOf(wake)
      if (at >= 0) this.turnWaiters.splice(at, 1)
    })
  })

  /** Sends everything queued so far. */
  flushAll(): Effect.Effect<void, BackendError> {
    return this.flushThrough(this.nextSeq - 1)
  }

  /** A round trip even with nothing queued, to learn of service-side changes (timers, callbacks). */
  refresh(): Effect.Effect<void, BackendError> {
    return Effect.suspend(() =>
      this.sending
        ? Effect.andThen(this.nextTurn, this.refresh())
        : this.exclusive(
            Effect.suspend(() => (this.queue.length > 0 ? this.sendUntil(this.nextSeq - 1) : this.sendBatch([])))
          )
    )
  }

  /**
   * Flushes in the background after `millis` (coalescing everything queued meanwhile), at most one pending
   * flush at a time. Failures go to `onFailure`.
   */
  flushSoon(millis: number, onFailure: (e: BackendError) => Effect.Effect<void>): Effect.Effect<void> {
    if (this.lingering) return Effect.void
    this.lingering = true
    return Effect.forkIn(
      Effect.sleep(millis).pipe(
        Effect.andThen(
          Effect.suspend(() => {
            this.lingering = false
            return this.flushAll()
          })
        ),
        Effect.catch(onFailure)
      ),
      this.options.scope
    ).pipe(Effect.asVoid)
  }

  private sendUntil(seq: number): Effect.Effect<void, BackendError> {
    return Effect.suspend(() => {
      if (this.ackedSeq >= seq || this.queue.length === 0) return Effect.void
      let budget = this.options.maxBatchBytes - utf8Length(this.token) - 100
      let count = 0
      while (count < this.queue.length) {
        const item = this.queue[count]!
        if (count > 0 && item.bytes > budget) break
        budget -= item.bytes
        count++
      }
      const batch = this.queue.splice(0, count)
      return this.sendBatch(batch).pipe(Effect.andThen(this.sendUntil(seq)))
    })
  }

  private sendBatch(batch: ReadonlyArray<Queued>): Effect.Effect<void, BackendError> {
    const { arn, backend, ledger } = this.options
    return Effect.suspend(() => {
      if (this.closed) return Effect.interrupt
      this.inFlight = true
      const token = this.token
      return backend
        .checkpoint({
          durableExecutionArn: arn,
          checkpointToken: token,
          updates: batch.map((q) => q.update),
          clientToken: clientToken(this.options.invocationNonce, token, batch)
        })
        .pipe(
          Effect.flatMap((response) => {
            if (response.checkpointToken) this.token = response.checkpointToken
            ledger.merge(response.newExecutionState?.Operations)
            const marker = response.newExecutionState?.NextMarker
            return marker ? this.pageFrom(marker) : Effect.void
          }),
          Effect.tap(() =>
            Effect.sync(() => {
              if (batch.length > 0) this.ackedSeq = batch[batch.length - 1]!.seq
            })
          ),
          Effect.ensuring(
            Effect.sync(() => {
              this.inFlight = false
              if (this.queue.length === 0) this.options.onIdle()
            })
          )
        )
    })
  }

  private pageFrom(marker: string): Effect.Effect<void, BackendError> {
    const { arn, backend, ledger } = this.options
    return backend
      .getExecutionState({ durableExecutionArn: arn, checkpointToken: this.token, marker, maxItems: 1000 })
      .pipe(
        Effect.flatMap((page) => {
          ledger.merge(page.Operations)
          return page.NextMarker ? this.pageFrom(page.NextMarker) : Effect.void
        })
      )
  }
}

/** FNV-1a (32-bit) of a string's UTF-16 code units: cheap, and only used to tell requests apart. */
const fnv1a = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * The idempotency token of a request: it identifies (this invocation, this request). A retry of the same
 * request by the same invocation (same nonce, same checkpoint token, same updates) gets the same token, so the
 * service answers it from its idempotency store; any other request gets another token, including the
 * byte-identical request of a duplicate delivery of the same invocation event (another nonce), which the
 * service then checks against the (consumed) checkpoint token and refuses instead of replaying the answer.
 */
const clientToken = (nonce: string, token: string, batch: ReadonlyArray<Queued>): string =>
  md5Hex(`${nonce}#${token}#${batch.length}#${batch.map((q) => q.digest.toString(36)).join(".")}`)
