/**
 * The per-invocation operation ledger: every known operation by wire id, updated from checkpoint responses,
 * with waiters woken when an operation's status changes.
 */
import type { Operation } from "../Operation.ts"

export interface StatusWaiter {
  readonly id: string
  readonly wake: () => void
}

export class Ledger {
  private readonly operations = new Map<string, Operation>()
  private readonly waiters = new Map<string, Set<StatusWaiter>>()
  /** Number of operations loaded when the invocation began (EXECUTION included). */
  readonly initialCount: number

  constructor(initial: ReadonlyArray<Operation>) {
    for (const op of initial) this.operations.set(op.Id, op)
    this.initialCount = initial.length
  }

  get(id: string): Operation | undefined {
    return this.operations.get(id)
  }

  /** Every known operation, in the order first seen. */
  all(): ReadonlyArray<Operation> {
    return [...this.operations.values()]
  }

  /** The EXECUTION operation, if loaded. */
  execution(): Operation | undefined {
    for (const op of this.operations.values()) if (op.Type === "EXECUTION") return op
    return undefined
  }

  /** Upserts operations from a checkpoint response; wakes waiters of operations whose status changed. */
  merge(operations: ReadonlyArray<Operation> | undefined): void {
    if (operations === undefined) return
    for (const op of operations) {
      const previous = this.operations.get(op.Id)
      this.operations.set(op.Id, op)
      if (previous === undefined || previous.Status !== op.Status) this.notify(op.Id)
    }
  }

  watch(waiter: StatusWaiter): () => void {
    let set = this.waiters.get(waiter.id)
    if (set === undefined) {
      set = new Set()
      this.waiters.set(waiter.id, set)
    }
    set.add(waiter)
    return () => {
      set.delete(waiter)
    }
  }

  private notify(id: string): void {
    const set = this.waiters.get(id)
    if (set === undefined) return
    for (const waiter of [...set]) waiter.wake()
  }
}
