/**
 * One watch cache per resource, as kube-apiserver's cacher: a single storage watch whose events are decoded once and
 * fanned out to every API watcher of that resource, with a bounded ring of recent events so that watchers starting
 * from a recent resourceVersion replay from memory. Older starting points get a private storage watch (still exact),
 * and compacted ones get 410 Gone.
 */
import type { Backend, KeyValue, WatchEvent } from '../../../storage/backend.js';
import { CompactedError } from '../../../storage/backend.js';
import { gone } from '../../../apimachinery/errors/status-error.js';
import type { Obj } from '../registry/strategy.js';
import { logger } from '../../../util/log.js';

const log = logger('watch-cache');

/** An API watch event, decoded once. `object` and `prev` are shared: receivers must not mutate them. */
export interface ApiEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  revision: number;
  object: Obj;
  /** The object before this change (absent for ADDED). */
  prev?: Obj;
  /** Lazily built `{"type":…,"object":…}\n` line, shared by all plain-JSON watchers. */
  line?: string;
}

/** Decodes a stored value into an API object carrying its resourceVersion. */
export type Decoder = (kv: KeyValue) => Obj;

/** Serialises a stored value as JSON with its resourceVersion, without a parse when it can. */
export type RawEncoder = (kv: KeyValue) => string;

const RING_SIZE = 2048;

/**
 * A storage event turned into an API event on demand: a resource nobody watches pays nothing per write, and the
 * JSON line for plain watchers comes from the stored bytes rather than a parse and a re-serialisation.
 */
class LazyEvent implements ApiEvent {
  readonly type: ApiEvent['type'];
  readonly revision: number;
  private obj?: Obj;
  private before?: Obj;
  private text?: string;

  constructor(private readonly kv: KeyValue, private readonly prevKv: KeyValue | undefined, private readonly decode: Decoder, private readonly raw: RawEncoder, type: ApiEvent['type']) {
    this.type = type;
    this.revision = kv.modRevision;
  }

  /** The stored value the event shows: the new value, or for a delete the last value at the delete's revision. */
  private shown(): KeyValue {
    return this.type === 'DELETED' ? { ...this.prevKv!, modRevision: this.kv.modRevision } : this.kv;
  }

  get object(): Obj {
    return (this.obj ??= this.decode(this.shown()));
  }

  get prev(): Obj | undefined {
    if (this.type === 'ADDED') return undefined;
    if (this.type === 'DELETED') return this.object;
    return (this.before ??= this.decode(this.prevKv!));
  }

  get line(): string {
    return (this.text ??= `{"type":"${this.type}","object":${this.raw(this.shown())}}\n`);
  }
}

/** The JSON line of a plain watch event, built once and shared by every watcher. */
export function eventLine(ev: ApiEvent): string {
  return ev.line ?? (ev.line = `{"type":"${ev.type}","object":${JSON.stringify(ev.object)}}\n`);
}

/** Converts storage events into API events (decoded lazily). */
export function toApiEvents(events: WatchEvent[], decode: Decoder, raw: RawEncoder = (kv) => JSON.stringify(decode(kv))): ApiEvent[] {
  const out: ApiEvent[] = [];
  for (const e of events) {
    if (e.type === 'put') out.push(new LazyEvent(e.kv, e.prevKv, decode, raw, e.prevKv ? 'MODIFIED' : 'ADDED'));
    else if (e.prevKv) out.push(new LazyEvent(e.kv, e.prevKv, decode, raw, 'DELETED'));
  }
  return out;
}

/** A subscriber's callbacks. */
export interface Subscriber {
  onEvents(events: ApiEvent[]): void;
  /** The watch cannot continue (compaction, storage failure): send an ERROR event and end. */
  onError(err: Error): void;
  /** Progress: everything up to `revision` has been delivered. */
  onProgress?(revision: number): void;
}

