/**
 * The external actors of a simulation: scripted callback responders (they answer a callback once its
 * CallbackStarted appears) and chained-invoke targets (a registered durable function runs as its own
 * execution on the same service and clock; a plain function is called and its value or error completes the
 * invoke; an unknown function fails it with `ResourceNotFoundException`).
 *
 * @internal
 */
import { ServiceDriver, type ServiceState } from "@durable-lambda/backend-mock"
import type { Operation } from "@durable-lambda/core"
import { Result } from "effect"
import type { Kernel } from "./kernel.ts"
import { bareName, type ExecutionRun, type Registered } from "./records.ts"

const safeJson = (text: string | undefined): unknown => {
  if (text === undefined) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * The name a script addresses a callback by: its own name, or for the unnamed callback inside a
 * `waitForCallback`, the name of the enclosing WaitForCallback context (what the user wrote).
 */
const callbackName = (state: ServiceState.ServiceState, arn: string, event: ServiceState.HistoryEvent) => {
  if (event.Name !== undefined || event.ParentId === undefined) return event.Name
  const parent = state.operation(arn, event.ParentId)
  return parent?.SubType === "WaitForCallback" ? parent.Name : undefined
}

/** Plugs the callback responders and the invoke targets into `kernel`. */
export const install = (kernel: Kernel): void => {
  const responded = new Set<string>()
  kernel.hooks.callbackStarted = (exec, event) => onCallbackStarted(kernel, responded, exec, event)
  kernel.hooks.chainedInvokeStarted = (exec, event) => onChainedInvokeStarted(kernel, exec, event)
}

const onCallbackStarted = (
  kernel: Kernel,
  responded: Set<string>,
  exec: ExecutionRun,
  event: ServiceState.HistoryEvent
): void => {
  const details = (event as ServiceState.HistoryEventOf<"CallbackStarted">).CallbackStartedDetails
  const callbackId = details.CallbackId
  if (responded.has(callbackId)) return
  const state = kernel.state
  for (const script of kernel.options.callbackActions) {
    const first = script[0]
    if (first === undefined) continue
    if (first.name !== undefined && first.name !== "*" && first.name !== callbackName(state, exec.arn, event)) continue
    responded.add(callbackId)
    let delay = 0
    for (const action of script) {
      delay += action.delayMillis ?? 0
      kernel.schedule(delay, () => {
        const result =
          action.operation === "success"
            ? state.sendCallbackSuccess(callbackId, action.payload as string | undefined)
            : action.operation === "failure"
              ? state.sendCallbackFailure(callbackId, action.payload as Operation.ErrorObject | undefined)
              : state.sendCallbackHeartbeat(callbackId)
        // A closed callback answers CallbackTimeoutException, as the service would: reported, not dropped.
        if (Result.isFailure(result)) {
          kernel.rejectedCallbackAnswers.push({
            callbackId,
            name: first.name,
            operation: action.operation,
            at: new Date(kernel.now()),
            errorCode: result.failure.code,
            errorMessage: result.failure.message
          })
        }
        kernel.scan(exec)
      })
    }
    return
  }
}

const lookup = (kernel: Kernel, name: string): Registered | undefined => {
  const fns = kernel.options.functions
  return fns.get(name) ?? fns.get(bareName(name)) ?? fns.get(`${bareName(name)}:$LATEST`)
}

const onChainedInvokeStarted = (kernel: Kernel, exec: ExecutionRun, event: ServiceState.HistoryEvent): void => {
  const details = (event as ServiceState.HistoryEventOf<"ChainedInvokeStarted">).ChainedInvokeStartedDetails
  const operationId = event.Id!
  const name = details.FunctionName
  const registered = lookup(kernel, name)
  const payload = details.Input.Payload
  if (registered === undefined) {
    kernel.completeInvoke(exec, operationId, {
      error: {
        ErrorType: "ResourceNotFoundException",
        ErrorMessage: `Function not found: ${name}. Register it with registerFunction / registerDurableFunction.`
      }
    })
    return
  }
  if (registered._tag === "Durable") {
    // Start the child under the ARN ChainedInvokeStarted announced (name and id; the qualifier is always
    // $LATEST in backend-mock's startExecution).
    const announced = /\/durable-execution\/([^/]+)\/([^/]+)$/.exec(details.DurableExecutionArn)
    kernel.forcedId = announced?.[2]
    const started = kernel.state.startExecution({
      functionName: bareName(name),
      ...(announced !== null ? { executionName: announced[1] } : {}),
      ...(payload !== undefined ? { input: payload } : {}),
      ...(registered.executionTimeoutSeconds !== undefined
        ? { timeoutSeconds: registered.executionTimeoutSeconds }
        : {})
    })
    kernel.forcedId = undefined
    const child = kernel.addExecution(started.durableExecutionArn, registered.target, { arn: exec.arn, operationId })
    kernel.hooks.startInvocation(child, started)
    return
  }
  kernel.inflight++
  const context = { functionName: bareName(name), awsRequestId: `${operationId}-invoke` }
  void Promise.resolve()
    .then(() => registered.fn(safeJson(payload) ?? {}, context))
    .then(
      (value) => {
        const result = value === undefined ? undefined : JSON.stringify(value)
        kernel.completeInvoke(exec, operationId, { result })
      },
      (error) => {
        kernel.completeInvoke(exec, operationId, { error: ServiceDriver.errorObjectOf(error) })
      }
    )
    .finally(() => {
      kernel.inflight--
      kernel.scan(exec)
      kernel.notify()
      kernel.wake()
    })
}
