/**
 * Checkpoint validation, in the service's order: model constraints (ValidationException), then whole-request
 * rules, then per-update rules (metadata consistency, error size, valid action, status transition), all
 * against the operations as they were before the request.
 *
 * @internal
 */
import type { Operation } from "@durable-lambda/core"
import { Errors, type ServiceError } from "./errors.ts"
import type { OperationRecord } from "./model.ts"

/**
 * An `OperationUpdate` as it may arrive on the wire, before validation: every member optional and `Type` /
 * `Action` any string, so that the service's own rejections ("Operation update must have an Id.",
 * "Unknown operation type.") stay reachable. Core's `Operation.OperationUpdate` is assignable to it.
 *
 * @since 0.1.0
 */
export interface OperationUpdateInput {
  readonly Id?: string | undefined
  readonly ParentId?: string | undefined
  readonly Name?: string | undefined
  readonly Type?: string | undefined
  readonly SubType?: string | undefined
  readonly Action?: string | undefined
  readonly Payload?: string | undefined
  readonly Error?: Operation.ErrorObject | undefined
  readonly ContextOptions?: { readonly ReplayChildren?: boolean | undefined } | undefined
  readonly StepOptions?: { readonly NextAttemptDelaySeconds?: number | undefined } | undefined
  readonly WaitOptions?: { readonly WaitSeconds?: number | undefined } | undefined
  readonly CallbackOptions?:
    { readonly TimeoutSeconds?: number | undefined; readonly HeartbeatTimeoutSeconds?: number | undefined } | undefined
  readonly ChainedInvokeOptions?:
    | {
        readonly FunctionName?: string | undefined
        readonly TenantId?: string | undefined
        readonly XAmznTraceId?: string | undefined
      }
    | undefined
}

/** An update that passed validation. */
export interface ValidUpdate extends OperationUpdateInput {
  readonly Id: string
  readonly Type: Operation.OperationType
  readonly Action: Operation.OperationAction
}

/** Maximum serialized size (UTF-8 bytes of its JSON) of an update's `Error` object. @since 0.1.0 */
export const MAX_ERROR_BYTES = 32768
/** Maximum `Payload` length (model constraint). @since 0.1.0 */
export const MAX_PAYLOAD_LENGTH = 6291456
/** Maximum `WaitSeconds` / `NextAttemptDelaySeconds` (model constraint, one year). @since 0.1.0 */
export const MAX_DELAY_SECONDS = 31622400
/** Maximum callback `TimeoutSeconds` / `HeartbeatTimeoutSeconds` (model constraint). @since 0.1.0 */
export const MAX_CALLBACK_TIMEOUT_SECONDS = 99999999

const ID_PATTERN = "[a-zA-Z0-9-_]+"
const NAME_PATTERN = "[\\x20-\\x7E]+"
const CLIENT_TOKEN_PATTERN = "[\\x21-\\x7E]+"
const ID_REGEX = /^[a-zA-Z0-9\-_]+$/
const NAME_REGEX = /^[\x20-\x7E]+$/
const CLIENT_TOKEN_REGEX = /^[\x21-\x7E]+$/

// ---------------------------------------------------------------------------------------------------------------
// Model constraints
// ---------------------------------------------------------------------------------------------------------------

const violation = (value: string | number | undefined, path: string, constraint: string): string =>
  value === undefined
    ? `Value at '${path}' failed to satisfy constraint: Member must ${constraint}`
    : `Value '${value}' at '${path}' failed to satisfy constraint: Member must ${constraint}`

/**
 * Where a violation is: a top-level member (`index` undefined) or a member of update number `index` (0-based).
 * The path string is built only for a violation: a valid request allocates none.
 */
const pathOf = (index: number | undefined, field: string): string =>
  index === undefined ? field : `updates.${index + 1}.member.${field}`

interface StringConstraint {
  readonly min: number
  readonly max: number
  readonly pattern?: readonly [RegExp, string]
}

