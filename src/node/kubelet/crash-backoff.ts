/**
 * Back-off for restarting crashed containers and retrying failed image pulls, as the kubelet's flowcontrol
 * Backoff: the first retry is immediate, then waits start at 10 s and double up to 5 min, measured from the
 * failure (a container's finish). An entry untouched for twice the maximum (10 min, e.g. a container that ran
 * that long) starts over at 10 s.
 */

/** Back-off state per key. */
export class Backoff {
  private readonly entries = new Map<string, { delayMs: number; lastUpdate: number }>();

  constructor(
    private readonly initialMs = 10_000,
    private readonly maxMs = 300_000,
    private readonly now: () => number = Date.now,
  ) {}

  private fresh(key: string): { delayMs: number; lastUpdate: number } | undefined {
    const e = this.entries.get(key);
    if (e && this.now() - e.lastUpdate > 2 * this.maxMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /**
   * How long `key` must still wait after a failure at `since` (ms); 0 when it may go now. Does not count a
   * retry: call `next` when retrying.
   */
  remaining(key: string, since: number): number {
    const e = this.fresh(key);
    if (!e) return 0;
    return Math.max(0, since + e.delayMs - this.now());
  }

  /** The current delay of `key` (ms), 0 when it has none. */
  delay(key: string): number {
    return this.fresh(key)?.delayMs ?? 0;
  }

  /** Records a retry of `key`: the next failure waits longer. */
  next(key: string): void {
    const e = this.fresh(key);
    const now = this.now();
    if (!e) this.entries.set(key, { delayMs: this.initialMs, lastUpdate: now });
    else {
      e.delayMs = Math.min(e.delayMs * 2, this.maxMs);
      e.lastUpdate = now;
    }
  }

  /** Forgets every key starting with `prefix` (a removed pod). */
  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

/** `10s`, `1m20s`, `5m0s`: durations as Go prints them in the kubelet's back-off messages. */
export function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return `${m}m${s % 60}s`;
}
