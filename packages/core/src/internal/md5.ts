/**
 * MD5 of a UTF-8 string as lowercase hex, in plain TypeScript (no `node:crypto`), so the engine runs on every
 * JavaScript runtime. Operation ids are short, so a straightforward implementation is fast enough.
 */
const S = [
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 4,
  11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21
]
const K = new Int32Array(64)
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 0x100000000) | 0

const encoder = new TextEncoder()
const HEX = "0123456789abcdef"

/** Lowercase hex MD5 digest of the UTF-8 encoding of `input`. */
export const md5Hex = (input: string): string => {
  const bytes = encoder.encode(input)
  const length = bytes.length
  const blocks = ((length + 8) >>> 6) + 1
  const words = new Int32Array(blocks * 16)
  for (let i = 0; i < length; i++) words[i >> 2]! |= bytes[i]! << ((i % 4) * 8)
  words[length >> 2]! |= 0x80 << ((length % 4) * 8)
  words[blocks * 16 - 2] = (length * 8) | 0
  words[blocks * 16 - 1] = Math.floor(length / 0x20000000)
  let a0 = 0x67452301
  let b0 = 0xefcdab89 | 0
  let c0 = 0x98badcfe | 0
  let d0 = 0x10325476
  for (let block = 0; block < blocks; block++) {
    let a = a0
    let b = b0
    let c = c0
    let d = d0
    for (let i = 0; i < 64; i++) {
      let f: number
      let g: number
      if (i < 16) {
        f = (b & c) | (~b & d)
        g = i
      } else if (i < 32) {
        f = (d & b) | (~d & c)
        g = (5 * i + 1) % 16
      } else if (i < 48) {
        f = b ^ c ^ d
        g = (3 * i + 5) % 16
      } else {
        f = c ^ (b | ~d)
        g = (7 * i) % 16
      }
      const temp = d
      d = c
      c = b
      const sum = (a + f + K[i]! + words[block * 16 + g]!) | 0
      b = (b + ((sum << S[i]!) | (sum >>> (32 - S[i]!)))) | 0
      a = temp
    }
    a0 = (a0 + a) | 0
    b0 = (b0 + b) | 0
    c0 = (c0 + c) | 0
    d0 = (d0 + d) | 0
  }
  let out = ""
  for (const word of [a0, b0, c0, d0]) {
    for (let i = 0; i < 4; i++) {
      const byte = (word >>> (i * 8)) & 0xff
      out += HEX[byte >>> 4]! + HEX[byte & 0x0f]!
    }
  }
  return out
}
