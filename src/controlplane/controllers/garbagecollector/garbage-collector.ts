/**
 * The garbage collector, as kube-controller-manager's, built on shared informers instead of a separate graph: every
 * watched resource's cache is indexed by uid and by owner uid, which is the owner graph. One queue carries objects
 * to look at (`group/resource|namespace/name`); `sync` is level-based:
 *  - an owner being deleted with the `orphan` finalizer has the references to it removed from its dependents, then
 *    the finalizer removed;
 *  - an owner being deleted with the `foregroundDeletion` finalizer waits until no dependent with
 *    blockOwnerDeletion is left (deleting them meanwhile), then the finalizer is removed;
 *  - any other object with owners is deleted when none of its owners exists any more (background), or when its
 *    only live owners are in foreground deletion; references to missing owners are dropped when a live owner
 *    remains.
 * "Owner missing" is always confirmed by a live GET (a cache may not have seen a new owner yet); owners confirmed
 * absent are remembered by uid, since a uid never comes back. Because every object with owners is looked at when
 * the informers first list, dependents orphaned while the collector was down are collected after a restart.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { findKind, findResource, type ResourceInfo } from '../../../api/resources.js';
import { StatusError } from '../../../apimachinery/errors/status-error.js';
import {
  objectOf, RateLimitingQueue, splitKey, type DeletedFinalStateUnknown, type Informer, type KubeObject,
} from '../../../client/index.js';
import { logger } from '../../../util/log.js';
import type { Controller, ControllerContext } from '../common/controller.js';
import { runQueue } from '../common/run-queue.js';
import {
  dropFinalizerPatch, dropOwnerReferencesPatch, FOREGROUND_FINALIZER, groupOf, hasFinalizer, isDeletingDependents, ORPHAN_FINALIZER,
  ownerState, propagationFor, referenceTo, type OwnerState,
} from './owner-references.js';

const log = logger('garbage-collector');

/** The namespaced resources whose objects controllers create with ownerReferences, watched by the collector. */
export const GC_RESOURCES: readonly ResourceInfo[] = [
  ['', 'pods'], ['', 'replicationcontrollers'], ['', 'endpoints'], ['', 'persistentvolumeclaims'],
  ['apps', 'replicasets'], ['apps', 'deployments'], ['apps', 'statefulsets'], ['apps', 'daemonsets'], ['apps', 'controllerrevisions'],
  ['batch', 'jobs'], ['batch', 'cronjobs'], ['discovery.k8s.io', 'endpointslices'],
].map(([g, r]) => findResource(g, 'v1', r)!);

const UID_INDEX = 'gc.uid';
const OWNER_UID_INDEX = 'gc.ownerUid';
/** Owners of kinds without an informer are re-checked this often, since their deletion sends no event here. */
const UNWATCHED_OWNER_RECHECK_MS = 60_000;
/** Remembered absent owner uids (a bounded set; forgetting only costs one more GET). */
const ABSENT_OWNERS_MAX = 4096;

/** Options of {@link GarbageCollector} beyond the shared context. */
export interface GarbageCollectorOptions {
  /** Resources to watch; default {@link GC_RESOURCES}. */
  resources?: readonly ResourceInfo[];
}

/** Builds the garbage collector (registry entry `garbagecollector`). */
export function newGarbageCollector(ctx: ControllerContext, opts: GarbageCollectorOptions = {}): GarbageCollector {
  return new GarbageCollector(ctx, opts);
}

interface Found {
  info: ResourceInfo;
  obj: KubeObject;
}

function resourceId(info: ResourceInfo): string {
  return `${info.group}/${info.resource}`;
}

/** Deletes dependents of deleted owners and carries out foreground and orphan deletion. */
export class GarbageCollector implements Controller {
  readonly name = 'garbagecollector';
  readonly queue: RateLimitingQueue<string>;
  private readonly informers = new Map<string, { info: ResourceInfo; informer: Informer }>();
  private readonly absentOwners = new Set<string>();

