/**
 * Informer: keeps an in-memory copy of one resource (optionally narrowed by namespace and label/field selectors)
 * and tells handlers what changed, as client-go's reflector + shared informer:
 *  - list every page (500 per request), then watch from the list's resourceVersion with bookmarks on;
 *  - when a watch ends (server timeout, dropped connection) watch again from the last resourceVersion seen;
 *  - on 410 Gone/Expired list again, diffing against the cache: vanished objects are delivered to onDelete as a
 *    DeletedFinalStateUnknown tombstone, survivors as onUpdate(old, new), newcomers as onAdd;
 *  - failures back off 800 ms → 30 s; an optional resync re-delivers every object as onUpdate(obj, obj).
 * Handlers run synchronously in event order and must be quick (enqueue a key and return); a throwing handler is
 * logged and does not stop the informer.
 */
import { delay, isAbortError } from '../util/async.js';
import { realClock, type Clock, type TimerHandle } from '../util/clock.js';
import { logger } from '../util/log.js';
import { Lister } from './lister.js';
import type { KubeObject, ResourceClient } from './resource-client.js';
import { indexByNamespace, NAMESPACE_INDEX, objectKey, Store, type Indexers } from './store.js';
import { isExpired } from './watch.js';

const log = logger('informer');

/** What onDelete receives when an object vanished while the informer was not watching (found by a relist). */
export class DeletedFinalStateUnknown<T> {
  constructor(readonly key: string, readonly obj: T) {}
}

/** Callbacks for cache changes. */
export interface EventHandlers<T> {
  /** A new object. `isInInitialList` is true for objects delivered by the first list (or replayed to a late handler). */
  onAdd?(obj: T, isInInitialList: boolean): void;
  /** A changed object, or (on resync and relist) the same object again. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** A deleted object: its final state, or a tombstone if the deletion was missed. */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

/** Options of an informer. */
export interface InformerOptions<T> {
  labelSelector?: string;
  fieldSelector?: string;
  /** Re-deliver every cached object as onUpdate this often (ms). Off when 0 or unset. */
  resyncMs?: number;
  /** Extra indexes; the namespace index is always present. */
  indexers?: Indexers<T>;
  /** List page size (default 500, as client-go). */
  pageSize?: number;
  clock?: Clock;
  /** Name used in log lines (default: the resource). */
  name?: string;
}

const BACKOFF_INITIAL_MS = 800;
const BACKOFF_MAX_MS = 30_000;
/** client-go's reflector asks for a random watch timeout between 5 and 10 minutes so watches don't reconnect in step. */
const MIN_WATCH_TIMEOUT_S = 300;

/** Unwraps a tombstone: the object as last known. */
export function objectOf<T>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

/** A list+watch cache of one resource. Start it with `run(signal)`; stop it by aborting the signal. */
export class Informer<T extends KubeObject = KubeObject> {
  /** The cache. Read through `lister` in components. */
  readonly store: Store<T>;
  /** Read access to the cache; returned objects are shared — clone before mutating. */
  readonly lister: Lister<T>;
  private readonly handlers = new Set<EventHandlers<T>>();
  private readonly clock: Clock;
  private readonly name: string;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private lastRv = '';
  private running = false;

  constructor(private readonly client: ResourceClient<T>, private readonly opts: InformerOptions<T> = {}) {
    this.store = new Store<T>({ [NAMESPACE_INDEX]: indexByNamespace, ...(opts.indexers ?? {}) });
    this.lister = new Lister(this.store);
    this.clock = opts.clock ?? realClock;
    this.name = opts.name ?? client.target.resource;
  }

  /**
   * Registers handlers; returns a function that unregisters them. Registering after the initial sync replays the
   * current cache to the new handlers as onAdd(obj, true), so late subscribers see the same world.
   */
  addEventHandler(handlers: EventHandlers<T>): () => void {
    this.handlers.add(handlers);
    if (this.synced) for (const obj of this.store.list()) this.call('onAdd', () => handlers.onAdd?.(obj, true));
    return () => this.handlers.delete(handlers);
  }

  /** Adds indexes to the cache (allowed at any time). */
  addIndexers(indexers: Indexers<T>): void {
    this.store.addIndexers(indexers);
  }

  /** True once the first list has been stored and delivered. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, or false if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  /** The resourceVersion of the last list, event or bookmark seen. */
  lastSyncResourceVersion(): string {
    return this.lastRv;
  }

