/**
 * Our SDK over the bench service: `withDurableExecution(body, { backend, checkpointing })`, the backend being
 * the service's `DurableBackend` (every call answered on the next event-loop turn).
 */
import { DurableBackend } from "@durable-lambda/core"
import { withDurableExecution } from "@durable-lambda/core/async"
import { Layer } from "effect"
import { lambdaContext, type Binder } from "./adapters.ts"
import type { InvocationOutput } from "./service.ts"

export const bind: Binder = (body, checkpointing, service) => {
  const backend = Layer.succeed(DurableBackend.DurableBackend, service.backend)
  const handler = withDurableExecution(body, { backend, checkpointing })
  return (event) => handler(event, lambdaContext()) as Promise<InvocationOutput>
}
