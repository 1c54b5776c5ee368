import type { BackendError } from "../DurableBackend.ts"
import { CheckpointUnrecoverableExecutionError, CheckpointUnrecoverableInvocationError } from "../Errors.ts"

/** How an invocation ends when it does not end by the handler returning. */
export type Termination =
  /** Nothing can progress until the service acts (timer, callback, invoke): return PENDING. */
  | { readonly _tag: "Suspended" }
  /** The execution cannot continue (non-determinism, rejected checkpoint, misuse): return FAILED. */
  | { readonly _tag: "ExecutionFailed"; readonly error: unknown }
  /** This invocation cannot continue but a new one can (stale token, throttling, 5xx): throw. */
  | { readonly _tag: "InvocationFailed"; readonly error: unknown }

export const suspended: Termination = { _tag: "Suspended" }
export const executionFailed = (error: unknown): Termination => ({ _tag: "ExecutionFailed", error })
export const invocationFailed = (error: unknown): Termination => ({ _tag: "InvocationFailed", error })

/**
 * How a failed service call ends the invocation, the same for every call (checkpoint, state page, final flush):
 * a retryable reason (stale token, throttling, 5xx, network) ends this invocation with
 * `CheckpointUnrecoverableInvocationError` so the service invokes again; any other (KMS, 4xx, too large, not
 * found) fails the execution with `CheckpointUnrecoverableExecutionError`. `what` says which call failed.
 */
export const backendFailed = (error: BackendError, what: string): Termination => {
  const reason = `${error.reason._tag}: ${error.reason.message}`
  return error.retryable
    ? invocationFailed(
        new CheckpointUnrecoverableInvocationError({
          message: `[Unrecoverable Invocation] ${what}: ${error.reason.message}`,
          reason
        })
      )
    : executionFailed(
        new CheckpointUnrecoverableExecutionError({
          message: `[Unrecoverable Execution] ${what}: ${error.reason.message}`,
          reason
        })
      )
}