/** The per-resource cache and fan-out. */
export class WatchCache {
  private readonly ring: ApiEvent[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private abort = new AbortController();
  /** The ring holds every event of this prefix with revision > coveredFrom. */
  private coveredFrom = 0;
  /** The newest revision delivered (events or progress). */
  private latest = 0;
  private failed?: Error;

  constructor(private readonly backend: Backend, private readonly prefix: string, private readonly decode: Decoder, private readonly raw?: RawEncoder) {}

  /** Starts the storage watch after `revision` (normally the store's current revision at server start). */
  start(revision: number): void {
    this.coveredFrom = revision;
    this.latest = revision;
    this.backend.watch(this.prefix, {
      afterRevision: revision,
      signal: this.abort.signal,
      onEvents: (events) => this.dispatch(toApiEvents(events, this.decode, this.raw), events[events.length - 1]?.kv.modRevision),
      onProgress: (rev) => {
        if (rev > this.latest) this.latest = rev;
        for (const s of this.subscribers) s.onProgress?.(rev);
      },
      onError: (err) => this.fail(err),
    });
  }

  /** The newest revision this cache has delivered. */
  get latestRevision(): number {
    return this.latest;
  }

  private dispatch(events: ApiEvent[], lastRevision: number | undefined): void {
    for (const ev of events) {
      this.ring.push(ev);
    }
    if (this.ring.length > RING_SIZE) {
      const dropped = this.ring.splice(0, this.ring.length - RING_SIZE);
      this.coveredFrom = dropped[dropped.length - 1].revision;
    }
    if (lastRevision && lastRevision > this.latest) this.latest = lastRevision;
    if (events.length === 0) return;
    for (const s of this.subscribers) {
      try {
        s.onEvents(events);
      } catch (err) {
        log.error('watch subscriber failed', { prefix: this.prefix, err });
        this.subscribers.delete(s);
      }
    }
  }

  private fail(err: Error): void {
    // The storage watch broke (etcd restart, compaction under us): every watcher must re-list. Restart the cache from
    // the current revision so new watchers work.
    log.warn('storage watch ended; restarting', { prefix: this.prefix, err });
    this.failed = err;
    const subs = [...this.subscribers];
    this.subscribers.clear();
    for (const s of subs) s.onError(err);
    this.ring.length = 0;
    this.backend.currentRevision().then(
      (rev) => {
        this.failed = undefined;
        this.abort.abort();
        this.abort = new AbortController();
        this.start(rev);
      },
      (e) => log.error('cannot restart watch cache', { prefix: this.prefix, err: e }),
    );
  }

  /**
   * Subscribes to every event after `afterRevision`. Returns an unsubscribe function. Throws 410 Gone when that
   * revision has been compacted.
   */
  async subscribe(afterRevision: number, sub: Subscriber): Promise<() => void> {
    if (this.failed) throw this.failed;
    if (afterRevision >= this.coveredFrom) {
      const replay = this.ring.filter((e) => e.revision > afterRevision);
      // Register before replaying so nothing dispatched meanwhile is lost (dispatch is synchronous, so there is
      // no interleaving between these two lines).
      this.subscribers.add(sub);
      if (replay.length > 0) sub.onEvents(replay);
      return () => this.subscribers.delete(sub);
    }
    return this.privateWatch(afterRevision, sub);
  }

  /** A storage watch of its own for a watcher that starts before the ring. */
  private async privateWatch(afterRevision: number, sub: Subscriber): Promise<() => void> {
    const compacted = await this.backend.compactedRevision();
    if (afterRevision < compacted) {
      throw gone(`too old resource version: ${afterRevision} (${compacted})`);
    }
    const ac = new AbortController();
    this.backend.watch(this.prefix, {
      afterRevision,
      signal: ac.signal,
      onEvents: (events) => sub.onEvents(toApiEvents(events, this.decode, this.raw)),
      onProgress: (rev) => sub.onProgress?.(rev),
      onError: (err) => sub.onError(err instanceof CompactedError ? gone(`too old resource version: ${afterRevision} (${err.compacted})`) : err),
    });
    return () => ac.abort();
  }

  /** Number of live subscribers (metrics and tests). */
  get size(): number {
    return this.subscribers.size;
  }

  /** Stops the storage watch and drops every subscriber. */
  stop(): void {
    this.abort.abort();
    this.subscribers.clear();
  }
}
