/**
 * `refreshLogConfig`, for compatibility with the official SDK.
 *
 * @since 0.1.0
 */

/**
 * Accepted for compatibility; does nothing. The official SDK caches `DURABLE_VERBOSE_MODE` (its internal debug
 * log) and re-reads it here; this SDK has no such internal log (see `packages/compat/DIFFERENCES.md`). The
 * default logger reads `AWS_LAMBDA_LOG_LEVEL` when it is created.
 *
 * @since 0.1.0
 */
export const refreshLogConfig = (): void => {}
