const encoder = new TextEncoder()

/** UTF-8 byte length of a string, without allocating for pure-ASCII strings. */
export const utf8Length = (s: string): number => {
  let ascii = true
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false
      break
    }
  }
  return ascii ? s.length : encoder.encode(s).length
}
