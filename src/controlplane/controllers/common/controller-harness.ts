/**
 * A unit-test harness for controllers, in the shape of the upstream ReplicaSet tests: the controller's informers
 * are real but never started, so a test decides exactly what the cache holds (`seed`, `cache`, `uncache`,
 * `refresh`, each delivered to the controller's handlers as a watch event would be), and its writes go to a FakeApiServer that records every request. A test then calls the controller's
 * `sync(key)` directly and asserts on the requests and the stored objects. Leaving the cache stale between two
 * syncs is how a test proves expectations prevent duplicate creates.
 *
 *   const h = await startControllerHarness(t);
 *   const c = newReplicaSetController(h.ctx);
 *   h.seed(REPLICA_SETS, rs);
 *   await c.sync('default/web');
 *   assert.equal(h.requests('POST', '/pods').length, 3);
 */
import type { Event } from 'kubernetes-types/core/v1.js';
import { Client, EventRecorder, objectKey, SharedInformerFactory, type KubeObject } from '../../../client/index.js';
import { FakeApiServer, type RecordedRequest } from '../../../client/testing/fake-api-server.js';
import { FakeClock } from '../../../util/clock.js';
import type { ControllerContext } from './controller.js';
import { informerOf, KNOWN_RESOURCES, type GroupVersionResource } from './resources.js';
import { rfc3339 } from '../../../util/time.js';

/** What a test holds. */
export interface ControllerHarness {
  fake: FakeApiServer;
  client: Client;
  informers: SharedInformerFactory;
  clock: FakeClock;
  /** Pass to controller factories. */
  ctx: ControllerContext;
  /** Stores `obj` in the fake API (filling uid, creationTimestamp, resourceVersion) and in the cache; returns it. */
  seed<T extends KubeObject>(gvr: GroupVersionResource, obj: T): T;
  /** Puts `obj` in the cache only (the API does not have it), as an ADDED or MODIFIED event. */
  cache<T extends KubeObject>(gvr: GroupVersionResource, obj: T): void;
  /** Removes `ns/name` from the cache only, as a DELETED event. */
  uncache(gvr: GroupVersionResource, key: string): void;
  /** Makes the caches of `gvrs` (default: every known resource) equal to what the fake API stores, as a relist would. */
  refresh(...gvrs: GroupVersionResource[]): void;
  /** Objects the fake API stores for `gvr`. */
  stored<T extends KubeObject>(gvr: GroupVersionResource): T[];
  /** Requests received, optionally filtered by method and a path substring. Event writes are left out. */
  requests(method?: string, pathIncludes?: string): RecordedRequest[];
  /** Forgets the requests recorded so far. */
  clearRequests(): void;
  /** Waits for every event recorder to finish writing, then returns the Events stored. */
  events(): Promise<Event[]>;
}

/** The collection path of `gvr` on the fake API (`/api/v1/pods`, `/apis/apps/v1/replicasets`). */
export function collectionPath(gvr: GroupVersionResource): string {
  return gvr.group ? `/apis/${gvr.group}/${gvr.version}/${gvr.resource}` : `/api/${gvr.version}/${gvr.resource}`;
}

let uidSeq = 0;

/** Starts a harness; everything is disposed when the test ends (`t.after`). */
export async function startControllerHarness(t: { after(fn: () => Promise<void> | void): void }): Promise<ControllerHarness> {
  const fake = await FakeApiServer.start();
  const client = new Client(fake.config());
  const clock = new FakeClock(Date.now());
  const informers = new SharedInformerFactory(client, { clock });
  const recorders = new Map<string, EventRecorder>();
  const ctx: ControllerContext = {
    client, informers, clock, workers: 1,
    recorder(component) {
      let r = recorders.get(component);
      if (!r) recorders.set(component, (r = new EventRecorder(client, { component, clock })));
      return r;
    },
  };
  t.after(async () => {
    await Promise.all([...recorders.values()].map((r) => r.flush()));
    client.close();
    await fake.close();
  });
  // Deliver through the informer's own event path so controllers' handlers run (observing expectations) exactly
  // as for a watch event; the informer keeps that path private, hence the cast.
  const deliver = (gvr: GroupVersionResource, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject) =>
    (informerOf(informers, gvr) as unknown as { apply(type: string, obj: KubeObject): void }).apply(type, structuredClone(obj));
  const cacheSet = (gvr: GroupVersionResource, obj: KubeObject) =>
    deliver(gvr, informerOf(informers, gvr).store.get(objectKey(obj)) ? 'MODIFIED' : 'ADDED', obj);
  return {
    fake, client, informers, clock, ctx,
    seed(gvr, obj) {
      // Server-set fields are readonly in kubernetes-types; the harness plays the server.
      const o = structuredClone(obj) as { metadata?: Record<string, unknown> };
      o.metadata ??= {};
      o.metadata.uid ??= `seed-uid-${++uidSeq}`;
      o.metadata.creationTimestamp ??= rfc3339(clock.now());
      const stored = fake.seed(collectionPath(gvr), o);
      cacheSet(gvr, stored);
      return stored as typeof obj;
    },
    cache: (gvr, obj) => void cacheSet(gvr, obj),
    uncache(gvr, key) {
      const old = informerOf(informers, gvr).store.get(key);
      if (old) deliver(gvr, 'DELETED', old);
    },
    refresh(...gvrs) {
      for (const gvr of gvrs.length ? gvrs : KNOWN_RESOURCES) {
        const store = informerOf(informers, gvr).store;
        const fresh = fake.stored(collectionPath(gvr));
        const keep = new Set(fresh.map((o) => objectKey(o)));
        for (const k of store.keys()) if (!keep.has(k)) deliver(gvr, 'DELETED', store.get(k)!);
        for (const o of fresh) {
          const old = store.get(objectKey(o));
          if (old?.metadata?.resourceVersion !== o.metadata?.resourceVersion) deliver(gvr, old ? 'MODIFIED' : 'ADDED', o);
        }
      }
    },
    stored: (gvr) => fake.stored(collectionPath(gvr)) as never[],
    requests: (method, pathIncludes) => fake.requests.filter((r) => !r.path.includes('/events') &&
      (!method || r.method === method) && (!pathIncludes || r.path.includes(pathIncludes))),
    clearRequests: () => void (fake.requests.length = 0),
    async events() {
      await Promise.all([...recorders.values()].map((r) => r.flush()));
      return fake.stored('/api/v1/events') as Event[];
    },
  };
}
