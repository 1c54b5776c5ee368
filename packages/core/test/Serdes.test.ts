import { assert, describe, it } from "@effect/vitest"
import { Option, Schema } from "effect"
import * as Serdes from "../src/Serdes.ts"

const context = { entityId: "1", durableExecutionArn: "arn:test" }

/** Serializes then deserializes, as a checkpoint followed by a replay does (the data is a JSON string). */
const roundTrip = async <A>(serdes: Serdes.Serdes<A>, value: A): Promise<{ data: string; back: A }> => {
  const data = await serdes.serialize(value, context)
  if (data === undefined) throw new Error("serialized to undefined")
  assert.doesNotThrow(() => JSON.parse(data))
  return { data, back: (await serdes.deserialize(data, context)) as A }
}

class Invoice extends Schema.Class<Invoice>("Invoice")({
  id: Schema.String,
  issued: Schema.Date,
  cents: Schema.BigInt
}) {
  get label() {
    return `${this.id}@${this.issued.toISOString()}`
  }
}

describe("Serdes.fromSchema (Schema's JSON codec)", () => {
  it("Schema.Date: a Date survives the round trip", async () => {
    const date = new Date("2026-01-02T03:04:05.678Z")
    const { back } = await roundTrip(Serdes.fromSchema(Schema.Date), date)
    assert.instanceOf(back, Date)
    assert.strictEqual(back.getTime(), date.getTime())
  })

  it("Schema.BigInt: serializes (no JSON.stringify TypeError) and comes back as a bigint", async () => {
    const { back } = await roundTrip(Serdes.fromSchema(Schema.BigInt), 12345678901234567890n)
    assert.strictEqual(back, 12345678901234567890n)
  })

  it("Schema.Option: Some and None both survive", async () => {
    const serdes = Serdes.fromSchema(Schema.Option(Schema.Number))
    assert.deepStrictEqual((await roundTrip(serdes, Option.some(7))).back, Option.some(7))
    assert.deepStrictEqual((await roundTrip(serdes, Option.none())).back, Option.none())
  })

  it("Schema.Class with Date and BigInt fields: an instance comes back with its methods", async () => {
    const invoice = new Invoice({ id: "inv-1", issued: new Date("2026-03-04T00:00:00.000Z"), cents: 99n })
    const { back } = await roundTrip(Serdes.fromSchema(Invoice), invoice)
    assert.instanceOf(back, Invoice)
    assert.strictEqual(back.label, "inv-1@2026-03-04T00:00:00.000Z")
    assert.strictEqual(back.cents, 99n)
  })

  it("decoding validates: data that does not match the schema is rejected", async () => {
    const serdes = Serdes.fromSchema(Schema.Struct({ n: Schema.Number }))
    const outcome = serdes.deserialize('{"n":"x"}', context)
    assert.instanceOf(outcome, Promise)
    assert.strictEqual(
      await outcome.then(
        () => "resolved",
        () => "rejected"
      ),
      "rejected"
    )
  })

  it("undefined is checkpointed without a payload", async () => {
    const serdes = Serdes.fromSchema(Schema.UndefinedOr(Schema.Number))
    assert.strictEqual(await serdes.serialize(undefined, context), undefined)
    assert.strictEqual(await serdes.deserialize(undefined, context), undefined)
  })
})

describe("the exported serdes have the official promise-returning shape", () => {
  class Box {
    at: Date = new Date(0)
  }
  class Counter {
    n = 1
  }
  const cases: ReadonlyArray<readonly [string, Serdes.Serdes<any>, unknown]> = [
    ["defaultSerdes", Serdes.defaultSerdes, { a: 1 }],
    ["passThroughSerdes", Serdes.passThroughSerdes, "raw"],
    ["createClassSerdes", Serdes.createClassSerdes(Counter), new Counter()],
    ["createClassSerdesWithDates", Serdes.createClassSerdesWithDates(Box, ["at"]), new Box()],
    ["fromSchema", Serdes.fromSchema(Schema.Struct({ n: Schema.Number })), { n: 1 }]
  ]
  for (const [name, serdes, value] of cases) {
    it(`${name}: serialize and deserialize return promises`, async () => {
      const data = serdes.serialize(value, context)
      assert.instanceOf(data, Promise)
      const back = serdes.deserialize(await data, context)
      assert.instanceOf(back, Promise)
      assert.deepStrictEqual(await back, value)
    })
  }

  it("a failure rejects the promise instead of throwing", async () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    const outcome = Serdes.defaultSerdes.serialize(cyclic, context)
    assert.strictEqual(
      await outcome.then(
        () => "resolved",
        () => "rejected"
      ),
      "rejected"
    )
  })
})
