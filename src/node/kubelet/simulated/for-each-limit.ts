/**
 * Runs an async function over many items with a bounded number in flight: registering 5,000 nodes must not open
 * 5,000 requests at once, nor take 5,000 round trips one after another.
 */

/** Calls `fn` for every item, at most `limit` at a time; resolves when all are done, rejects with the first error. */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure && !signal?.aborted) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.err;
}
