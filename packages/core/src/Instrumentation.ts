/**
 * Hooks the engine calls at points a harness or a telemetry layer wants to see. Nothing is called unless a
 * program provides them, so the default costs nothing.
 *
 * **When to use**: test harnesses (the fault checker of `@durable-lambda/testing` uses `onStepAttempt` to prove
 * that no at-most-once step body ran twice for the same attempt), metrics, tracing.
 *
 * **Gotchas**: hooks run synchronously on the engine's path: keep them cheap and never throw.
 *
 * @since 0.1.0
 */
import { Context } from "effect"
import type { StepSemantics } from "./Step.ts"

/** A step body about to run one attempt. @since 0.1.0 */
export interface StepAttempt {
  readonly executionArn: string
  /** The wire id of the step. */
  readonly operationId: string
  /** The raw id of the step (for example `"2-1"`). */
  readonly rawId: string
  readonly name: string | undefined
  /** 1-based attempt number, as the retry strategy sees it. */
  readonly attempt: number
  readonly semantics: StepSemantics
}

/** The hooks. Every member is optional. @since 0.1.0 */
export interface Hooks {
  /** Called right before a step body runs an attempt (after its START is durable for at-most-once steps). */
  readonly onStepAttempt?: (attempt: StepAttempt) => void
}

/**
 * The hooks in effect (a `Context.Reference`, default: none). Provide with
 * `Effect.provideService(Instrumentation.Instrumentation, { onStepAttempt })`.
 *
 * @since 0.1.0
 */
export const Instrumentation = Context.Reference<Hooks>("@durable-lambda/core/Instrumentation", {
  defaultValue: () => ({})
})
