/**
 * A portable `util.format`: the default logger's message formatting on runtimes without `node:util`. The
 * directives (`%s`, `%d`, `%i`, `%f`, `%j`, `%o`, `%O`, `%c`, `%%`) and the joining of surplus arguments follow
 * Node's rules; objects are rendered as JSON where Node would use `util.inspect` (the Node platform layer of
 * `@durable-lambda/backend-aws` supplies the real `util.format`).
 *
 * @internal
 */

const inspect = (value: unknown): string => {
  if (typeof value === "string") return `'${value}'`
  return show(value)
}

/** What `util.inspect` would print, approximated without `node:util`. */
const show = (value: unknown): string => {
  switch (typeof value) {
    case "string":
      return value
    case "bigint":
      return `${value}n`
    case "number":
      return Object.is(value, -0) ? "-0" : String(value)
    case "undefined":
    case "boolean":
    case "symbol":
      return String(value)
    case "function":
      return value.name === "" ? "[Function (anonymous)]" : `[Function: ${value.name}]`
  }
  if (value === null) return "null"
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

const asString = (value: unknown): string => {
  if (typeof value === "object" && value !== null && !(value instanceof Error)) {
    const own = (value as { toString?: unknown }).toString
    if (own !== Object.prototype.toString && own !== Array.prototype.toString && typeof own === "function") {
      return String(value)
    }
    return show(value)
  }
  return show(value)
}

const asNumber = (value: unknown, parse?: (s: string) => number): string => {
  if (typeof value === "bigint") return parse === parseFloat ? String(Number(value)) : `${value}n`
  if (typeof value === "symbol") return "NaN"
  if (typeof value === "object" && value !== null) return parse === undefined ? String(Number(value)) : "NaN"
  const n = parse === undefined ? Number(value) : parse(String(value))
  return Object.is(n, -0) ? "-0" : String(n)
}

const asJson = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? "undefined"
  } catch (cause) {
    if (cause instanceof TypeError && /circular/i.test(cause.message)) return "[Circular]"
    throw cause
  }
}

/**
 * Formats log arguments as Node's `util.format` does (see the module note for where it approximates).
 *
 * @internal
 */
export const formatArgs = (args: ReadonlyArray<unknown>): string => {
  if (args.length === 0) return ""
  const first = args[0]
  let next = 1
  let out = ""
  if (typeof first === "string") {
    if (args.length === 1) return first
    let last = 0
    for (let i = 0; i < first.length - 1; i++) {
      if (first.charCodeAt(i) !== 37 /* % */) continue
      const directive = first[i + 1]!
      let piece: string | undefined
      if (directive === "%") {
        out += first.slice(last, i) + "%"
        last = i + 2
        i++
        continue
      }
      if (next >= args.length) {
        if ("sdifjoOc".includes(directive)) {
          i++
        }
        continue
      }
      switch (directive) {
        case "s":
          piece = asString(args[next])
          break
        case "d":
          piece = asNumber(args[next])
          break
        case "i":
          piece = asNumber(args[next], parseInt)
          break
        case "f":
          piece = asNumber(args[next], parseFloat)
          break
        case "j":
          piece = asJson(args[next])
          break
        case "o":
        case "O":
          piece = inspect(args[next])
          break
        case "c":
          piece = ""
          break
      }
      if (piece === undefined) continue
      out += first.slice(last, i) + piece
      last = i + 2
      next++
      i++
    }
    out += first.slice(last)
  } else {
    out = inspect(first)
  }
  for (; next < args.length; next++) {
    const arg = args[next]
    out += " " + (typeof arg === "string" ? arg : inspect(arg))
  }
  return out
}
