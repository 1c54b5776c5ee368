import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import {
  buildPreview,
  createFileSystemSerdes,
  FileSystemPathEncoding,
  FileSystemSerdesMode,
  PreviewMode,
  SDK_VERSION
} from "@durable-lambda/backend-aws"

const arn = "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/run-1/inv-9"
const context = { entityId: "1-2", durableExecutionArn: arn }

describe("createFileSystemSerdes", () => {
  it("ALWAYS: writes <function>/<execution>/<invocation>/<entity>.json and checkpoints the path and preview", async () => {
    const base = mkdtempSync(join(tmpdir(), "fs-serdes-"))
    const serdes = createFileSystemSerdes(base, {
      generatePreview: (v) => buildPreview(v, { mode: PreviewMode.EXCLUDE_ALL, include: [{ name: "id" }] })
    })
    const stored = await serdes.serialize({ id: "o-1", secret: "x" }, context)
    const file = join(base, "orders", "run-1", "inv-9", "1-2.json")
    expect(JSON.parse(stored!)).toEqual({ file, preview: { id: "o-1" } })
    expect(JSON.parse(readFileSync(file, "utf-8"))).toEqual({ id: "o-1", secret: "x" })
    expect(await serdes.deserialize(stored, context)).toEqual({ id: "o-1", secret: "x" })
    expect(await serdes.serialize(undefined, context)).toBeUndefined()
  })

  it("OVERFLOW keeps small values inline; HASH encodes path segments as SHA-256", async () => {
    const base = mkdtempSync(join(tmpdir(), "fs-serdes-"))
    const inline = createFileSystemSerdes(base, { storageMode: FileSystemSerdesMode.OVERFLOW })
    const small = await inline.serialize({ n: 1 }, context)
    expect(JSON.parse(small!)).toEqual({ data: '{"n":1}' })
    expect(await inline.deserialize(small, context)).toEqual({ n: 1 })
    const big = await inline.serialize("x".repeat(300 * 1024), context)
    expect(JSON.parse(big!)).toHaveProperty("file")
    const hashed = createFileSystemSerdes(base, { pathEncoding: FileSystemPathEncoding.HASH })
    const { file } = JSON.parse((await hashed.serialize(1, context))!)
    expect(file).toMatch(new RegExp(`^${base}/[0-9a-f]{64}/[0-9a-f]{64}\\.json$`))
  })
})

describe("SDK_VERSION", () => {
  it("is this package's version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf-8"))
    expect(SDK_VERSION).toBe(pkg.version)
  })
})
