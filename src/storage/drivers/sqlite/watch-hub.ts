/**
 * WatchHub: the in-process watch fan-out of the SQLite driver.
 *
 * The backend publishes every committed write; the hub batches them and hands each watcher the events under its
 * prefix once per tick (setImmediate), so a burst of writes costs one callback per watcher, not one per write.
 *
 * A watcher that starts behind the current revision first replays from the log, in chunks so a long replay does
 * not block the event loop, and only then goes live. The hand-off has no gap and no duplicate because:
 * - every watcher remembers the revision of the last event it was given (`lastRev`) and is never given an event at
 *   or below it;
 * - a replaying watcher ignores live batches; its last replay chunk reads the log up to the current revision
 *   synchronously and goes live in the same turn, so every later write reaches it through the live path;
 * - writes are only published while at least one watcher exists; a watcher created later replays them from the log.
 */
import { CompactedError, type WatchEvent, type WatchOptions } from '../../backend.js';
import { prefixEnd } from '../../key-range.js';

/** The read side of the log that replay needs. All calls are synchronous. */
export interface ChangeLog {
  currentRevision(): number;
  compactedRevision(): number;
  /** Events for keys in [start, end) with after < revision <= upto, in revision order, at most `limit`. */
  changes(after: number, upto: number, start: string, end: string, limit: number): WatchEvent[];
}

/** Options for {@link WatchHub}. */
export interface WatchHubOptions {
  /** A watcher with nothing delivered for this long gets onProgress. Default 5000 ms; 0 disables. */
  progressIntervalMs?: number;
  /** Rows read per replay step. Default 1000. */
  replayChunk?: number;
}

interface Watcher {
  prefix: string;
  end: string;
  lastRev: number;
  live: boolean;
  /** When this watcher last got events or progress (ms). */
  lastSent: number;
  opts: WatchOptions;
  onAbort: () => void;
}

/** Fans committed writes out to in-process watchers. */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private pending: WatchEvent[] = [];
  private flushScheduled = false;
  private readonly progressTimer: NodeJS.Timeout | undefined;
  private readonly replayChunk: number;
  private readonly progressIntervalMs: number;

  constructor(private readonly log: ChangeLog, opts: WatchHubOptions = {}) {
    this.replayChunk = opts.replayChunk ?? 1000;
    this.progressIntervalMs = opts.progressIntervalMs ?? 5000;
    if (this.progressIntervalMs > 0) {
      this.progressTimer = setInterval(() => this.sendProgress(), Math.max(10, this.progressIntervalMs / 2));
      this.progressTimer.unref();
    }
  }

  /** True when some watcher exists, i.e. writes must be published. Lets the write path skip building events. */
  get active(): boolean {
    return this.watchers.size > 0;
  }

  /** Records a committed write for delivery on the next tick. Events must be published in revision order. */
  publish(ev: WatchEvent): void {
    this.pending.push(ev);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Starts a watch; see {@link WatchOptions}. */
  watch(prefix: string, opts: WatchOptions): void {
    if (opts.signal.aborted) return;
    const w: Watcher = {
      prefix, end: prefixEnd(prefix), lastRev: opts.afterRevision, live: false, lastSent: Date.now(), opts,
      onAbort: () => this.remove(w),
    };
    opts.signal.addEventListener('abort', w.onAbort, { once: true });
    this.watchers.add(w);
    setImmediate(() => this.replayStep(w));
  }

  /**
   * Sends progress to every live watcher now (as etcd's progress request), after delivering anything pending, so
   * the revision it reports is one the watcher has fully seen.
   */
  requestProgress(): void {
    // Read the revision before flushing: a consumer may write from inside its callback, and that newer write is
    // still pending, so it must not be covered by the progress revision.
    const rev = this.log.currentRevision();
    this.flush();
    for (const w of this.watchers) if (w.live) this.progress(w, rev);
  }

  /** Ends every watch with `err` and stops the hub's timer. */
  close(err: Error): void {
    clearInterval(this.progressTimer);
    for (const w of [...this.watchers]) this.fail(w, err);
    this.pending = [];
  }

  private replayStep(w: Watcher): void {
    if (!this.watchers.has(w)) return;
    const compacted = this.log.compactedRevision();
    if (w.lastRev < compacted) {
      this.fail(w, new CompactedError(w.lastRev + 1, compacted));
      return;
    }
    const current = this.log.currentRevision();
    if (w.lastRev < current) {
      const evs = this.log.changes(w.lastRev, current, w.prefix, w.end, this.replayChunk);
      if (evs.length === this.replayChunk) {
        // More to read: deliver this chunk and continue on a later turn, letting writes and other watchers run.
        this.deliver(w, evs);
        setImmediate(() => this.replayStep(w));
        return;
      }
      // The log is read up to `current`: go live in this same turn (see the module comment).
      w.live = true;
      if (evs.length > 0) this.deliver(w, evs);
      if (this.watchers.has(w)) w.lastRev = Math.max(w.lastRev, current);
      return;
    }
    w.live = true;
  }

  private flush(): void {
    this.flushScheduled = false;
    const events = this.pending;
    if (events.length === 0) return;
    this.pending = [];
    const lastRev = events[events.length - 1]!.kv.modRevision;
    for (const w of this.watchers) {
      if (!w.live || w.lastRev >= lastRev) continue;
      let batch: WatchEvent[] | undefined;
      for (const ev of events) {
        const key = ev.kv.key;
        if (ev.kv.modRevision > w.lastRev && key >= w.prefix && key < w.end) (batch ??= []).push(ev);
      }
      if (batch) this.deliver(w, batch);
    }
  }

  private deliver(w: Watcher, evs: WatchEvent[]): void {
    w.lastRev = evs[evs.length - 1]!.kv.modRevision;
    w.lastSent = Date.now();
    try {
      w.opts.onEvents(evs);
    } catch (err) {
      // A throwing consumer must not break delivery to the others; its watch ends instead.
      this.fail(w, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private sendProgress(): void {
    const now = Date.now();
    const rev = this.log.currentRevision(); // before flushing: see requestProgress
    let flushed = false;
    for (const w of this.watchers) {
      if (!w.live || !w.opts.onProgress || now - w.lastSent < this.progressIntervalMs) continue;
      if (!flushed) {
        this.flush();
        flushed = true;
        if (!this.watchers.has(w) || w.lastSent >= now) continue;
      }
      this.progress(w, rev);
    }
  }

  private progress(w: Watcher, rev: number): void {
    if (rev < w.lastRev) return; // a watch that starts in the future has nothing to confirm yet
    w.lastSent = Date.now();
    try {
      w.opts.onProgress?.(rev);
    } catch (err) {
      this.fail(w, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private fail(w: Watcher, err: Error): void {
    if (!this.remove(w)) return;
    w.opts.onError(err);
  }

  private remove(w: Watcher): boolean {
    if (!this.watchers.delete(w)) return false;
    w.opts.signal.removeEventListener('abort', w.onAbort);
    return true;
  }
}
