/**
 * The official SDK's overload rule, shared by every operation: a string (or `undefined`) first argument is the
 * operation's name; anything else means the call has no name. Returns the arguments with the name first.
 */
export const withName = (args: ReadonlyArray<any>): ReadonlyArray<any> =>
  typeof args[0] === "string" || args[0] === undefined ? args : [undefined, ...args]

/** An operation's arguments after the overload rule: name, body and config. */
export interface NamedCall<B, C> {
  readonly name: string | undefined
  readonly body: B
  readonly config: C | undefined
}

/**
 * Parses `([name], body, [config])` the same way for both faces: the overload rule of `withName`, then the
 * body checked with `isBody` (a function for the async API, an Effect for the Effect API). Throws a `TypeError`
 * with `message` when the body is missing or of the wrong kind.
 */
export const parseNamedCall = <B, C>(
  args: ReadonlyArray<unknown>,
  isBody: (u: unknown) => u is B,
  message: string
): NamedCall<B, C> => {
  const [name, body, config] = withName(args)
  if (!isBody(body)) throw new TypeError(message)
  return { name, body, config }
}

/** The body check of the async API. */
export const isFunction = (u: unknown): u is (...args: Array<any>) => any => typeof u === "function"
