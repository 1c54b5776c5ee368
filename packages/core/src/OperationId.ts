/**
 * Deterministic operation ids, exactly as the service and the official SDK derive them: a raw step id from a
 * per-context counter (`"1"`, `"2-1-3"`), hashed to the first 16 hex characters of its MD5 for the wire.
 *
 * @since 0.1.0
 */
import { md5Hex } from "./internal/md5.ts"

/**
 * The wire `Id` of a raw step id: the first 16 lowercase hex characters of the MD5 of its UTF-8 bytes.
 *
 * **Example**: `hash("1") === "c4ca4238a0b92382"`, `hash("1-1") === "ea66c06c1e1c05fa"`.
 *
 * @since 0.1.0
 */
export const hash = (rawId: string): string => md5Hex(rawId).slice(0, 16)

/**
 * The raw id of the `counter`-th operation (1-based) of a context: `"<counter>"` at the root, and
 * `"<prefix>-<counter>"` inside a child context whose own raw id is `prefix`.
 *
 * @since 0.1.0
 */
export const child = (prefix: string | undefined, counter: number): string =>
  prefix === undefined ? String(counter) : `${prefix}-${counter}`
