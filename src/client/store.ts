/**
 * The informer cache: objects keyed `namespace/name` (or `name` for cluster-scoped objects), with secondary
 * indexes maintained on every write, as client-go's thread-safe store + indexer. Objects are stored as received;
 * callers must not mutate them (clone first).
 */
import type { KubeObject } from './resource-client.js';

/** Maps an object to the index values it is filed under (none, one or several). */
export type IndexFunc<T> = (obj: T) => string[];

/** Named index functions. */
export type Indexers<T> = Record<string, IndexFunc<T>>;

/** The cache key of an object: `ns/name`, or `name` when it has no namespace. */
export function objectKey(obj: KubeObject): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
}

/** The key for a namespace and name (`''` namespace for cluster-scoped objects). */
export function keyOf(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Splits a cache key back into namespace and name. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** Name of the index by `metadata.namespace`, present on every informer. */
export const NAMESPACE_INDEX = 'namespace';

/** Indexes by `metadata.namespace`. */
export const indexByNamespace: IndexFunc<KubeObject> = (obj) => [obj.metadata?.namespace ?? ''];

/** Name of the conventional index of pods by `spec.nodeName` (the kubelet, scheduler cache, daemonset controller). */
export const NODE_NAME_INDEX = 'spec.nodeName';

/** Indexes pods by `spec.nodeName`; unscheduled pods are filed under `''`. */
export const indexByNodeName: IndexFunc<KubeObject & { spec?: { nodeName?: string } }> = (obj) => [obj.spec?.nodeName ?? ''];

/** An indexed in-memory map of objects. */
export class Store<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers: Indexers<T> = {};
  /** index name → index value → keys. */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Indexers<T> = {}) {
    this.addIndexers(indexers);
  }

  /** Adds indexes, filing existing objects under them. Re-adding a name replaces that index. */
  addIndexers(indexers: Indexers<T>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      this.indexers[name] = fn;
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) this.file(index, fn, key, obj);
    }
  }

  /** Number of objects. */
  get size(): number {
    return this.items.size;
  }

  /** The object under `key`. */
  get(key: string): T | undefined {
    return this.items.get(key);
  }

  /** Every object, in insertion order. */
  list(): T[] {
    return [...this.items.values()];
  }

  /** Every key. */
  keys(): string[] {
    return [...this.items.keys()];
  }

  /** Stores `obj` under its key; returns what it replaced. */
  set(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old) this.unfile(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of Object.entries(this.indexers)) this.file(this.indices.get(name)!, fn, key, obj);
    return old;
  }

  /** Removes `key`; returns what was there. */
  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unfile(key, old);
    this.items.delete(key);
    return old;
  }

  /** Objects filed under `value` in index `indexName`. Throws for an unknown index (a programming error). */
  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).map((k) => this.items.get(k)!);
  }

  /** Keys filed under `value` in index `indexName`. */
  indexKeys(indexName: string, value: string): string[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`Cannot look up index "${indexName}": no such indexer`);
    return [...(index.get(value) ?? [])];
  }

  /** True if an index of that name exists. */
  hasIndex(indexName: string): boolean {
    return this.indices.has(indexName);
  }

  private file(index: Map<string, Set<string>>, fn: IndexFunc<T>, key: string, obj: T): void {
    for (const v of fn(obj)) {
      let keys = index.get(v);
      if (!keys) index.set(v, (keys = new Set()));
      keys.add(key);
    }
  }

  private unfile(key: string, obj: T): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indices.get(name)!;
      for (const v of fn(obj)) {
        const keys = index.get(v);
        if (!keys) continue;
        keys.delete(key);
        if (keys.size === 0) index.delete(v);
      }
    }
  }
}
