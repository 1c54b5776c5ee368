/**
 * Both SDKs' Lambda handlers over the bench's `RecordingService`, loaded on demand so a measuring process
 * only ever loads the SDK it measures: ours through a `DurableBackend` layer (`withDurableExecution(fn,
 * { backend })`, `bind-ours.ts`), the official one through its public `durableExecutionClient` option
 * (`bind-theirs.ts`).
 */
import type { InvocationOutput, RecordingService } from "./service.ts"

export type Sdk = "ours" | "theirs"
export type Checkpointing = "eager" | "batched" | "optimistic"

/** A workflow body written once against the async API both SDKs share. */
export type Body = (event: any, context: any) => Promise<unknown>

/** A handler built once (as in a warm Lambda container) whose service can be swapped per execution. */
export interface BoundHandler {
  use(service: RecordingService): void
  invoke(event: unknown): Promise<InvocationOutput>
}

export type Binder = (body: Body, checkpointing: Checkpointing) => BoundHandler

/** What Lambda passes as the handler's second argument. */
export const lambdaContext = () => ({
  awsRequestId: "00000000-0000-4000-8000-000000000000",
  functionName: "bench",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:bench",
  memoryLimitInMB: "1024",
  logGroupName: "/aws/lambda/bench",
  logStreamName: "bench",
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 900_000,
  done: () => {},
  fail: () => {},
  succeed: () => {}
})

/** A swappable service slot. */
export const serviceSlot = () => {
  let service: RecordingService | undefined
  return {
    set: (s: RecordingService) => {
      service = s
    },
    get: (): RecordingService => {
      if (service === undefined) throw new Error("no service bound to the handler")
      return service
    }
  }
}

export const loadBinder = async (sdk: Sdk): Promise<Binder> =>
  sdk === "ours" ? (await import("./bind-ours.ts")).bind : (await import("./bind-theirs.ts")).bind
