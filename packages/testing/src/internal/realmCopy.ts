/**
 * A deep copy made with this module's own `Date`, `Array` and `Object`: the values a result hands out belong
 * to the realm the test runs in, even when something upstream produced them with a host function
 * (`structuredClone` under Jest's VM contexts returns objects of the host realm, so `instanceof Date` fails).
 *
 * @internal
 */
export const realmCopy = <A>(value: A): A => copy(value) as A

/**
 * This realm's `Date`, captured when the module loads: under `skipTime` the global `Date` is a fake one
 * whose constructor is several times slower, and a copy has an explicit time anyway.
 */
const NativeDate: DateConstructor = Date

const copy = (value: unknown): unknown => {
  if (value === null || typeof value !== "object") return value
  const tag = Object.prototype.toString.call(value)
  if (tag === "[object Date]") return new NativeDate((value as Date).getTime())
  if (Array.isArray(value)) return value.map(copy)
  if (value instanceof Uint8Array) return new Uint8Array(value)
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) out[key] = copy((value as Record<string, unknown>)[key])
  return out
}

/**
 * Whether `structuredClone` builds its copies in this realm (it does, except where it is a host function seen
 * from a VM context). Probed at each use, not once: a test framework may swap the global between runs.
 */
const clonesInThisRealm = (): boolean => {
  try {
    const probe = structuredClone({ list: [new NativeDate(0)] })
    return (
      Object.getPrototypeOf(probe) === Object.prototype &&
      Object.getPrototypeOf(probe.list) === Array.prototype &&
      Object.getPrototypeOf(probe.list[0]) === NativeDate.prototype
    )
  } catch {
    return false
  }
}

/**
 * `realmCopy` of a value that is already a fresh copy made by the service (`ServiceState.getHistory`: plain
 * data copied in its own module's realm, `structuredClone` for anything else): the value itself when
 * `structuredClone` builds in this realm, a second copy when it may not.
 */
export const realmCopyOfClone = <A>(value: A): A => (clonesInThisRealm() ? value : realmCopy(value))
