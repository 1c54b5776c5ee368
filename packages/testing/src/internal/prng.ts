/**
 * A small deterministic PRNG (mulberry32 over a string hash), so fault schedules and generated conformance
 * variables reproduce exactly from a seed on every platform.
 *
 * @internal
 */

/** FNV-1a hash of a string to 32 bits. */
export const hash32 = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** A generator of floats in [0, 1) from a seed. */
export const prng = (seed: string | number): (() => number) => {
  let a = typeof seed === "number" ? seed >>> 0 : hash32(seed)
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** An integer in [min, max] (inclusive). */
export const intBetween = (next: () => number, min: number, max: number): number =>
  min + Math.floor(next() * (max - min + 1))
