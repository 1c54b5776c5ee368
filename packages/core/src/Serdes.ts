/**
 * How user values become checkpoint payloads and back. The interface is the official SDK's (`serialize` /
 * `deserialize` returning promises, with the raw step id and execution ARN as context), so existing serdes work
 * unchanged; `fromSchema` adapts any Effect `Schema` codec. The serdes this module builds return promises too
 * (so they fit wherever the official `Serdes` is expected); the engine calls their synchronous core directly.
 *
 * **Gotchas**: a serdes must be deterministic: replay compares nothing, it trusts what deserialize returns.
 * `undefined` is checkpointed without a payload and comes back as `undefined`; `null` is `"null"`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { utf8Length } from "./internal/bytes.ts"
import { md5Hex } from "./internal/md5.ts"
import { withSyncPath } from "./internal/syncSerdes.ts"

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
 * **Example** (offloading large values; `withOffloading` packages this pattern)
 * ```ts
 * const s3Serdes: Serdes<Report> = {
 *   serialize: async (value, { durableExecutionArn, entityId }) => {
 *     const key = `${encodeURIComponent(durableExecutionArn)}/${entityId}`
 *     await s3.putObject({ Bucket, Key: key, Body: JSON.stringify(value) })
 *     return JSON.stringify({ s3: key })            // only the key is checkpointed
 *   },
 *   deserialize: async (data) => {
 *     if (data === undefined) return undefined
 *     const { s3: key } = JSON.parse(data)
 *     return JSON.parse(await (await s3.getObject({ Bucket, Key: key })).Body.transformToString())
 *   }
 * }
 * const report = await context.step("build-report", buildReport, { serdes: s3Serdes })
 * ```
 *
 * **Gotchas**: the type asks for promises, as the official one does; at run time a plain return value is
 * accepted too (and saves a microtask).
 *
 * @since 0.1.0
 */
export interface Serdes<T> {
  serialize(value: T | undefined, context: SerdesContext): Promise<string | undefined>
  deserialize(data: string | undefined, context: SerdesContext): Promise<T | undefined>
}

/**
 * JSON: `undefined` ⇄ no payload, everything else through `JSON.stringify` / `JSON.parse`.
 *
 * **Gotchas**: JSON rules apply: `Date` becomes a string, `BigInt` cannot be serialized (a typed
 * `SerdesFailedError`), functions and symbols vanish.
 *
 * @since 0.1.0
 */
export const defaultSerdes: Serdes<any> = withSyncPath<any>({
  serialize: (value) => (value === undefined ? undefined : JSON.stringify(value)),
  deserialize: (data) => (data === undefined ? undefined : JSON.parse(data))
})

/**
 * Pass-through serdes for raw strings (callback results arrive as the caller sent them).
 *
 * @since 0.1.0
 */
export const passThroughSerdes: Serdes<string> = withSyncPath<string>({
  serialize: (value) => value,
  deserialize: (data) => data
})

/**
 * JSON serdes that rebuilds instances of `Cls` (`Object.assign(new Cls(), parsed)`).
 *
 * **Gotchas**: `Cls` needs a no-argument constructor; nested instances and `#private` fields are not restored.
 *
 * @since 0.1.0
 */
export const createClassSerdes = <T extends object>(Cls: new () => T): Serdes<T> => withSyncPath(classSerdes(Cls))

const classSerdes = <T extends object>(Cls: new () => T) => ({
  serialize: (value: T | undefined) => (value === undefined ? undefined : JSON.stringify(value)),
  deserialize: (data: string | undefined): T | undefined =>
    data === undefined ? undefined : Object.assign(new Cls(), JSON.parse(data))
})

/**
 * Like `createClassSerdes`, then turns the values at the given dot paths (for example `"meta.createdAt"`)
 * back into `Date`s.
 *
 * @since 0.1.0
 */
