import { assert, describe, it } from "@effect/vitest"
import { withDurableExecution } from "@durable-lambda/backend-aws"
import { Effect } from "effect"
import * as RestProtocol from "../src/RestProtocol.ts"
import * as Loopback from "./utils/LoopbackServer.ts"

const arn = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/e/1"

/** An invocation event whose state has a second page, so the handler calls GetDurableExecutionState first. */
const pagedEvent = {
  DurableExecutionArn: arn,
  CheckpointToken: "token-0",
  InitialExecutionState: {
    Operations: [{ Id: "exec", Type: "EXECUTION", Status: "STARTED", ExecutionDetails: { InputPayload: "{}" } }],
    NextMarker: "page-2"
  }
}

/** The same event with all of its state inline: the first service call is the step's checkpoint. */
const inlineEvent = {
  ...pagedEvent,
  InitialExecutionState: { Operations: pagedEvent.InitialExecutionState.Operations }
}

const err = (errorType: string, message: string, status?: number) =>
  RestProtocol.renderError({ errorType, message, ...(status === undefined ? {} : { status }) })

/** What the handler ends with: its output, or the tag and message of the invocation error it threw. */
const invokeAgainst = (reply: RestProtocol.HttpResponse, event: unknown) =>
  Effect.gen(function* () {
    const server = yield* Loopback.start
    server.reply(reply)
    const client = yield* Loopback.clientFor(server.endpoint)
    const handler = withDurableExecution(async (_: unknown, ctx) => ctx.step("s", async () => 1), { client })
    const outcome = yield* Effect.promise(() =>
      handler(event, { awsRequestId: "r1" }).then(
        (output) => ({ output }),
        (error: { _tag?: string; message?: string }) => ({ thrown: `${error._tag}: ${error.message}` })
      )
    )
    const calls = server.requests.map((r) => r.match?.operation)
    return { outcome, calls }
  })

describe("GetDurableExecutionState errors are classified like checkpoint errors", () => {
  const cases = [
    { name: "502 KMSAccessDeniedException", reply: err("KMSAccessDeniedException", "KMS access denied") },
    { name: "400 InvalidParameterValueException", reply: err("InvalidParameterValueException", "Invalid marker", 400) }
  ]
  for (const { name, reply } of cases) {
    it.live(`${name}: fails the execution from either call (not retried as an invocation error)`, () =>
      Effect.gen(function* () {
        const load = yield* Effect.scoped(invokeAgainst(reply, pagedEvent))
        const checkpoint = yield* Effect.scoped(invokeAgainst(reply, inlineEvent))
        assert.strictEqual(load.calls[0], "GetDurableExecutionState")
        assert.strictEqual(checkpoint.calls[0], "CheckpointDurableExecution")
        const errorOf = (o: typeof load.outcome) =>
          "output" in o && o.output.Status === "FAILED" ? o.output.Error : { ErrorType: JSON.stringify(o) }
        assert.strictEqual(errorOf(checkpoint.outcome)?.ErrorType, "CheckpointUnrecoverableExecutionError")
        assert.strictEqual(errorOf(load.outcome)?.ErrorType, "CheckpointUnrecoverableExecutionError")
        assert.match(
          errorOf(load.outcome)?.ErrorMessage ?? "",
          /^\[Unrecoverable Execution\] Failed to load execution state: /
        )
      })
    )
  }

  it.live("503 from GetDurableExecutionState stays an invocation error (the service invokes again)", () =>
    Effect.gen(function* () {
      const load = yield* Effect.scoped(invokeAgainst(err("ServiceException", "try again", 503), pagedEvent))
      assert.isTrue("thrown" in load.outcome)
      assert.match("thrown" in load.outcome ? load.outcome.thrown : "", /^CheckpointUnrecoverableInvocationError: /)
    })
  )
})
