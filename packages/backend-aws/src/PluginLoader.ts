/**
 * Loads the instrumentation plugins listed in `DURABLE_EXECUTION_PLUGINS` (comma-separated package names or
 * module specifiers), as the official SDK does: each module exports `durableExecutionPluginProvider` (directly
 * or on its default export) with `pluginApiVersion`, `pluginType` and `createPlugin()`. Bare names that Node
 * cannot import from this package are resolved from the application (`LAMBDA_TASK_ROOT`, else the working
 * directory), so a plugin installed with the function or in a layer is found.
 *
 * **Gotchas**: any problem (empty entry, duplicate, missing module, invalid provider) is a `PluginLoadError`,
 * and every invocation fails with it before the handler runs: a misconfigured function fails loudly.
 *
 * @since 0.1.0
 */
import { Instrumentation } from "@durable-lambda/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { createRequire } from "node:module"
import { join } from "node:path"
import { pathToFileURL } from "node:url"

/** The environment variable listing plugin modules. @since 0.1.0 */
export const PLUGIN_ENVIRONMENT_VARIABLE = "DURABLE_EXECUTION_PLUGINS"
/** The export a plugin module must provide. @since 0.1.0 */
export const PLUGIN_PROVIDER_EXPORT = "durableExecutionPluginProvider"

type Plugin = Instrumentation.DurableInstrumentationPlugin
type Environment = Readonly<Record<string, string | undefined>>

/** Options of `loadConfiguredPlugins` (for tests: another environment or importer). @since 0.1.0 */
export interface LoadOptions {
  readonly environment?: Environment
  readonly importModule?: (specifier: string) => Promise<unknown>
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e))
const fail = (message: string, cause?: unknown): never => {
  throw new Instrumentation.PluginLoadError(message, cause === undefined ? undefined : { cause })
}

/** The specifiers listed in the environment (none when unset or blank). */
const specifiersOf = (environment: Environment): ReadonlyArray<string> => {
  const listed = environment[PLUGIN_ENVIRONMENT_VARIABLE]
  if (listed === undefined || listed.trim() === "") return []
  const specifiers = listed.split(",").map((s) => s.trim())
  if (specifiers.some((s) => s === "")) {
    fail(`${PLUGIN_ENVIRONMENT_VARIABLE} must contain non-empty, comma-separated package or module specifiers.`)
  }
  const seen = new Set<string>()
  for (const s of specifiers) {
    if (seen.has(s)) fail(`${PLUGIN_ENVIRONMENT_VARIABLE} contains duplicate module specifier '${s}'.`)
    seen.add(s)
  }
  return specifiers
}

const notFound = (error: unknown): boolean =>
  isRecord(error) && (error.code === "ERR_MODULE_NOT_FOUND" || error.code === "MODULE_NOT_FOUND")

/** `import()`, falling back to resolving the specifier from the application's root. */
const defaultImporter =
  (environment: Environment) =>
  async (specifier: string): Promise<unknown> => {
    try {
      return await import(specifier)
    } catch (error) {
      if (!notFound(error)) throw error
      const root = environment.LAMBDA_TASK_ROOT?.trim() || process.cwd()
      let resolved: string
      try {
        resolved = createRequire(join(root, "package.json")).resolve(specifier)
      } catch {
        throw new Error(
          `${messageOf(error)} Ensure the package is installed in the function artifact or an attached Lambda layer under 'nodejs/node_modules'.`,
          { cause: error }
        )
      }
      return import(pathToFileURL(resolved).href)
    }
  }

