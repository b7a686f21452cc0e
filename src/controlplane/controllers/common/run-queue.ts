/**
 * The run loop every queue-driven controller shares: `workers` concurrent syncs over a rate-limited queue until
 * the signal aborts (then the queue shuts down and in-flight syncs finish). A failed sync is logged and requeued
 * with the queue's rate limiter, as client-go controllers' processNextWorkItem/handleErr do.
 */
import { runWorkers, type RateLimitingQueue } from '../../../client/index.js';
import { StatusError } from '../../../apimachinery/errors/status-error.js';
import { logger } from '../../../util/log.js';

function isConflict(err: unknown): boolean {
  return err instanceof StatusError && err.code === 409 && err.reason === 'Conflict';
}

/** Options of {@link runQueue}. */
export interface RunQueueOptions {
  /** Controller name for log lines. */
  name: string;
  workers: number;
  signal: AbortSignal;
}

/** Runs `sync` over `queue` with `workers` workers until `signal` aborts. */
export async function runQueue(queue: RateLimitingQueue<string>, sync: (key: string) => Promise<void>, opts: RunQueueOptions): Promise<void> {
  const log = logger(opts.name);
  const stop = () => queue.shutDown();
  if (opts.signal.aborted) stop();
  else opts.signal.addEventListener('abort', stop, { once: true });
  try {
    await runWorkers(queue, Math.max(1, opts.workers), sync, {
      // A conflict only means the cache was behind a write; the retry reads the newer version. Not worth a warning.
      onError: (key, err) => (isConflict(err) ? log.debug : log.warn)('sync failed; requeueing', { key, error: err }),
    });
  } finally {
    opts.signal.removeEventListener('abort', stop);
  }
}
