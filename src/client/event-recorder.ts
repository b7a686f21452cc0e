/**
 * EventRecorder: how components report what they did (`Scheduled`, `Pulled`, `SuccessfulCreate`, …) as core/v1
 * Events. Like client-go's recorder + EventCorrelator, an event identical to one recorded in the last 10 minutes
 * (same source, object, type, reason and message) is folded into the existing Event — its `count` and
 * `lastTimestamp` are PATCHed — instead of creating another. Writes are asynchronous and never block or throw at
 * the caller; failures are logged and the event is dropped, since events are best-effort by design.
 */
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../apimachinery/errors/status-error.js';
import { realClock, type Clock } from '../util/clock.js';
import { logger } from '../util/log.js';
import type { Client } from './client.js';
import type { KubeObject, ResourceClient } from './resource-client.js';
import { rfc3339 as timestamp } from '../util/time.js';

const log = logger('events');

/** The two event types Kubernetes uses. */
export type EventType = 'Normal' | 'Warning';

/** Options of an EventRecorder. */
export interface EventRecorderOptions {
  /** `source.component` and `reportingComponent`, e.g. `default-scheduler`, `kubelet`, `deployment-controller`. */
  component: string;
  /** `source.host` and `reportingInstance` (the kubelet sets its node name). */
  host?: string;
  clock?: Clock;
  /** Aggregation entries kept (least recently used are evicted). Default 4096, as client-go's LRU. */
  maxCacheSize?: number;
  /** Events whose write has not finished; beyond this new events are dropped (default 1000). */
  maxPending?: number;
}

/** Identical events within this window are aggregated (client-go's 10 minute correlation window). */
export const AGGREGATION_WINDOW_MS = 10 * 60 * 1000;

/**
 * Per-object spam filter, as client-go's EventSourceObjectSpamFilter: each source+object may emit a burst of 25
 * events, then one every 5 minutes. A ReplicaSet creating 3,000 pods records 25 "Created pod" events, not 3,000.
 */
export const SPAM_BURST = 25;
/** Milliseconds for one token to come back (client-go's qps of 1/300). */
export const SPAM_REFILL_MS = 300_000;

interface Bucket {
  tokens: number;
  at: number;
}

interface Entry {
  name: string;
  namespace: string;
  body: Record<string, unknown>;
  count: number;
  lastTimestamp: string;
  lastSeen: number;
  /** Count the server has. */
  written: number;
  exists: boolean;
  writing: boolean;
}


/** The ObjectReference for an object (or the reference itself, if given one). */
export function referenceTo(obj: KubeObject | ObjectReference): ObjectReference {
  if (!('metadata' in obj) || !obj.metadata) return obj as ObjectReference;
  const m = obj.metadata;
  const ref: ObjectReference = { kind: obj.kind, namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: obj.apiVersion, resourceVersion: m.resourceVersion };
  for (const k of Object.keys(ref) as (keyof ObjectReference)[]) if (ref[k] === undefined) delete ref[k];
  return ref;
}

/** Records Events for one component. */
export class EventRecorder {
  private readonly events: ResourceClient;
  private readonly clock: Clock;
  private readonly cache = new Map<string, Entry>();
  private readonly maxCache: number;
  private readonly maxPending: number;
  private pending = 0;
  private idleWaiters: (() => void)[] = [];
  private seq = 0;
  private readonly buckets = new Map<string, Bucket>();
  private dropped = 0;
  private lastDropLog = -Infinity;

  constructor(client: Client, private readonly opts: EventRecorderOptions) {
    this.events = client.resource('', 'v1', 'events');
    this.clock = opts.clock ?? realClock;
    this.maxCache = opts.maxCacheSize ?? 4096;
    this.maxPending = opts.maxPending ?? 1000;
  }