const providerOf = (specifier: string, module: unknown): Instrumentation.DurableInstrumentationPluginProvider => {
  if (!isRecord(module)) fail(`Plugin module '${specifier}' did not evaluate to a module namespace object.`)
  const m = module as Record<string, unknown>
  const direct = m[PLUGIN_PROVIDER_EXPORT]
  const nested = isRecord(m.default) ? m.default[PLUGIN_PROVIDER_EXPORT] : undefined
  const candidates = [direct, nested].filter((c, i, all) => c !== undefined && all.indexOf(c) === i)
  if (candidates.length === 0) fail(`Plugin module '${specifier}' must export '${PLUGIN_PROVIDER_EXPORT}'.`)
  if (candidates.length > 1) {
    fail(`Plugin module '${specifier}' exposes multiple different '${PLUGIN_PROVIDER_EXPORT}' values.`)
  }
  const provider = candidates[0]
  if (!isRecord(provider)) fail(`Plugin module '${specifier}' exports an invalid provider; expected an object.`)
  const p = provider as Record<string, unknown>
  if (p.pluginApiVersion !== Instrumentation.DURABLE_INSTRUMENTATION_PLUGIN_API_VERSION) {
    fail(
      `Plugin provider '${specifier}' declares plugin API version '${String(p.pluginApiVersion)}', but @durable-lambda/backend-aws supports version ${Instrumentation.DURABLE_INSTRUMENTATION_PLUGIN_API_VERSION}. Install compatible SDK and plugin package versions.`
    )
  }
  if (typeof p.pluginType !== "function" || !isRecord(p.pluginType.prototype)) {
    fail(`Plugin provider '${specifier}' must declare a constructable 'pluginType'.`)
  }
  if (typeof p.createPlugin !== "function") {
    fail(`Plugin provider '${specifier}' must define a 'createPlugin' factory function.`)
  }
  return provider as unknown as Instrumentation.DurableInstrumentationPluginProvider
}

const create = (specifier: string, provider: Instrumentation.DurableInstrumentationPluginProvider): Plugin => {
  let plugin: unknown
  try {
    plugin = provider.createPlugin()
  } catch (error) {
    return fail(`Plugin provider '${specifier}' failed to create its plugin: ${messageOf(error)}`, error)
  }
  if (!(plugin instanceof (provider.pluginType as unknown as new () => Plugin))) {
    const actual =
      plugin === null || plugin === undefined ? String(plugin) : (plugin.constructor?.name ?? typeof plugin)
    fail(`Plugin provider '${specifier}' declared plugin type '${provider.pluginType.name}' but created '${actual}'.`)
  }
  return plugin as Plugin
}

/**
 * Loads the plugins listed in `DURABLE_EXECUTION_PLUGINS`, in order. Rejects with a `PluginLoadError`.
 *
 * @since 0.1.0
 */
export const loadConfiguredPlugins = async (options?: LoadOptions): Promise<ReadonlyArray<Plugin>> => {
  const environment = options?.environment ?? process.env
  const specifiers = specifiersOf(environment)
  if (specifiers.length === 0) return []
  const importModule = options?.importModule ?? defaultImporter(environment)
  const plugins: Array<Plugin> = []
  for (const specifier of specifiers) {
    let module: unknown
    try {
      module = await importModule(specifier)
    } catch (error) {
      fail(`Failed to load plugin module '${specifier}': ${messageOf(error)}`, error)
    }
    plugins.push(create(specifier, providerOf(specifier, module)))
  }
  return plugins
}

/**
 * The `PluginSource` of the Node platform: starts loading `DURABLE_EXECUTION_PLUGINS` now (at cold start,
 * once) and gives every invocation the same plugins or the same `PluginLoadError`.
 *
 * @since 0.1.0
 */
export const layerEnvironment = (options?: LoadOptions): Layer.Layer<never> => {
  const loading = loadConfiguredPlugins(options).then(
    (plugins) => ({ plugins }),
    (error: unknown) => ({
      error:
        error instanceof Instrumentation.PluginLoadError
          ? error
          : new Instrumentation.PluginLoadError(messageOf(error), { cause: error })
    })
  )
  const load = Effect.promise(() => loading).pipe(
    Effect.flatMap((r) => ("error" in r ? Effect.fail(r.error) : Effect.succeed(r.plugins)))
  )
  return Layer.succeed(Instrumentation.PluginSource, { load })
}
