/**
 * `pnpm demo`: runs the order-processing workflow through the in-memory service on virtual time and prints
 * each invocation, what it replayed and ran, and the service's history. Needs no AWS account.
 */
import { Handler } from "@durable-lambda/core"
import { MockBackend, ServiceState as Service } from "@durable-lambda/backend-mock"
import { Effect, Exit, Layer } from "effect"
import { makeHandler, type Order } from "./handler.ts"

let chargeAttempts = 0
const handler = makeHandler({
  reserve: async (order) => `res-${order.orderId}`,
  charge: async (orderId) => {
    chargeAttempts++
    if (chargeAttempts === 1) throw new Error("payment gateway timeout")
    return `pay-${orderId}`
  },
  ship: async (orderId) => `track-${orderId}`
})

const clock = { now: Date.UTC(2026, 10, 21, 9, 0, 0) }
const state = new Service.ServiceState({ now: () => clock.now })
const backend = Layer.succeedContext(Effect.runSync(Effect.scoped(Layer.build(MockBackend.layerWith(state)))))
const order: Order = { orderId: "o-1001", items: [{ sku: "book", quantity: 2, price: 15 }] }

const time = () => new Date(clock.now).toISOString().replace(".000Z", "Z")
const { durableExecutionArn: arn, invocationInput } = state.startExecution({ input: JSON.stringify(order) })
console.log(`execution ${arn}\ninput     ${JSON.stringify(order)}\n`)

let event: unknown = invocationInput
for (let n = 1; ; n++) {
  const before = new Map(state.operations(arn).map((op) => [op.Id, op.Status]))
  const exit = await Effect.runPromiseExit(
    Handler.invokeWith(handler, event, { awsRequestId: `req-${n}` }).pipe(Effect.provide(backend))
  )
  if (Exit.isFailure(exit)) throw new Error(`invocation ${n} failed: ${String(exit.cause)}`)
  const output = exit.value
  state.completeInvocation(arn, output)
  const ops = state.operations(arn).filter((op) => op.Type !== "EXECUTION")
  const done = (status: string | undefined) => status === "SUCCEEDED" || status === "FAILED"
  const replayed = ops.filter((op) => done(before.get(op.Id))).map((op) => op.Name ?? op.Type)
  const touched = ops.filter((op) => !done(before.get(op.Id))).map((op) => `${op.Name ?? op.Type}=${op.Status}`)
  console.log(`invocation ${n} at ${time()} -> ${output.Status}`)
  console.log(`  replayed: ${replayed.join(", ") || "-"}`)
  console.log(`  ran:      ${touched.join(", ") || "-"}`)
  if (output.Status !== "PENDING") {
    console.log(`  result:   ${"Result" in output ? output.Result : JSON.stringify(output)}`)
    break
  }
  const next = state.nextTimerAt(arn)!
  console.log(`  suspended until ${new Date(next).toISOString().replace(".000Z", "Z")}\n`)
  clock.now = next
  state.fireDueTimers(arn)
  const begun = state.beginInvocation(arn)
  if (begun._tag === "Failure") throw new Error(begun.failure.message)
  event = begun.success.invocationInput
}

const history = state.getHistory(arn)
if (history._tag === "Success") {
  console.log("\nhistory (as GetDurableExecutionHistory returns it):")
  for (const e of history.success as ReadonlyArray<any>) {
    const at = new Date(e.EventTimestamp).toISOString().replace(".000Z", "Z")
    console.log(`  ${String(e.EventId).padStart(2)} ${at} ${e.EventType.padEnd(20)} ${e.Name ?? ""}`)
  }
}
