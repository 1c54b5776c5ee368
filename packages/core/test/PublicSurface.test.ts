/**
 * The published entry points export the documented surface only: no export tagged `@internal` in core's
 * sources is reachable at runtime from an entry point of the package's `exports` map (flat, or one level down
 * in a namespace such as `Step` or `Invoke`).
 */
import { assert, describe, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"

const packageDir = join(import.meta.dirname, "..")
const sourceDir = join(packageDir, "src")

const sourceFiles = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []
  )

/** A doc comment that says `@internal`, directly followed by an exported declaration. */
const taggedExport =
  /\/\*\*(?:(?!\*\/)[\s\S])*?@internal\b[\s\S]*?\*\/\s*export\s+(?:declare\s+)?(?:async\s+)?(?:const|let|function\*?|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/g

/** Every `@internal`-tagged export of core's sources: name → files declaring it. */
const internalExports = (): ReadonlyMap<string, ReadonlyArray<string>> => {
  const found = new Map<string, Array<string>>()
  for (const file of sourceFiles(sourceDir)) {
    for (const [, name] of readFileSync(file, "utf8").matchAll(taggedExport)) {
      const files = found.get(name!) ?? []
      files.push(relative(packageDir, file))
      found.set(name!, files)
    }
  }
  return found
}

/** The runtime entry points of the `exports` map, as import specifiers (`@durable-lambda/core`, `.../async`). */
const entryPoints = (): ReadonlyArray<string> => {
  const pkg = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
    readonly name: string
    readonly exports: Record<string, unknown>
  }
  return Object.entries(pkg.exports)
    .filter(([, target]) => typeof target === "object" && target !== null && "default" in target)
    .map(([subpath]) => (subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`))
}

const isModuleNamespace = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && (u as Record<symbol, unknown>)[Symbol.toStringTag] === "Module"

/** The runtime export paths of an entry point: `name` for flat exports, `Namespace.name` one level down. */
const runtimeExports = (module: Record<string, unknown>): ReadonlyArray<readonly [path: string, name: string]> =>
  Object.keys(module).flatMap((key) => {
    const value = module[key]
    return [
      [key, key] as const,
      ...(isModuleNamespace(value) ? Object.keys(value).map((name) => [`${key}.${name}`, name] as const) : [])
    ]
  })

describe("public surface", () => {
  const internals = internalExports()
  const entries = entryPoints()

  it("finds the tagged internals and the entry points it checks", () => {
    assert.isAbove(internals.size, 0)
    assert.include(entries, "@durable-lambda/core")
    assert.include(entries, "@durable-lambda/core/async")
  })

  for (const entry of entries) {
    it(`${entry} exports no @internal name at runtime`, async () => {
      const module = (await import(entry)) as Record<string, unknown>
      const leaked = runtimeExports(module)
        .filter(([, name]) => internals.has(name))
        .map(([path, name]) => `${path} (@internal in ${internals.get(name)!.join(", ")})`)
      assert.deepStrictEqual(leaked, [])
    })
  }
})
