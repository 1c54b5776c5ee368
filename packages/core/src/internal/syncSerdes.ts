/**
 * The engine's fast path for the serdes this package exports: their public methods return promises (the
 * official `Serdes` shape), and each carries its synchronous implementation under `SyncPath`, which the
 * engine calls instead (no microtask per payload).
 */
import type { Serdes, SerdesContext } from "../Serdes.ts"

/** A serdes whose calls may return plain values as well as promises (the engine awaits only promises). */
export interface SerdesLike<T> {
  serialize(value: T | undefined, context: SerdesContext): Promise<string | undefined> | string | undefined
  deserialize(data: string | undefined, context: SerdesContext): Promise<T | undefined> | T | undefined
}

/** A serdes whose calls return plain values. */
export interface SyncSerdes<T> {
  serialize(value: T | undefined, context: SerdesContext): string | undefined
  deserialize(data: string | undefined, context: SerdesContext): T | undefined
}

/** Where a serdes built by `withSyncPath` keeps its synchronous implementation. */
export const SyncPath: unique symbol = Symbol.for("@durable-lambda/core/Serdes/SyncPath")

/** The official promise-returning serdes over `sync`, carrying `sync` for the engine. */
export const withSyncPath = <T>(sync: SyncSerdes<T>): Serdes<T> => {
  const serdes = {
    serialize: async (value: T | undefined, context: SerdesContext) => sync.serialize(value, context),
    deserialize: async (data: string | undefined, context: SerdesContext) => sync.deserialize(data, context)
  }
  Object.defineProperty(serdes, SyncPath, { value: sync })
  return serdes
}

/** The implementation the engine calls: the synchronous one when the serdes has it. */
export const implementation = <T>(serdes: SerdesLike<T>): SerdesLike<T> =>
  (serdes as { [SyncPath]?: SyncSerdes<T> })[SyncPath] ?? serdes