  /** Records an event about `obj`. Returns at once; the write happens in the background. */
  event(obj: KubeObject | ObjectReference, type: EventType, reason: string, message: string): void {
    const ref = referenceTo(obj);
    const now = this.clock.now();
    // resourceVersion is left out of the key: successive versions of one object are the same subject.
    if (!this.allow(JSON.stringify([this.opts.component, this.opts.host ?? '', ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion]), now)) {
      log.debug('event dropped by the spam filter', { reason, object: `${ref.namespace ?? ''}/${ref.name ?? ''}` });
      return;
    }
    const key = JSON.stringify([this.opts.component, this.opts.host ?? '', ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion, type, reason, message]);
    let entry = this.cache.get(key);
    if (entry && now - entry.lastSeen <= AGGREGATION_WINDOW_MS) {
      entry.count++;
      entry.lastSeen = now;
      entry.lastTimestamp = timestamp(now);
      this.cache.delete(key); // move to the most-recently-used end
    } else {
      if (this.pending >= this.maxPending) {
        // One line per burst, not one per dropped event: under overload the log would add to the overload.
        this.dropped++;
        if (now - this.lastDropLog >= 10_000) {
          log.warn('dropping events: too many writes pending', { dropped: this.dropped, lastReason: reason });
          this.dropped = 0;
          this.lastDropLog = now;
        }
        return;
      }
      const namespace = ref.namespace || 'default';
      const name = `${ref.name ?? 'unknown'}.${this.uniqueHex(now)}`;
      entry = {
        name, namespace, count: 1, lastSeen: now, lastTimestamp: timestamp(now), written: 0, exists: false, writing: false,
        body: {
          apiVersion: 'v1', kind: 'Event', metadata: { name, namespace }, involvedObject: ref, reason, message, type,
          source: this.opts.host ? { component: this.opts.component, host: this.opts.host } : { component: this.opts.component },
          firstTimestamp: timestamp(now), reportingComponent: this.opts.component, reportingInstance: this.opts.host ?? '',
        },
      };
    }
    this.cache.set(key, entry);
    while (this.cache.size > this.maxCache) this.cache.delete(this.cache.keys().next().value!);
    if (!entry.writing) this.write(entry);
  }

  /** Takes a token from the object's bucket; false when it has none left. */
  private allow(spamKey: string, now: number): boolean {
    let b = this.buckets.get(spamKey);
    if (!b) b = { tokens: SPAM_BURST, at: now };
    else this.buckets.delete(spamKey); // most-recently-used order
    b.tokens = Math.min(SPAM_BURST, b.tokens + (now - b.at) / SPAM_REFILL_MS);
    b.at = now;
    this.buckets.set(spamKey, b);
    while (this.buckets.size > this.maxCache) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Resolves once every event recorded so far has been written (or given up on). For tests and shutdown. */
  flush(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** client-go names events `<object>.<unix nanos in hex>`; a sequence number keeps same-millisecond names apart. */
  private uniqueHex(now: number): string {
    return (BigInt(now) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16);
  }

  /** Writes until the server has the entry's latest count; later increments made meanwhile are coalesced. */
  private async write(entry: Entry): Promise<void> {
    entry.writing = true;
    this.pending++;
    try {
      while (entry.written < entry.count) {
        const count = entry.count;
        const lastTimestamp = entry.lastTimestamp;
        try {
          if (entry.exists) {
            try {
              await this.events.namespace(entry.namespace).patch(entry.name, { count, lastTimestamp }, 'merge');
            } catch (err) {
              if (!(err instanceof StatusError && err.code === 404)) throw err;
              // Someone deleted (or TTL expired) the Event: start a new one carrying the aggregate.
              entry.name = `${entry.name.slice(0, entry.name.lastIndexOf('.'))}.${this.uniqueHex(this.clock.now())}`;
              entry.exists = false;
              continue;
            }
          } else {
            const body = { ...entry.body, metadata: { name: entry.name, namespace: entry.namespace }, count, lastTimestamp };
            await this.events.namespace(entry.namespace).create(body);
            entry.exists = true;
          }
          entry.written = count;
        } catch (err) {
          log.warn('could not write event', { event: `${entry.namespace}/${entry.name}`, reason: String(entry.body.reason), error: err });
          entry.written = entry.count;
        }
      }
    } finally {
      entry.writing = false;
      if (--this.pending === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }
}
