/**
 * `createFileSystemSerdes`: keep payloads in files (for example on a mounted EFS or S3 Files volume) and
 * checkpoint only their path, with the official SDK's envelope format, so histories written by either SDK read
 * back with the other.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { mkdir, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import type { AnySerdes, SerdesContext } from "@durable-lambda/core/async"

/** When values go to a file. @since 0.1.0 */
export const FileSystemSerdesMode = {
  /** Every value (default). */
  ALWAYS: "ALWAYS",
  /** Only values whose inline envelope would be over the checkpoint limit (256 KiB less 1 KiB). */
  OVERFLOW: "OVERFLOW"
} as const
/** @since 0.1.0 */
export type FileSystemSerdesMode = (typeof FileSystemSerdesMode)[keyof typeof FileSystemSerdesMode]

/** How the execution ARN and operation id become path segments. @since 0.1.0 */
export const FileSystemPathEncoding = {
  /** `<function>/<execution>/<invocation>/<operation>.json`, URI-encoded (default). */
  URI: "URI",
  /** SHA-256 hex digests of the ARN and the operation id. */
  HASH: "HASH"
} as const
/** @since 0.1.0 */
export type FileSystemPathEncoding = (typeof FileSystemPathEncoding)[keyof typeof FileSystemPathEncoding]

/** Options of `createFileSystemSerdes`. @since 0.1.0 */
export interface FileSystemSerdesConfig {
  storageMode?: FileSystemSerdesMode
  pathEncoding?: FileSystemPathEncoding
  /** Stored next to the file path in the checkpoint (see `buildPreview`). */
  generatePreview?: (value: unknown) => Record<string, unknown> | undefined
}

const overflowThresholdBytes = 256 * 1024 - 1024

const arnPattern = /^arn:[^:]*:lambda:[^:]*:[^:]*:function:([^:/]+):[^:/]+\/durable-execution\/([^/]+)\/([^/]+)$/

const segment = (value: string, encoding: FileSystemPathEncoding): string =>
  encoding === FileSystemPathEncoding.HASH
    ? createHash("sha256").update(value).digest("hex")
    : encodeURIComponent(value)

const executionDir = (basePath: string, arn: string, encoding: FileSystemPathEncoding): string => {
  const parts = encoding === FileSystemPathEncoding.URI ? arnPattern.exec(arn) : null
  return parts === null ? join(basePath, segment(arn, encoding)) : join(basePath, parts[1]!, parts[2]!, parts[3]!)
}

/**
 * A serdes that writes each value as JSON to `<basePath>/<execution>/<operation id>.json` and checkpoints
 * `{"file": path, "preview"?: ...}` (or, in `OVERFLOW` mode, `{"data": json}` while it fits).
 *
 * **Gotchas**: every invocation of the execution must see the same files (a shared volume); the files are
 * never deleted by the SDK. A retried step overwrites its own file.
 *
 * @since 0.1.0
 */
export const createFileSystemSerdes = (basePath: string, config: FileSystemSerdesConfig = {}): AnySerdes => {
  const storageMode = config.storageMode ?? FileSystemSerdesMode.ALWAYS
  const encoding = config.pathEncoding ?? FileSystemPathEncoding.URI
  const toFile = async (value: unknown, context: SerdesContext): Promise<string> => {
    const dir = executionDir(basePath, context.durableExecutionArn, encoding)
    await mkdir(dir, { recursive: true })
    const file = join(dir, `${segment(context.entityId, encoding)}.json`)
    await writeFile(file, JSON.stringify(value), "utf-8")
    const preview = config.generatePreview?.(value)
    return JSON.stringify(preview ? { file, preview } : { file })
  }
  return {
    serialize: async (value, context) => {
      if (value === undefined) return undefined
      if (storageMode === FileSystemSerdesMode.ALWAYS) return toFile(value, context)
      const inline = JSON.stringify({ data: JSON.stringify(value) })
      return Buffer.byteLength(inline, "utf-8") > overflowThresholdBytes ? toFile(value, context) : inline
    },
    deserialize: async (data) => {
      if (data === undefined) return undefined
      const envelope = JSON.parse(data) as { file?: string; data?: string }
      if (typeof envelope.file === "string") return JSON.parse(await readFile(envelope.file, "utf-8"))
      return JSON.parse(envelope.data as string)
    }
  }
}
