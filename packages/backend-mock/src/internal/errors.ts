/**
 * The service's errors as plain values: AWS error code, HTTP status and message, mapped 1:1 onto core's
 * `BackendError` reasons.
 *
 * @internal
 */
import { DurableBackend } from "@durable-lambda/core"

/** The AWS error codes (`x-amzn-errortype`) the emulated service answers with. @since 0.1.0 */
export type AwsErrorCode =
  | "InvalidParameterValueException"
  | "ValidationException"
  | "TooManyRequestsException"
  | "ServiceException"
  | "ResourceNotFoundException"
  | "ResourceConflictException"
  | "CallbackTimeoutException"
  | "RequestTooLargeException"
  | "KMSAccessDeniedException"
  | "KMSDisabledException"
  | "KMSInvalidStateException"
  | "KMSNotFoundException"

const defaultStatus: Record<AwsErrorCode, number> = {
  InvalidParameterValueException: 400,
  ValidationException: 400,
  TooManyRequestsException: 429,
  ServiceException: 500,
  ResourceNotFoundException: 404,
  ResourceConflictException: 409,
  CallbackTimeoutException: 400,
  RequestTooLargeException: 413,
  KMSAccessDeniedException: 502,
  KMSDisabledException: 502,
  KMSInvalidStateException: 502,
  KMSNotFoundException: 502
}

const kmsCodes: ReadonlySet<string> = new Set([
  "KMSAccessDeniedException",
  "KMSDisabledException",
  "KMSInvalidStateException",
  "KMSNotFoundException"
])

/**
 * The prefix the official SDK matches (case-sensitive) to classify a stale token as an invocation error.
 *
 * @since 0.1.0
 */
export const INVALID_TOKEN_PREFIX = "Invalid Checkpoint Token"

/**
 * An error answered by the emulated service, in the shape an HTTP server renders: `code` is the AWS error
 * code, `httpStatus` the status, `message` the exact service message.
 *
 * **Details**: `reason` derives core's `BackendError` reason from the code the same way a real-service client
 * classifies it, so the mapping is 1:1 in both directions (`ServiceError.fromReason`):
 *
 * | code | reason |
 * | --- | --- |
 * | `InvalidParameterValueException` with a message starting `Invalid Checkpoint Token` | `InvalidCheckpointToken` |
 * | `InvalidParameterValueException`, `ValidationException`, `CallbackTimeoutException`, `ResourceConflictException` | `InvalidParameter` (with `errorCode`) |
 * | `TooManyRequestsException` | `Throttled` |
 * | `ServiceException` | `ServiceUnavailable` (with `statusCode`) |
 * | `RequestTooLargeException` | `PayloadTooLarge` |
 * | `KMS*Exception` | `KmsError` (with `errorCode`) |
 * | `ResourceNotFoundException` | `ExecutionNotFound` |
 *
 * @since 0.1.0
 */
export class ServiceError {
  readonly _tag = "ServiceError" as const
  readonly code: AwsErrorCode
  readonly httpStatus: number
  readonly message: string

  constructor(code: AwsErrorCode, message: string, httpStatus?: number) {
    this.code = code
    this.message = message
    this.httpStatus = httpStatus ?? defaultStatus[code]
  }

  /** The `BackendError` reason a client of the real service would classify this error as. */
  get reason(): DurableBackend.BackendErrorReason {
    const message = this.message
    switch (this.code) {
      case "InvalidParameterValueException":
        return message.startsWith(INVALID_TOKEN_PREFIX)
          ? new DurableBackend.InvalidCheckpointToken({ message })
          : new DurableBackend.InvalidParameter({ message, errorCode: this.code })
      case "ValidationException":
      case "CallbackTimeoutException":
      case "ResourceConflictException":
        return new DurableBackend.InvalidParameter({ message, errorCode: this.code })
      case "TooManyRequestsException":
        return new DurableBackend.Throttled({ message })
      case "ServiceException":
        return new DurableBackend.ServiceUnavailable({ message, statusCode: this.httpStatus })
      case "RequestTooLargeException":
        return new DurableBackend.PayloadTooLarge({ message })
      case "ResourceNotFoundException":
        return new DurableBackend.ExecutionNotFound({ message })
      default:
        return new DurableBackend.KmsError({ message, errorCode: this.code })
    }
  }

