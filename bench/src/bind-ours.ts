/**
 * Our SDK over the bench service: `withDurableExecution(body, { backend, checkpointing })`. Every call answers
 * on a later macrotask (`setImmediate`), like a network response with no latency.
 */
import { DurableBackend, type Operation } from "@durable-lambda/core"
import { withDurableExecution } from "@durable-lambda/core/async"
import { Effect, Layer } from "effect"
import { lambdaContext, serviceSlot, type Binder } from "./adapters.ts"
import type { InvocationOutput, WirePage } from "./service.ts"

const later = <A>(f: () => A): Effect.Effect<A> =>
  Effect.callback<A>((resume) => {
    const handle = setImmediate(() => resume(Effect.sync(f)))
    return Effect.sync(() => clearImmediate(handle))
  })

// The service renders `Date` timestamps for SDK clients, which is what a `DurableBackend` returns.
const operations = (page: WirePage): ReadonlyArray<Operation.Operation> =>
  page.Operations as unknown as ReadonlyArray<Operation.Operation>

export const bind: Binder = (body, checkpointing) => {
  const slot = serviceSlot()
  const backend = Layer.succeed(DurableBackend.DurableBackend, {
    checkpoint: (request) =>
      later(() => {
        const response = slot
          .get()
          .checkpoint(
            { CheckpointToken: request.checkpointToken, Updates: request.updates, ClientToken: request.clientToken },
            "date"
          )
        return {
          checkpointToken: response.CheckpointToken,
          newExecutionState: { Operations: operations(response.NewExecutionState) }
        }
      }),
    getExecutionState: (request) =>
      later(() => {
        const page = slot
          .get()
          .getExecutionState(
            { CheckpointToken: request.checkpointToken, Marker: request.marker, MaxItems: request.maxItems },
            "date"
          )
        return page.NextMarker === undefined
          ? { Operations: operations(page) }
          : { Operations: operations(page), NextMarker: page.NextMarker }
      })
  })
  const handler = withDurableExecution(body, { backend, checkpointing })
  return {
    use: slot.set,
    invoke: (event) => handler(event, lambdaContext()) as Promise<InvocationOutput>
  }
}
