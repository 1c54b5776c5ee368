/**
 * Opaque identifiers handed out by the emulated service: checkpoint tokens, pagination markers and callback
 * ids. All are base64 of a small JSON object, so they satisfy the service model's
 * `[A-Za-z0-9+/]+={0,2}` pattern, and all are deterministic (no randomness, no wall clock).
 *
 * @internal
 */

const encode = (value: unknown): string => btoa(JSON.stringify(value))

const decode = (text: string): unknown => {
  try {
    return JSON.parse(atob(text))
  } catch {
    return undefined
  }
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

const isIndex = (u: unknown): u is number => typeof u === "number" && Number.isInteger(u) && u >= 0

/** A checkpoint token: execution sequence number and token sequence number. */
export const encodeToken = (execution: number, sequence: number): string => encode({ e: execution, t: sequence })

/** The execution sequence number of a token, or `undefined` if it is not one of ours. */
export const decodeToken = (token: string): { readonly execution: number; readonly sequence: number } | undefined => {
  const value = decode(token)
  return isRecord(value) && isIndex(value.e) && isIndex(value.t) ? { execution: value.e, sequence: value.t } : undefined
}

/** A pagination marker: execution sequence number and offset into the visible operation list. */
export const encodeMarker = (execution: number, offset: number): string => encode({ e: execution, o: offset })

/** Decodes a marker, or `undefined` if it is malformed. */
export const decodeMarker = (marker: string): { readonly execution: number; readonly offset: number } | undefined => {
  const value = decode(marker)
  return isRecord(value) && isIndex(value.e) && isIndex(value.o) ? { execution: value.e, offset: value.o } : undefined
}

/** A callback id: execution sequence number, operation id and a per-state counter. */
export const encodeCallbackId = (execution: number, operationId: string, sequence: number): string =>
  encode({ e: execution, o: operationId, c: sequence })

const CALLBACK_ID_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/

/** Whether a string is shaped like a callback id (model pattern, 1–1024 characters). */
export const isWellFormedCallbackId = (id: string): boolean =>
  id.length >= 1 && id.length <= 1024 && CALLBACK_ID_PATTERN.test(id)

/**
 * A deterministic UUID-shaped id (`00000000-0000-4000-8000-<12 hex digits>`) for a counter value: opaque to
 * clients, stable across test runs.
 */
export const sequentialUuid = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`
