/**
 * ResourceClient: typed CRUD, patch, watch and subresources for one resource, optionally scoped to a namespace.
 * The type parameter is only a promise about the JSON the server returns; nothing is converted.
 *
 *   const pods = client.resource<Pod>('', 'v1', 'pods').namespace('default');
 *   await pods.patch('web', { metadata: { labels: { a: 'b' } } }, 'merge');
 */
import type { ListMeta, ObjectMeta, Status } from 'kubernetes-types/meta/v1.js';
import { deleteBody, listQuery, writeQuery, type DeleteOptions, type ListOptions, type PatchOptions, type WriteOptions } from './options.js';
import { resourcePath, type ResourceRef } from './resource-path.js';
import type { RestClient } from './rest-client.js';
import { isExpired, WatchStream } from './watch.js';

/** Any API object: the fields every kind shares. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** A list response. */
export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

/** autoscaling/v1 Scale, as served by the `scale` subresource. */
export interface Scale {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: { replicas?: number };
  status?: { replicas: number; selector?: string };
}

/** The four patch flavours and their media types. `apply` is server-side apply (needs `fieldManager`). */
export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

/** Content-Type of each patch type. */
export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** Something cancellable. */
export interface Signalled {
  signal?: AbortSignal;
}

/** Which resource a client addresses. */
export interface ResourceTarget {
  group: string;
  version: string;
  resource: string;
  namespace?: string;
}

/** Requests on one subresource (`status`, `scale`, `binding`, `eviction`, …) of the objects of a resource. */
export interface SubresourceClient {
  get<R = unknown>(name: string, opts?: Signalled): Promise<R>;
  create<R = unknown>(name: string, body: unknown, opts?: WriteOptions & Signalled): Promise<R>;
  update<R = unknown>(name: string, body: unknown, opts?: WriteOptions & Signalled): Promise<R>;
  patch<R = unknown>(name: string, patch: unknown, type: PatchType, opts?: PatchOptions & Signalled): Promise<R>;
}

/** CRUD, patch, watch and subresources for one resource. */
export class ResourceClient<T extends KubeObject = KubeObject> {
  constructor(readonly rest: RestClient, readonly target: ResourceTarget) {}

  /** The same resource scoped to `ns` (ignored for cluster-scoped resources). `''` means all namespaces. */
  namespace(ns: string): ResourceClient<T> {
    return new ResourceClient<T>(this.rest, { ...this.target, namespace: ns || undefined });
  }

  /** Path for `name` (and subresource) in the scoped namespace, or the object's own. */
  path(name?: string, subresource?: string, namespace = this.target.namespace): string {
    const ref: ResourceRef = { ...this.target, namespace, name, subresource };
    return resourcePath(ref);
  }

  /** GET one object. */
  get(name: string, opts: { resourceVersion?: string } & Signalled = {}): Promise<T> {
    return this.rest.request<T>({ method: 'GET', path: this.path(name), query: { resourceVersion: opts.resourceVersion }, signal: opts.signal });
  }

  /**
   * One list request (one page when `limit` is set). Items get `kind`/`apiVersion` filled in from the list, since
   * the server omits them per item and event recorders and owner references need them.
   */
  async list(opts: ListOptions & Signalled = {}): Promise<ObjectList<T>> {
    const list = await this.rest.request<ObjectList<T>>({ method: 'GET', path: this.path(), query: listQuery(opts), signal: opts.signal });
    list.items ??= [];
    list.metadata ??= {};
    const kind = list.kind?.endsWith('List') ? list.kind.slice(0, -4) : undefined;
    for (const item of list.items) {
      if (!item.kind && kind) item.kind = kind;
      if (!item.apiVersion && list.apiVersion) item.apiVersion = list.apiVersion;
    }
    return list;
  }

  /**
   * Lists every page (`limit` per request, default 500). If the continue token expires mid-way (410), it falls back
   * to one unpaginated list, as client-go's pager does, so the result is always one consistent snapshot.
   */
  async listAll(opts: ListOptions & Signalled = {}): Promise<ObjectList<T>> {
    const limit = opts.limit ?? 500;
    let page = await this.list({ ...opts, limit });
    const items = page.items;
    while (page.metadata.continue) {
      try {
        page = await this.list({ ...opts, limit, continue: page.metadata.continue, resourceVersion: undefined, resourceVersionMatch: undefined });
      } catch (err) {
        if (!isExpired(err)) throw err;
        return this.list({ ...opts, limit: undefined, continue: undefined });
      }
      items.push(...page.items);
    }
    return { ...page, metadata: { ...page.metadata, continue: undefined }, items };
  }

  /** POST a new object into the scoped namespace (or the object's own). */
  create(obj: T, opts: WriteOptions & Signalled = {}): Promise<T> {
    return this.rest.request<T>({ method: 'POST', path: this.path(undefined, undefined, this.nsOf(obj)), query: writeQuery(opts), body: obj, signal: opts.signal });
  }

