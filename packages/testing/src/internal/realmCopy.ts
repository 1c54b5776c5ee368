/**
 * A deep copy made with this module's own `Date`, `Array` and `Object`: the values a result hands out belong
 * to the realm the test runs in, even when something upstream produced them with a host function
 * (`structuredClone` under Jest's VM contexts returns objects of the host realm, so `instanceof Date` fails).
 *
 * @internal
 */
export const realmCopy = <A>(value: A): A => copy(value) as A

const copy = (value: unknown): unknown => {
  if (value === null || typeof value !== "object") return value
  const tag = Object.prototype.toString.call(value)
  if (tag === "[object Date]") return new Date((value as Date).getTime())
  if (Array.isArray(value)) return value.map(copy)
  if (value instanceof Uint8Array) return new Uint8Array(value)
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) out[key] = copy((value as Record<string, unknown>)[key])
  return out
}
