/** Runs a (possibly async) serdes call as an Effect with a typed failure naming the operation. */
import * as Effect from "effect/Effect"
import { SerdesFailedError } from "../Errors.ts"
import { defaultSerdes, type Serdes } from "../Serdes.ts"
import type { Allocation } from "./engine/allocation.ts"
import { implementation, type SerdesLike } from "./syncSerdes.ts"
import * as Thrown from "./thrown.ts"

const isPromiseLike = (u: unknown): u is PromiseLike<unknown> =>
  typeof u === "object" && u !== null && typeof (u as { then?: unknown }).then === "function"

const failure = (alloc: Allocation, direction: "serialize" | "deserialize", cause: unknown) => {
  const reading = Thrown.read(cause)
  const detail =
    reading._tag === "Unreadable"
      ? `the serdes threw a value that cannot be read (reading ${reading.access} threw ${reading.detail})`
      : reading.message || "Unknown serialization error"
  const label = alloc.name === undefined ? "" : `"${alloc.name}" `
  return new SerdesFailedError({
    message: `${direction === "serialize" ? "Serialization" : "Deserialization"} failed for step ${label}(${alloc.rawId}): ${detail}`,
    direction,
    stepId: alloc.rawId,
    ...(alloc.name === undefined ? {} : { stepName: alloc.name })
  })
}

const call = <T>(
  alloc: Allocation,
  direction: "serialize" | "deserialize",
  f: () => unknown
): Effect.Effect<T, SerdesFailedError> => {
  let out: unknown
  try {
    out = f()
  } catch (cause) {
    return Effect.fail(failure(alloc, direction, cause))
  }
  if (!isPromiseLike(out)) return Effect.succeed(out as T)
  return Effect.tryPromise({ try: () => out as PromiseLike<T>, catch: (cause) => failure(alloc, direction, cause) })
}

const resolve = <T>(alloc: Allocation, serdes: SerdesLike<T> | undefined): SerdesLike<T> =>
  implementation<T>(serdes ?? (alloc.state.serdesDefaults?.defaultSerdes as Serdes<T> | undefined) ?? defaultSerdes)

export const serialize = <T>(alloc: Allocation, serdes: SerdesLike<T> | undefined, value: T | undefined) =>
  call<string | undefined>(alloc, "serialize", () =>
    resolve(alloc, serdes).serialize(value, {
      entityId: alloc.rawId,
      durableExecutionArn: alloc.state.runtime.arn
    })
  )

export const deserialize = <T>(alloc: Allocation, serdes: SerdesLike<T> | undefined, data: string | undefined) =>
  call<T>(alloc, "deserialize", () =>
    resolve(alloc, serdes).deserialize(data, {
      entityId: alloc.rawId,
      durableExecutionArn: alloc.state.runtime.arn
    })
  )
