/**
 * `pnpm demo`: runs the human-approval workflow through the local test harness on virtual time and prints
 * what happened: each invocation, what it replayed and what it ran, the suspensions, the callback answered
 * while the function was suspended, the final result and the cost. Needs no AWS account; takes a second.
 *
 * The run is the one the tests check against `test/human-approval.history.json`: the manager approves 3 hours
 * after the request, and the payroll API fails once, so the reimbursement is retried 30 seconds later.
 */
import type { TestResult } from "@durable-lambda/testing"
import { approvedRun, claim } from "../test/scenarios.ts"

const { result } = await approvedRun()

console.log(`Human approval: expense claim ${claim.claimId} (${claim.amount} EUR) for ${claim.employee}`)
console.log(`The manager answers 3 hours after the request; the payroll API fails once and is retried.\n`)
result.print()

/** A readable label per operation: its name, or "<parent> › callback" for the unnamed children of a context. */
const labels = (r: TestResult) => {
  const ops = r.getOperations()
  const byId = new Map(ops.map((op) => [op.getId()!, op]))
  const label = (id: string): string => {
    const op = byId.get(id)
    if (op === undefined) return id
    if (op.getName() !== undefined) return op.getName()!
    const parent = op.getParentId()
    const kind = op.getType() === "CALLBACK" ? "callback" : op.getType() === "STEP" ? "submitter" : op.getType()!
    return parent === undefined ? kind : `${label(parent)} › ${kind}`
  }
  return label
}

/** Events the service records on its own, between invocations (they wake the function up). */
const serviceSide = new Set(["WaitSucceeded", "CallbackSucceeded", "CallbackFailed", "CallbackTimedOut"])

const label = labels(result)
const history = result.getHistoryEvents()
const start = history[0]!.EventTimestamp.getTime()
const known = new Set<string>()
let segment: Array<(typeof history)[number]> = []
let retry: string | undefined // a retry the previous invocation scheduled
console.log("\nReplay, invocation by invocation:")
for (const event of history) {
  if (event.EventType.startsWith("Execution")) continue
  if (event.EventType !== "InvocationCompleted") {
    segment.push(event)
    continue
  }
  const inv = result.getInvocations().find((i) => i.requestId === (event as any).InvocationCompletedDetails.RequestId)!
  const woke = segment.filter((e) => serviceSide.has(e.EventType) && e.Id !== undefined)
  const touched = new Set(segment.filter((e) => !serviceSide.has(e.EventType) && e.Id !== undefined).map((e) => e.Id!))
  for (const e of woke) known.add(e.Id!)
  const list = (ids: Iterable<string>) => [...ids].map(label).join(", ") || "-"
  const at = new Date(inv.startTimestamp.getTime() - start).toISOString().slice(11, 19)
  console.log(`  invocation ${inv.index} at +${at} → ${inv.status === "PENDING" ? "PENDING (suspended)" : inv.status}`)
  if (woke.length > 0) console.log(`    woken by:  ${woke.map((e) => `${e.EventType} (${label(e.Id!)})`).join(", ")}`)
  else if (retry !== undefined) console.log(`    woken by:  ${retry}`)
  console.log(`    replayed:  ${list([...known].filter((id) => !touched.has(id)))}`)
  console.log(`    resumed:   ${list([...touched].filter((id) => known.has(id)))}`)
  console.log(`    ran:       ${list([...touched].filter((id) => !known.has(id)))}`)
  for (const id of touched) known.add(id)
  const failed = segment.filter((e) => e.EventType === "StepFailed").at(-1)
  const delay = (failed as any)?.StepFailedDetails?.RetryDetails?.NextAttemptDelaySeconds
  retry = delay === undefined ? undefined : `the retry timer of ${label(failed!.Id!)} (${delay} s)`
  segment = []
}
console.log(`\nResult: ${JSON.stringify(result.getResult())}`)
