/**
 * SharedInformerFactory: one informer per (resource, namespace, label selector, field selector) per process, so
 * several controllers that watch pods share one list+watch and one cache, as client-go's factory. Informers asked
 * for after `start` are started at once.
 */
import { realClock, type Clock } from '../util/clock.js';
import type { Client } from './client.js';
import { Informer, type InformerOptions } from './informer.js';
import type { KubeObject } from './resource-client.js';
import type { Indexers } from './store.js';

/** Options of the factory, applied to every informer it makes. */
export interface SharedInformerFactoryOptions {
  /** Default resync period (ms) for informers; 0/unset disables resync. */
  resyncMs?: number;
  /** Restrict every informer to one namespace (e.g. a namespaced controller). Default: all namespaces. */
  namespace?: string;
  clock?: Clock;
}

/** Narrowing of one informer, part of its identity. */
export interface InformerSelection<T> {
  namespace?: string;
  labelSelector?: string;
  /** e.g. the kubelet's `spec.nodeName=node1`. */
  fieldSelector?: string;
  /** Indexes to add (merged into the shared informer if it already exists). */
  indexers?: Indexers<T>;
}

/** Hands out shared informers and runs them. */
export class SharedInformerFactory {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly runs: Promise<void>[] = [];
  private signal: AbortSignal | undefined;
  private readonly clock: Clock;

  constructor(private readonly client: Client, private readonly opts: SharedInformerFactoryOptions = {}) {
    this.clock = opts.clock ?? realClock;
  }

  /** The shared informer for `group/version/resource` with this selection, created on first request. */
  informerFor<T extends KubeObject = KubeObject>(group: string, version: string, resource: string, sel: InformerSelection<T> = {}): Informer<T> {
    const namespace = sel.namespace ?? this.opts.namespace ?? '';
    const id = [group, version, resource, namespace, sel.labelSelector ?? '', sel.fieldSelector ?? ''].join('|');
    let inf = this.informers.get(id) as Informer<T> | undefined;
    if (!inf) {
      const rc = this.client.resource<T>(group, version, resource).namespace(namespace);
      const o: InformerOptions<T> = {
        labelSelector: sel.labelSelector, fieldSelector: sel.fieldSelector, resyncMs: this.opts.resyncMs, clock: this.clock,
        name: group ? `${resource}.${group}` : resource,
      };
      inf = new Informer<T>(rc, o);
      this.informers.set(id, inf as unknown as Informer<KubeObject>);
      if (this.signal) this.runs.push(inf.run(this.signal));
    }
    if (sel.indexers) inf.addIndexers(sel.indexers);
    return inf;
  }

  /** Starts every informer made so far (and any made later) until `signal` aborts. */
  start(signal: AbortSignal): void {
    if (this.signal) return;
    this.signal = signal;
    for (const inf of this.informers.values()) this.runs.push(inf.run(signal));
  }

  /** Resolves true when every informer has synced, false if `signal` aborts first. */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  /** Resolves once every started informer has stopped (after the start signal aborted). */
  async stopped(): Promise<void> {
    await Promise.all(this.runs);
  }
}
