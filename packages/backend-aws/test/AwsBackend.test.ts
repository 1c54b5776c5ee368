import type { Invocation } from "@durable-lambda/core"
import { DurableBackend, type Operation } from "@durable-lambda/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import * as AwsBackend from "../src/AwsBackend.ts"
import * as RestProtocol from "../src/RestProtocol.ts"
import * as LambdaApi from "../src/LambdaApi.ts"
import * as LoopbackServer from "./utils/LoopbackServer.ts"

const ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/run 1/0f3c9a"

/** Three attempts with 1 ms pauses: the default policy's shape without its wall-clock delays. */
const fastRetry = Schedule.spaced("1 millis").pipe(Schedule.upTo({ times: 2 }))

const setup = (options: AwsBackend.Options = { retrySchedule: fastRetry }) =>
  Effect.gen(function* () {
    const server = yield* LoopbackServer.start
    const client = yield* LoopbackServer.clientFor(server.endpoint)
    const backend = yield* AwsBackend.make(options).pipe(Effect.provide(LambdaApi.layerClient(client)))
    return { server, backend }
  })

const updates: ReadonlyArray<Operation.OperationUpdate> = [
  { Id: "c4ca4238a0b92382", Type: "STEP", SubType: "Step", Name: "charge", Action: "START" },
  { Id: "c4ca4238a0b92382", Type: "STEP", SubType: "Step", Name: "charge", Action: "SUCCEED", Payload: '{"ok":true}' },
  {
    Id: "c81e728d9d4c2f63",
    ParentId: "eccbc87e4b5ce2fe",
    Type: "STEP",
    SubType: "Step",
    Action: "RETRY",
    Error: { ErrorType: "StepFailed", ErrorMessage: "card declined", StackTrace: ["at charge", "at main"] },
    StepOptions: { NextAttemptDelaySeconds: 5 }
  },
  { Id: "a87ff679a2f3e71d", Type: "WAIT", SubType: "Wait", Action: "START", WaitOptions: { WaitSeconds: 30 } },
  {
    Id: "e4da3b7fbbce2345",
    Type: "CALLBACK",
    SubType: "Callback",
    Action: "START",
    CallbackOptions: { TimeoutSeconds: 60, HeartbeatTimeoutSeconds: 10 }
  }
]

const started = new Date("2026-03-01T10:00:00.125Z")
const ended = new Date("2026-03-01T10:00:01.500Z")
const scheduled = new Date("2026-03-01T10:00:31.000Z")

const operations: ReadonlyArray<Operation.Operation> = [
  {
    Id: "c4ca4238a0b92382",
    Name: "charge",
    Type: "STEP",
    SubType: "Step",
    Status: "SUCCEEDED",
    StartTimestamp: started,
    EndTimestamp: ended,
    StepDetails: { Attempt: 1, Result: '{"ok":true}' }
  },
  {
    Id: "a87ff679a2f3e71d",
    Type: "WAIT",
    SubType: "Wait",
    Status: "STARTED",
    StartTimestamp: ended,
    WaitDetails: { ScheduledEndTimestamp: scheduled }
  },
  {
    Id: "e4da3b7fbbce2345",
    Type: "CALLBACK",
    SubType: "Callback",
    Status: "STARTED",
    StartTimestamp: ended,
    CallbackDetails: { CallbackId: "Y2FsbGJhY2s=" }
  }
]

const request = (overrides: Partial<DurableBackend.CheckpointRequest> = {}): DurableBackend.CheckpointRequest => ({
  durableExecutionArn: ARN,
  checkpointToken: "dG9rZW4tMQ==",
  updates,
  ...overrides
})

