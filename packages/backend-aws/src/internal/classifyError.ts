/**
 * Maps whatever the AWS SDK threw to a core `BackendErrorReason`, following protocol.md §2.4 (with the
 * recommended KMS and size additions).
 */
import * as DurableBackend from "@durable-lambda/core/DurableBackend"

interface AwsErrorLike {
  readonly name?: unknown
  readonly message?: unknown
  readonly $fault?: unknown
  readonly $metadata?: { readonly httpStatusCode?: unknown } | undefined
}

const kmsCode = /^KMS\w*Exception$/
const sizeMessage =
  /too large|too big|must be smaller than|exceed(s|ed)? (the )?(maximum|max|limit|allowed)|size limit|payload size/i

/** The parts of an SDK error the classification reads. */
export interface ErrorFacts {
  readonly name: string | undefined
  readonly message: string
  readonly fault: string | undefined
  readonly status: number | undefined
}

export const errorFacts = (error: unknown): ErrorFacts => {
  const e: AwsErrorLike = typeof error === "object" && error !== null ? error : {}
  const name = typeof e.name === "string" && e.name.length > 0 ? e.name : undefined
  const status = e.$metadata?.httpStatusCode
  const raw = typeof e.message === "string" && e.message.length > 0 ? e.message : undefined
  return {
    name,
    message: raw ?? (typeof error === "object" && error !== null ? (name ?? "Unknown error") : String(error)),
    fault: typeof e.$fault === "string" ? e.$fault : undefined,
    status: typeof status === "number" ? status : undefined
  }
}

/**
 * Classifies one failed call. Rules, first match wins:
 * 1. `KMS*Exception` → `KmsError` (arrives as 502 but is not transient).
 * 2. `InvalidParameterValueException` whose message starts with "Invalid Checkpoint Token" (any case) →
 *    `InvalidCheckpointToken`.
 * 3. 429 or `TooManyRequestsException` → `Throttled`.
 * 4. 413, `RequestTooLargeException` (the modeled code), `RequestEntityTooLargeException`, or a 4xx whose message speaks of a size limit → `PayloadTooLarge`.
 * 5. 404 or `ResourceNotFoundException` → `ExecutionNotFound`.
 * 6. 5xx, a server fault or `ServiceException` → `ServiceUnavailable`.
 * 7. any other 4xx / client fault → `InvalidParameter`.
 * 8. everything else (network errors, timeouts, aborted requests, unparseable responses, non-errors) →
 *    `ServiceUnavailable`.
 */
export const classifyReason = (error: unknown): DurableBackend.BackendErrorReason => {
  const { fault, message, name, status } = errorFacts(error)
  const clientStatus = status !== undefined && status >= 400 && status < 500
  const statusCode = status === undefined ? {} : { statusCode: status }
  if (name !== undefined && kmsCode.test(name)) {
    return new DurableBackend.KmsError({ message, errorCode: name })
  }
  if (name === "InvalidParameterValueException" && message.toLowerCase().startsWith("invalid checkpoint token")) {
    return new DurableBackend.InvalidCheckpointToken({ message })
  }
  if (status === 429 || name === "TooManyRequestsException") {
    return new DurableBackend.Throttled({ message })
  }
  if (
    status === 413 ||
    name === "RequestTooLargeException" ||
    name === "RequestEntityTooLargeException" ||
    ((clientStatus || name === "InvalidParameterValueException") && sizeMessage.test(message))
  ) {
    return new DurableBackend.PayloadTooLarge({ message })
  }
  if (status === 404 || name === "ResourceNotFoundException") {
    return new DurableBackend.ExecutionNotFound({ message })
  }
  if ((status !== undefined && status >= 500) || fault === "server" || name === "ServiceException") {
    return new DurableBackend.ServiceUnavailable({ message, ...statusCode })
  }
  if (clientStatus || fault === "client") {
    return new DurableBackend.InvalidParameter({ message, ...(name === undefined ? {} : { errorCode: name }) })
  }
  return new DurableBackend.ServiceUnavailable({
    message: name === undefined ? message : `${name}: ${message}`,
    ...statusCode
  })
}
