/** The runs the tests, the golden history and the demo share. */
import { LocalDurableTestRunner } from "@durable-lambda/testing"
import { makeHandler, type Order } from "../src/handler.ts"
import { fakeServices, type FakeOptions } from "./fakes.ts"

export const order: Order = {
  orderId: "o-1001",
  items: [
    { sku: "book", quantity: 2, price: 15 },
    { sku: "lamp", quantity: 1, price: 40 }
  ]
}

/** Runs the deployed workflow over fakes: by default the gateway times out once, then the charge goes through. */
export const runOrder = async (options: FakeOptions = { gatewayFailures: 1 }) => {
  const fake = fakeServices(options)
  const runner = new LocalDurableTestRunner({ handlerFunction: makeHandler(fake.services) })
  const result = await runner.run({ payload: order })
  return { result, fake }
}
