import { withDurableExecution } from "@durable-lambda/core/async"
import { assert, describe, it } from "@effect/vitest"
import { Conformance, LocalDurableTestRunner } from "../src/index.ts"

const spec: Conformance.Spec = {
  description: "two callbacks",
  Variables: { NAME: "${GEN_STR:10}", PAYLOAD: "${GEN_STR:12}" },
  Input: ["${NAME}", "fixed"],
  ExpectedResult: { ExecutionStatus: "SUCCEEDED", Result: "Hello, ${NAME}!" },
  CallbackActions: [
    { CallbackName: "${NAME}", Operation: "heartbeat" },
    { CallbackName: "${NAME}", Operation: "success", Payload: "${PAYLOAD}", Delay: 3 },
    { CallbackName: "other", Operation: "failure", Payload: { ErrorType: "X", ErrorMessage: "no" }, Delay: 1 }
  ],
  ExpectedExecutionHistory: [{ EventType: "StepStarted", EventId: 2, Id: "${ID1}", Name: "${NAME}" }],
  ExpectedLogs: [{ match: { message: "/greeted ${NAME}/" }, count: 1 }]
}

describe("Conformance", () => {
  it("prepare: generates variables from the seed and substitutes them everywhere", () => {
    const p = Conformance.prepare(spec, "s1")
    assert.match(p.variables.NAME!, /^[A-Za-z0-9]{10}$/)
    assert.match(p.variables.PAYLOAD!, /^[A-Za-z0-9]{12}$/)
    assert.deepStrictEqual(Conformance.prepare(spec, "s1").variables, p.variables)
    assert.notDeepEqual(Conformance.prepare(spec, "s2").variables, p.variables)
    assert.deepStrictEqual(p.input, [p.variables.NAME, "fixed"])
    assert.strictEqual(p.expectedResult, `Hello, ${p.variables.NAME}!`)
    // Binding placeholders that are not variables stay for the matcher.
    assert.strictEqual(p.expectedHistory[0]!.Id, "${ID1}")
    assert.strictEqual(p.expectedHistory[0]!.Name, p.variables.NAME)
    assert.isTrue(p.expectedLogs[0]!.pattern.test(`[INFO] greeted ${p.variables.NAME}`))
  })

  it("prepare: one callback script per name, delays counted from the CallbackStarted, success payloads JSON-encoded", () => {
    const p = Conformance.prepare(spec, "s1")
    assert.deepStrictEqual(p.callbackActions, [
      [
        { name: p.variables.NAME, operation: "heartbeat", payload: undefined, delayMillis: 0 },
        {
          name: p.variables.NAME,
          operation: "success",
          payload: JSON.stringify(p.variables.PAYLOAD),
          delayMillis: 3000
        }
      ],
      [{ name: "other", operation: "failure", payload: { ErrorType: "X", ErrorMessage: "no" }, delayMillis: 1000 }]
    ])
  })

  it("verify: reports status, result, history and log mismatches", async () => {
    const p = Conformance.prepare(spec, "s1")
    const handler = withDurableExecution(async (event: [string, string], ctx) =>
      ctx.step("not-the-name", async () => `Hi, ${event[0]}`)
    )
    const result = await new LocalDurableTestRunner({ handlerFunction: handler }).run({ payload: p.input })
    const v = Conformance.verify(p, result, [])
    assert.isFalse(v.ok)
    assert.strictEqual(v.mismatches.length, 3)
    assert.match(v.mismatches[0]!, /^Result: expected "Hello, \w+!", got "Hi, \w+"$/)
    assert.match(v.mismatches[1]!, /^EventId 2 \(StepStarted\)\.Name: expected "\w+", got "not-the-name"$/)
    assert.match(v.mismatches[2]!, /^ExpectedLogs .*: expected 1 lines, got 0$/)
  })
})
