/**
 * The backend each invocation talks to: backend-mock's `DurableBackend` over the one `ServiceState`, plus
 * what the harness adds around each call: call and byte counts, root-execution snapshots, the checkpoint
 * delay, ownership of the operations the call created, and the faults of the plan (crashes, lost, throttled,
 * failed, stale or late answers) at their call sites.
 *
 * @internal
 */
import { DurableBackend, type Operation } from "@durable-lambda/core"
import { Effect } from "effect"
import { type CallFault, type Fault, type FaultSite, type SiteKey, siteKey } from "../faultPlan.ts"
import type { Kernel } from "./kernel.ts"
import { exitError, type RunningInvocation } from "./records.ts"

/** The fault-injecting backend of one simulation. */
export class FaultBackend {
  readonly #kernel: Kernel
  /** Faults of the plan already applied. */
  readonly #appliedFaults = new Set<Fault>()
  /** Calls counted per fault site (the root's checkpoints are counted by their execution). */
  readonly #siteCalls = new Map<SiteKey, number>()

  constructor(kernel: Kernel) {
    this.#kernel = kernel
  }

  /** Faults of the plan that were actually applied. */
  get appliedFaults(): ReadonlyArray<Fault> {
    return [...this.#appliedFaults]
  }

  /** The backend invocation `inv` talks to. */
  backendFor(inv: RunningInvocation): DurableBackend.DurableBackend["Service"] {
    const mock = this.#kernel.mock.backend
    const exec = inv.exec
    const isRoot = exec.parent === undefined
    const after = <A, E>(effect: Effect.Effect<A, E>, updates: ReadonlyArray<Operation.OperationUpdate> = []) =>
      effect.pipe(
        Effect.ensuring(
          Effect.sync(() => {
            // A full history scan is O(history): do it only when something must react now (a callback to
            // answer, an invoke to start) or concurrent deliveries make event ownership ambiguous.
            const react = updates.some(
              (u) => u.Action === "START" && (u.Type === "CALLBACK" || u.Type === "CHAINED_INVOKE")
            )
            if (react || exec.duplicates.some((d) => d.status === "RUNNING")) this.#kernel.scan(exec, inv)
            else {
              for (const u of updates) {
                if (!exec.knownOperations.has(u.Id) && this.#kernel.state.operation(exec.arn, u.Id) !== undefined) {
                  exec.knownOperations.add(u.Id)
                  inv.record.newOperationIds.push(u.Id)
                }
              }
            }
            this.#kernel.clock?.touch()
            this.#kernel.notify()
          })
        )
      )
    const execution: FaultSite["execution"] = inv.record.duplicate ? "duplicate" : isRoot ? "root" : "invoked"
    return DurableBackend.DurableBackend.of({
      checkpoint: (request) =>
        Effect.suspend(() => {
          if (inv.killed !== undefined) return Effect.never
          this.#kernel.clock?.touch()
          inv.record.checkpointCalls++
          inv.record.checkpointBytes += Buffer.byteLength(
            JSON.stringify({ CheckpointToken: request.checkpointToken, Updates: request.updates }),
            "utf8"
          )
          const boundary = inv.record.duplicate ? 0 : ++exec.checkpointCount
          if (isRoot && !inv.record.duplicate && this.#kernel.options.recordSnapshots === true) {
            this.#kernel.snapshots.push({
              boundary,
              at: this.#kernel.now(),
              operations: [...this.#kernel.state.visibleOperations(exec.arn)],
              updates: request.updates,
              requestId: inv.record.requestId
            })
          }
          const site = { execution, call: "Checkpoint" } as const
          const call = this.#countCall(site, isRoot && !inv.record.duplicate ? boundary : undefined)
          const delay = this.#kernel.options.checkpointDelayMillis ?? 0
          return this.#inject(inv, site, call, "checkpoint", request.checkpointToken, (checkpointToken) => {
            const answer = after(
              mock.checkpoint(checkpointToken === undefined ? request : { ...request, checkpointToken }),
              request.updates
            )
            return delay > 0 ? this.#held(inv, answer.pipe(Effect.delay(delay))) : answer
          })
        }),
      getExecutionState: (request) =>
        Effect.suspend(() => {
          if (inv.killed !== undefined) return Effect.never
          inv.record.getStateCalls++
          this.#kernel.clock?.touch()
          const site = { execution, call: "GetDurableExecutionState" } as const
          const call = this.#countCall(site, undefined)
          return this.#inject(inv, site, call, "getExecutionState", request.checkpointToken, (checkpointToken) =>
            after(mock.getExecutionState(checkpointToken === undefined ? request : { ...request, checkpointToken }))
          )
        })
    })
  }

  /** Counts a call at `site`; `boundary` is the count already kept for the root's checkpoints. */
  #countCall(site: Required<FaultSite>, boundary: number | undefined): number {
    if (boundary !== undefined) return boundary
    const key = siteKey(site)
    const n = (this.#siteCalls.get(key) ?? 0) + 1
    this.#siteCalls.set(key, n)
    return n
  }

  /**
   * Performs call number `call` at `site` through `perform` (given a token to send instead of the request's,
   * for `StaleToken`), or the fault the plan puts there.
   */
  #inject<A>(
    inv: RunningInvocation,
    site: Required<FaultSite>,
    call: number,
    name: "checkpoint" | "getExecutionState",
    requestToken: string,
    perform: (checkpointToken: string | undefined) => Effect.Effect<A, DurableBackend.BackendError>
  ): Effect.Effect<A, DurableBackend.BackendError> {
    const fault = this.#faultAt(site, call)
    if (fault === undefined) return perform(undefined)
    this.#appliedFaults.add(fault)
    const key = siteKey(site)
    inv.record.fault = key === "root/Checkpoint" ? `${fault._tag}@${call}` : `${fault._tag}@${key}#${call}`
    switch (fault._tag) {
      case "CrashBeforeCheckpoint":
        this.#kernel.killInvocation(inv, exitError(inv, { signal: "killed" }))
        return Effect.never
      case "CrashAfterCheckpoint":
        return perform(undefined).pipe(
          Effect.ignore,
          Effect.andThen(Effect.sync(() => this.#kernel.killInvocation(inv, exitError(inv, { signal: "killed" })))),
          Effect.andThen(Effect.never)
        )
      case "LoseCheckpoint":
        // The request never reaches the service and no answer ever comes: the invocation hangs until
        // the Lambda timeout.
        inv.held++
        return Effect.never
      case "Throttle":
        return Effect.fail(
          DurableBackend.BackendError.of(name, new DurableBackend.Throttled({ message: "Rate exceeded" }))
        )
      case "ServiceError":
        return Effect.fail(
          DurableBackend.BackendError.of(
            name,
            new DurableBackend.ServiceUnavailable({
              message: "Service unavailable (injected fault)",
              statusCode: fault.statusCode ?? 500
            })
          )
        )
      case "StaleToken": {
        // The invocation's first token once consumed, else a foreign one.
        const first = inv.event.CheckpointToken
        return perform(first !== requestToken ? first : btoa(JSON.stringify({ e: 999999, t: 0 })))
      }
      case "DelayResponse":
        return this.#held(inv, perform(undefined).pipe(Effect.delay(fault.millis)))
    }
  }

  /** A backend call the harness answers late: the invocation is held (time may move) while it waits. */
  #held<A, E>(inv: RunningInvocation, call: Effect.Effect<A, E>): Effect.Effect<A, E> {
    return Effect.acquireUseRelease(
      Effect.sync(() => {
        inv.held++
      }),
      () => call,
      () =>
        Effect.sync(() => {
          inv.held--
        })
    )
  }

  #faultAt(site: Required<FaultSite>, call: number): CallFault | undefined {
    const key = siteKey(site)
    return this.#kernel.options.faults.find(
      (f): f is CallFault =>
        f._tag !== "DuplicateInvocation" &&
        siteKey(f.site) === key &&
        f.checkpoint === call &&
        !this.#appliedFaults.has(f)
    )
  }
}
