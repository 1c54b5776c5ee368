import { assert, describe, it } from "@effect/vitest"
import { OperationId } from "@durable-lambda/core"

describe("OperationId", () => {
  it("hash: matches the service's golden ids", () => {
    assert.strictEqual(OperationId.hash("1"), "c4ca4238a0b92382")
    assert.strictEqual(OperationId.hash("2"), "c81e728d9d4c2f63")
    assert.strictEqual(OperationId.hash("1-1"), "ea66c06c1e1c05fa")
    assert.strictEqual(OperationId.hash("1-2"), "98c6f2c2287f4c73")
    assert.strictEqual(OperationId.hash("1-1-1"), "2f221a18eb863803")
    assert.strictEqual(OperationId.hash("2-1"), "8fbdbf5573b18fae")
  })

  it("hash: handles multi-block and multi-byte input like MD5", () => {
    assert.strictEqual(OperationId.hash(""), "d41d8cd98f00b204")
    assert.strictEqual(OperationId.hash("The quick brown fox jumps over the lazy dog"), "9e107d9d372bb682")
    assert.strictEqual(OperationId.hash("é"), "66ddcd97cfdeabb2")
    assert.strictEqual(OperationId.hash("x".repeat(200)), "30a83621ce5422fb")
  })

  it("child: numbers operations per context", () => {
    assert.strictEqual(OperationId.child(undefined, 3), "3")
    assert.strictEqual(OperationId.child("2-1", 3), "2-1-3")
  })
})
