/**
 * The seam between the engine and the typed-error codec (`typedErrors.ts`, built on `effect/Schema`). Steps
 * and child contexts read and write typed errors through this module; the codec is installed by the Effect
 * API's `Step.run` / `ChildContext.run` when they are given an `error` schema. A handler that never passes one
 * (every async-API handler) therefore never reaches `effect/Schema`, and a bundler drops it (about 250 KiB
 * minified; see `bench/README.md`, cold start).
 */
import * as Result from "effect/Result"
import type { SerdesFailedError } from "../Errors.ts"
import type { ErrorObject } from "../Operation.ts"

/** The operation a typed error belongs to, for the failure's message. */
export interface OperationLabel {
  readonly rawId: string
  readonly name: string | undefined
}

/** What `typedErrors.ts` implements. */
export interface Codec {
  readonly encode: (
    op: OperationLabel,
    schema: object,
    error: unknown
  ) => Result.Result<string | undefined, SerdesFailedError>
  readonly decode: (schema: object, o: ErrorObject | undefined) => unknown
}

let installed: Codec | undefined

/** Installs the codec (idempotent). */
export const install = (codec: Codec): void => {
  installed = codec
}

/**
 * The `ErrorData` for `error`: its JSON encoding when `schema` accepts it, `undefined` when there is no schema
 * or the schema does not accept it, and a `SerdesFailedError` when the schema accepts it but cannot encode it.
 */
export const encode = (
  op: OperationLabel,
  schema: object | undefined,
  error: unknown
): Result.Result<string | undefined, SerdesFailedError> =>
  schema === undefined || installed === undefined ? Result.succeed(undefined) : installed.encode(op, schema, error)

/** The typed error a stored `ErrorObject` holds, if `schema` decodes its `ErrorData`. */
export const decode = <E>(schema: object | undefined, o: ErrorObject | undefined): E | undefined =>
  schema === undefined || installed === undefined ? undefined : (installed.decode(schema, o) as E | undefined)
