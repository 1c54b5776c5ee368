/**
 * Compiles only when every value `@aws/durable-execution-sdk-js` 2.4.0 exports is a value exported by
 * `@durable-lambda/backend-aws`, except the names still pending on other branches, and when no pending name is
 * already exported (the pending lists must shrink as those branches land).
 */
import type * as Official from "@aws/durable-execution-sdk-js"
import type * as Ours from "@durable-lambda/backend-aws"
import type { pendingValueNames } from "./sdk-names.ts"

type PendingValue = (typeof pendingValueNames)[keyof typeof pendingValueNames][number]

/** `default` is the namespace's synthesized CommonJS default, not an export of the official package. */
type MissingValues = Exclude<keyof typeof Official, keyof typeof Ours | PendingValue | "default">
type PendingButPresent = Extract<PendingValue, keyof typeof Ours>
type PendingButNotOfficial = Exclude<PendingValue, keyof typeof Official>

/** `true` when `T` is `never`; otherwise the offending names, so the compiler error lists them. */
type None<T> = [T] extends [never] ? true : T

export const noMissingValues: None<MissingValues> = true
export const noStalePending: None<PendingButPresent> = true
export const pendingAreOfficial: None<PendingButNotOfficial> = true
