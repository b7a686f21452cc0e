/**
 * SpreadTicker: runs one periodic action for each of many items (a lease renewal per simulated node), spread
 * evenly over the period instead of all at once, with a bounded number in flight.
 *
 * Item i of n is due at start + i·period/n, then every period. Due items are gathered in small batches (every
 * `batchMs`) into a FIFO and started while fewer than `concurrency` are running. An item still waiting when its
 * next turn comes is not queued twice. A failed action is retried after `retryMs`, as the kubelet's lease
 * controller retries quickly rather than waiting a whole period.
 *
 * It measures whether it keeps up: lag (start − due), failures, and the longest gap between two successes of one
 * item, which is what a node lifecycle controller would see as the lease's age.
 */
import { realClock, type Clock, type TimerHandle } from '../../../util/clock.js';
import { LatencyWindow, type LatencySummary } from './latency-window.js';

/** Options of a SpreadTicker. */
export interface SpreadTickerOptions {
  /** The period of every item (ms). */
  periodMs: number;
  /** Most actions running at once. */
  concurrency: number;
  /** How often due items are gathered (ms, default 20). */
  batchMs?: number;
  /** Delay before retrying a failed action (ms, default 1000). */
  retryMs?: number;
  clock?: Clock;
  /** Called when an action fails (it is retried regardless). */
  onError?: (index: number, err: unknown) => void;
}

/** What the ticker measured since the last `stats(true)`. */
export interface SpreadTickerStats {
  items: number;
  succeeded: number;
  failed: number;
  /** Start time minus due time of each action, ms. */
  lag: LatencySummary;
  /** Longest time between two successes of one item in the window, ms. */
  maxGapMs: number;
  /** Items whose last success is older than two periods right now. */
  stale: number;
  /** Waiting to start, and running, right now. */
  backlog: number;
  inFlight: number;
}

interface Due {
  index: number;
  due: number;
}

/** Spreads a periodic action over many items. */
export class SpreadTicker {
  private readonly clock: Clock;
  private readonly batchMs: number;
  private readonly retryMs: number;
  private readonly queued: Uint8Array;
  private readonly lastOk: Float64Array;
  private pending: Due[] = [];
  private head = 0;
  private start = 0;
  private cursor = 0;
  private round = 0;
  private inFlight = 0;
  private timer: TimerHandle | undefined;
  private readonly retries = new Set<TimerHandle>();
  private stopped = false;
  private idle: (() => void) | undefined;
  private readonly lag = new LatencyWindow();
  private succeeded = 0;
  private failed = 0;
  private maxGap = 0;

  constructor(private readonly count: number, private readonly action: (index: number) => Promise<void>, private readonly opts: SpreadTickerOptions) {
    this.clock = opts.clock ?? realClock;
    this.batchMs = opts.batchMs ?? 20;
    this.retryMs = opts.retryMs ?? 1000;
    this.queued = new Uint8Array(count);
    this.lastOk = new Float64Array(count);
  }

  /** Records that item `index` succeeded at `at` outside the ticker (e.g. at registration). */
  markDone(index: number, at: number): void {
    this.lastOk[index] = at;
  }

  /** Runs until `signal` aborts; resolves once no action is in flight any more. */
  run(signal: AbortSignal): Promise<void> {
    if (this.count === 0 || signal.aborted) return Promise.resolve();
    this.start = this.clock.now();
    const done = new Promise<void>((resolve) => (this.idle = resolve));
    signal.addEventListener('abort', () => this.stop(), { once: true });
    this.wake();
    return done;
  }

  /** The measurements so far; `reset` starts a new window (counters, lag samples and the longest gap). */
  stats(reset = false): SpreadTickerStats {
    const now = this.clock.now();
    let stale = 0;
    const limit = now - 2 * this.opts.periodMs;
    for (let i = 0; i < this.count; i++) if ((this.lastOk[i] || this.start) < limit) stale++;
    const s: SpreadTickerStats = {
      items: this.count, succeeded: this.succeeded, failed: this.failed, lag: reset ? this.lag.take() : this.lag.summary(),
      maxGapMs: this.maxGap, stale, backlog: this.pending.length - this.head, inFlight: this.inFlight,
    };
    if (reset) {
      this.succeeded = 0;
      this.failed = 0;
      this.maxGap = 0;
    }
    return s;
  }

  private dueAt(index: number, round: number): number {
    return this.start + round * this.opts.periodMs + (index * this.opts.periodMs) / this.count;
  }

  private wake(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const now = this.clock.now();
    for (let due = this.dueAt(this.cursor, this.round); due <= now; due = this.dueAt(this.cursor, this.round)) {
      this.enqueue(this.cursor, due);
      if (++this.cursor === this.count) {
        this.cursor = 0;
        this.round++;
      }
    }
    this.pump();
    const next = Math.max(this.dueAt(this.cursor, this.round), now + this.batchMs);
    this.timer = this.clock.setTimeout(() => this.wake(), next - now);
  }

  private enqueue(index: number, due: number): void {
    if (this.queued[index]) return;
    this.queued[index] = 1;
    this.pending.push({ index, due });
  }

  private pump(): void {
    while (!this.stopped && this.inFlight < this.opts.concurrency && this.head < this.pending.length) {
      const item = this.pending[this.head++];
      if (this.head > 4096 && this.head * 2 > this.pending.length) {
        this.pending = this.pending.slice(this.head);
        this.head = 0;
      }
      this.begin(item);
    }
  }

  private begin(item: Due): void {
    this.inFlight++;
    const started = this.clock.now();
    this.lag.record(started - item.due);
    this.action(item.index).then(
      () => {
        const now = this.clock.now();
        const prev = this.lastOk[item.index];
        if (prev > 0) this.maxGap = Math.max(this.maxGap, now - prev);
        this.lastOk[item.index] = now;
        this.succeeded++;
        this.finish(item.index);
      },
      (err: unknown) => {
        this.failed++;
        this.opts.onError?.(item.index, err);
        this.finish(item.index);
        if (this.stopped) return;
        const t = this.clock.setTimeout(() => {
          this.retries.delete(t);
          if (!this.stopped) {
            this.enqueue(item.index, this.clock.now());
            this.pump();
          }
        }, this.retryMs);
        this.retries.add(t);
      },
    );
  }

  private finish(index: number): void {
    this.queued[index] = 0;
    this.inFlight--;
    if (this.stopped) {
      if (this.inFlight === 0) this.idle?.();
    } else {
      this.pump();
    }
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    for (const t of this.retries) this.clock.clearTimeout(t);
    this.retries.clear();
    if (this.inFlight === 0) this.idle?.();
  }
}
