/**
 * `buildPreview`: a small, masked view of a value (for example to store next to a payload kept elsewhere, as
 * `createFileSystemSerdes` does), with the official SDK's field selection rules.
 *
 * @since 0.1.0
 */

/** How a `PreviewField` name matches a field path. @since 0.1.0 */
export const FieldMatchMode = {
  /** The name equals any segment of the dotted path (default). */
  ANYWHERE: "ANYWHERE",
  /** The name equals the whole dotted path (for example `"customer.email"`). */
  PATH: "PATH"
} as const
/** @since 0.1.0 */
export type FieldMatchMode = (typeof FieldMatchMode)[keyof typeof FieldMatchMode]

/** Which fields a preview shows by default. @since 0.1.0 */
export const PreviewMode = { INCLUDE_ALL: "INCLUDE_ALL", EXCLUDE_ALL: "EXCLUDE_ALL" } as const
/** @since 0.1.0 */
export type PreviewMode = (typeof PreviewMode)[keyof typeof PreviewMode]

/** A field selector. @since 0.1.0 */
export interface PreviewField {
  name: string
  match?: FieldMatchMode
}

/**
 * Options of `buildPreview`: the default (`mode`), fields to `include` (with `EXCLUDE_ALL`), to `exclude`, and
 * to `mask` (shown as `maskString`, default `"***"`); the preview stops before `maxPreviewBytes` (default 4096).
 *
 * @since 0.1.0
 */
export interface PreviewConfig {
  mode: PreviewMode
  include?: PreviewField[]
  exclude?: PreviewField[]
  mask?: PreviewField[]
  maskString?: string
  maxPreviewBytes?: number
}

const dangerousKeys = new Set(["__proto__", "constructor", "prototype"])

const matches = (path: string, fields: ReadonlyArray<PreviewField> | undefined): boolean =>
  fields?.some((f) =>
    (f.match ?? FieldMatchMode.ANYWHERE) === FieldMatchMode.PATH ? path === f.name : path.split(".").includes(f.name)
  ) ?? false

const utf8Length = (s: string): number => new TextEncoder().encode(s).length

/**
 * The preview of an object: its selected leaf fields (masked ones replaced by `maskString`) rebuilt as a
 * nested object, in field order, stopping before the size limit. Arrays are walked but not indexed (their
 * items' fields appear under the array's path). Returns `undefined` for a non-object or an empty preview.
 *
 * **Gotchas**: keys containing `.` and the keys `__proto__`, `constructor`, `prototype` are skipped.
 *
 * @since 0.1.0
 */
export const buildPreview = (value: any, config: PreviewConfig): Record<string, unknown> | undefined => {
  if (value === null || typeof value !== "object") return undefined
  const maskString = config.maskString ?? "***"
  const maxBytes = config.maxPreviewBytes ?? 4096
  const pairs: Array<[string, unknown]> = []
  const collect = (obj: unknown, prefix: string): void => {
    if (obj === null || typeof obj !== "object") return
    if (Array.isArray(obj)) {
      for (const item of obj) collect(item, prefix)
      return
    }
    const record = obj as Record<string, unknown>
    for (const key of Object.keys(record)) {
      if (dangerousKeys.has(key) || key.includes(".")) continue
      const path = prefix === "" ? key : `${prefix}.${key}`
      const masked = matches(path, config.mask)
      const excluded = matches(path, config.exclude)
      const visible = !excluded && (masked || config.mode === PreviewMode.INCLUDE_ALL || matches(path, config.include))
      if (!visible) {
        if (!excluded) collect(record[key], path)
      } else if (masked) {
        pairs.push([path, maskString])
      } else if (record[key] !== null && typeof record[key] === "object") {
        collect(record[key], path)
      } else {
        pairs.push([path, record[key]])
      }
    }
  }
  collect(value, "")
  let size = 2
  const result: Record<string, unknown> = {}
  let accepted = 0
  for (const [path, v] of pairs) {
    const entry = utf8Length(`"${path}":${JSON.stringify(v)},`)
    if (size + entry > maxBytes) break
    size += entry
    accepted++
    const parts = path.split(".")
    let node = result
    for (const part of parts.slice(0, -1)) {
      if (typeof node[part] !== "object" || node[part] === null) node[part] = {}
      node = node[part] as Record<string, unknown>
    }
    node[parts[parts.length - 1]!] = v
  }
  return accepted === 0 || Object.keys(result).length === 0 ? undefined : result
}
