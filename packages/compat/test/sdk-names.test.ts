import { readdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { describe, expect, it } from "vitest"
import * as Official from "@aws/durable-execution-sdk-js"
import * as Ours from "@durable-lambda/backend-aws"
import { officialTypeNames, officialValueNames } from "./sdk-names.ts"

const here = dirname(new URL(import.meta.url).pathname)
const read = (file: string) => readFileSync(join(here, file), "utf8")
const officialDir = join(dirname(createRequire(import.meta.url).resolve("@aws/durable-execution-sdk-js")), "..")

/** Every name the official `dist-types/index.d.ts` exports (its export lists and `export *` of the entry). */
const officialDeclaredNames = (): Set<string> => {
  const source = readFileSync(join(officialDir, "dist-types", "index.d.ts"), "utf8").replace(/\/\*[\s\S]*?\*\//g, "")
  const names = new Set<string>(["withDurableExecution"]) // `export * from "./with-durable-execution"`
  for (const [, list] of source.matchAll(/export \{([^}]*)\}/g)) {
    for (const entry of list!.split(",")) {
      const name = entry
        .trim()
        .split(/\s+as\s+/)
        .pop()
      if (name) names.add(name)
    }
  }
  return names
}

describe("the official names (sdk-names.ts)", () => {
  it("are exactly the names the official typings export", () => {
    expect(new Set([...officialValueNames, ...officialTypeNames])).toEqual(officialDeclaredNames())
  })

  it("list exactly the official runtime values", () => {
    expect([...officialValueNames].sort()).toEqual(Object.keys(Official).sort())
  })

  it("are all values of ours at runtime", () => {
    const ours = new Set(Object.keys(Ours))
    expect(officialValueNames.filter((n) => !ours.has(n))).toEqual([])
  })

  it("sdk-type-names.check.ts imports exactly the official type names", () => {
    const imported = /export type \{([^}]*)\}/.exec(read("sdk-type-names.check.ts"))![1]!
    const names = imported
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
    expect(names.sort()).toEqual([...officialTypeNames].sort())
  })
})

describe("DIFFERENCES.md", () => {
  const headings = new Set([...read("../DIFFERENCES.md").matchAll(/^### \[(.+)\]$/gm)].map((m) => m[1]))

  it("documents every known difference the checks mark with @ts-expect-error", () => {
    const files = readdirSync(here).filter((f) => f.endsWith(".ts"))
    const markers = files.flatMap((f) =>
      read(f)
        .split("\n")
        .filter((line) => /^\s*\/\/ @ts-expect-error/.test(line))
        .map((line) => ({ file: f, key: /@ts-expect-error \[(.+?)\]/.exec(line)?.[1] }))
    )
    expect(markers.length).toBeGreaterThan(0)
    expect(markers.filter((m) => m.key === undefined || !headings.has(m.key))).toEqual([])
  })
})

describe("the ported handler (sdk-handler.*.ts)", () => {
  it("differs from the official one only in its import", () => {
    const official = read("sdk-handler.official.ts")
    const ours = read("sdk-handler.ours.ts")
    expect(official).toContain('from "@aws/durable-execution-sdk-js"')
    expect(ours).toBe(official.replace('from "@aws/durable-execution-sdk-js"', 'from "@durable-lambda/backend-aws"'))
  })
})
