/**
 * MD5 of a UTF-8 string as lowercase hex, in plain TypeScript (no `node:crypto`), so the engine runs on every
 * JavaScript runtime. Operation ids are short ASCII strings hashed on every operation, so those take a fast path
 * that fills one reused 64-byte block without allocating.
 */
const S = [
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 4,
  11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21
]
const K = new Int32Array(64)
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 0x100000000) | 0
const G = new Uint8Array(64)
for (let i = 0; i < 64; i++) G[i] = i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16

const encoder = new TextEncoder()
const HEX: Array<string> = []
for (let i = 0; i < 256; i++) HEX.push((i < 16 ? "0" : "") + i.toString(16))

/** One 512-bit block: mixes `words[offset .. offset+15]` into `state`. */
const block = (state: Int32Array, words: Int32Array, offset: number): void => {
  let a = state[0]!
  let b = state[1]!
  let c = state[2]!
  let d = state[3]!
  for (let i = 0; i < 64; i++) {
    const f = i < 16 ? (b & c) | (~b & d) : i < 32 ? (d & b) | (~d & c) : i < 48 ? b ^ c ^ d : c ^ (b | ~d)
    const temp = d
    d = c
    c = b
    const sum = (a + f + K[i]! + words[offset + G[i]!]!) | 0
    const s = S[i]!
    b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0
    a = temp
  }
  state[0] = (state[0]! + a) | 0
  state[1] = (state[1]! + b) | 0
  state[2] = (state[2]! + c) | 0
  state[3] = (state[3]! + d) | 0
}

const hex = (state: Int32Array): string => {
  let out = ""
  for (let w = 0; w < 4; w++) {
    const word = state[w]!
    out += HEX[word & 0xff]! + HEX[(word >>> 8) & 0xff]! + HEX[(word >>> 16) & 0xff]! + HEX[(word >>> 24) & 0xff]!
  }
  return out
}

const init = (state: Int32Array): void => {
  state[0] = 0x67452301
  state[1] = 0xefcdab89 | 0
  state[2] = 0x98badcfe | 0
  state[3] = 0x10325476
}

const shortWords = new Int32Array(16)
const shortState = new Int32Array(4)

/** Lowercase hex MD5 digest of the UTF-8 encoding of `input`. */
export const md5Hex = (input: string): string => {
  const n = input.length
  if (n < 56) {
    let ascii = true
    for (let i = 0; i < n; i++) if (input.charCodeAt(i) > 0x7f) ascii = false
    if (ascii) {
      shortWords.fill(0)
      for (let i = 0; i < n; i++) shortWords[i >> 2]! |= input.charCodeAt(i) << ((i % 4) * 8)
      shortWords[n >> 2]! |= 0x80 << ((n % 4) * 8)
      shortWords[14] = n * 8
      init(shortState)
      block(shortState, shortWords, 0)
      return hex(shortState)
    }
  }
  const bytes = encoder.encode(input)
  const length = bytes.length
  const blocks = ((length + 8) >>> 6) + 1
  const words = new Int32Array(blocks * 16)
  for (let i = 0; i < length; i++) words[i >> 2]! |= bytes[i]! << ((i % 4) * 8)
  words[length >> 2]! |= 0x80 << ((length % 4) * 8)
  words[blocks * 16 - 2] = (length * 8) | 0
  words[blocks * 16 - 1] = Math.floor(length / 0x20000000)
  const state = new Int32Array(4)
  init(state)
  for (let i = 0; i < blocks; i++) block(state, words, i * 16)
  return hex(state)
}
