/**
 * The official SDK over the bench service, through its public `durableExecutionClient` option (a
 * `DurableExecutionClient`: `getExecutionState` and `checkpoint`, the same two calls the Lambda API offers).
 * Every call answers on a later macrotask (`setImmediate`), like a network response with no latency.
 */
import { withDurableExecution, type DurableExecutionClient } from "@aws/durable-execution-sdk-js"
import { lambdaContext, serviceSlot, type Binder } from "./adapters.ts"
import type { InvocationOutput, RecordingService } from "./service.ts"

const later = <A>(f: () => A): Promise<A> =>
  new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(f())
      } catch (error) {
        reject(error)
      }
    })
  )

type StateResponse = Awaited<ReturnType<DurableExecutionClient["getExecutionState"]>>
type CheckpointResponse = Awaited<ReturnType<DurableExecutionClient["checkpoint"]>>

export const bind: Binder = (body) => {
  const slot = serviceSlot()
  const client: DurableExecutionClient = {
    getExecutionState: (params) =>
      later(() => slot.get().getExecutionState(params, "date") as unknown as StateResponse),
    checkpoint: (params) =>
      later(
        () =>
          slot
            .get()
            .checkpoint(
              params as Parameters<RecordingService["checkpoint"]>[0],
              "date"
            ) as unknown as CheckpointResponse
      )
  }
  const handler = withDurableExecution(body, { durableExecutionClient: client })
  return {
    use: slot.set,
    invoke: (event) => handler(event as any, lambdaContext() as any) as Promise<InvocationOutput>
  }
}
