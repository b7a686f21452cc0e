/**
 * Runs the proxy's sync function at a bounded rate, as kube-proxy's BoundedFrequencyRunner with its
 * --min-sync-period (default 1 s): changes that arrive while a sync is waiting or running are folded into the next
 * one, so a burst of ten Service or endpoint changes costs one kernel transaction, not ten.
 *  - A request waits `coalesceMs` (so the rest of a burst arrives) and at least until `minIntervalMs` after the
 *    previous sync started.
 *  - At most one sync runs at a time; a request during a sync schedules exactly one more.
 *  - A failed sync is retried after `retryMs`, whether or not anything else changes.
 */
import { realClock, type Clock, type TimerHandle } from '../../util/clock.js';

/** Options of {@link SyncRunner}. */
export interface SyncRunnerOptions {
  /** Minimum time between the starts of two syncs (ms). */
  minIntervalMs: number;
  /** How long a first change waits for the rest of its burst (ms). */
  coalesceMs?: number;
  /** Delay before retrying a failed sync (ms). */
  retryMs?: number;
  clock?: Clock;
  /** Told about each failed sync (it is retried regardless). */
  onError?: (err: unknown) => void;
}

/** Rate-limited, coalescing runner of one async function. */
export class SyncRunner {
  private readonly clock: Clock;
  private timer: TimerHandle | undefined;
  private dueAt = 0;
  private running: Promise<void> | undefined;
  private pending = false;
  private lastStart = -Infinity;
  private stopped = false;

  constructor(private readonly fn: () => Promise<void>, private readonly opts: SyncRunnerOptions) {
    this.clock = opts.clock ?? realClock;
  }

  /** Asks for a sync soon (within the rate bound). */
  request(): void {
    if (this.stopped) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    const at = Math.max(this.clock.now() + (this.opts.coalesceMs ?? 0), this.lastStart + this.opts.minIntervalMs);
    this.schedule(at);
  }

  /** Runs a sync now (after any running one), ignoring the rate bound; rejects if it fails. */
  async runNow(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
    this.cancelTimer();
    await this.start(true);
  }

  /** Stops scheduling; resolves when a running sync has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer();
    await this.running?.catch(() => undefined);
  }

  private schedule(at: number): void {
    if (this.timer && this.dueAt <= at) return;
    this.cancelTimer();
    this.dueAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.start(false).catch(() => undefined);
    }, Math.max(0, at - this.clock.now()));
  }

  private cancelTimer(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private start(rethrow: boolean): Promise<void> {
    this.pending = false;
    this.lastStart = this.clock.now();
    const run = (async () => {
      try {
        await this.fn();
      } catch (err) {
        this.opts.onError?.(err);
        if (!this.stopped) this.schedule(this.clock.now() + (this.opts.retryMs ?? this.opts.minIntervalMs));
        if (rethrow) throw err;
      } finally {
        this.running = undefined;
        if (this.pending && !this.stopped) this.request();
      }
    })();
    this.running = run;
    return run;
  }
}
