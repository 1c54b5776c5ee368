/**
 * The official SDK over the bench service, through its public `durableExecutionClient` option: the
 * service's `DurableExecutionClient` (`getExecutionState` and `checkpoint`, the same two calls the Lambda API
 * offers, every call answered on the next event-loop turn).
 */
import { withDurableExecution } from "@aws/durable-execution-sdk-js"
import { lambdaContext, type Binder } from "./adapters.ts"
import type { InvocationOutput } from "./service.ts"

export const bind: Binder = (body, _checkpointing, service) => {
  const handler = withDurableExecution(body, { durableExecutionClient: service.client })
  return (event) => handler(event as any, lambdaContext() as any) as Promise<InvocationOutput>
}
