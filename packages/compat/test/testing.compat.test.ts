/**
 * `@durable-lambda/testing` against `@aws/durable-execution-sdk-js-testing` 1.1.4: every export of the official
 * testing library exists here, runtime values carry the same members and values, and the types users touch
 * are assignable in the direction they flow (results and operations ours → official, so helpers typed with
 * the official types accept ours; parameters and configs official → ours, so existing call sites compile).
 * Deliberate differences: DIFFERENCES-testing.md.
 */
import * as Official from "@aws/durable-execution-sdk-js-testing"
import * as Ours from "@durable-lambda/testing"
import { describe, expect, it } from "vitest"

/** Compile-time: `A` is assignable to `B`. */
type Assignable<A, B> = [A] extends [B] ? true : false
const check = <T extends true>(): T => true as T

/**
 * The official `DurableOperation` with `getSubType()` read as a string: the official return type is a TS
 * `enum` (`OperationSubType`) that no other package can produce (DIFFERENCES-testing.md). Everything else is
 * checked as declared.
 */
type OfficialOperation<T = any> = Omit<
  Official.DurableOperation<T>,
  "getSubType" | "waitForData" | "getChildOperations"
> & {
  getSubType(): string | undefined
  waitForData(status?: Official.WaitingOperationStatus): Promise<OfficialOperation<T>>
  getChildOperations(): Array<OfficialOperation> | undefined
}
type OfficialResult<T> = Omit<Official.TestResult<T>, "getOperations"> & {
  getOperations(params?: { status: Official.OperationStatus }): Array<OfficialOperation>
}
type OfficialRunner<T> = {
  run(params?: Official.InvokeRequest): Promise<OfficialResult<T>>
  getOperation(name: string): OfficialOperation
  getOperationByIndex(index: number): OfficialOperation
  getOperationByNameAndIndex(name: string, index: number): OfficialOperation
  getOperationById(id: string): OfficialOperation
}

// ---------------------------------------------------------------------------------------------------------
// Every type-only export of the official package exists here under the same name.
// ---------------------------------------------------------------------------------------------------------
export type TypeExports = [
  Ours.LocalDurableTestRunnerParameters,
  Ours.LocalDurableTestRunnerSetupParameters,
  Ours.CloudDurableTestRunnerConfig,
  Ours.CloudDurableTestRunnerParameters,
  Ours.InvokeRequest,
  Ours.Invocation,
  Ours.DurableTestRunner<Ours.DurableOperation, unknown>,
  Ours.TestResultError,
  Ours.TestResult,
  Ours.DurableOperation,
  Ours.ContextDetails,
  Ours.StepDetails,
  Ours.CallbackDetails,
  Ours.ChainedInvokeDetails,
  Ours.WaitResultDetails,
  Ours.Operation,
  Ours.WireOperation,
  Ours.ExecutionStatus,
  Ours.InvocationType,
  Ours.OperationStatus,
  Ours.OperationType,
  Ours.WaitingOperationStatus
]

// ---------------------------------------------------------------------------------------------------------
// Values: ours → official where results flow to user code.
// ---------------------------------------------------------------------------------------------------------
// Ours has DELETING / PAUSED / PAUSING on top (DIFFERENCES-testing.md); what a run reports fits the official type.
check<Assignable<Ours.RunStatus, Official.ExecutionStatus>>()
check<Assignable<Official.ExecutionStatus, Ours.ExecutionStatus>>()
check<Assignable<Ours.InvocationType, Official.InvocationType>>()
check<Assignable<Official.InvocationType, Ours.InvocationType>>()
check<Assignable<Ours.OperationStatus, Official.OperationStatus>>()
check<Assignable<Official.OperationStatus, Ours.OperationStatus>>()
check<Assignable<Ours.OperationType, Official.OperationType>>()
check<Assignable<Official.OperationType, Ours.OperationType>>()
check<Assignable<Official.WaitingOperationStatus, Ours.WaitingOperationStatus>>()