const checkString = (
  out: Array<string>,
  value: string | undefined,
  index: number | undefined,
  field: string,
  options: StringConstraint,
  sensitive = false
): void => {
  if (value === undefined) return
  const shown = sensitive ? undefined : value
  if (value.length < options.min) {
    out.push(violation(shown, pathOf(index, field), `have length greater than or equal to ${options.min}`))
    return
  }
  if (value.length > options.max) {
    out.push(violation(shown, pathOf(index, field), `have length less than or equal to ${options.max}`))
  }
  if (options.pattern !== undefined && !options.pattern[0].test(value)) {
    out.push(violation(shown, pathOf(index, field), `satisfy regular expression pattern: ${options.pattern[1]}`))
  }
}

const checkNumber = (
  out: Array<string>,
  value: number | undefined,
  index: number,
  field: string,
  min: number,
  max: number
): void => {
  if (value === undefined) return
  if (value < min) out.push(violation(value, pathOf(index, field), `have value greater than or equal to ${min}`))
  else if (value > max) out.push(violation(value, pathOf(index, field), `have value less than or equal to ${max}`))
}

const CLIENT_TOKEN_CONSTRAINT: StringConstraint = {
  min: 1,
  max: 64,
  pattern: [CLIENT_TOKEN_REGEX, CLIENT_TOKEN_PATTERN]
}
const ID_CONSTRAINT: StringConstraint = { min: 1, max: 64, pattern: [ID_REGEX, ID_PATTERN] }
const NAME_CONSTRAINT: StringConstraint = { min: 1, max: 256, pattern: [NAME_REGEX, NAME_PATTERN] }
const SUB_TYPE_CONSTRAINT: StringConstraint = { min: 1, max: 32, pattern: [ID_REGEX, ID_PATTERN] }
const PAYLOAD_CONSTRAINT: StringConstraint = { min: 0, max: MAX_PAYLOAD_LENGTH }
const FUNCTION_NAME_CONSTRAINT: StringConstraint = { min: 1, max: 256 }

/**
 * The request's Smithy-model violations, rendered like the service's `ValidationException`
 * (`Value '<v>' at 'updates.<n>.member.<field>' failed to satisfy constraint: Member must ...`), or
 * `undefined` when the request is well-formed. `Id` presence and `Type` / `Action` values are left to the
 * service's own checks, whose messages the SDK and the official harnesses know.
 */
export const validateModel = (
  updates: ReadonlyArray<OperationUpdateInput>,
  clientToken: string | undefined
): ServiceError | undefined => {
  const out: Array<string> = []
  checkString(out, clientToken, undefined, "clientToken", CLIENT_TOKEN_CONSTRAINT)
  for (let index = 0; index < updates.length; index++) {
    const update = updates[index]!
    if (update.Id !== undefined && update.Id !== "") checkString(out, update.Id, index, "id", ID_CONSTRAINT)
    checkString(out, update.ParentId, index, "parentId", ID_CONSTRAINT)
    checkString(out, update.Name, index, "name", NAME_CONSTRAINT)
    checkString(out, update.SubType, index, "subType", SUB_TYPE_CONSTRAINT)
    checkString(out, update.Payload, index, "payload", PAYLOAD_CONSTRAINT, true)
    checkNumber(out, update.WaitOptions?.WaitSeconds, index, "waitOptions.waitSeconds", 1, MAX_DELAY_SECONDS)
    checkNumber(
      out,
      update.StepOptions?.NextAttemptDelaySeconds,
      index,
      "stepOptions.nextAttemptDelaySeconds",
      1,
      MAX_DELAY_SECONDS
    )
    checkNumber(
      out,
      update.CallbackOptions?.TimeoutSeconds,
      index,
      "callbackOptions.timeoutSeconds",
      0,
      MAX_CALLBACK_TIMEOUT_SECONDS
    )
    checkNumber(
      out,
      update.CallbackOptions?.HeartbeatTimeoutSeconds,
      index,
      "callbackOptions.heartbeatTimeoutSeconds",
      0,
      MAX_CALLBACK_TIMEOUT_SECONDS
    )
    if (update.ChainedInvokeOptions !== undefined) {
      const functionName = update.ChainedInvokeOptions.FunctionName
      if (functionName === undefined) {
        out.push(violation(undefined, pathOf(index, "chainedInvokeOptions.functionName"), "not be null"))
      } else {
        checkString(out, functionName, index, "chainedInvokeOptions.functionName", FUNCTION_NAME_CONSTRAINT)
      }
    }
  }
  return out.length === 0 ? undefined : Errors.validation(out)
}