  /** The `BackendError` a `DurableBackend` call fails with for this service error. */
  toBackendError(call: "checkpoint" | "getExecutionState"): DurableBackend.BackendError {
    return DurableBackend.BackendError.of(call, this.reason)
  }

  /** The JSON body an HTTP server sends (`x-amzn-errortype` carries `code`). */
  toJSON(): { readonly __type: AwsErrorCode; readonly message: string } {
    return { __type: this.code, message: this.message }
  }

  /** The service error a `BackendError` reason corresponds to (inverse of `reason`). */
  static fromReason(reason: DurableBackend.BackendErrorReason): ServiceError {
    switch (reason._tag) {
      case "InvalidCheckpointToken":
        return new ServiceError(
          "InvalidParameterValueException",
          reason.message.startsWith(INVALID_TOKEN_PREFIX)
            ? reason.message
            : `${INVALID_TOKEN_PREFIX}: ${reason.message}`
        )
      case "Throttled":
        return new ServiceError("TooManyRequestsException", reason.message)
      case "ServiceUnavailable":
        return new ServiceError("ServiceException", reason.message, reason.statusCode ?? 500)
      case "InvalidParameter": {
        const code = reason.errorCode
        const known =
          code === "ValidationException" || code === "CallbackTimeoutException" || code === "ResourceConflictException"
        // An InvalidParameterValueException whose message looks like a token error would flip to
        // InvalidCheckpointToken; keep the reason stable by rendering it as a ValidationException instead.
        if (!known && reason.message.startsWith(INVALID_TOKEN_PREFIX)) {
          return new ServiceError("ValidationException", reason.message)
        }
        return new ServiceError(known ? code : "InvalidParameterValueException", reason.message)
      }
      case "PayloadTooLarge":
        return new ServiceError("RequestTooLargeException", reason.message)
      case "KmsError":
        return new ServiceError(
          kmsCodes.has(reason.errorCode) ? (reason.errorCode as AwsErrorCode) : "KMSAccessDeniedException",
          reason.message
        )
      case "ExecutionNotFound":
        return new ServiceError("ResourceNotFoundException", reason.message)
    }
  }
}

/** Constructors for every error the emulated service answers with, with their exact messages. */
export const Errors = {
  invalidParameter: (message: string) => new ServiceError("InvalidParameterValueException", message),
  validation: (violations: ReadonlyArray<string>) =>
    new ServiceError(
      "ValidationException",
      `${violations.length === 1 ? "1 validation error" : `${violations.length} validation errors`} detected: ${violations.join("; ")}`
    ),
  executionNotFound: () => new ServiceError("ResourceNotFoundException", "Execution not found"),
  operationNotFound: () => new ServiceError("ResourceNotFoundException", "Operation not found"),
  callbackNotFound: () => new ServiceError("ResourceNotFoundException", "Callback not found"),
  invalidCallbackId: () => new ServiceError("InvalidParameterValueException", "Invalid callback id"),
  callbackClosed: () => new ServiceError("CallbackTimeoutException", "The callback has already completed or timed out"),
  conflict: (message: string) => new ServiceError("ResourceConflictException", message),
  tokenRequired: () => new ServiceError("InvalidParameterValueException", "Checkpoint token is required"),
  tokenUnknown: () =>
    new ServiceError(
      "InvalidParameterValueException",
      `${INVALID_TOKEN_PREFIX}: the token was not issued for this execution`
    ),
  tokenConsumed: () =>
    new ServiceError("InvalidParameterValueException", `${INVALID_TOKEN_PREFIX}: the token has already been used`),
  tokenExpired: () =>
    new ServiceError(
      "InvalidParameterValueException",
      `${INVALID_TOKEN_PREFIX}: the invocation that received the token has ended`
    ),
  executionClosed: () =>
    new ServiceError("InvalidParameterValueException", `${INVALID_TOKEN_PREFIX}: the execution has already completed`),
  invalidMarker: () => new ServiceError("InvalidParameterValueException", "Invalid Marker"),
  invalidMaxItems: (value: number) =>
    new ServiceError(
      "ValidationException",
      `1 validation error detected: Value '${value}' at 'maxItems' failed to satisfy constraint: Member must ${
        value < 0
          ? "have value greater than or equal to 0"
          : value > 1000
            ? "have value less than or equal to 1000"
            : "be an integer"
      }`
    )
} as const