  /** Lists and watches until `signal` aborts. Resolves (never rejects) once stopped. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error(`Cannot run informer ${this.name}: it is already running`);
    this.running = true;
    let resync: TimerHandle | undefined;
    const scheduleResync = () => {
      if (!this.opts.resyncMs || signal.aborted) return;
      resync = this.clock.setTimeout(() => {
        this.resync();
        scheduleResync();
      }, this.opts.resyncMs);
    };
    scheduleResync();
    let backoff = BACKOFF_INITIAL_MS;
    try {
      while (!signal.aborted) {
        try {
          await this.listAndWatch(signal, () => (backoff = BACKOFF_INITIAL_MS));
        } catch (err) {
          if (signal.aborted || isAbortError(err)) break;
          log.warn('list failed; retrying', { resource: this.name, error: err, retryMs: backoff });
          await delay(backoff, { clock: this.clock, signal }).catch(() => undefined);
          backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
        }
      }
    } finally {
      if (resync) this.clock.clearTimeout(resync);
      this.running = false;
    }
  }

  /** One list, then watches until the resourceVersion expires (returns → relist) or the signal aborts. */
  private async listAndWatch(signal: AbortSignal, healthy: () => void): Promise<void> {
    const list = await this.client.listAll({
      labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, limit: this.opts.pageSize ?? 500, signal,
    });
    this.replace(list.items, list.metadata.resourceVersion ?? '');
    healthy();
    let backoff = BACKOFF_INITIAL_MS;
    while (!signal.aborted) {
      try {
        const stream = await this.client.watch({
          labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, resourceVersion: this.lastRv,
          allowWatchBookmarks: true, timeoutSeconds: Math.floor(MIN_WATCH_TIMEOUT_S * (1 + Math.random())),
        }, signal);
        for await (const ev of stream) {
          backoff = BACKOFF_INITIAL_MS;
          this.apply(ev.type, ev.object);
        }
        // A clean end (server-side timeout): watch again from where we are.
      } catch (err) {
        if (signal.aborted || isAbortError(err)) return;
        if (isExpired(err)) {
          log.info('watch expired; relisting', { resource: this.name, resourceVersion: this.lastRv });
          return;
        }
        log.warn('watch failed; retrying', { resource: this.name, error: err, retryMs: backoff });
        await delay(backoff, { clock: this.clock, signal }).catch(() => undefined);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      }
    }
  }

  /** Replaces the cache with a fresh list, delivering the difference. */
  private replace(items: T[], rv: string): void {
    const initial = !this.synced;
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.store.set(obj);
      if (old) this.emitUpdate(old, obj);
      else this.emitAdd(obj, initial);
    }
    for (const key of this.store.keys()) {
      if (seen.has(key)) continue;
      const old = this.store.delete(key)!;
      this.emitDelete(new DeletedFinalStateUnknown(key, old));
    }
    this.lastRv = rv;
    if (!this.synced) {
      this.synced = true;
      const waiters = this.syncWaiters;
      this.syncWaiters = [];
      for (const w of waiters) w();
    }
  }

  private apply(type: string, obj: T): void {
    const rv = obj.metadata?.resourceVersion;
    if (type !== 'BOOKMARK') {
      if (type === 'DELETED') {
        this.store.delete(objectKey(obj));
        // Handlers get the final state from the event, even for an object never cached: they may hold state for it.
        this.emitDelete(obj);
      } else {
        const old = this.store.set(obj);
        if (old) this.emitUpdate(old, obj);
        else this.emitAdd(obj, false);
      }
    }
    if (rv) this.lastRv = rv;
  }

  private resync(): void {
    for (const obj of this.store.list()) this.emitUpdate(obj, obj);
  }

  private emitAdd(obj: T, initial: boolean): void {
    for (const h of this.handlers) if (h.onAdd) this.call('onAdd', () => h.onAdd!(obj, initial));
  }

  private emitUpdate(oldObj: T, newObj: T): void {
    for (const h of this.handlers) if (h.onUpdate) this.call('onUpdate', () => h.onUpdate!(oldObj, newObj));
  }

  private emitDelete(obj: T | DeletedFinalStateUnknown<T>): void {
    for (const h of this.handlers) if (h.onDelete) this.call('onDelete', () => h.onDelete!(obj));
  }

  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      log.error('event handler threw', { resource: this.name, handler: what, error: err });
    }
  }
}
