/**
 * Small async helpers shared by every long-running loop: abortable delays on an injected Clock, jitter, and
 * recognising abort errors.
 */
import { realClock, type Clock } from './clock.js';

/** Options for `delay`. */
export interface DelayOptions {
  signal?: AbortSignal;
  clock?: Clock;
}

/** The error a delay rejects with when its signal aborts: the signal's reason, or a plain AbortError. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/**
 * Resolves after `ms` milliseconds of the given clock. Rejects with the signal's reason as soon as `signal` aborts,
 * so loops written as `await delay(...)` stop promptly on shutdown.
 */
export function delay(ms: number, opts: DelayOptions = {}): Promise<void> {
  const { signal, clock = realClock } = opts;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Like `delay`, but resolves (instead of rejecting) on abort and reports whether the full time elapsed. Convenient
 * for `while (await sleep(ms, {signal}))` loops.
 */
export async function sleep(ms: number, opts: DelayOptions = {}): Promise<boolean> {
  try {
    await delay(ms, opts);
    return true;
  } catch (err) {
    if (opts.signal?.aborted) return false;
    throw err;
  }
}

/** `ms` plus up to `factor`·`ms` of random extra, to keep many clients from retrying in lock step. */
export function jitter(ms: number, factor = 1): number {
  return ms + Math.random() * factor * ms;
}

/** True for errors produced by an aborted signal (DOMException/Error named AbortError, or node's ABORT_ERR). */
export function isAbortError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: string; code?: string };
  return e.name === 'AbortError' || e.code === 'ABORT_ERR';
}
