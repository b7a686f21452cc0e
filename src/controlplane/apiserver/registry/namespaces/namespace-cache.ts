/**
 * An in-memory view of the namespaces, fed by the namespaces watch cache, for create admission (the namespace must
 * exist and not be terminating) without a storage read per create. A miss falls back to a storage read, so a
 * namespace created a moment ago is never refused because its event has not arrived yet.
 */
import type { GenericStore } from '../generic-store.js';
import type { Obj } from '../strategy.js';
import type { WatchCache } from '../../watch/watch-cache.js';
import { StatusError } from '../../../../apimachinery/errors/status-error.js';

/** Namespace lookups for admission. */
export class NamespaceCache {
  private readonly byName = new Map<string, Obj>();
  private unsubscribe?: () => void;

  /** Lists the namespaces and follows their changes. */
  async start(store: GenericStore, cache: WatchCache): Promise<void> {
    const page = await store.list({ namespace: '' });
    for (const ns of page.items) this.byName.set(ns.metadata.name, ns);
    this.unsubscribe = await cache.subscribe(Number(page.resourceVersion), {
      onEvents: (events) => {
        for (const ev of events) {
          if (ev.type === 'DELETED') this.byName.delete(ev.object.metadata.name);
          else this.byName.set(ev.object.metadata.name, ev.object);
        }
      },
      onError: () => this.byName.clear(),
    });
  }

  /** The namespace, from memory or (on a miss) from storage; undefined when it does not exist. */
  async lookup(name: string, read: () => Promise<Obj>): Promise<Obj | undefined> {
    const hit = this.byName.get(name);
    if (hit) return hit;
    try {
      return await read();
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return undefined;
      throw err;
    }
  }

  /** Stops following changes. */
  stop(): void {
    this.unsubscribe?.();
  }
}
