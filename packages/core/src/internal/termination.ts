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