describe("AwsBackend", () => {
  describe("checkpoint", () => {
    it.live("checkpoint: sends the updates over the real client and decodes NewExecutionState with Dates", () =>
      Effect.gen(function* () {
        const { backend, server } = yield* setup()
        server.reply(
          RestProtocol.renderJson({
            CheckpointToken: "dG9rZW4tMg==",
            NewExecutionState: { Operations: operations, NextMarker: "page-2" }
          })
        )
        const result = yield* backend.checkpoint(request())

        assert.strictEqual(server.requests.length, 1)
        const sent = server.requests[0]!
        assert.strictEqual(sent.method, "POST")
        assert.deepStrictEqual(sent.match, { operation: "CheckpointDurableExecution", durableExecutionArn: ARN })
        assert.deepStrictEqual(sent.json, {
          CheckpointToken: "dG9rZW4tMQ==",
          Updates: updates,
          ClientToken: AwsBackend.clientTokenFor(request())
        })
        assert.strictEqual(result.checkpointToken, "dG9rZW4tMg==")
        assert.deepStrictEqual(result.newExecutionState, { Operations: operations, NextMarker: "page-2" })
        const first = result.newExecutionState?.Operations?.[0]
        assert.instanceOf(first?.StartTimestamp, Date)
        assert.strictEqual(first?.StartTimestamp?.toISOString(), "2026-03-01T10:00:00.125Z")
      })
    )

    it.live("checkpoint: sends the caller's ClientToken and an empty Updates array", () =>
      Effect.gen(function* () {
        const { backend, server } = yield* setup()
        server.reply(RestProtocol.renderJson({ CheckpointToken: "next" }))
        const result = yield* backend.checkpoint(request({ updates: [], clientToken: "caller-token-1" }))
        assert.deepStrictEqual(server.requests[0]?.json, {
          CheckpointToken: "dG9rZW4tMQ==",
          Updates: [],
          ClientToken: "caller-token-1"
        })
        assert.deepStrictEqual(result, { checkpointToken: "next", newExecutionState: undefined })
      })
    )

    it.live("checkpoint: keeps the sent token when the response has no CheckpointToken", () =>
      Effect.gen(function* () {
        const { backend, server } = yield* setup()
        server.reply(RestProtocol.renderJson({ NewExecutionState: { Operations: [] } }))
        const result = yield* backend.checkpoint(request())
        assert.deepStrictEqual(result, { checkpointToken: "dG9rZW4tMQ==", newExecutionState: { Operations: [] } })
      })
    )

    it.live("checkpoint: an undecodable operation is a ServiceUnavailable failure", () =>
      Effect.gen(function* () {
        const { backend, server } = yield* setup()
        server.reply(
          RestProtocol.renderJson({
            CheckpointToken: "next",
            NewExecutionState: { Operations: [{ Id: "x", Type: "STEP", Status: "EXPLODED", StartTimestamp: started }] }
          })
        )
        const error = yield* Effect.flip(backend.checkpoint(request()))
        assert.strictEqual(error.reason._tag, "ServiceUnavailable")
        assert.match(error.reason.message, /^Malformed CheckpointDurableExecution response/)
        assert.strictEqual(server.requests.length, 1)
      })
    )
  })

  describe("getExecutionState", () => {
    it.live("getExecutionState: sends token, marker and max items as query and decodes the page", () =>
      Effect.gen(function* () {
        const { backend, server } = yield* setup()
        server.reply(RestProtocol.renderJson({ Operations: operations, NextMarker: "page-3" }))
        const page = yield* backend.getExecutionState({
          durableExecutionArn: ARN,
          checkpointToken: "a+b/c==",
          marker: "page 2&x",
          maxItems: 1000
        })
        const sent = server.requests[0]!
        assert.strictEqual(sent.method, "GET")
        assert.strictEqual(sent.body, "")
        assert.deepStrictEqual(sent.match, {
          operation: "GetDurableExecutionState",
          durableExecutionArn: ARN,
          checkpointToken: "a+b/c==",
          marker: "page 2&x",
          maxItems: 1000
        })
        assert.deepStrictEqual(page, {
          Operations: operations,
          NextMarker: "page-3"
        } satisfies Invocation.ExecutionStatePage)
      })
    )

    it.live("getExecutionState: omits Marker and MaxItems when not given", () =>
      Effect.gen(function* () {
        const { backend, server } = yield* setup()
        server.reply(RestProtocol.renderJson({ Operations: [] }))
        const page = yield* backend.getExecutionState({ durableExecutionArn: ARN, checkpointToken: "tok" })
        assert.strictEqual(server.requests[0]?.url, `${RestProtocol.statePath(ARN)}?CheckpointToken=tok`)
        assert.deepStrictEqual(page, { Operations: [] })
      })
    )
  })

  describe("error mapping", () => {
    interface Case {
      readonly name: string
      readonly reply: RestProtocol.HttpResponse | "refused"
      readonly reason: DurableBackend.BackendErrorReason["_tag"]
      /** Requests the server sees under the 3-attempt test schedule. */
      readonly attempts: number
      readonly check?: (reason: DurableBackend.BackendErrorReason) => void
    }
    const err = (errorType: string, message: string, status?: number) =>
      RestProtocol.renderError({ errorType, message, ...(status === undefined ? {} : { status }) })
    const cases: ReadonlyArray<Case> = [
      {
        name: "400 Invalid Checkpoint Token",
        reply: err("InvalidParameterValueException", "Invalid Checkpoint Token: token already consumed"),
        reason: "InvalidCheckpointToken",
        attempts: 1
      },
      {
        name: "400 invalid checkpoint token (emulator casing)",
        reply: err("InvalidParameterValueException", "Invalid checkpoint token"),
        reason: "InvalidCheckpointToken",
        attempts: 1
      },
      {
        name: "400 other InvalidParameterValueException",
        reply: err("InvalidParameterValueException", "Invalid parent operation id."),
        reason: "InvalidParameter",
        attempts: 1,
        check: (reason) =>
          assert.deepInclude(reason, {
            message: "Invalid parent operation id.",
            errorCode: "InvalidParameterValueException"
          })
      },
      {
        name: "400 unmodeled client error",
        reply: err("ValidationException", "1 validation error detected"),
        reason: "InvalidParameter",
        attempts: 1,
        check: (reason) => assert.deepInclude(reason, { errorCode: "ValidationException" })
      },
      {
        name: "429 TooManyRequestsException",
        reply: RestProtocol.renderError({
          errorType: "TooManyRequestsException",
          message: "Rate exceeded",
          fields: { retryAfterSeconds: "1", Reason: "CallerRateLimitExceeded" }
        }),
        reason: "Throttled",
        attempts: 3
      },
      {
        name: "500 ServiceException",
        reply: err("ServiceException", "internal failure"),
        reason: "ServiceUnavailable",
        attempts: 3,
        check: (reason) => assert.deepInclude(reason, { statusCode: 500, message: "internal failure" })
      },
      {
        name: "502 KMSAccessDeniedException",
        reply: err("KMSAccessDeniedException", "KMS access denied"),
        reason: "KmsError",
        attempts: 1,
        check: (reason) => assert.deepInclude(reason, { errorCode: "KMSAccessDeniedException" })
      },
      {
        name: "502 KMSNotFoundException",
        reply: err("KMSNotFoundException", "key not found"),
        reason: "KmsError",
        attempts: 1
      },
      {
        name: "413 RequestEntityTooLargeException",
        reply: err("RequestEntityTooLargeException", "Request must be smaller than 6291456 bytes"),
        reason: "PayloadTooLarge",
        attempts: 1
      },
      {
        name: "400 with a size message",
        reply: err("InvalidParameterValueException", "Payload size exceeded the maximum allowed"),
        reason: "PayloadTooLarge",
        attempts: 1
      },
      {
        name: "404 ResourceNotFoundException",
        reply: err("ResourceNotFoundException", "Durable execution not found"),
        reason: "ExecutionNotFound",
        attempts: 1
      },
      {
        name: "502 from a proxy with an HTML body",
        reply: { status: 502, headers: { "content-type": "text/html" }, body: "<html>Bad Gateway</html>" },
        reason: "ServiceUnavailable",
        attempts: 3,
        check: (reason) => assert.deepInclude(reason, { statusCode: 502 })
      },
      {
        name: "503 with an empty body",
        reply: { status: 503, headers: {}, body: "" },
        reason: "ServiceUnavailable",
        attempts: 3,
        check: (reason) => assert.deepInclude(reason, { statusCode: 503 })
      },
      {
        name: "connection refused",
        reply: "refused",
        reason: "ServiceUnavailable",
        attempts: 0,
        check: (reason) => {
          assert.notProperty(reason, "statusCode")
          assert.match(reason.message, /ECONNREFUSED/)
        }
      }
    ]

    type Backend = DurableBackend.DurableBackend["Service"]
    const calls: ReadonlyArray<
      readonly [
        DurableBackend.BackendError["call"],
        (backend: Backend) => Effect.Effect<unknown, DurableBackend.BackendError>
      ]
    > = [
      ["checkpoint", (backend) => backend.checkpoint(request())],
      [
        "getExecutionState",
        (backend) => backend.getExecutionState({ durableExecutionArn: ARN, checkpointToken: "tok" })
      ]
    ]

    for (const [call, run] of calls) {
      for (const c of cases) {
        it.live(`${call}: ${c.name} -> ${c.reason}`, () =>
          Effect.gen(function* () {
            const server = yield* LoopbackServer.start
            const endpoint =
              c.reply === "refused" ? `http://127.0.0.1:${yield* LoopbackServer.closedPort}` : server.endpoint
            if (c.reply !== "refused") server.reply(c.reply)
            const client = yield* LoopbackServer.clientFor(endpoint)
            const backend = yield* AwsBackend.make({ retrySchedule: fastRetry }).pipe(
              Effect.provide(LambdaApi.layerClient(client))
            )
            const error = yield* Effect.flip(run(backend))
            assert.strictEqual(error._tag, "BackendError")
            assert.strictEqual(error.call, call)
            assert.strictEqual(error.reason._tag, c.reason)
            assert.strictEqual(error.retryable, DurableBackend.isRetryableReason(error.reason))
            assert.strictEqual(server.requests.length, c.attempts)
            c.check?.(error.reason)
          })
        )
      }
    }
  })

  describe("retries", () => {
    const serviceError = RestProtocol.renderError({ errorType: "ServiceException", message: "try again" })
    const ok = RestProtocol.renderJson({ CheckpointToken: "next", NewExecutionState: { Operations: [] } })

    it.live("checkpoint: retries 5xx with the same generated ClientToken, then succeeds", () =>
      Effect.gen(function* () {
        const { backend, server } = yield* setup()
        server.reply(serviceError, { status: 502, headers: {}, body: "" }, ok)
        const result = yield* backend.checkpoint(request())
        assert.strictEqual(result.checkpointToken, "next")
        assert.strictEqual(server.requests.length, 3)
        const expected = AwsBackend.clientTokenFor(request())
        for (const sent of server.requests) {
          assert.deepStrictEqual(sent.json, {
            CheckpointToken: "dG9rZW4tMQ==",
            Updates: updates,
            ClientToken: expected
          })
        }
      })
    )

    it.live("checkpoint: retries throttling with the caller's ClientToken", () =>
      Effect.gen(function* () {
        const { backend, server } = yield* setup()
        server.reply(RestProtocol.renderError({ errorType: "TooManyRequestsException", message: "slow down" }), ok)
        yield* backend.checkpoint(request({ clientToken: "caller-token-7" }))
        assert.deepStrictEqual(
          server.requests.map((sent) => (sent.json as { ClientToken?: string }).ClientToken),
          ["caller-token-7", "caller-token-7"]
        )
      })
    )

    it.live("checkpoint: never retries a stale token, even under the default schedule", () =>
      Effect.gen(function* () {
        const { backend, server } = yield* setup({})
        server.reply(
          RestProtocol.renderError({
            errorType: "InvalidParameterValueException",
            message: "Invalid Checkpoint Token"
          }),
          ok
        )
        const error = yield* Effect.flip(backend.checkpoint(request()))
        assert.strictEqual(error.reason._tag, "InvalidCheckpointToken")
        assert.isTrue(error.retryable)
        assert.strictEqual(server.requests.length, 1)
      })
    )

    it.live("checkpoint: the default schedule stops after 3 attempts", () =>
      Effect.gen(function* () {
        const { backend, server } = yield* setup({})
        server.reply(serviceError)
        const error = yield* Effect.flip(backend.checkpoint(request()))
        assert.strictEqual(error.reason._tag, "ServiceUnavailable")
        assert.strictEqual(server.requests.length, 3)
      })
    )

    it.live("getExecutionState: retries a 5xx, then succeeds", () =>
      Effect.gen(function* () {
        const { backend, server } = yield* setup()
        server.reply(serviceError, RestProtocol.renderJson({ Operations: operations }))
        const page = yield* backend.getExecutionState({ durableExecutionArn: ARN, checkpointToken: "tok" })
        assert.deepStrictEqual(page, { Operations: operations })
        assert.strictEqual(server.requests.length, 2)
        assert.strictEqual(server.requests[0]?.url, server.requests[1]?.url)
      })
    )

    it.live("retrySchedule: Schedule.recurs(0) turns in-process retries off", () =>
      Effect.gen(function* () {
        const { backend, server } = yield* setup({ retrySchedule: Schedule.recurs(0) })
        server.reply(serviceError, ok)
        const error = yield* Effect.flip(backend.checkpoint(request()))
        assert.strictEqual(error.reason._tag, "ServiceUnavailable")
        assert.strictEqual(server.requests.length, 1)
      })
    )
  })

  describe("layers", () => {
    it.live("layerClient: provides DurableBackend over a user client", () =>
      Effect.gen(function* () {
        const server = yield* LoopbackServer.start
        const client = yield* LoopbackServer.clientFor(server.endpoint)
        server.reply(RestProtocol.renderJson({ Operations: [] }))
        const page = yield* Effect.gen(function* () {
          const backend = yield* DurableBackend.DurableBackend
          return yield* backend.getExecutionState({ durableExecutionArn: ARN, checkpointToken: "tok" })
        }).pipe(Effect.provide(AwsBackend.layerClient(client)))
        assert.deepStrictEqual(page, { Operations: [] })
        assert.strictEqual(server.requests.length, 1)
      })
    )
  })

  describe("clientTokenFor", () => {
    it("clientTokenFor: is 64 hex chars, stable for one request, different for other updates or tokens", () => {
      const token = AwsBackend.clientTokenFor(request())
      assert.match(token, /^[0-9a-f]{64}$/)
      assert.strictEqual(AwsBackend.clientTokenFor(request()), token)
      assert.notStrictEqual(AwsBackend.clientTokenFor(request({ updates: updates.slice(1) })), token)
      assert.notStrictEqual(AwsBackend.clientTokenFor(request({ checkpointToken: "other" })), token)
    })
  })

  describe("classifyError", () => {
    const classify = (error: unknown) => AwsBackend.classifyError("checkpoint", error).reason

    it("classifyError: matches the stale-token prefix case-insensitively", () => {
      const error = {
        name: "InvalidParameterValueException",
        message: "INVALID CHECKPOINT TOKEN: x",
        $fault: "client",
        $metadata: { httpStatusCode: 400 }
      }
      assert.strictEqual(classify(error)._tag, "InvalidCheckpointToken")
      assert.strictEqual(
        classify({ ...error, message: "Token is an invalid checkpoint token" })._tag,
        "InvalidParameter"
      )
    })

    it("classifyError: timeouts, aborts and non-errors without a status are ServiceUnavailable", () => {
      const timeout = classify(Object.assign(new Error("Request timed out"), { name: "TimeoutError", $metadata: {} }))
      assert.deepStrictEqual(
        timeout,
        new DurableBackend.ServiceUnavailable({ message: "TimeoutError: Request timed out" })
      )
      assert.strictEqual(
        classify(Object.assign(new Error("aborted"), { name: "AbortError" }))._tag,
        "ServiceUnavailable"
      )
      assert.deepStrictEqual(classify("boom"), new DurableBackend.ServiceUnavailable({ message: "boom" }))
    })

    it("classifyError: a server fault without a status is ServiceUnavailable, a client fault InvalidParameter", () => {
      assert.strictEqual(classify({ name: "Unknown", message: "x", $fault: "server" })._tag, "ServiceUnavailable")
      assert.strictEqual(classify({ name: "Unknown", message: "x", $fault: "client" })._tag, "InvalidParameter")
    })

    it("classifyError: retryable follows core's classification", () => {
      const kms = AwsBackend.classifyError("getExecutionState", {
        name: "KMSDisabledException",
        message: "disabled",
        $fault: "server",
        $metadata: { httpStatusCode: 502 }
      })
      assert.deepStrictEqual(
        kms.reason,
        new DurableBackend.KmsError({ message: "disabled", errorCode: "KMSDisabledException" })
      )
      assert.isFalse(kms.retryable)
      assert.strictEqual(kms.call, "getExecutionState")
    })
  })

  describe("isRetriedInProcess", () => {
    it("isRetriedInProcess: only Throttled and ServiceUnavailable", () => {
      assert.isTrue(AwsBackend.isRetriedInProcess(new DurableBackend.Throttled({ message: "" })))
      assert.isTrue(AwsBackend.isRetriedInProcess(new DurableBackend.ServiceUnavailable({ message: "" })))
      assert.isFalse(AwsBackend.isRetriedInProcess(new DurableBackend.InvalidCheckpointToken({ message: "" })))
      assert.isFalse(AwsBackend.isRetriedInProcess(new DurableBackend.InvalidParameter({ message: "" })))
    })
  })
})
