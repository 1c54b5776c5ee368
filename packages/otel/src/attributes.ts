/**
 * The span attributes the plugin writes (all under `durable.`), as the durable-execution OpenTelemetry
 * conformance requirements name them.
 *
 * @since 0.1.0
 */
export const Attributes = {
  /** Every span: the execution's ARN. */
  EXECUTION_ARN: "durable.execution.arn",
  /** `Workflow`: `SUCCEEDED` or `FAILED`. */
  EXECUTION_STATUS: "durable.execution.status",
  /** `Invocation`: whether this is the execution's first invocation. */
  INVOCATION_FIRST: "durable.invocation.first",
  /** `Invocation`: `SUCCEEDED`, `FAILED`, `PENDING` or `RETRYING`. */
  INVOCATION_STATUS: "durable.invocation.status",
  /** Operation and attempt spans: the operation's wire id. */
  OPERATION_ID: "durable.operation.id",
  /** Operation and attempt spans: `STEP`, `WAIT`, `CALLBACK`, `CHAINED_INVOKE`, `CONTEXT`. */
  OPERATION_TYPE: "durable.operation.type",
  /** Operation and attempt spans: `Step`, `Wait`, `Map`, `MapIteration`, ... */
  OPERATION_SUBTYPE: "durable.operation.subtype",
  /** Operation and attempt spans: the operation's name (absent for unnamed operations). */
  OPERATION_NAME: "durable.operation.name",
  /** Operation and attempt spans: the operation's status when the span ended. */
  OPERATION_STATUS: "durable.operation.status",
  /** Operation and attempt spans: the (1-based) attempt number, for operations with attempts. */
  ATTEMPT_NUMBER: "durable.attempt.number",
  /** Attempt spans: `SUCCEEDED` or `FAILED`. */
  ATTEMPT_OUTCOME: "durable.attempt.outcome"
} as const