  constructor(private readonly ctx: ControllerContext, opts: GarbageCollectorOptions = {}) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock });
    for (const info of opts.resources ?? GC_RESOURCES) {
      const informer = ctx.informers.informerFor(info.group, info.version, info.resource, {
        indexers: {
          [UID_INDEX]: (o) => (o.metadata?.uid ? [o.metadata.uid] : []),
          [OWNER_UID_INDEX]: (o) => (o.metadata?.ownerReferences ?? []).map((r) => r.uid),
        },
      });
      this.informers.set(resourceId(info), { info, informer });
      informer.addEventHandler({
        onAdd: (obj) => this.onChange(info, undefined, obj),
        onUpdate: (old, obj) => this.onChange(info, old, obj),
        onDelete: (obj) => this.onDeleted(obj),
      });
    }
  }

  /** Runs the workers, once every watched resource has been listed, until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const synced = await Promise.all([...this.informers.values()].map(({ informer }) => informer.waitForSync(signal)));
    if (!synced.every(Boolean)) return;
    await runQueue(this.queue, (item) => this.sync(item), { name: 'garbage-collector', workers: this.ctx.workers, signal });
  }

  /** The queue item of an object. */
  itemOf(info: ResourceInfo, obj: KubeObject): string {
    return `${resourceId(info)}|${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
  }

  private onChange(info: ResourceInfo, old: KubeObject | undefined, obj: KubeObject): void {
    const m = obj.metadata ?? {};
    const deleting = !!m.deletionTimestamp && (hasFinalizer(obj, ORPHAN_FINALIZER) || hasFinalizer(obj, FOREGROUND_FINALIZER));
    if (deleting || (m.ownerReferences?.length ?? 0) > 0) this.queue.add(this.itemOf(info, obj));
    // An owner entering foreground deletion: every dependent must now go (blocking ones before the owner).
    if (isDeletingDependents(obj) && !(old && isDeletingDependents(old))) {
      for (const dep of this.dependentsOf(m.uid!)) this.queue.add(this.itemOf(dep.info, dep.obj));
    }
    // A dependent that dropped (or unblocked) a reference may be what a foreground owner waits for.
    if (old && old.metadata?.ownerReferences !== m.ownerReferences) this.enqueueWaitingOwners(old);
  }

  private onDeleted(tomb: KubeObject | DeletedFinalStateUnknown<KubeObject>): void {
    const obj = objectOf(tomb);
    const uid = obj.metadata?.uid;
    if (uid) for (const dep of this.dependentsOf(uid)) this.queue.add(this.itemOf(dep.info, dep.obj));
    this.enqueueWaitingOwners(obj);
  }

  private enqueueWaitingOwners(dependent: KubeObject): void {
    for (const ref of dependent.metadata?.ownerReferences ?? []) {
      const owner = this.cachedByUid(ref, dependent.metadata?.namespace ?? '');
      if (owner && isDeletingDependents(owner.obj)) this.queue.add(this.itemOf(owner.info, owner.obj));
    }
  }

  /** Every cached object with an owner reference to `uid`. */
  dependentsOf(uid: string): Found[] {
    const out: Found[] = [];
    for (const { info, informer } of this.informers.values()) {
      for (const obj of informer.lister.byIndex(OWNER_UID_INDEX, uid)) out.push({ info, obj });
    }
    return out;
  }

  /** The owner of `ref` from the caches, when its kind is watched and it is cached. */
  private cachedByUid(ref: OwnerReference, namespace: string): Found | undefined {
    const info = findKind(groupOf(ref.apiVersion), ref.kind);
    const entry = info && this.informers.get(resourceId(info));
    if (!entry) return undefined;
    const obj = entry.informer.lister.byIndex(UID_INDEX, ref.uid)[0];
    if (!obj || obj.metadata?.name !== ref.name || (info!.namespaced && (obj.metadata?.namespace ?? '') !== namespace)) return undefined;
    return { info: entry.info, obj };
  }

  /** Level-based processing of one object; see the module comment. */
  async sync(item: string): Promise<void> {
    const bar = item.indexOf('|');
    const entry = this.informers.get(item.slice(0, bar));
    if (!entry) return;
    const { namespace, name } = splitKey(item.slice(bar + 1));
    const obj = entry.informer.lister.get(namespace, name);
    if (!obj) return;
    const m = obj.metadata ?? {};
    if (m.deletionTimestamp) {
      if (hasFinalizer(obj, ORPHAN_FINALIZER)) return this.orphanDependents(entry.info, obj);
      if (hasFinalizer(obj, FOREGROUND_FINALIZER)) return this.processDeletingDependents(entry.info, obj);
      return; // being deleted already; nothing of ours to do
    }
    const refs = m.ownerReferences ?? [];
    if (refs.length === 0) return;
    const states = new Map<OwnerReference, OwnerState>();
    let unwatched = false;
    for (const ref of refs) {
      const { state, watched } = await this.resolve(ref, namespace);
      states.set(ref, state);
      if (!watched && state !== 'dangling') unwatched = true;
    }
    if (unwatched) this.queue.addAfter(item, UNWATCHED_OWNER_RECHECK_MS);
    const solid = refs.filter((r) => states.get(r) === 'solid');
    const waiting = refs.filter((r) => states.get(r) === 'waiting');
    if (solid.length > 0) {
      // A live owner keeps the object; references to owners that are gone or going are dropped.
      const drop = new Set(refs.filter((r) => states.get(r) !== 'solid').map((r) => r.uid));
      if (drop.size === 0) return;
      await this.patch(entry.info, obj, dropOwnerReferencesPatch(obj, drop));
      return;
    }
    const hasDependents = this.dependentsOf(m.uid!).length > 0;
    // Owners deleted in the foreground cascade: a dependent that has dependents of its own goes in the foreground too.
    const policy = waiting.length > 0 && hasDependents ? 'Foreground' : propagationFor(obj);
    log.debug('collecting object', { object: item, policy, owners: refs.map((r) => `${r.kind}/${r.name}:${states.get(r)}`) });
    await this.deleteObject(entry.info, obj, policy);
  }

  /** Resolves an owner reference of an object in `namespace`: from the cache, else from the API server. */
  private async resolve(ref: OwnerReference, namespace: string): Promise<{ state: OwnerState; watched: boolean }> {
    const info = findKind(groupOf(ref.apiVersion), ref.kind);
    // An owner whose kind is not served cannot be checked; keep the dependent, as upstream does when it cannot map it.
    if (!info) return { state: 'solid', watched: false };
    const watched = this.informers.has(resourceId(info));
    const cached = this.cachedByUid(ref, namespace);
    if (cached) return { state: ownerState(ref, cached.obj), watched };
    if (this.absentOwners.has(ref.uid)) return { state: 'dangling', watched };
    let live: KubeObject | undefined;
    try {
      live = await this.ctx.client.resource(info.group, info.version, info.resource).namespace(info.namespaced ? namespace : '').get(ref.name);
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
    const state = ownerState(ref, live);
    if (state === 'dangling') this.rememberAbsent(ref.uid);
    return { state, watched };
  }

  private rememberAbsent(uid: string): void {
    if (this.absentOwners.size >= ABSENT_OWNERS_MAX) this.absentOwners.delete(this.absentOwners.values().next().value!);
    this.absentOwners.add(uid);
  }

  /** Foreground deletion of `owner`: its finalizer goes once no dependent blocks it; blocking dependents are deleted. */
  private async processDeletingDependents(info: ResourceInfo, owner: KubeObject): Promise<void> {
    const uid = owner.metadata!.uid!;
    const blocking = this.dependentsOf(uid).filter((d) => referenceTo(d.obj, uid)?.blockOwnerDeletion === true);
    if (blocking.length === 0) {
      await this.patch(info, owner, dropFinalizerPatch(owner, FOREGROUND_FINALIZER));
      return;
    }
    for (const dep of blocking) if (!isDeletingDependents(dep.obj)) this.queue.add(this.itemOf(dep.info, dep.obj));
  }

  /** Orphan deletion of `owner`: every dependent loses its reference to it, then the orphan finalizer goes. */
  private async orphanDependents(info: ResourceInfo, owner: KubeObject): Promise<void> {
    const uid = owner.metadata!.uid!;
    const failures: string[] = [];
    await Promise.all(this.dependentsOf(uid).map(async (dep) => {
      try {
        await this.patch(dep.info, dep.obj, dropOwnerReferencesPatch(dep.obj, new Set([uid])));
      } catch (err) {
        failures.push(`${this.itemOf(dep.info, dep.obj)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }));
    if (failures.length > 0) throw new Error(`Cannot orphan the dependents of ${this.itemOf(info, owner)}: ${failures.join('; ')}`);
    await this.patch(info, owner, dropFinalizerPatch(owner, ORPHAN_FINALIZER));
  }

  /** A resourceVersion-guarded merge patch; a vanished object is fine, a conflict is retried by the queue. */
  private async patch(info: ResourceInfo, obj: KubeObject, patch: unknown): Promise<void> {
    const m = obj.metadata!;
    try {
      await this.ctx.client.resource(info.group, info.version, info.resource).namespace(m.namespace ?? '').patch(m.name!, patch, 'merge');
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return;
      throw err;
    }
  }

  private async deleteObject(info: ResourceInfo, obj: KubeObject, policy: 'Orphan' | 'Foreground' | 'Background'): Promise<void> {
    const m = obj.metadata!;
    try {
      await this.ctx.client.resource(info.group, info.version, info.resource).namespace(m.namespace ?? '')
        .delete(m.name!, { propagationPolicy: policy, preconditions: { uid: m.uid } });
    } catch (err) {
      // Gone already, or replaced by a new object of the same name (uid precondition): nothing to collect.
      if (err instanceof StatusError && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  }
}