check<Assignable<Ours.TestResultError, Official.TestResultError>>()
check<Assignable<Ours.Invocation, Official.Invocation>>()
check<Assignable<Ours.StepDetails<number>, Official.StepDetails<number>>>()
check<Assignable<Ours.ContextDetails<number>, Official.ContextDetails<number>>>()
check<Assignable<Ours.CallbackDetails<number>, Official.CallbackDetails<number>>>()
check<Assignable<Ours.ChainedInvokeDetails<number>, Official.ChainedInvokeDetails<number>>>()
check<Assignable<Ours.WaitResultDetails, Official.WaitResultDetails>>()
check<Assignable<Ours.Operation, Official.Operation>>()
check<Assignable<Official.Operation, Ours.Operation>>()
check<Assignable<Ours.WireOperation, Official.WireOperation>>()
check<Assignable<Official.WireOperation, Ours.WireOperation>>()
check<Assignable<Ours.TestResult<number>, OfficialResult<number>>>()
check<Assignable<Ours.DurableOperation<number>, OfficialOperation<number>>>()
check<Assignable<Ours.LocalDurableTestRunner<number>, OfficialRunner<number>>>()
check<Assignable<Ours.CloudDurableTestRunner<number>, OfficialRunner<number>>>()
check<Assignable<Ours.LocalDurableTestRunner<number>, Ours.DurableTestRunner<Ours.DurableOperation, number>>>()

// ---------------------------------------------------------------------------------------------------------
// Parameters and configs: official → ours, so existing call sites compile.
// ---------------------------------------------------------------------------------------------------------
check<Assignable<Official.InvokeRequest, Ours.InvokeRequest>>()
check<Assignable<Official.LocalDurableTestRunnerSetupParameters, Ours.LocalDurableTestRunnerSetupParameters>>()
check<Assignable<Official.CloudDurableTestRunnerConfig, Ours.CloudDurableTestRunnerConfig>>()
check<Assignable<Official.CloudDurableTestRunnerParameters, Ours.CloudDurableTestRunnerParameters>>()

/** The official runner's call shapes compile against ours. */
export const callSites = async (handler: Ours.LocalDurableTestRunnerParameters["handlerFunction"]) => {
  await Ours.LocalDurableTestRunner.setupTestEnvironment({ skipTime: true, checkpointDelay: 0 })
  const runner = new Ours.LocalDurableTestRunner<{ ok: boolean }>({ handlerFunction: handler })
  const result: OfficialResult<{ ok: boolean }> = await runner.run({ payload: { id: 1 } })
  const op: OfficialOperation<string> = runner.getOperation<string>("approval")
  await op.waitForData(Official.WaitingOperationStatus.STARTED)
  await Ours.LocalDurableTestRunner.teardownTestEnvironment()
  const cloud = new Ours.CloudDurableTestRunner<{ ok: boolean }>({
    functionName: "fn:$LATEST",
    config: { pollInterval: 100, invocationType: Official.InvocationType.Event }
  })
  const reset: () => void = cloud.reset.bind(cloud)
  return { result, op, reset }
}

describe("@durable-lambda/testing exports the official testing library's surface", () => {
  it("every runtime export of the official package exists here", () => {
    const missing = Object.keys(Official).filter((name) => !(name in Ours))
    expect(missing).toEqual([])
  })

  it("enums carry every official member with the same value", () => {
    for (const name of [
      "ExecutionStatus",
      "InvocationType",
      "OperationStatus",
      "OperationType",
      "WaitingOperationStatus"
    ] as const) {
      expect({ name, values: { ...(Ours[name] as object) } }).toEqual({
        name,
        values: expect.objectContaining({ ...(Official[name] as object) })
      })
    }
  })

  it("runner statics match", () => {
    for (const name of ["setupTestEnvironment", "teardownTestEnvironment"] as const) {
      expect(typeof Ours.LocalDurableTestRunner[name]).toBe("function")
    }
  })
})
