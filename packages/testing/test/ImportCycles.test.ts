/**
 * The package's modules form no import cycle (type-only imports included): each concept sits in its own
 * module and depends only on lower ones.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../src")

const files = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : []
  })

const specifier = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["'](\.{1,2}\/[^"']+)["']/g

/** Relative imports of every module under `src`, as paths relative to `src`. */
const graph = (): Map<string, Array<string>> => {
  const out = new Map<string, Array<string>>()
  for (const file of files(src)) {
    const text = readFileSync(file, "utf8")
    const deps = [...text.matchAll(specifier)].map((m) => relative(src, resolve(dirname(file), m[1]!)))
    out.set(relative(src, file), deps)
  }
  return out
}

/** Every cycle found by a depth-first walk (each reported once, as the path that closes it). */
const cycles = (deps: Map<string, Array<string>>): Array<string> => {
  const found: Array<string> = []
  const state = new Map<string, "visiting" | "done">()
  const stack: Array<string> = []
  const visit = (node: string) => {
    state.set(node, "visiting")
    stack.push(node)
    for (const next of deps.get(node) ?? []) {
      if (state.get(next) === "visiting") found.push([...stack.slice(stack.indexOf(next)), next].join(" → "))
      else if (state.get(next) === undefined && deps.has(next)) visit(next)
    }
    stack.pop()
    state.set(node, "done")
  }
  for (const node of deps.keys()) if (state.get(node) === undefined) visit(node)
  return found
}

describe("module structure", () => {
  it("the import graph is read (the check sees real edges)", () => {
    const deps = graph()
    expect(deps.get("TestRunner.ts")).toContain("TestResult.ts")
    expect(deps.get("internal/simulation.ts")).toContain("internal/simulation/kernel.ts")
  })

  it("has no import cycle", () => {
    expect(cycles(graph())).toEqual([])
  })

  it("detects a cycle when there is one", () => {
    const deps = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]]
    ])
    expect(cycles(deps)).toEqual(["a.ts → b.ts → c.ts → a.ts"])
  })
})
