/**
 * Work queues for controllers, with client-go's guarantees:
 *  - Fair: items come out in the order they were first added (FIFO), and waiting `get` calls are served in order.
 *  - Stingy: an item added again while still queued is queued once (dedup while queued).
 *  - One in flight per item: an item handed out by `get` is not handed to anyone else until `done`. If it is added
 *    while being processed, it is marked dirty and queued again at `done`, so the change is never lost and never
 *    processed concurrently.
 *  - Shutdown: after `shutDown`, `add` is ignored; `get` still hands out what is queued, then resolves undefined.
 *    `shutDownWithDrain` also waits until every handed-out item is `done`.
 * DelayingQueue adds `addAfter`; RateLimitingQueue adds per-item backoff (`addRateLimited`, `forget`,
 * `numRequeues`). Time comes from an injected Clock.
 */
import { realClock, type Clock, type TimerHandle } from '../util/clock.js';
import { logger } from '../util/log.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

const log = logger('workqueue');

/** The basic FIFO work queue. */
export class WorkQueue<K = string> {
  private queue: K[] = [];
  private head = 0;
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private waiters: ((item: K | undefined) => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  private shuttingDown = false;

  /** Queues `item` unless it is already queued; if it is being processed it is queued again at `done`. */
  add(item: K): void {
    if (this.shuttingDown || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.push(item);
  }

  /** Resolves with the next item (which the caller must pass to `done`), or undefined once shut down and empty. */
  get(): Promise<K | undefined> {
    if (this.head < this.queue.length) return Promise.resolve(this.take());
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `item` processed; re-queues it if it was added meanwhile. */
  done(item: K): void {
    this.processing.delete(item);
    if (this.dirty.has(item)) this.push(item);
    else if (this.processing.size === 0 && this.drainWaiters.length) this.wakeDrain();
  }

  /** Items waiting (not counting those being processed). */
  len(): number {
    return this.queue.length - this.head;
  }

  /** True once shutdown has begun. */
  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops accepting items; idle `get` calls resolve undefined. Queued items are still handed out. */
  shutDown(): void {
    this.shuttingDown = true;
    this.onShutDown();
    if (this.len() === 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w(undefined);
    }
  }

  /** Shuts down and resolves once no item is queued or being processed (workers must keep calling get/done). */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0 && this.len() === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Hook for subclasses to release timers. */
  protected onShutDown(): void {}

  private push(item: K): void {
    const w = this.waiters.shift();
    if (w) {
      this.dirty.delete(item);
      this.processing.add(item);
      w(item);
      return;
    }
    this.queue.push(item);
  }

  private take(): K {
    const item = this.queue[this.head++];
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.dirty.delete(item);
    this.processing.add(item);
    return item;
  }

  private wakeDrain(): void {
    if (this.len() !== 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }
}

/** A work queue whose items can be added after a delay. */
export class DelayingQueue<K = string> extends WorkQueue<K> {
  private readonly waiting = new Map<K, { at: number; timer: TimerHandle }>();

  constructor(protected readonly clock: Clock = realClock) {
    super();
  }

  /**
   * Adds `item` after `ms`. If it is already waiting, the earlier of the two times wins (as client-go), so a
   * burst of requeues never pushes work further out.
   */
  addAfter(item: K, ms: number): void {
    if (this.isShuttingDown()) return;
    if (ms <= 0) {
      this.add(item);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.waiting.get(item);
    if (existing) {
      if (existing.at <= at) return;
      this.clock.clearTimeout(existing.timer);
    }
    const timer = this.clock.setTimeout(() => {
      this.waiting.delete(item);
      this.add(item);
    }, ms);
    this.waiting.set(item, { at, timer });
  }

  /** Items waiting for their delay to pass. */
  waitingLen(): number {
    return this.waiting.size;
  }

  protected override onShutDown(): void {
    for (const { timer } of this.waiting.values()) this.clock.clearTimeout(timer);
    this.waiting.clear();
  }
}

/** A delaying queue with per-item retry backoff. */
export class RateLimitingQueue<K = string> extends DelayingQueue<K> {
  readonly rateLimiter: RateLimiter<K>;

  constructor(opts: { clock?: Clock; rateLimiter?: RateLimiter<K> } = {}) {
    super(opts.clock ?? realClock);
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<K>(this.clock);
  }

  /** Re-adds `item` after the rate limiter's delay (a retry after failure). */
  addRateLimited(item: K): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** Ends backoff for `item` (call after it was processed successfully). */
  forget(item: K): void {
    this.rateLimiter.forget(item);
  }

  /** Failures of `item` since it was last forgotten. */
  numRequeues(item: K): number {
    return this.rateLimiter.numRequeues(item);
  }
}

/** Options of `runWorkers`. */
export interface RunWorkersOptions<K> {
  /** Give up on an item (forget it) after this many consecutive failures. Default: retry forever. */
  maxRetries?: number;
  /** Called when `sync` throws, before the item is requeued. Default: log at warn. */
  onError?: (item: K, err: unknown) => void;
}

/**
 * Runs `count` workers that take items and call `sync`, in the usual controller shape: success → forget;
 * failure → addRateLimited (until maxRetries); always done. Resolves when the queue is shut down and drained.
 */
export async function runWorkers<K>(queue: RateLimitingQueue<K>, count: number, sync: (item: K) => Promise<void>,
  opts: RunWorkersOptions<K> = {}): Promise<void> {
  const worker = async () => {
    for (;;) {
      const item = await queue.get();
      if (item === undefined) return;
      try {
        await sync(item);
        queue.forget(item);
      } catch (err) {
        (opts.onError ?? ((i, e) => log.warn('sync failed; requeueing', { item: String(i), error: e })))(item, err);
        if (opts.maxRetries !== undefined && queue.numRequeues(item) >= opts.maxRetries) queue.forget(item);
        else queue.addRateLimited(item);
      } finally {
        queue.done(item);
      }
    }
  };
  await Promise.all(Array.from({ length: count }, worker));
}