  /** PUT the whole object; `metadata.resourceVersion` (if set) makes it a compare-and-swap (409 Conflict if stale). */
  update(obj: T, opts: WriteOptions & Signalled = {}): Promise<T> {
    return this.put(obj, undefined, opts);
  }

  /** PUT the `status` subresource. */
  updateStatus(obj: T, opts: WriteOptions & Signalled = {}): Promise<T> {
    return this.put(obj, 'status', opts);
  }

  /** PATCH with the given patch type. `subresource: 'status'` patches status. */
  patch(name: string, patch: unknown, type: PatchType, opts: PatchOptions & Signalled & { subresource?: string } = {}): Promise<T> {
    return this.rest.request<T>({
      method: 'PATCH', path: this.path(name, opts.subresource), query: writeQuery(opts), body: patch,
      contentType: PATCH_CONTENT_TYPES[type], signal: opts.signal,
    });
  }

  /** DELETE one object. Resolves to the object (when deletion is deferred by finalizers/grace) or a Success Status. */
  delete(name: string, opts: DeleteOptions & Signalled = {}): Promise<T | Status> {
    return this.rest.request<T | Status>({
      method: 'DELETE', path: this.path(name), query: { dryRun: opts.dryRun ? 'All' : undefined },
      body: deleteBody(opts), signal: opts.signal,
    });
  }

  /** DELETE every object matching the list options in the scoped namespace. */
  deleteCollection(listOpts: ListOptions = {}, opts: DeleteOptions & Signalled = {}): Promise<ObjectList<T> | Status> {
    return this.rest.request({
      method: 'DELETE', path: this.path(), query: { ...listQuery(listOpts), dryRun: opts.dryRun ? 'All' : undefined },
      body: deleteBody(opts), signal: opts.signal,
    });
  }

  /**
   * Opens a watch. A 410 at the start rejects with a StatusError of code 410 (see `isExpired`); later failures
   * surface from iteration. Aborting `signal` ends iteration cleanly.
   */
  async watch(opts: ListOptions = {}, signal?: AbortSignal): Promise<WatchStream<T>> {
    const res = await this.rest.stream({ method: 'GET', path: this.path(), query: listQuery(opts, true), signal });
    return new WatchStream<T>(res, signal);
  }

  /** Binds a pod to a node through `pods/<name>/binding`, as the scheduler does. `uid` guards against a recreated pod. */
  bind(name: string, nodeName: string, opts: { uid?: string; namespace?: string } & Signalled = {}): Promise<Status> {
    const namespace = opts.namespace ?? this.target.namespace;
    const metadata: ObjectMeta = opts.uid ? { name, namespace, uid: opts.uid } : { name, namespace };
    return this.rest.request<Status>({
      method: 'POST', path: this.path(name, 'binding', namespace),
      body: { apiVersion: 'v1', kind: 'Binding', metadata, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } },
      signal: opts.signal,
    });
  }

  /** GET the `scale` subresource. */
  getScale(name: string, opts: Signalled = {}): Promise<Scale> {
    return this.subresource('scale').get<Scale>(name, opts);
  }

  /** PUT the `scale` subresource. */
  updateScale(name: string, scale: Scale, opts: WriteOptions & Signalled = {}): Promise<Scale> {
    return this.subresource('scale').update<Scale>(name, { apiVersion: 'autoscaling/v1', kind: 'Scale', ...scale }, opts);
  }

  /** A client for any subresource of this resource. */
  subresource(sub: string): SubresourceClient {
    return {
      get: (name, opts = {}) => this.rest.request({ method: 'GET', path: this.path(name, sub), signal: opts.signal }),
      create: (name, body, opts = {}) =>
        this.rest.request({ method: 'POST', path: this.path(name, sub), query: writeQuery(opts), body, signal: opts.signal }),
      update: (name, body, opts = {}) =>
        this.rest.request({ method: 'PUT', path: this.path(name, sub), query: writeQuery(opts), body, signal: opts.signal }),
      patch: (name, patch, type, opts = {}) => this.rest.request({
        method: 'PATCH', path: this.path(name, sub), query: writeQuery(opts), body: patch,
        contentType: PATCH_CONTENT_TYPES[type], signal: opts.signal,
      }),
    };
  }

  private put(obj: T, sub: string | undefined, opts: WriteOptions & Signalled): Promise<T> {
    const name = obj.metadata?.name;
    if (!name) throw new Error(`Cannot update ${this.target.resource}: metadata.name is empty`);
    return this.rest.request<T>({ method: 'PUT', path: this.path(name, sub, this.nsOf(obj)), query: writeQuery(opts), body: obj, signal: opts.signal });
  }

  private nsOf(obj: T): string | undefined {
    return this.target.namespace ?? obj.metadata?.namespace;
  }
}
