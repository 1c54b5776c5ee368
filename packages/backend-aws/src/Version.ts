/**
 * The version of this package, read from its `package.json` at load.
 *
 * @since 0.1.0
 */
import { createRequire } from "node:module"

/**
 * The installed version of `@durable-lambda/backend-aws` (the official SDK's `SDK_VERSION` is its own
 * version; this is ours, so logs and user agents name the SDK that actually runs).
 *
 * @since 0.1.0
 */
export const SDK_VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string }).version
