import { PluginLoader, PluginLoadError } from "@durable-lambda/backend-aws"
import { assert, describe, it } from "@effect/vitest"
import { fileURLToPath } from "node:url"

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/plugins/${name}.mjs`, import.meta.url))
const load = (list: string | undefined) =>
  PluginLoader.loadConfiguredPlugins({ environment: { DURABLE_EXECUTION_PLUGINS: list } })

const rejection = async (list: string): Promise<Error> => {
  const error = await load(list).then(
    () => undefined,
    (e: unknown) => e
  )
  assert.instanceOf(error, PluginLoadError)
  assert.strictEqual((error as Error).name, "PluginLoadError")
  return error as Error
}

describe("PluginLoader", () => {
  it("loads nothing when DURABLE_EXECUTION_PLUGINS is unset or blank", async () => {
    assert.deepStrictEqual(await load(undefined), [])
    assert.deepStrictEqual(await load("  "), [])
  })

  it("loads providers in the listed order, from a named or a default export", async () => {
    const plugins = await load(`${fixture("recording")}, ${fixture("default-export")}`)
    assert.deepStrictEqual(
      plugins.map((p) => p.constructor.name),
      ["RecordingPlugin", "DefaultPlugin"]
    )
  })

  it("rejects a bad list, a missing module and invalid providers with PluginLoadError", async () => {
    const prefix = "Dynamic plugin configuration failed: "
    assert.strictEqual(
      (await rejection(`${fixture("recording")},,x`)).message,
      `${prefix}DURABLE_EXECUTION_PLUGINS must contain non-empty, comma-separated package or module specifiers.`
    )
    assert.strictEqual(
      (await rejection(`${fixture("recording")},${fixture("recording")}`)).message,
      `${prefix}DURABLE_EXECUTION_PLUGINS contains duplicate module specifier '${fixture("recording")}'.`
    )
    const missing = await rejection("@durable-lambda/no-such-plugin-package")
    assert.match(
      missing.message,
      /^Dynamic plugin configuration failed: Failed to load plugin module '@durable-lambda\/no-such-plugin-package': .*Ensure the package is installed/
    )
    assert.isDefined(missing.cause)
    assert.strictEqual(
      (await rejection(fixture("no-provider"))).message,
      `${prefix}Plugin module '${fixture("no-provider")}' must export 'durableExecutionPluginProvider'.`
    )
    assert.match(
      (await rejection(fixture("wrong-version"))).message,
      /declares plugin API version '2', but @durable-lambda\/backend-aws supports version 1\./
    )
    assert.strictEqual(
      (await rejection(fixture("wrong-type"))).message,
      `${prefix}Plugin provider '${fixture("wrong-type")}' declared plugin type 'Declared' but created 'Object'.`
    )
    const throwing = await rejection(fixture("throwing"))
    assert.strictEqual(
      throwing.message,
      `${prefix}Plugin provider '${fixture("throwing")}' failed to create its plugin: no credentials for the exporter`
    )
    assert.strictEqual((throwing.cause as Error).message, "no credentials for the exporter")
  })
})
