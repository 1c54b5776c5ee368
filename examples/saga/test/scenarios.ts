/** The runs the tests and the golden history share. */
import { LocalDurableTestRunner } from "@durable-lambda/testing"
import { makeHandler, type Trip } from "../src/handler.ts"
import { fakeServices, type FakeOptions } from "./fakes.ts"

export const trip: Trip = {
  tripId: "trip-88",
  traveller: "ana@example.com",
  from: "LIS",
  to: "BER",
  departure: "2025-03-14",
  nights: 3
}

/** Runs the deployed workflow over the fakes. */
export const runTrip = async (options: FakeOptions = {}) => {
  const fake = fakeServices(options)
  const result = await new LocalDurableTestRunner({ handlerFunction: makeHandler(fake.services) }).run({
    payload: trip
  })
  return { result, fake }
}

/** The golden run: the hotel is full, so the flight and the car are cancelled (the flight on a second try). */
export const goldenRun = () => runTrip({ unavailable: ["hotel"], flakyCancel: ["flight"] })
