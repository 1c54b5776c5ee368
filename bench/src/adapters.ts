/**
 * Both SDKs' Lambda handlers over the bench's `BenchService`, loaded on demand so a measuring process only
 * ever loads the SDK it measures: ours through a `DurableBackend` layer (`withDurableExecution(fn,
 * { backend })`, `bind-ours.ts`), the official one through its public `durableExecutionClient` option
 * (`bind-theirs.ts`).
 */
import type { BenchService, InvocationOutput } from "./service.ts"

export type Sdk = "ours" | "theirs"
export type Checkpointing = "eager" | "batched" | "optimistic"

/** A workflow body written once against the async API both SDKs share. */
export type Body = (event: any, context: any) => Promise<unknown>

/** A handler built once (as in a warm Lambda container) over one service; every execution goes through it. */
export type BoundHandler = (event: unknown) => Promise<InvocationOutput>

export type Binder = (body: Body, checkpointing: Checkpointing, service: BenchService) => BoundHandler

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

export const loadBinder = async (sdk: Sdk): Promise<Binder> =>
  sdk === "ours" ? (await import("./bind-ours.ts")).bind : (await import("./bind-theirs.ts")).bind
