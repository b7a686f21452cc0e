/**
 * Rate limiters for workqueues: how long to wait before an item may be retried. The default controller limiter is
 * client-go's: the larger of a per-item exponential backoff (5 ms doubling to 1000 s) and an overall token bucket
 * (10 qps, burst 100), so one failing item backs off alone while a storm of failures is throttled as a whole.
 */
import { realClock, type Clock } from '../util/clock.js';

/** Decides retry delays per item. */
export interface RateLimiter<K> {
  /** Milliseconds to wait before `item` is retried; records one more failure. */
  when(item: K): number;
  /** Clears the failure history of `item` (after a success, or when giving up). */
  forget(item: K): void;
  /** How many times `item` has been rate-limited since it was last forgotten. */
  numRequeues(item: K): number;
}

/** `base · 2^failures`, capped at `max`, per item. */
export class ItemExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  constructor(private readonly baseMs = 5, private readonly maxMs = 1_000_000) {}

  when(item: K): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    // 2^n overflows to Infinity long before it matters; the cap handles it.
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }

  forget(item: K): void {
    this.failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.failures.get(item) ?? 0;
  }
}

/**
 * A token bucket shared by all items (like golang.org/x/time/rate's Reserve): `burst` retries go through at once,
 * then one every 1/qps seconds. A retry that finds no token reserves a future one and is told how long to wait.
 */
export class BucketRateLimiter<K> implements RateLimiter<K> {
  private tokens: number;
  private last: number;

  constructor(private readonly qps = 10, private readonly burst = 100, private readonly clock: Clock = realClock) {
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_item: K): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  forget(_item: K): void {
    // The bucket is shared; nothing is per item.
  }

  numRequeues(_item: K): number {
    return 0;
  }
}

/** The largest delay of several limiters; every limiter records every failure. */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  private readonly limiters: RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.limiters = limiters;
  }

  when(item: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: K): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/** client-go's DefaultControllerRateLimiter: max(exponential 5 ms → 1000 s per item, bucket 10 qps / burst 100). */
export function defaultControllerRateLimiter<K>(clock: Clock = realClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(new ItemExponentialFailureRateLimiter<K>(5, 1_000_000), new BucketRateLimiter<K>(10, 100, clock));
}
