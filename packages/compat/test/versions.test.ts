import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { describe, expect, it } from "vitest"

const require = createRequire(import.meta.url)

/** The installed version of a package whose `exports` hide its package.json. */
const versionOf = (name: string): string => {
  let dir = dirname(require.resolve(name))
  while (!dir.endsWith(name.split("/")[1]!)) dir = dirname(dir)
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version
}

describe("the contract's versions", () => {
  it("checks against @aws/durable-execution-sdk-js 2.4.0 and its testing library 1.1.4", () => {
    expect(versionOf("@aws/durable-execution-sdk-js")).toBe("2.4.0")
    expect(versionOf("@aws/durable-execution-sdk-js-testing")).toBe("1.1.4")
  })
})