// ---------------------------------------------------------------------------------------------------------------
// Service rules
// ---------------------------------------------------------------------------------------------------------------

const OPERATION_TYPES: ReadonlySet<string> = new Set([
  "EXECUTION",
  "CONTEXT",
  "STEP",
  "WAIT",
  "CALLBACK",
  "CHAINED_INVOKE"
])

const VALID_ACTIONS: Readonly<Record<Operation.OperationType, ReadonlySet<string>>> = {
  STEP: new Set(["START", "SUCCEED", "FAIL", "RETRY"]),
  CONTEXT: new Set(["START", "SUCCEED", "FAIL"]),
  WAIT: new Set(["START", "CANCEL"]),
  CALLBACK: new Set(["START", "CANCEL"]),
  CHAINED_INVOKE: new Set(["START", "CANCEL"]),
  EXECUTION: new Set(["SUCCEED", "FAIL"])
}

const invalid = Errors.invalidParameter

/** Whole-request rules: one EXECUTION update at most, and last; Ids present; no duplicates; valid parents. */
const validateRequest = (
  updates: ReadonlyArray<OperationUpdateInput>,
  existing: ReadonlyMap<string, OperationRecord>
): ServiceError | undefined => {
  const executionUpdates = updates.filter((update) => update.Type === "EXECUTION").length
  if (executionUpdates > 1) return invalid("Cannot checkpoint multiple EXECUTION updates.")
  if (executionUpdates === 1 && updates[updates.length - 1]?.Type !== "EXECUTION") {
    return invalid("EXECUTION checkpoint must be the last update.")
  }
  const started = new Map<string, OperationUpdateInput>()
  const lastSeen = new Map<string, OperationUpdateInput>()
  for (const update of updates) {
    const id = update.Id
    if (id === undefined || id === "") return invalid("Operation update must have an Id.")
    const previous = lastSeen.get(id)
    if (previous !== undefined) {
      const allowed =
        (previous.Type === "STEP" || previous.Type === "CONTEXT") &&
        previous.Action === "START" &&
        update.Action !== "START"
      if (!allowed) return invalid("Cannot update the same operation twice in a single request.")
    }
    if (update.ParentId !== undefined && update.ParentId !== "") {
      const parentUpdate = started.get(update.ParentId)
      const parentType = parentUpdate !== undefined ? parentUpdate.Type : existing.get(update.ParentId)?.Type
      if (parentType !== "CONTEXT") return invalid("Invalid parent operation id.")
    }
    if (update.Action === "START") started.set(id, update)
    lastSeen.set(id, update)
  }
  return undefined
}

const utf8Length = (text: string): number => new TextEncoder().encode(text).length

/** Metadata of an update must match the stored operation's (only the members the update supplies). */
const validateConsistency = (update: OperationUpdateInput, current: OperationRecord | undefined) => {
  if (current === undefined || update.Type === "EXECUTION") return undefined
  if (update.Type !== undefined && update.Type !== current.Type) return invalid("Inconsistent operation type.")
  if (update.SubType !== undefined && update.SubType !== current.SubType) {
    return invalid("Inconsistent operation subtype.")
  }
  if (update.Name !== undefined && update.Name !== current.Name) return invalid("Inconsistent operation name.")
  if (update.ParentId !== undefined && update.ParentId !== current.ParentId) {
    return invalid("Inconsistent parent operation id.")
  }
  return undefined
}

const closePayloadRules = (update: OperationUpdateInput): ServiceError | undefined => {
  if (update.Action === "FAIL" && update.Payload !== undefined) {
    return invalid("Cannot provide a Payload for FAIL action.")
  }
  if (update.Action === "SUCCEED" && update.Error !== undefined) {
    return invalid("Cannot provide an Error for SUCCEED action.")
  }
  return undefined
}

const validateStep = (update: OperationUpdateInput, current: OperationRecord | undefined) => {
  const status = current?.Status
  switch (update.Action) {
    case "START":
      if (current !== undefined && status !== "READY") return invalid("Invalid current STEP state to start.")
      return undefined
    case "SUCCEED":
    case "FAIL":
      if (current !== undefined && status !== "STARTED" && status !== "READY") {
        return invalid("Invalid current STEP state to close.")
      }
      return closePayloadRules(update)
    case "RETRY":
      if (current !== undefined && status !== "STARTED" && status !== "READY") {
        return invalid("Invalid current STEP state to re-attempt.")
      }
      if (update.StepOptions?.NextAttemptDelaySeconds === undefined) {
        return invalid("Invalid StepOptions for the given action.")
      }
      if (update.Error !== undefined && update.Payload !== undefined) {
        return invalid("Cannot provide both error and payload to RETRY a STEP.")
      }
      return undefined
    default:
      return invalid("Invalid STEP action.")
  }
}

