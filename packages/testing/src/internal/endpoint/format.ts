/**
 * Renders the endpoint's timeline as the dev server prints it: one line per execution start / close,
 * invocation start / end, operation event and clock jump, indented by operation depth, with a ready-to-paste
 * AWS CLI command for every callback.
 *
 * @internal
 */
import type { ServiceState } from "@durable-lambda/backend-mock"
import type { Operation } from "@durable-lambda/core"
import type { TimelineEvent } from "./timeline.ts"

const MAX_PAYLOAD_CHARS = 200

/** Shortens a payload for display. */
export const preview = (payload: string | undefined): string => {
  if (payload === undefined) return "(none)"
  const flat = payload.replace(/\s+/g, " ")
  return flat.length > MAX_PAYLOAD_CHARS ? `${flat.slice(0, MAX_PAYLOAD_CHARS)}… (${payload.length} chars)` : flat
}

/** `ErrorType: ErrorMessage` of an error object. */
export const describeError = (error: Operation.ErrorObject | undefined): string => {
  if (error === undefined) return "(no error details)"
  const type = error.ErrorType ?? "Error"
  return error.ErrorMessage === undefined ? type : `${type}: ${error.ErrorMessage}`
}

/** A duration in seconds, compactly (`90s` → `1m30s`). */
export const seconds = (total: number): string => {
  if (total < 60) return `${total}s`
  const parts: Array<string> = []
  let rest = total
  for (const [unit, size] of [
    ["d", 86400],
    ["h", 3600],
    ["m", 60]
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`)
      rest %= size
    }
  }
  if (rest > 0) parts.push(`${rest}s`)
  return parts.join("")
}

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`

/**
 * The AWS CLI command that completes a callback against the endpoint at `url`. The result travels as raw
 * bytes through `fileb:///dev/stdin`, which AWS CLI v1 and v2 both read verbatim (v2 would base64-decode a
 * plain `--result` argument); the dummy credentials satisfy request signing.
 */
export const callbackCommand = (url: string, callbackId: string, result = "{}"): string =>
  [
    `printf '%s' ${quote(result)} |`,
    "AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws lambda send-durable-execution-callback-success",
    `--endpoint-url ${url} --region us-east-1`,
    `--callback-id ${quote(callbackId)} --result fileb:///dev/stdin`
  ].join(" ")

/** The AWS CLI command that starts an execution through Lambda `Invoke` (asynchronous, like production). */
export const invokeCommand = (url: string, functionName: string, payload = "{}"): string =>
  [
    `printf '%s' ${quote(payload)} |`,
    "AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws lambda invoke",
    `--endpoint-url ${url} --region us-east-1`,
    `--function-name ${functionName} --invocation-type Event --payload fileb:///dev/stdin /dev/null`
  ].join(" ")

/** Turns timeline events into printable lines; keeps per-execution labels and operation depths. */
export class TimelineFormatter {
  readonly #url: string
  readonly #labels = new Map<string, string>()
  readonly #depths = new Map<string, number>()

  constructor(url: string) {
    this.#url = url
  }

  /** `#n`, by start order. */
  label(durableExecutionArn: string): string {
    let label = this.#labels.get(durableExecutionArn)
    if (label === undefined) {
      label = `#${this.#labels.size + 1}`
      this.#labels.set(durableExecutionArn, label)
    }
    return label
  }

  /** The ARN of the execution labelled `#n`. */
  arnOf(label: string): string | undefined {
    for (const [arn, l] of this.#labels) if (l === label) return arn
    return undefined
  }

  /** The lines for one event (none for events another line already covers). */
  format(event: TimelineEvent): ReadonlyArray<string> {
    switch (event._tag) {
      case "ExecutionStarted": {
        const label = this.label(event.durableExecutionArn)
        return [
          `▶ execution ${label} started: function ${event.functionName}, input ${preview(event.input)}`,
          `  arn ${event.durableExecutionArn}`
        ]
      }
      case "InvocationStarted":
        return [`${this.label(event.durableExecutionArn)} invocation ${event.invocation} started`]
      case "InvocationEnded": {
        const head = `${this.label(event.durableExecutionArn)} invocation ${event.invocation} ended: `
        switch (event.status) {
          case "PENDING":
            return [`${head}PENDING (suspended until the service wakes it)`]
          case "SUCCEEDED":
            return [`${head}SUCCEEDED`]
          case "FAILED":
            return [`${head}FAILED: ${describeError(event.error)}`]
          case "FunctionError":
            return [
              `${head}function error: ${describeError(event.error)}${
                event.gaveUp === true ? " (out of attempts: the execution fails)" : " (the service invokes again)"
              }`
            ]
        }
        return []
      }
      case "ExecutionClosed": {
        const label = this.label(event.durableExecutionArn)
        return event.status === "SUCCEEDED"
          ? [`■ execution ${label} SUCCEEDED: result ${preview(event.result)}`]
          : [`■ execution ${label} ${event.status}: ${describeError(event.error)}`]
      }
      case "TimeAdvanced":
        return [
          `⏩ virtual clock +${seconds(Math.round((event.to - event.from) / 1000))} → ${new Date(event.to).toISOString()}`
        ]
      case "History":
        return this.#history(event.durableExecutionArn, event.event)
    }
  }

  #depth(arn: string, id: string | undefined, parentId: string | undefined): number {
    if (id === undefined) return 0
    const key = `${arn} ${id}`
    let depth = this.#depths.get(key)
    if (depth === undefined) {
      depth = parentId === undefined ? 0 : (this.#depths.get(`${arn} ${parentId}`) ?? 0) + 1
      this.#depths.set(key, depth)
    }
    return depth
  }

  #history(arn: string, event: ServiceState.HistoryEvent): ReadonlyArray<string> {
    const type = event.EventType
    if (type === "ExecutionStarted" || type === "InvocationCompleted" || type.startsWith("Execution")) return []
    const depth = this.#depth(arn, event.Id, event.ParentId)
    const indent = `${this.label(arn)}   ${"  ".repeat(depth)}`
    const name = event.Name === undefined ? `(${event.Id ?? "?"})` : JSON.stringify(event.Name)
    const [kind, verb] = splitEventType(type)
    const subject = `${indent}${kind} ${name}${event.SubType !== undefined && !isPlainSubType(kind, event.SubType) ? ` [${event.SubType}]` : ""}`
    switch (event.EventType) {
      case "StepSucceeded":
        return [
          `${subject} succeeded (attempt ${event.StepSucceededDetails.RetryDetails.CurrentAttempt}): ${preview(event.StepSucceededDetails.Result.Payload)}`
        ]
      case "StepFailed": {
        const retry = event.StepFailedDetails.RetryDetails
        const next =
          retry.NextAttemptDelaySeconds === undefined ? "" : `, retrying in ${seconds(retry.NextAttemptDelaySeconds)}`
        return [
          `${subject} failed (attempt ${retry.CurrentAttempt}${next}): ${describeError(event.StepFailedDetails.Error.Payload)}`
        ]
      }
      case "WaitStarted":
        return [
          `${subject} started: ${seconds(event.WaitStartedDetails.Duration)}, until ${new Date(event.WaitStartedDetails.ScheduledEndTimestamp).toISOString()}`
        ]
      case "ContextSucceeded":
        return [`${subject} succeeded: ${preview(event.ContextSucceededDetails.Result.Payload)}`]
      case "ContextFailed":
        return [`${subject} failed: ${describeError(event.ContextFailedDetails.Error.Payload)}`]
      case "CallbackStarted": {
        const details = event.CallbackStartedDetails
        const limits = [
          details.Timeout === undefined ? undefined : `timeout ${seconds(details.Timeout)}`,
          details.HeartbeatTimeout === undefined ? undefined : `heartbeat ${seconds(details.HeartbeatTimeout)}`
        ].filter((x) => x !== undefined)
        return [
          `${subject} started: callback id ${details.CallbackId}${limits.length > 0 ? ` (${limits.join(", ")})` : ""}`,
          `${indent}  complete it with: ${callbackCommand(this.#url, details.CallbackId)}`
        ]
      }
      case "CallbackSucceeded":
        return [`${subject} succeeded: ${preview(event.CallbackSucceededDetails.Result.Payload)}`]
      case "CallbackFailed":
        return [`${subject} failed: ${describeError(event.CallbackFailedDetails.Error.Payload)}`]
      case "CallbackTimedOut":
        return [`${subject} timed out: ${describeError(event.CallbackTimedOutDetails.Error.Payload)}`]
      case "ChainedInvokeStarted":
        return [`${subject} started: function ${event.ChainedInvokeStartedDetails.FunctionName}`]
      case "ChainedInvokeSucceeded":
        return [`${subject} succeeded: ${preview(event.ChainedInvokeSucceededDetails.Result.Payload)}`]
      default:
        return [`${subject} ${verb}`]
    }
  }
}

const kinds = ["ChainedInvoke", "Callback", "Context", "Step", "Wait"] as const

/** `StepSucceeded` → `["STEP", "succeeded"]`. */
const splitEventType = (type: string): readonly [string, string] => {
  const kind = kinds.find((k) => type.startsWith(k)) ?? type
  const verb = type
    .slice(kind.length)
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
  const label = kind === "ChainedInvoke" ? "INVOKE" : kind.toUpperCase()
  return [label, verb]
}

/** Whether the SubType only repeats the type (`Step` on a STEP), so it is not worth printing. */
const isPlainSubType = (kind: string, subType: string): boolean =>
  subType.toUpperCase() === kind ||
  (kind === "CONTEXT" && subType === "RunInChildContext") ||
  (kind === "INVOKE" && subType === "ChainedInvoke")
