/**
 * Typed failures across a checkpoint (Effect API): a failure the operation's `error` schema accepts is stored
 * in the `ErrorObject`'s `ErrorData`, encoded with Schema's JSON codec (so `Date`, `BigInt`, `Option` and
 * classes survive), and read back as the same typed error on the first run and on every replay. A typed
 * error the codec cannot encode is a `SerdesFailedError`, never a silent downgrade to `StepError`.
 */
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { SerdesFailedError } from "../Errors.ts"
import type { ErrorObject } from "../Operation.ts"
import * as Thrown from "./thrown.ts"
import * as TypedErrorCodec from "./typedErrorCodec.ts"
import type { OperationLabel } from "./typedErrorCodec.ts"

const codecs = new WeakMap<object, Schema.Codec<unknown, string>>()

/** The JSON-string codec of an error schema (built once per schema). */
const jsonCodec = (schema: Schema.Codec<unknown, any>): Schema.Codec<unknown, string> => {
  let codec = codecs.get(schema)
  if (codec === undefined) {
    codec = Schema.fromJsonString(Schema.toCodecJson(schema)) as unknown as Schema.Codec<unknown, string>
    codecs.set(schema, codec)
  }
  return codec
}

const accepts = (schema: Schema.Codec<unknown, any>, error: unknown): boolean => {
  try {
    return Schema.is(schema)(error)
  } catch {
    return false // a value that cannot be inspected is not one of the typed errors
  }
}

const encodingFailed = (op: OperationLabel, error: unknown, detail: string): SerdesFailedError => {
  const reading = Thrown.read(error)
  const type = reading._tag === "ErrorLike" ? (reading.tag ?? reading.name) : "error"
  const label = op.name === undefined ? "" : `"${op.name}" `
  return new SerdesFailedError({
    message: `Serialization failed for the typed error "${type}" of step ${label}(${op.rawId}): its error schema cannot encode it as JSON: ${detail}`,
    direction: "serialize",
    stepId: op.rawId,
    ...(op.name === undefined ? {} : { stepName: op.name })
  })
}

/**
 * The `ErrorData` for `error`: its JSON encoding when `schema` accepts it, `undefined` when there is no schema
 * or the schema does not accept it (the failure is not a typed one), and a `SerdesFailedError` when the
 * schema accepts it but cannot encode it.
 */
export const encode = <E>(
  op: OperationLabel,
  schema: Schema.Codec<E, any> | undefined,
  error: unknown
): Result.Result<string | undefined, SerdesFailedError> => {
  if (schema === undefined || !accepts(schema, error)) return Result.succeed(undefined)
  try {
    const encoded = Schema.encodeResult(jsonCodec(schema))(error)
    return Result.isSuccess(encoded)
      ? Result.succeed(encoded.success)
      : Result.fail(encodingFailed(op, error, encoded.failure.message))
  } catch (cause) {
    return Result.fail(encodingFailed(op, error, Thrown.describe(cause)))
  }
}

/** The typed error a stored `ErrorObject` holds, if `schema` decodes its `ErrorData`. */
export const decode = <E>(schema: Schema.Codec<E, any> | undefined, o: ErrorObject | undefined): E | undefined => {
  if (schema === undefined || o?.ErrorData === undefined) return undefined
  try {
    // `None`: the data is not one of the typed errors
    return Option.getOrUndefined(Schema.decodeUnknownOption(jsonCodec(schema))(o.ErrorData)) as E | undefined
  } catch {
    return undefined
  }
}

/**
 * Makes steps and child contexts use this codec: called by the Effect API's `Step.run` / `ChildContext.run`
 * when given an `error` schema (see `typedErrorCodec.ts` for why it is not imported by the engine directly).
 */
export const install = (): void =>
  TypedErrorCodec.install({
    encode: (op, schema, error) => encode(op, schema as Schema.Codec<unknown, any>, error),
    decode: (schema, o) => decode(schema as Schema.Codec<unknown, any>, o)
  })
