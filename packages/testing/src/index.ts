/**
 * `@durable-lambda/testing`: drive the durable handler you deploy through simulated invocations on virtual
 * time, on backend-mock's model of the Lambda durable-execution service.
 *
 * - `LocalDurableTestRunner`: the official testing library's API (port tests by changing the import).
 * - `CloudDurableTestRunner`: the same API against a deployed function (or the loopback endpoint).
 * - `TestRunner`: the Effect-native entry (`TestRunner.run(handler)` as an Effect, `TestRunner.layer`).
 * - `History`: service-format history, the conformance matcher, golden-file normalisation.
 * - `Conformance`: run the public conformance requirements as golden tests.
 * - `Determinism`: replay-every-prefix determinism check.
 * - `Faults`: seeded fault schedules and N-seed invariant checks.
 * - `Callbacks`: scripted external systems answering callbacks.
 * - `Timeline`: the timeline and cost summary `print()` shows.
 *
 * @since 0.1.0
 */
export * as Callbacks from "./Callbacks.ts"
export * as Conformance from "./Conformance.ts"
export * as Determinism from "./Determinism.ts"
export * as Faults from "./Faults.ts"
export * as History from "./History.ts"
export * as TestExecution from "./TestExecution.ts"
export * as TestRunner from "./TestRunner.ts"
export * as Timeline from "./Timeline.ts"
export * as VirtualClock from "./VirtualClock.ts"
export {
  CloudDurableTestRunner,
  type CloudDurableTestRunnerConfig,
  type CloudDurableTestRunnerParameters
} from "./CloudDurableTestRunner.ts"
export type { DurableTestRunner, InvokeRequest } from "./DurableTestRunner.ts"
export type { Operation, WireOperation } from "./Wire.ts"
export {
  type HistoryListener,
  LocalDurableTestRunner,
  type LocalDurableTestRunnerParameters,
  type LocalDurableTestRunnerSetupParameters
} from "./LocalDurableTestRunner.ts"
export {
  type CallbackDetails,
  type ChainedInvokeDetails,
  type ContextDetails,
  DurableOperation,
  ExecutionStatus,
  type Invocation,
  InvocationType,
  OperationStatus,
  OperationType,
  type RunStatus,
  type SendCallbackResponse,
  type StepDetails,
  TestResult,
  type TestResultError,
  WaitingOperationStatus,
  type WaitResultDetails
} from "./TestExecution.ts"
