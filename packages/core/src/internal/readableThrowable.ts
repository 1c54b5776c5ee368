/**
 * Thrown values made safe to handle (a throwing getter or a revoked Proxy becomes an `UnreadableThrowableError`).
 * Engine-internal (not part of the package's public surface).
 */
import { UnreadableThrowableError } from "../Errors.ts"
import * as Thrown from "./thrown.ts"

/**
 * A thrown value made safe to handle: the value itself when it can be read, else an
 * `UnreadableThrowableError` that says why. Nothing downstream (retry strategies, error mappers, `ErrorObject`
 * conversion) then meets a throwing getter or a revoked Proxy.
 *
 * @since 0.2.0
 * @internal
 */
export const readableThrowable = (u: unknown): unknown => {
  const reading = Thrown.read(u)
  return reading._tag === "Unreadable" ? UnreadableThrowableError.of(reading) : u
}

/**
 * The `Error` a retry strategy receives for a thrown value: the value itself when it is an `Error`, an
 * `UnreadableThrowableError` when it cannot be read, else an `Error` whose message is the value's readable
 * message (the official SDK passes `new Error("Unknown Error")` there) and whose `cause` is the value.
 *
 * @since 0.2.0
 * @internal
 */
export const asError = (u: unknown): Error => {
  const reading = Thrown.read(u)
  if (reading._tag === "Unreadable") return UnreadableThrowableError.of(reading)
  try {
    if (u instanceof Error) return u
  } catch {
    // read() just answered the same question; a value that changes its mind is treated as a non-error
  }
  return new Error(reading.message, { cause: u })
}
