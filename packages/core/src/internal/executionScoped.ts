/**
 * Reading a backend failure back as the `EXECUTION`-scoped `DurableExecutionClientError` it stands for. Engine-internal
 * (not part of the package's public surface).
 */
import type { BackendError } from "../DurableBackend.ts"
import { DurableExecutionClientError, DurableExecutionClientErrorScope } from "../DurableExecutionClient.ts"

/**
 * The `DurableExecutionClientError` an `EXECUTION`-scoped client failure stands for, if `error` is one.
 *
 * @internal
 */
export const executionScoped = (error: BackendError): DurableExecutionClientError | undefined =>
  !error.retryable &&
  error.reason._tag === "InvalidParameter" &&
  error.reason.errorCode === "DurableExecutionClientError"
    ? new DurableExecutionClientError(error.reason.message, { scope: DurableExecutionClientErrorScope.EXECUTION })
    : undefined
