/**
 * The defaults of `DurableConfig`, applied once per handler. Engine-internal (not part of the package's public
 * surface).
 */
import type { DurableConfig, ResolvedConfig } from "../Config.ts"

/** The engine settings of a handler: `config` with every default applied. @internal */
export const resolveConfig = (config: DurableConfig | undefined): ResolvedConfig => ({
  checkpointing: config?.checkpointing ?? "eager",
  suspendCooldownMillis: config?.suspendCooldownMillis ?? 0,
  logger: config?.logger,
  modeAwareLogging: config?.modeAwareLogging ?? true,
  maxBatchBytes: config?.maxBatchBytes ?? 750 * 1024,
  deadlineMarginMillis: config?.deadlineMarginMillis ?? 5000,
  plugins: config?.plugins ?? [],
  pluginsConfig: config?.pluginsConfig
})
