/**
 * Listers: read-only views of an informer's cache. They return the cached objects themselves, not copies, so reads
 * are free — and so callers MUST clone (`structuredClone`) before mutating anything they got from a lister, or they
 * corrupt the cache every other controller sharing the informer reads from.
 */
import type { KubeObject } from './resource-client.js';
import { keyOf, NAMESPACE_INDEX, type Store } from './store.js';

/** A label selector in one of the forms callers already hold. */
export type ObjectSelector<T> =
  | Record<string, string> // equality on labels (a Service's or ReplicaSet's matchLabels)
  | { matches(labels: Record<string, string>): boolean } // a parsed selector (apimachinery labels)
  | ((obj: T) => boolean); // anything else

function matcher<T extends KubeObject>(sel: ObjectSelector<T> | undefined): (obj: T) => boolean {
  if (!sel) return () => true;
  if (typeof sel === 'function') return sel;
  if (typeof (sel as { matches?: unknown }).matches === 'function') {
    const s = sel as { matches(labels: Record<string, string>): boolean };
    return (obj) => s.matches(obj.metadata?.labels ?? {});
  }
  const want = Object.entries(sel as Record<string, string>);
  return (obj) => {
    const labels = obj.metadata?.labels ?? {};
    return want.every(([k, v]) => labels[k] === v);
  };
}

/** Read access to a cache. Returned objects are shared: clone before mutating. */
export class Lister<T extends KubeObject> {
  constructor(private readonly store: Store<T>) {}

  /** The cached object `namespace/name` (`''` namespace for cluster-scoped objects). */
  get(namespace: string, name: string): T | undefined {
    return this.store.get(keyOf(namespace, name));
  }

  /** The cached object under a `ns/name` key, as workqueues carry. */
  getByKey(key: string): T | undefined {
    return this.store.get(key);
  }

  /** Every cached object matching `selector` (all when omitted). */
  list(selector?: ObjectSelector<T>): T[] {
    const m = matcher(selector);
    return this.store.list().filter(m);
  }

  /** Cached objects in `namespace` matching `selector`, via the namespace index. */
  listNamespace(namespace: string, selector?: ObjectSelector<T>): T[] {
    const m = matcher(selector);
    const objs = this.store.hasIndex(NAMESPACE_INDEX)
      ? this.store.byIndex(NAMESPACE_INDEX, namespace)
      : this.store.list().filter((o) => (o.metadata?.namespace ?? '') === namespace);
    return objs.filter(m);
  }

  /** Cached objects filed under `value` in a named index (e.g. `NODE_NAME_INDEX`, `'node1'`). */
  byIndex(indexName: string, value: string): T[] {
    return this.store.byIndex(indexName, value);
  }
}
