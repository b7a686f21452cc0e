/**
 * Injected time. Everything that waits (workqueue backoff, informer resync, leader election, CronJob, node
 * lifecycle) asks a Clock instead of calling `Date.now`/`setTimeout` directly, so tests can drive time with
 * `FakeClock.step(ms)` and run in milliseconds.
 */

/** An opaque timer handle returned by `Clock.setTimeout`. */
export type TimerHandle = object;

/** The source of time and timers. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; cancelling an already fired or unknown timer is a no-op. */
  clearTimeout(handle: TimerHandle): void;
}

/** The wall clock and node's timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A manually driven clock. Time only moves on `step`/`setTime`; due timers then fire in due-time order (ties in
 * creation order), including timers that earlier callbacks scheduled inside the stepped window.
 */
export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  /** Starts at `start` ms since the epoch (default 2024-01-01T00:00:00Z, so timestamps in tests are stable). */
  constructor(start = Date.UTC(2024, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: FakeTimer = { id: ++this.seq, at: this.time + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    const i = this.timers.indexOf(handle as FakeTimer);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** Advances time by `ms`, firing every timer that falls due on the way. */
  step(ms: number): void {
    this.setTime(this.time + ms);
  }

  /** Moves time to `t` (never backwards), firing due timers in order. */
  setTime(t: number): void {
    for (;;) {
      const next = this.nextDue(t);
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    this.time = Math.max(this.time, t);
  }

  /** Number of timers waiting to fire. Tests use it to know a component has gone to sleep. */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** Due time of the earliest pending timer, or undefined. */
  nextTimerAt(): number | undefined {
    let min: number | undefined;
    for (const t of this.timers) if (min === undefined || t.at < min) min = t.at;
    return min;
  }

  private nextDue(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) {
      if (t.at > limit) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    }
    return best;
  }
}
