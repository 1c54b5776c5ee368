/**
 * The data of a fault plan: where a call-bound fault strikes, the fault kinds and their constructors. The
 * public face is `Faults` (which re-exports these); the simulation's fault-injecting backend reads plans from
 * here, so it never imports the checker.
 */

/**
 * Where a call-bound fault strikes: which backend call, made by which execution's invocations. The fault's
 * `checkpoint` number is the 1-based count of calls at that site (counted across invocations).
 *
 * - `call`: `"Checkpoint"` (`CheckpointDurableExecution`, default) or `"GetDurableExecutionState"` (the state
 *   pages an invocation reads when its initial state does not fit the invocation event; give the run a small
 *   `pageSize` to have some).
 * - `execution`: `"root"` (default), `"invoked"` (the child executions of chained invokes that run in the
 *   harness, registered with `registerDurableFunction` / durable `functions`), or `"duplicate"` (the calls of
 *   a duplicate delivery, see `duplicateInvocation`).
 *
 * @since 0.2.0
 */
export interface FaultSite {
  readonly call?: "Checkpoint" | "GetDurableExecutionState" | undefined
  readonly execution?: "root" | "invoked" | "duplicate" | undefined
}

/**
 * One fault. `checkpoint` is the 1-based call boundary at the fault's `site` (default: the root execution's
 * checkpoint calls).
 *
 * - `CrashBeforeCheckpoint`: the runtime dies as the request is about to be sent (also how a lost
 *   fire-and-forget checkpoint looks: it never left the process). `Runtime.ExitError`, re-invoked.
 * - `CrashAfterCheckpoint`: the service applies the request, then the runtime dies before the answer.
 * - `LoseCheckpoint`: the request vanishes and no answer ever comes; the invocation hangs until the Lambda
 *   timeout (`Sandbox.Timedout`), then the service re-invokes.
 * - `Throttle`: 429 `TooManyRequestsException`; `ServiceError`: 5xx; `StaleToken`: the request carries a
 *   consumed or foreign token ("Invalid Checkpoint Token"): all three end the invocation with an invocation
 *   error, re-invoked.
 * - `DelayResponse`: the answer arrives `millis` later (virtual time; service timers keep firing meanwhile).
 * - `DuplicateInvocation`: the `invocation`-th invocation event is delivered twice, concurrently.
 *
 * The same kinds apply to `GetDurableExecutionState` calls (a read: "applied" means answered).
 *
 * @since 0.1.0
 */
export type Fault =
  | { readonly _tag: "CrashBeforeCheckpoint"; readonly checkpoint: number; readonly site?: FaultSite }
  | { readonly _tag: "CrashAfterCheckpoint"; readonly checkpoint: number; readonly site?: FaultSite }
  | { readonly _tag: "LoseCheckpoint"; readonly checkpoint: number; readonly site?: FaultSite }
  | { readonly _tag: "Throttle"; readonly checkpoint: number; readonly site?: FaultSite }
  | {
      readonly _tag: "ServiceError"
      readonly checkpoint: number
      readonly statusCode?: number
      readonly site?: FaultSite
    }
  | { readonly _tag: "StaleToken"; readonly checkpoint: number; readonly site?: FaultSite }
  | { readonly _tag: "DelayResponse"; readonly checkpoint: number; readonly millis: number; readonly site?: FaultSite }
  | { readonly _tag: "DuplicateInvocation"; readonly invocation: number }

/** Every fault kind. @since 0.1.0 */
export type FaultKind = Fault["_tag"]

/** A call-bound fault (every kind but `DuplicateInvocation`). @since 0.2.0 */
export type CallFault = Exclude<Fault, { readonly _tag: "DuplicateInvocation" }>

const at = <F extends CallFault>(fault: F, site: FaultSite | undefined): F =>
  site === undefined || ((site.call ?? "Checkpoint") === "Checkpoint" && (site.execution ?? "root") === "root")
    ? fault
    : { ...fault, site }

/** The runtime dies as call `checkpoint` (of `site`, default the root's checkpoints) is about to be sent. @since 0.1.0 */
export const crashBefore = (checkpoint: number, site?: FaultSite): Fault =>
  at({ _tag: "CrashBeforeCheckpoint", checkpoint }, site)
/** The service applies call `checkpoint`, then the runtime dies before the answer. @since 0.1.0 */
export const crashAfter = (checkpoint: number, site?: FaultSite): Fault =>
  at({ _tag: "CrashAfterCheckpoint", checkpoint }, site)
/** Call `checkpoint` vanishes; the invocation hangs until the Lambda timeout. @since 0.1.0 */
export const lose = (checkpoint: number, site?: FaultSite): Fault => at({ _tag: "LoseCheckpoint", checkpoint }, site)
/** Call `checkpoint` is throttled (429). @since 0.1.0 */
export const throttle = (checkpoint: number, site?: FaultSite): Fault => at({ _tag: "Throttle", checkpoint }, site)
/** Call `checkpoint` fails with a 5xx. @since 0.1.0 */
export const serviceError = (checkpoint: number, statusCode = 500, site?: FaultSite): Fault =>
  at({ _tag: "ServiceError", checkpoint, statusCode }, site)
/** Call `checkpoint` carries a stale token and is rejected. @since 0.1.0 */
export const staleToken = (checkpoint: number, site?: FaultSite): Fault => at({ _tag: "StaleToken", checkpoint }, site)
/** The answer to call `checkpoint` arrives `millis` later. @since 0.1.0 */
export const delay = (checkpoint: number, millis: number, site?: FaultSite): Fault =>
  at({ _tag: "DelayResponse", checkpoint, millis }, site)
/** The `invocation`-th invocation is delivered twice, concurrently. @since 0.1.0 */
export const duplicateInvocation = (invocation: number): Fault => ({ _tag: "DuplicateInvocation", invocation })

/** The site key of a call-bound fault: `"<execution>/<call>"`, e.g. `"root/Checkpoint"`. @since 0.2.0 */
export const siteKey = (site: FaultSite | undefined): SiteKey =>
  `${site?.execution ?? "root"}/${site?.call ?? "Checkpoint"}`

/** Every call site, as `siteKey` spells it. @since 0.2.0 */
export type SiteKey = `${"root" | "invoked" | "duplicate"}/${"Checkpoint" | "GetDurableExecutionState"}`
