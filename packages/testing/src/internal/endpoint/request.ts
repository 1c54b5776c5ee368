/**
 * The endpoint's view of an HTTP request, shared by the server, the guard and the router (not part of the
 * package's surface).
 */

/** A request as read from the socket. */
export interface IncomingRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  /** The body as UTF-8 text (empty when it exceeded the limit). */
  readonly body: string
  readonly bodyBytes: number
  readonly tooLarge: boolean
}
