/**
 * The runner contract shared by `LocalDurableTestRunner` and `CloudDurableTestRunner` (official
 * `DurableTestRunner`), so a test file can run locally or against a deployed function by switching the
 * runner it constructs.
 *
 * @since 0.1.0
 */
import type { TestResult } from "./TestExecution.ts"

/**
 * Parameters of `run()` (official `InvokeRequest`).
 *
 * @since 0.1.0
 */
export interface InvokeRequest {
  /** The execution input (JSON-serialized; absent gives `{}`). */
  readonly payload?: unknown
}

/**
 * What every runner offers: start an execution, and handles on its operations.
 *
 * @since 0.1.0
 */
export interface DurableTestRunner<TDurableOperation, ResultType> {
  /** Starts an execution with `params.payload` and resolves once it is terminal. */
  run(params?: InvokeRequest): Promise<TestResult<ResultType>>
  /** Handle on the first operation named `name` of the latest run (lazy, live). */
  getOperation(name: string): TDurableOperation
  /** Handle on the `index`-th operation of the latest run. */
  getOperationByIndex(index: number): TDurableOperation
  /** Handle on the `index`-th operation named `name`. */
  getOperationByNameAndIndex(name: string, index: number): TDurableOperation
  /** Handle by operation Id. */
  getOperationById(id: string): TDurableOperation
}
