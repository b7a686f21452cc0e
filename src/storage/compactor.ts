/**
 * The periodic compaction policy shared by both drivers, as kube-apiserver's storage compactor: every interval,
 * compact to the revision that was current at the previous tick. That keeps at least one interval of history
 * (5 minutes by default, like kube-apiserver's --etcd-compaction-interval) for watchers that reconnect, and here
 * additionally at least `retainRevisions` revisions (as kine keeps 1000), so a burst cannot outrun slow watchers.
 */
import { logger } from '../util/log.js';
import type { Backend } from './backend.js';

const log = logger('storage-compactor');

/** Options for {@link startCompactor}. */
export interface CompactorOptions {
  /** Milliseconds between compactions; 0 or negative disables the compactor. Default 5 minutes. */
  intervalMs?: number;
  /** Always keep at least this many recent revisions. Default 1000. */
  retainRevisions?: number;
}

/** Default compaction interval: 5 minutes, as kube-apiserver. */
export const DEFAULT_COMPACT_INTERVAL_MS = 5 * 60_000;
/** Default number of recent revisions kept by the compactor, as kine. */
export const DEFAULT_COMPACT_RETAIN = 1000;

/** A running compactor; `stop` clears its timer. */
export interface Compactor {
  stop(): void;
}

/** Starts compacting `backend` periodically. The timer does not keep the process alive. */
export function startCompactor(
  backend: Pick<Backend, 'currentRevision' | 'compactedRevision' | 'compact'>,
  opts: CompactorOptions = {},
): Compactor {
  const intervalMs = opts.intervalMs ?? DEFAULT_COMPACT_INTERVAL_MS;
  const retain = opts.retainRevisions ?? DEFAULT_COMPACT_RETAIN;
  if (intervalMs <= 0) return { stop() {} };
  let previous = 0;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const current = await backend.currentRevision();
      const target = Math.min(previous, current - retain);
      previous = current;
      if (target > (await backend.compactedRevision())) {
        await backend.compact(target);
        log.debug('compacted', { revision: target });
      }
    } catch (err) {
      log.warn('compaction failed', { err });
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
