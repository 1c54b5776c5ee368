/**
 * Typed failures across a checkpoint (Effect API): a failure the operation's `error` schema accepts is stored
 * encoded in the `ErrorObject`'s `ErrorData`, and read back as the same typed error on the first run and on
 * every replay.
 */
import { Schema } from "effect"
import type { ErrorObject } from "../Operation.ts"

/** The `ErrorData` for `error` when `schema` accepts it, else `undefined`. */
export const encode = <E>(schema: Schema.Codec<E, any> | undefined, error: unknown): string | undefined => {
  if (schema === undefined || !Schema.is(schema)(error)) return undefined
  try {
    return JSON.stringify(Schema.encodeSync(schema)(error as E))
  } catch {
    return undefined
  }
}

/** The typed error a stored `ErrorObject` holds, if `schema` reads its `ErrorData`. */
export const decode = <E>(schema: Schema.Codec<E, any> | undefined, o: ErrorObject | undefined): E | undefined => {
  if (schema === undefined || o?.ErrorData === undefined) return undefined
  try {
    return Schema.decodeUnknownSync(schema)(JSON.parse(o.ErrorData))
  } catch {
    return undefined // not one of the typed errors
  }
}
