/**
 * Compiles only when every value `@aws/durable-execution-sdk-js` 2.4.0 exports is a value exported by
 * `@durable-lambda/backend-aws`.
 */
import type * as Official from "@aws/durable-execution-sdk-js"
import type * as Ours from "@durable-lambda/backend-aws"

/** `default` is the namespace's synthesized CommonJS default, not an export of the official package. */
type MissingValues = Exclude<keyof typeof Official, keyof typeof Ours | "default">

/** `true` when `T` is `never`; otherwise the offending names, so the compiler error lists them. */
type None<T> = [T] extends [never] ? true : T

export const noMissingValues: None<MissingValues> = true
