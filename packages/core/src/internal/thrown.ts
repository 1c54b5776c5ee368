/**
 * Reading a thrown value without trusting it. User code may throw anything: an `Error`, a string, `null`, a
 * plain object, an error whose `message` getter throws, a revoked Proxy (every access throws). Nothing here
 * ever throws: a value that cannot be read is reported as `Unreadable`, naming the access that failed.
 */

/** What a thrown value is, read once. */
export type Reading =
  /** An `Error`, or an object with string-like `name` and `message` (as the official SDK tells them apart). */
  | {
      readonly _tag: "ErrorLike"
      readonly name: string
      readonly message: string
      /** The `_tag` of an Effect tagged error, which names it better than `name`. */
      readonly tag: string | undefined
    }
  /** Any other value: a readable message and, when it can be kept, its JSON form. */
  | { readonly _tag: "Value"; readonly message: string; readonly data: string | undefined }
  /** Reading the value threw: `access` names what was read, `detail` what it threw. */
  | { readonly _tag: "Unreadable"; readonly access: string; readonly detail: string }

/** The longest message kept for a value that is not an error (a JSON preview is cut there). */
export const maxPreviewChars = 200
/** The largest `ErrorData` kept for a value that is not an error (larger values keep only the preview). */
export const maxDataBytes = 16_384

/** A one-line description of any value (`Name: message` for an error), which never throws. */
export const describe = (u: unknown): string => {
  try {
    if (u instanceof Error) return `${u.name}: ${u.message}`
    return String(u)
  } catch {
    return "an unreadable value"
  }
}

/** Reads one property; `undefined` when it is absent, `Unreadable` when reading it threw. */
const readProperty = (u: object, key: string): { readonly value: unknown } | Reading => {
  try {
    return { value: (u as Record<string, unknown>)[key] }
  } catch (e) {
    return { _tag: "Unreadable", access: `its \`${key}\``, detail: describe(e) }
  }
}

const isReading = (r: { readonly value: unknown } | Reading): r is Reading => "_tag" in r

/**
 * A JSON text for any value, which never throws: `bigint`s become `"<n>n"`, cycles `"[Circular]"`,
 * functions and symbols are dropped as `JSON.stringify` drops them. `undefined` when the value has no JSON
 * form (`undefined`, a function) or a `toJSON` threw.
 *
 * (There is no schema for an arbitrary thrown value, so this is a plain, guarded `JSON.stringify`.)
 */
export const safeJson = (u: unknown): string | undefined => {
  const ancestors: Array<unknown> = []
  try {
    return JSON.stringify(u, function (this: unknown, _key, value: unknown) {
      if (typeof value === "bigint") return `${value}n`
      if (typeof value !== "object" || value === null) return value
      while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop()
      if (ancestors.includes(value)) return "[Circular]"
      ancestors.push(value)
      return value
    })
  } catch {
    return undefined
  }
}

const preview = (text: string): string =>
  text.length <= maxPreviewChars ? text : `${text.slice(0, maxPreviewChars)}…[truncated]`

const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length

/** A readable message and the JSON form of a value that is not an error. */
const readValue = (u: unknown): Reading => {
  const json = safeJson(u)
  const data = json !== undefined && utf8Bytes(json) <= maxDataBytes ? json : undefined
  let message: string
  if (typeof u === "string") message = preview(u)
  else if (typeof u === "bigint") message = `${u}n`
  else if (typeof u === "function") message = `[function ${describe((u as { name?: unknown }).name)}]`
  else if (typeof u === "object" && u !== null) message = preview(json ?? describe(u))
  else message = describe(u)
  return { _tag: "Value", message, data }
}

/**
 * Reads a thrown value once, never throwing. Error-likes give their `name`, `message` (and `_tag`); other
 * values a readable message (the string itself, `String(n)`, `"null"`, a JSON preview) and their JSON form.
 */
export const read = (u: unknown): Reading => {
  if (typeof u !== "object" || u === null) return readValue(u)
  let isError: boolean
  try {
    isError = u instanceof Error
  } catch (e) {
    return { _tag: "Unreadable", access: "its prototype", detail: describe(e) }
  }
  const message = readProperty(u, "message")
  if (isReading(message)) return message
  const name = readProperty(u, "name")
  if (isReading(name)) return name
  const tag = readProperty(u, "_tag")
  if (isReading(tag)) return tag
  const present = (v: unknown) => v !== undefined && v !== null
  if (!isError && !(present(message.value) && present(name.value))) return readValue(u)
  const text = (v: unknown, fallback: string) => (typeof v === "string" ? v : present(v) ? describe(v) : fallback)
  return {
    _tag: "ErrorLike",
    name: text(name.value, "Error"),
    message: text(message.value, ""),
    tag: typeof tag.value === "string" ? tag.value : undefined
  }
}
