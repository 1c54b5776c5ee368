/**
 * How user values become checkpoint payloads and back. The interface is the official SDK's (`serialize` /
 * `deserialize`, possibly async, with the raw step id and execution ARN as context), so existing serdes work
 * unchanged; `fromSchema` adapts any Effect `Schema` codec.
 *
 * **Gotchas**: a serdes must be deterministic: replay compares nothing, it trusts what deserialize returns.
 * `undefined` is checkpointed without a payload and comes back as `undefined`; `null` is `"null"`.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** Context given to every serdes call. @since 0.1.0 */
export interface SerdesContext {
  /** The raw step id of the operation (for example `"2-1"`), not the hashed wire id. */
  readonly entityId: string
  readonly durableExecutionArn: string
}

/**
 * A serializer/deserializer pair for one operation's value.
 *
 * **When to use**: pass as `serdes` in a step / child-context config to store class instances, dates or
 * large values elsewhere (return a key from `serialize`, fetch in `deserialize`).
 *
 * @since 0.1.0
 */
export interface Serdes<T> {
  serialize(value: T | undefined, context: SerdesContext): Promise<string | undefined> | string | undefined
  deserialize(data: string | undefined, context: SerdesContext): Promise<T | undefined> | T | undefined
}

/**
 * JSON: `undefined` ⇄ no payload, everything else through `JSON.stringify` / `JSON.parse`.
 *
 * **Gotchas**: JSON rules apply: `Date` becomes a string, `BigInt` cannot be serialized (a typed
 * `SerdesFailedError`), functions and symbols vanish.
 *
 * @since 0.1.0
 */
export const defaultSerdes: Serdes<any> = {
  serialize: (value) => (value === undefined ? undefined : JSON.stringify(value)),
  deserialize: (data) => (data === undefined ? undefined : JSON.parse(data))
}

/**
 * Pass-through serdes for raw strings (callback results arrive as the caller sent them).
 *
 * @since 0.1.0
 */
export const passThroughSerdes: Serdes<string> = {
  serialize: (value) => value,
  deserialize: (data) => data
}

/**
 * JSON serdes that rebuilds instances of `Cls` (`Object.assign(new Cls(), parsed)`).
 *
 * **Gotchas**: `Cls` needs a no-argument constructor; nested instances and `#private` fields are not restored.
 *
 * @since 0.1.0
 */
export const createClassSerdes = <T extends object>(Cls: new () => T): Serdes<T> => ({
  serialize: (value) => (value === undefined ? undefined : JSON.stringify(value)),
  deserialize: (data) => (data === undefined ? undefined : Object.assign(new Cls(), JSON.parse(data)))
})

/**
 * Like `createClassSerdes`, then turns the values at the given dot paths (for example `"meta.createdAt"`)
 * back into `Date`s.
 *
 * @since 0.1.0
 */
export const createClassSerdesWithDates = <T extends object>(Cls: new () => T, datePaths: ReadonlyArray<string>): Serdes<T> => {
  const base = createClassSerdes(Cls)
  return {
    serialize: base.serialize,
    deserialize: (data, context) => {
      const value = base.deserialize(data, context) as T | undefined
      if (value === undefined) return value
      for (const path of datePaths) {
        const keys = path.split(".")
        let target: any = value
        for (let i = 0; i < keys.length - 1 && target !== undefined && target !== null; i++) target = target[keys[i]!]
        const last = keys[keys.length - 1]!
        if (target !== undefined && target !== null && target[last]) target[last] = new Date(target[last])
      }
      return value
    }
  }
}

/**
 * A serdes from an Effect `Schema` codec: values are encoded with the schema, then JSON-stringified; decoding
 * validates. Use it in the Effect API to keep rich types (Dates, branded values, classes) across replays.
 *
 * @since 0.1.0
 */
export const fromSchema = <A, I>(schema: Schema.Codec<A, I>): Serdes<A> => {
  const encode = Schema.encodeSync(schema)
  const decode = Schema.decodeUnknownSync(schema)
  return {
    serialize: (value) => (value === undefined ? undefined : JSON.stringify(encode(value))),
    deserialize: (data) => (data === undefined ? undefined : decode(JSON.parse(data)))
  }
}
