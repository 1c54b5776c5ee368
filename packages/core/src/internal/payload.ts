/** The preflight size check every payload-carrying update goes through before it is queued. */
import { Limits } from "../Config.ts"
import { PayloadTooLargeError } from "../Errors.ts"
import { utf8Length } from "./bytes.ts"

/** What names the operation in the error. */
export interface OperationRef {
  readonly rawId: string
  readonly name: string | undefined
}

/**
 * `PayloadTooLargeError` if `payload` is over `limit` bytes (UTF-8), else `undefined`. `what` says which
 * value of which kind of operation it is ("result of step", "input of invoke", ...).
 */
export const checkPayload = (
  op: OperationRef,
  what: string,
  payload: string | undefined,
  limit: number = Limits.operationPayloadBytes
): PayloadTooLargeError | undefined => {
  if (payload === undefined) return undefined
  const size = utf8Length(payload)
  if (size <= limit) return undefined
  const label = op.name === undefined ? "" : `"${op.name}" `
  return new PayloadTooLargeError({
    message: `The ${what} ${label}(${op.rawId}) is ${size} bytes; the service accepts at most ${limit}. Offload it through a custom serdes (see Serdes.withOffloading).`,
    stepId: op.rawId,
    ...(op.name === undefined ? {} : { stepName: op.name }),
    sizeBytes: size,
    limitBytes: limit
  })
}
