/**
 * Human approval: an expense claim waits for the manager's decision. The workflow sends the approval request
 * with a callback id and suspends (no compute is billed while the manager thinks); the manager's answer
 * completes the callback and Lambda invokes the function again.
 *
 * - Approved (`SendDurableExecutionCallbackSuccess` with `{"approvedBy": "..."}`): reimburse (retried on
 *   transient payroll errors), notify, `PAID`.
 * - Rejected (`SendDurableExecutionCallbackFailure` carrying an encoded `ApprovalRejected` as `ErrorData`):
 *   decoded into the typed `ApprovalRejected`, notify, `REJECTED`.
 * - No answer within 48 hours (`CallbackTimeoutError`): notify, `EXPIRED`.
 *
 * `handler` is exported exactly as it is deployed; `makeHandler` builds the same workflow over any services.
 */
import {
  CallbackExternalError,
  CallbackTimeoutError,
  createRetryStrategy,
  withDurableExecution
} from "@durable-lambda/backend-aws"
import { Option, Schema } from "effect"
import { httpServices, type ExpenseClaim, type Services } from "./services.ts"

export type { ExpenseClaim, Services } from "./services.ts"

/** The manager's approval: the JSON body of `SendDurableExecutionCallbackSuccess`. */
export const Approval = Schema.Struct({ approvedBy: Schema.String })
export type Approval = typeof Approval.Type

/**
 * The manager's rejection. The approvals service reports it with `SendDurableExecutionCallbackFailure`, the
 * reason as `ErrorMessage` and this error, Schema-encoded, as `ErrorData`:
 * `{"_tag":"ApprovalRejected","reason":"over budget","rejectedBy":"bo"}`. `ErrorData` travels unchanged
 * through the callback and the waitForCallback context (the caller's `ErrorType` does not: the context records
 * `CallbackExternalError`), so the workflow decodes the typed rejection from it, on the first run and on replay.
 */
export class ApprovalRejected extends Schema.TaggedError<ApprovalRejected>()("ApprovalRejected", {
  reason: Schema.String,
  rejectedBy: Schema.String
}) {
  /** The `ErrorData` the approvals service sends. */
  static errorData(rejection: ApprovalRejected): string {
    return JSON.stringify(Schema.encodeSync(ApprovalRejected)(rejection))
  }

  /** The typed rejection a failed `waitForCallback` carries, if it is one. */
  static fromCallbackFailure(error: unknown): ApprovalRejected | undefined {
    // waitForCallback (async API) rejects with the CallbackExternalError itself, as the official SDK 2.4.0 does.
    const failure = error
    if (!(failure instanceof CallbackExternalError) || failure.errorData === undefined) return undefined
    const decoded = Schema.decodeUnknownOption(Schema.fromJsonString(ApprovalRejected))(failure.errorData)
    return Option.getOrUndefined(decoded)
  }
}

export type ClaimOutcome =
  | { readonly status: "PAID"; readonly paymentId: string; readonly approvedBy: string }
  | { readonly status: "REJECTED"; readonly reason: string; readonly rejectedBy: string }
  | { readonly status: "EXPIRED" }

/** The approval's body was not an `Approval`: the execution fails with this error instead of trusting it. */
export class MalformedApproval extends Schema.TaggedError<MalformedApproval>()("MalformedApproval", {
  message: Schema.String
}) {}

const decodeApproval = Schema.decodeUnknownOption(Schema.fromJsonString(Approval))

export const makeHandler = (services: Services) =>
  withDurableExecution(async (claim: ExpenseClaim, context): Promise<ClaimOutcome> => {
    let answer: string
    try {
      answer = await context.waitForCallback(
        "manager-approval",
        async (callbackId) => services.requestApproval(claim, callbackId),
        { timeout: { hours: 48 } }
      )
    } catch (error) {
      const rejected = ApprovalRejected.fromCallbackFailure(error)
      if (rejected !== undefined) {
        await context.step("notify-employee", async () =>
          services.notify(
            claim.employee,
            `Claim ${claim.claimId} rejected by ${rejected.rejectedBy}: ${rejected.reason}`
          )
        )
        return { status: "REJECTED", reason: rejected.reason, rejectedBy: rejected.rejectedBy }
      }
      if (error instanceof CallbackTimeoutError) {
        await context.step("notify-employee", async () =>
          services.notify(claim.employee, `Claim ${claim.claimId} expired: no decision within 48 hours`)
        )
        return { status: "EXPIRED" }
      }
      throw error
    }
    // The raw answer is recorded, so decoding it here gives the same result on every replay.
    const approval = Option.getOrElse(decodeApproval(answer), () => {
      throw new MalformedApproval({ message: `not an approval: ${answer}` })
    })

    const paymentId = await context.step(
      "reimburse",
      async () => services.reimburse(claim, `reimburse-${claim.claimId}`),
      { retryStrategy: createRetryStrategy({ maxAttempts: 5, initialDelay: { seconds: 30 }, jitter: "NONE" }) }
    )
    await context.step("notify-employee", async () =>
      services.notify(claim.employee, `Claim ${claim.claimId} approved by ${approval.approvedBy}: paid (${paymentId})`)
    )
    return { status: "PAID", paymentId, approvedBy: approval.approvedBy }
  })

/** The deployed handler. */
export const handler = makeHandler(httpServices(process.env))