const validateContext = (update: OperationUpdateInput, current: OperationRecord | undefined) => {
  switch (update.Action) {
    case "START":
      return current !== undefined ? invalid("Cannot start a CONTEXT that already exists.") : undefined
    case "SUCCEED":
    case "FAIL":
      if (current !== undefined && current.Status !== "STARTED") {
        return invalid("Invalid current CONTEXT state to close.")
      }
      return closePayloadRules(update)
    default:
      return invalid("Invalid CONTEXT action.")
  }
}

/** WAIT, CALLBACK and CHAINED_INVOKE share one shape: START on a new Id, CANCEL while STARTED. */
const validateStartCancel = (
  type: "WAIT" | "CALLBACK" | "CHAINED_INVOKE",
  update: OperationUpdateInput,
  current: OperationRecord | undefined
) => {
  switch (update.Action) {
    case "START":
      if (current !== undefined) return invalid(`Cannot start a ${type} that already exists.`)
      if (type === "WAIT" && update.WaitOptions?.WaitSeconds === undefined) {
        return invalid("Invalid WaitOptions for the given action.")
      }
      if (type === "CHAINED_INVOKE" && update.ChainedInvokeOptions?.FunctionName === undefined) {
        return invalid("FunctionName is required for CHAINED_INVOKE updates")
      }
      return undefined
    case "CANCEL":
      if (current === undefined || current.Status !== "STARTED") {
        return invalid(`Cannot cancel a ${type} that does not exist or has already completed.`)
      }
      return undefined
    default:
      return invalid(`Invalid ${type} action.`)
  }
}

const validateExecution = (update: OperationUpdateInput) => {
  switch (update.Action) {
    case "SUCCEED":
    case "FAIL":
      return closePayloadRules(update)
    default:
      return invalid("Invalid EXECUTION action.")
  }
}

const validateUpdate = (update: OperationUpdateInput, current: OperationRecord | undefined) => {
  const inconsistent = validateConsistency(update, current)
  if (inconsistent !== undefined) return inconsistent
  if (update.Error !== undefined && utf8Length(JSON.stringify(update.Error)) > MAX_ERROR_BYTES) {
    return invalid(`Error object size must be less than ${MAX_ERROR_BYTES} bytes.`)
  }
  if (update.Type === undefined || !OPERATION_TYPES.has(update.Type)) return invalid("Unknown operation type.")
  const type = update.Type as Operation.OperationType
  if (update.Action === undefined || !VALID_ACTIONS[type].has(update.Action)) {
    return invalid("Invalid action for the given operation type.")
  }
  switch (type) {
    case "STEP":
      return validateStep(update, current)
    case "CONTEXT":
      return validateContext(update, current)
    case "WAIT":
    case "CALLBACK":
    case "CHAINED_INVOKE":
      return validateStartCancel(type, update, current)
    case "EXECUTION":
      return validateExecution(update)
  }
}

/**
 * Validates a request's updates against the pre-request operations (so START+SUCCEED of a new STEP in one
 * request is legal). Returns the first violation, or `undefined` when every update may be applied.
 */
export const validateUpdates = (
  updates: ReadonlyArray<OperationUpdateInput>,
  existing: ReadonlyMap<string, OperationRecord>
): ServiceError | undefined => {
  const requestError = validateRequest(updates, existing)
  if (requestError !== undefined) return requestError
  for (const update of updates) {
    const error = validateUpdate(update, update.Id === undefined ? undefined : existing.get(update.Id))
    if (error !== undefined) return error
  }
  return undefined
}

/** Narrows updates that passed `validateUpdates`. */
export const asValid = (updates: ReadonlyArray<OperationUpdateInput>): ReadonlyArray<ValidUpdate> =>
  updates as ReadonlyArray<ValidUpdate>
