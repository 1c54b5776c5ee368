import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { History } from "../src/index.ts"

const at = new Date("2025-01-01T00:00:00.000Z")
const events = [
  {
    EventType: "ExecutionStarted",
    EventId: 1,
    Id: "exec",
    EventTimestamp: at,
    ExecutionStartedDetails: { Input: { Payload: "{}" }, ExecutionTimeout: 60 }
  },
  {
    EventType: "StepStarted",
    SubType: "Step",
    EventId: 2,
    Id: "a1",
    Name: "charge",
    EventTimestamp: at,
    StepStartedDetails: {}
  },
  {
    EventType: "StepFailed",
    SubType: "Step",
    EventId: 3,
    Id: "a1",
    Name: "charge",
    EventTimestamp: new Date(at.getTime() + 5),
    StepFailedDetails: {
      Error: { Payload: { ErrorType: "TransientError", ErrorMessage: "nope" }, Truncated: false },
      RetryDetails: { CurrentAttempt: 1, NextAttemptDelaySeconds: 4 }
    }
  },
  {
    EventType: "InvocationCompleted",
    EventId: 4,
    EventTimestamp: at,
    InvocationCompletedDetails: { StartTimestamp: at, EndTimestamp: at, RequestId: "r-1" }
  }
] as unknown as ReadonlyArray<History.HistoryEvent>

describe("History", () => {
  it("matchHistory: looks events up by EventId and ignores unlisted ones", () => {
    const r = History.matchHistory([{ EventType: "StepStarted", EventId: 2, Id: "${ID1}" }], events)
    assert.isTrue(r.ok)
    assert.strictEqual(r.bindings.ID1, "a1")
  })

  it("matchHistory: a placeholder must keep its first binding", () => {
    const r = History.matchHistory(
      [
        { EventType: "StepStarted", EventId: 2, Id: "${ID1}" },
        { EventType: "InvocationCompleted", EventId: 4, InvocationCompletedDetails: { RequestId: "${ID1}" } }
      ],
      events
    )
    assert.isFalse(r.ok)
    assert.match(r.mismatches[0]!, /EventId 4 .*RequestId: expected \$\{ID1\} = "a1", got "r-1"/)
  })

  it("matchHistory: '*' and {} require presence, not content", () => {
    assert.isTrue(
      History.matchHistory([{ EventId: 3, StepFailedDetails: { Error: {}, RetryDetails: "*" } }], events).ok
    )
    const missing = History.matchHistory([{ EventId: 2, StepStartedDetails: { Result: "*" } }], events)
    assert.isFalse(missing.ok)
    assert.match(missing.mismatches[0]!, /Result: expected "\*", but the key is absent/)
  })

  it("matchHistory: ${/regex/} tests the value as text", () => {
    const ok = History.matchHistory(
      [
        {
          EventId: 3,
          StepFailedDetails: {
            Error: { Payload: { ErrorType: "${/.*TransientError$/}" } },
            RetryDetails: { NextAttemptDelaySeconds: "${/^[0-5]$/}" }
          }
        }
      ],
      events
    )
    assert.isTrue(ok.ok)
    const bad = History.matchHistory(
      [{ EventId: 3, StepFailedDetails: { RetryDetails: { NextAttemptDelaySeconds: "${/^[5-9]$/}" } } }],
      events
    )
    assert.isFalse(bad.ok)
  })

  it("matchHistory: scalars must be equal and types matter", () => {
    assert.isFalse(
      History.matchHistory([{ EventId: 3, StepFailedDetails: { RetryDetails: { CurrentAttempt: 2 } } }], events).ok
    )
    assert.isFalse(
      History.matchHistory([{ EventId: 3, StepFailedDetails: { RetryDetails: { CurrentAttempt: "1" } } }], events).ok
    )
    assert.isTrue(
      History.matchHistory([{ EventId: 3, StepFailedDetails: { RetryDetails: { CurrentAttempt: 1 } } }], events).ok
    )
  })

  it("matchHistory: a missing EventId is a mismatch", () => {
    const r = History.matchHistory([{ EventType: "ExecutionSucceeded", EventId: 9 }], events)
    assert.deepStrictEqual(r.mismatches, ["EventId 9 (ExecutionSucceeded): no such event (the history has 4 events)"])
  })

  it("match: lists match element by element with equal lengths", () => {
    assert.isTrue(History.match([1, "*", { a: 1 }], [1, 2, { a: 1, b: 2 }]).ok)
    assert.isFalse(History.match([1, 2], [1, 2, 3]).ok)
    assert.isFalse(History.match([{ a: 1 }], [{ a: 2 }]).ok)
  })

  it("match: YAML null equals an absent value; Dates compare as ISO strings", () => {
    assert.isTrue(History.match(null, undefined).ok)
    assert.isTrue(History.match("2025-01-01T00:00:00.000Z", at).ok)
    assert.isFalse(History.match("2025-01-02T00:00:00.000Z", at).ok)
  })

  it("assertHistory: throws with every mismatch and the actual history", () => {
    assert.throws(
      () => History.assertHistory([{ EventId: 2, Name: "refund" }], events),
      /Name: expected "refund", got "charge"[\s\S]*StepStarted\/Step "charge"/
    )
  })

  it("normalize: replaces ids and timestamps with stable aliases and offsets", () => {
    const n = History.normalize(events)
    assert.strictEqual(n[1]!.Id, "op-2")
    assert.strictEqual(n[0]!.Id, "op-1")
    assert.strictEqual(n[2]!.EventTimestamp, "+5")
    assert.strictEqual((n[3]!.InvocationCompletedDetails as Record<string, unknown>).RequestId, "request-1")
  })

  it("signatures: (EventType, SubType, Name) per event, Name omitted for Execution events", () => {
    assert.deepStrictEqual(History.signatures(events).slice(0, 2), ["ExecutionStarted||", "StepStarted|Step|charge"])
  })

  it("matchGolden: writes a missing golden file, then matches it and reports the first difference", () => {
    const file = join(mkdtempSync(join(tmpdir(), "golden-")), "run.history.json")
    assert.strictEqual(History.matchGolden(events, file, { update: false }).status, "written")
    assert.strictEqual(History.matchGolden(events, file, { update: false }).status, "matched")
    const golden = JSON.parse(readFileSync(file, "utf8")) as Array<Record<string, unknown>>
    golden[1]!.Name = "refund"
    writeFileSync(file, JSON.stringify(golden))
    const r = History.matchGolden(events, file, { update: false })
    assert.strictEqual(r.status, "differs")
    assert.match(r.difference!, /^event 2 differs[\s\S]*"Name":"refund"[\s\S]*"Name":"charge"/)
  })
})
