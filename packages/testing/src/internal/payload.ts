/**
 * Payload decoding shared by results and operation handles (not part of the package's surface).
 */

/** JSON-parses a payload; the raw string when it is not JSON; undefined when absent. */
export const parsePayload = (payload: string | undefined): unknown => {
  if (payload === undefined || payload === "") return undefined
  try {
    return JSON.parse(payload)
  } catch {
    return payload
  }
}
