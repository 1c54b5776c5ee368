/**
 * Both SDKs' Lambda handlers over the bench's `BenchService`, loaded on demand so a measuring process only
 * ever loads the SDK it measures: ours through a `DurableBackend` layer (`withDurableExecution(fn,
 * { backend })`, `bind-ours.ts`), the official one through its public `durableExecutionClient` option
 * (`bind-theirs.ts`).
 */
import { ServiceDriver } from "@durable-lambda/backend-mock"
import type { BenchService, InvocationOutput } from "./service.ts"

export type Sdk = "ours" | "theirs"
export type Checkpointing = "eager" | "batched" | "optimistic"

/** A workflow body written once against the async API both SDKs share. */
export type Body = (event: any, context: any) => Promise<unknown>

/** A handler built once (as in a warm Lambda container) over one service; every execution goes through it. */
export type BoundHandler = (event: unknown) => Promise<InvocationOutput>

export type Binder = (body: Body, checkpointing: Checkpointing, service: BenchService) => BoundHandler

/** What Lambda passes as the handler's second argument (backend-mock's `ServiceDriver.lambdaContext`). */
export const lambdaContext = () =>
  ServiceDriver.lambdaContext({
    functionName: "bench",
    requestId: "00000000-0000-4000-8000-000000000000",
    memoryMB: 1024,
    logStreamName: "bench",
    remainingMillis: () => 900_000
  })

export const loadBinder = async (sdk: Sdk): Promise<Binder> =>
  sdk === "ours" ? (await import("./bind-ours.ts")).bind : (await import("./bind-theirs.ts")).bind
