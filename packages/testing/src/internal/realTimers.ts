/**
 * The platform's timer functions, captured when this module loads, before any fake timers are installed:
 * the harness's own bookkeeping must keep real time even while `skipTime` fakes the global ones.
 *
 * @internal
 */
export const realSetTimeout: typeof setTimeout = globalThis.setTimeout.bind(globalThis) as typeof setTimeout
export const realClearTimeout: typeof clearTimeout = globalThis.clearTimeout.bind(globalThis) as typeof clearTimeout
export const realSetInterval: typeof setInterval = globalThis.setInterval.bind(globalThis) as typeof setInterval
export const realClearInterval: typeof clearInterval = globalThis.clearInterval.bind(globalThis) as typeof clearInterval
export const realDateNow: () => number = Date.now.bind(Date)
