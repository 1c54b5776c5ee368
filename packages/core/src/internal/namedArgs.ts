/**
 * The official SDK's overload rule, shared by every operation: a string (or `undefined`) first argument is the
 * operation's name; anything else means the call has no name. Returns the arguments with the name first.
 */
export const withName = (args: ReadonlyArray<any>): ReadonlyArray<any> =>
  typeof args[0] === "string" || args[0] === undefined ? args : [undefined, ...args]
