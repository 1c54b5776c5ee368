/**
 * The X-Ray trace header (`Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=<0|1>`), the format of
 * `ChainedInvokeOptions.XAmznTraceId` and of Lambda's `_X_AMZN_TRACE_ID`, to and from an OpenTelemetry span
 * context.
 *
 * @since 0.1.0
 */
import { TraceFlags, type SpanContext } from "@opentelemetry/api"

/**
 * The header naming `span` (its trace id split the X-Ray way: 8 hex digits of epoch, 24 of id).
 *
 * @since 0.1.0
 */
export const formatTraceHeader = (span: Pick<SpanContext, "traceId" | "spanId" | "traceFlags">): string =>
  `Root=1-${span.traceId.slice(0, 8)}-${span.traceId.slice(8)};Parent=${span.spanId};Sampled=${
    (span.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? 1 : 0
  }`

/**
 * The remote span context a header names, or `undefined` when it has no valid `Root` and `Parent`.
 *
 * @since 0.1.0
 */
export const parseTraceHeader = (header: string): SpanContext | undefined => {
  const fields = new Map<string, string>()
  for (const part of header.split(";")) {
    const eq = part.indexOf("=")
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  const root = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/.exec(fields.get("Root") ?? "")
  const parent = fields.get("Parent") ?? ""
  if (root === null || !/^[0-9a-f]{16}$/.test(parent)) return undefined
  const traceId = `${root[1]}${root[2]}`
  if (/^0+$/.test(traceId) || /^0+$/.test(parent)) return undefined
  return {
    traceId,
    spanId: parent,
    traceFlags: fields.get("Sampled") === "1" ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true
  }
}
