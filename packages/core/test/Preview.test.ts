import { assert, describe, it } from "@effect/vitest"
import { Preview } from "@durable-lambda/core"

const { buildPreview, FieldMatchMode, PreviewMode } = Preview

const order = {
  id: "o-1",
  customer: { name: "Ada", email: "ada@example.com", address: { city: "London" } },
  items: [{ sku: "a", price: 3 }],
  __proto__x: 1,
  "dotted.key": 2
}

describe("buildPreview", () => {
  it("EXCLUDE_ALL shows only included fields; a name matches any path segment unless match is PATH", () => {
    assert.deepStrictEqual(buildPreview(order, { mode: PreviewMode.EXCLUDE_ALL, include: [{ name: "city" }] }), {
      customer: { address: { city: "London" } }
    })
    assert.deepStrictEqual(
      buildPreview(order, {
        mode: PreviewMode.EXCLUDE_ALL,
        include: [{ name: "customer.name", match: FieldMatchMode.PATH }]
      }),
      { customer: { name: "Ada" } }
    )
    // including an object's path does not include its leaves (as in the official SDK)
    assert.isUndefined(
      buildPreview(order, {
        mode: PreviewMode.EXCLUDE_ALL,
        include: [{ name: "customer", match: FieldMatchMode.PATH }]
      })
    )
    assert.isUndefined(
      buildPreview(order, { mode: PreviewMode.EXCLUDE_ALL, include: [{ name: "city", match: FieldMatchMode.PATH }] })
    )
  })

  it("INCLUDE_ALL with exclusions and masks; dotted keys skipped; arrays walked without indexes", () => {
    assert.deepStrictEqual(
      buildPreview(order, {
        mode: PreviewMode.INCLUDE_ALL,
        exclude: [{ name: "address" }],
        mask: [{ name: "email" }],
        maskString: "<hidden>"
      }),
      { id: "o-1", customer: { name: "Ada", email: "<hidden>" }, items: { sku: "a", price: 3 }, __proto__x: 1 }
    )
  })

  it("stops before maxPreviewBytes and returns undefined for non-objects", () => {
    assert.deepStrictEqual(buildPreview({ a: 1, b: 2 }, { mode: PreviewMode.INCLUDE_ALL, maxPreviewBytes: 10 }), {
      a: 1
    })
    assert.isUndefined(buildPreview("text", { mode: PreviewMode.INCLUDE_ALL }))
    assert.isUndefined(buildPreview({ a: 1 }, { mode: PreviewMode.INCLUDE_ALL, maxPreviewBytes: 3 }))
  })
})
