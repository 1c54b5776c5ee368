/**
 * Durations as the official SDK writes them (`{ days?, hours?, minutes?, seconds? }`) and their conversion to
 * the whole seconds the service accepts.
 *
 * @since 0.1.0
 */

/**
 * At least one of `days`, `hours`, `minutes`, `seconds`.
 *
 * @since 0.1.0
 */
export type Duration =
  | { days: number; hours?: number; minutes?: number; seconds?: number }
  | { hours: number; minutes?: number; seconds?: number }
  | { minutes: number; seconds?: number }
  | { seconds: number }

/** Total seconds of a duration (missing units count as 0). @since 0.1.0 */
export const toSeconds = (d: Duration): number => {
  const {
    days = 0,
    hours = 0,
    minutes = 0,
    seconds = 0
  } = d as {
    days?: number
    hours?: number
    minutes?: number
    seconds?: number
  }
  return days * 86_400 + hours * 3_600 + minutes * 60 + seconds
}

/** The service's longest wait or retry delay: 366 days. @since 0.1.0 */
export const MAX_SECONDS = 31_622_400

/**
 * Seconds of a duration, checked against the service's rules (a whole number from 1 to 31 622 400). Throws a
 * `TypeError` naming `what` otherwise, before anything is checkpointed.
 *
 * @since 0.1.0
 */
export const toValidSeconds = (d: Duration, what: string): number => {
  if (typeof d !== "object" || d === null)
    throw new TypeError(`${what}: expected a duration object such as { seconds: 30 }`)
  const seconds = toSeconds(d)
  if (!Number.isFinite(seconds) || !Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SECONDS) {
    throw new TypeError(
      `${what}: duration must be a whole number of seconds between 1 and ${MAX_SECONDS}, got ${JSON.stringify(d)} (${seconds} s)`
    )
  }
  return seconds
}