export const createClassSerdesWithDates = <T extends object>(
  Cls: new () => T,
  datePaths: ReadonlyArray<string>
): Serdes<T> => {
  const base = classSerdes(Cls)
  return withSyncPath<T>({
    serialize: base.serialize,
    deserialize: (data) => {
      const value = base.deserialize(data)
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
  })
}

/**
 * A serdes from an Effect `Schema`: values are encoded with the schema's canonical JSON codec
 * (`Schema.toCodecJson`), so `Date`, `BigInt`, `Option`, classes and other non-JSON types round-trip; decoding
 * validates. Use it in the Effect API to keep rich types across replays.
 *
 * **Gotchas**: the checkpointed form is the JSON codec's, not `JSON.stringify(value)` (a `Date` is an ISO
 * string, a `bigint` a decimal string). A value the schema rejects fails `serialize`/`deserialize` with the
 * schema's error.
 *
 * @since 0.1.0
 */
export const fromSchema = <A, I>(schema: Schema.Codec<A, I>): Serdes<A> => {
  const json = Schema.toCodecJson(schema)
  const encode = Schema.encodeSync(json)
  const decode = Schema.decodeUnknownSync(json)
  return withSyncPath<A>({
    serialize: (value) => (value === undefined ? undefined : JSON.stringify(encode(value))),
    deserialize: (data) => (data === undefined ? undefined : decode(JSON.parse(data)))
  })
}

/**
 * Where `withOffloading` keeps the values it moves out of checkpoints (an S3 bucket, a DynamoDB table, ...).
 *
 * **Gotchas**: `put` must have made the value durable when it resolves: the checkpoint that refers to it is
 * sent right after. Keys are deterministic, so a `put` repeated after a crash overwrites the same value.
 *
 * @since 0.1.0
 */
export interface PayloadStore {
  put(key: string, data: string, context: SerdesContext): Promise<void> | void
  get(key: string, context: SerdesContext): Promise<string> | string
}

/** Options of `withOffloading`. @since 0.1.0 */
export interface OffloadingOptions<T> {
  /** The serdes producing the data (default `defaultSerdes`). */
  readonly serdes?: Serdes<T>
  /** Data larger than this many UTF-8 bytes is offloaded (default 256 KiB). */
  readonly thresholdBytes?: number
}

/** Prefix of an offloaded reference; JSON text never starts with it. */
const OFFLOADED = "@durable-lambda/offloaded:"

/**
 * A serdes that keeps small values inline and moves values over `thresholdBytes` to `store`, checkpointing
 * only a reference: the way past the service's payload limit (1 MiB per operation), which otherwise fails the
 * operation with `PayloadTooLargeError`.
 *
 * **Details**: the reference is `@durable-lambda/offloaded:<executionArn>/<rawStepId>/<md5 of the data>`, so
 * it is deterministic and distinct per execution, operation and value. Inline values are stored exactly as
 * the inner serdes writes them, so the wrapper can be added to an existing operation.
 *
 * **Example**
 * ```ts
 * const store: Serdes.PayloadStore = {
 *   put: (key, data) => s3.putObject({ Bucket, Key: key, Body: data }).then(() => {}),
 *   get: (key) => s3.getObject({ Bucket, Key: key }).then((o) => o.Body.transformToString())
 * }
 * const rows = yield* Step.run("export", loadAllRows, { serdes: Serdes.withOffloading(store) })
 * ```
 *
 * **Gotchas**: the inner serdes must not itself produce strings starting with the reference prefix.
 *
 * @since 0.1.0
 */
export const withOffloading = <T>(store: PayloadStore, options?: OffloadingOptions<T>): Serdes<T> => {
  const inner = options?.serdes ?? (defaultSerdes as Serdes<T>)
  const threshold = options?.thresholdBytes ?? 256 * 1024
  return {
    serialize: async (value, context) => {
      const data = await inner.serialize(value, context)
      if (data === undefined || utf8Length(data) <= threshold) return data
      const key = `${context.durableExecutionArn}/${context.entityId}/${md5Hex(data)}`
      await store.put(key, data, context)
      return `${OFFLOADED}${key}`
    },
    deserialize: async (data, context) => {
      const resolved =
        data !== undefined && data.startsWith(OFFLOADED) ? await store.get(data.slice(OFFLOADED.length), context) : data
      return inner.deserialize(resolved, context)
    }
  }
}
