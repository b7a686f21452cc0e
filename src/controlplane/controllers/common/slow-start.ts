/**
 * Slow-start batching, as kube-controller-manager's slowStartBatch: run `count` calls in batches of 1, 2, 4, 8, …
 * (each batch fully concurrent), stopping after the first batch with a failure. When the API refuses every call
 * (quota, admission, a bad template) the controller makes one failing request instead of hundreds; when it accepts
 * them the batches grow fast enough that 500 pods take ten round trips.
 */

/** What a slow-start run achieved. */
export interface SlowStartResult {
  /** Calls that succeeded. */
  successes: number;
  /** The first error of the failing batch, if any; later batches were not attempted. */
  error?: unknown;
  /** Calls never attempted because an earlier batch failed. */
  skipped: number;
}

/** Runs `fn(i)` for i in 0..count-1 in doubling batches starting at `initialBatchSize` (default 1). */
export async function slowStartBatch(count: number, fn: (index: number) => Promise<void>, initialBatchSize = 1): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  let index = 0;
  for (let size = Math.min(remaining, initialBatchSize); size > 0; size = Math.min(2 * size, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => fn(index++)));
    let error: unknown;
    for (const r of results) {
      if (r.status === 'fulfilled') successes++;
      else if (error === undefined) error = r.reason ?? new Error('slow-start call failed');
    }
    remaining -= size;
    if (error !== undefined) return { successes, error, skipped: remaining };
  }
  return { successes, skipped: 0 };
}
