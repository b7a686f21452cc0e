/**
 * The ReplicaSet controller, which also runs ReplicationControllers (the same algorithm with an equality selector
 * map, as upstream's replication controller is the ReplicaSet controller behind a conversion). Shaped like
 * kube-controller-manager's pkg/controller/replicaset:
 *  - informer handlers only observe expectations and enqueue `ns/name` keys;
 *  - `sync(key)` reads the owner and its pods from the caches, claims pods (adopting orphans, releasing pods whose
 *    labels stopped matching), creates or deletes the difference in slow-start batches (at most 500 per sync), and
 *    writes status; it is level-based, so running it again, or after a crash at any point, converges;
 *  - expectations keep a sync from acting on a cache that has not yet seen its own creations and deletions.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import { selectorFromLabelSelector, selectorFromSet, type Selector } from '../../../apimachinery/labels/selector.js';
import {
  objectOf, RateLimitingQueue, splitKey, objectKey, keyOf, type DeletedFinalStateUnknown, type EventRecorder, type Informer,
  type ResourceClient,
} from '../../../client/index.js';
import type { Clock } from '../../../util/clock.js';
import { logger } from '../../../util/log.js';
import type { Controller, ControllerContext } from '../common/controller.js';
import { addControllerUidIndex, CONTROLLER_UID_INDEX, ownedAndOrphans } from '../common/controller-index.js';
import { claimObjects, getControllerOf, isNotFound, newControllerRef, recheckOwner } from '../common/controller-ref.js';
import { UIDTrackingExpectations } from '../common/expectations.js';
import { PodControl } from '../common/pod-control.js';
import { isPodActive, isPodReady } from '../common/pods.js';
import { apiVersionOf, clientOf, informerOf, PODS, REPLICA_SETS, REPLICATION_CONTROLLERS, type GroupVersionResource } from '../common/resources.js';
import { runQueue } from '../common/run-queue.js';
import { slowStartBatch } from '../common/slow-start.js';
import { getPodsToDelete } from './pods-to-delete.js';
import { calculateStatus, sameStatus, type ManageFailure } from './replica-status.js';

/** At most this many creations or deletions per sync (upstream BurstReplicas). */
export const BURST_REPLICAS = 500;

/** The ReplicaSet / ReplicationController object as this controller reads it. */
export type ReplicaOwner = ReplicaSet;

/** What differs between the two kinds the controller runs. */
export interface ReplicaKind {
  /** Controller name (`--controllers`). */
  name: string;
  gvr: GroupVersionResource;
  kind: string;
  /** Event source component. */
  component: string;
  /** The owner's selector; throws for an invalid one. */
  selector(owner: ReplicaOwner): Selector;
}

/** apps/v1 ReplicaSet: set-based selector (matchLabels + matchExpressions). */
export const REPLICA_SET_KIND: ReplicaKind = {
  name: 'replicaset', gvr: REPLICA_SETS, kind: 'ReplicaSet', component: 'replicaset-controller',
  selector: (rs) => selectorFromLabelSelector(rs.spec?.selector),
};

/** core/v1 ReplicationController: an equality map selector (defaulted from the template labels by the API server). */
export const REPLICATION_CONTROLLER_KIND: ReplicaKind = {
  name: 'replicationcontroller', gvr: REPLICATION_CONTROLLERS, kind: 'ReplicationController', component: 'replication-controller',
  selector: (rc) => {
    const sel = (rc.spec?.selector as Record<string, string> | undefined) ?? rc.spec?.template?.metadata?.labels;
    return sel && Object.keys(sel).length ? selectorFromSet(sel) : selectorFromLabelSelector(undefined);
  },
};

/** Keeps the pods of every ReplicaSet (or ReplicationController) at its replica count. */
export class ReplicaSetController implements Controller {
  readonly name: string;
  /** Pending creations/deletions per owner key (exposed for tests). */
  readonly expectations: UIDTrackingExpectations;
  readonly queue: RateLimitingQueue<string>;
  private readonly owners: Informer<ReplicaOwner>;
  private readonly pods: Informer<Pod>;
  private readonly ownerClient: ResourceClient<ReplicaOwner>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly podControl: PodControl;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly log;

  constructor(private readonly ctx: ControllerContext, private readonly kind: ReplicaKind) {
    this.name = kind.name;
    this.log = logger(kind.component);
    this.clock = ctx.clock;
    this.expectations = new UIDTrackingExpectations(ctx.clock);
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.owners = informerOf<ReplicaOwner>(ctx.informers, kind.gvr);
    this.pods = informerOf<Pod>(ctx.informers, PODS);
    addControllerUidIndex(this.pods);
    addControllerUidIndex(this.owners);
    this.ownerClient = clientOf<ReplicaOwner>(ctx.client, kind.gvr);
    this.podClient = clientOf<Pod>(ctx.client, PODS);
    this.recorder = ctx.recorder(kind.component);
    this.podControl = new PodControl(ctx.client, this.recorder);
    this.owners.addEventHandler({
      onAdd: (o) => this.queue.add(objectKey(o)),
      onUpdate: (old, cur) => {
        if (old.metadata?.uid !== cur.metadata?.uid) this.onOwnerDelete(old);
        this.queue.add(objectKey(cur));
      },
      onDelete: (o) => this.onOwnerDelete(o),
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.onPodAdd(p),
      onUpdate: (old, cur) => this.onPodUpdate(old, cur),
      onDelete: (p) => this.onPodDelete(p),
    });
  }

  /** Runs `ctx.workers` workers until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return runQueue(this.queue, (key) => this.sync(key), { name: this.kind.component, workers: this.ctx.workers, signal });
  }

  /** Brings the owner under `key` to its desired pod count and writes its status. Idempotent. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.owners.lister.get(namespace, name);
    if (!cached) {
      this.expectations.deleteExpectations(key);
      return;
    }
    const needsSync = this.expectations.satisfiedExpectations(key);
    let selector: Selector;
    try {
      selector = this.kind.selector(cached);
    } catch (err) {
      // Invalid selectors are refused by validation; one that slips through is not retried (as upstream).
      this.log.error('invalid selector; not syncing', { key, error: err });
      return;
    }
    const candidates = ownedAndOrphans(this.pods, cached).filter(isPodActive);
    const { claimed, errors } = await claimObjects<Pod>(candidates, {
      owner: cached, controllerRef: this.controllerRef(cached), client: this.podClient,
      matches: (p) => selector.matches(p.metadata?.labels ?? {}),
      canAdopt: recheckOwner(cached, () => this.ownerClient.namespace(namespace).get(name)),
    });
    if (errors.length) throw errors[0];
    let failure: ManageFailure | undefined;
    let manageErr: unknown;
    if (needsSync && !cached.metadata?.deletionTimestamp) {
      try {
        await this.manageReplicas(claimed, cached, key);
      } catch (err) {
        manageErr = err;
        const short = claimed.length < (cached.spec?.replicas ?? 1);
        failure = { reason: short ? 'FailedCreate' : 'FailedDelete', message: (err as Error).message ?? String(err) };
      }
    }
    const owner = structuredClone(cached);
    const status = calculateStatus(owner.status, owner.spec ?? {}, claimed, failure, this.clock.now());
    const updated = await this.updateStatus(owner, status);
    const minReady = owner.spec?.minReadySeconds ?? 0;
    const want = owner.spec?.replicas ?? 1;
    if (!manageErr && minReady > 0 && (updated.status?.readyReplicas ?? 0) === want && (updated.status?.availableReplicas ?? 0) !== want) {
      this.queue.addAfter(key, minReady * 1000);
    }
    if (manageErr) throw manageErr;
  }

  private controllerRef(owner: ReplicaOwner) {
    return newControllerRef(owner, { apiVersion: apiVersionOf(this.kind.gvr), kind: this.kind.kind });
  }

  /** Creates or deletes the difference between `pods` and the desired count (at most BURST_REPLICAS). */
  private async manageReplicas(pods: Pod[], owner: ReplicaOwner, key: string): Promise<void> {
    const diff = pods.length - (owner.spec?.replicas ?? 1);
    if (diff < 0) {
      const n = Math.min(-diff, BURST_REPLICAS);
      // Expect before acting: the informer may deliver the new pods before the requests return.
      this.expectations.expectCreations(key, n);
      const ref = this.controllerRef(owner);
      const template = owner.spec?.template ?? {};
      const r = await slowStartBatch(n, async () => {
        try {
          await this.podControl.createPod(template, owner, ref);
        } catch (err) {
          // Creating in a terminating namespace is refused; the namespace controller is cleaning up, so stop quietly.
          if (isNamespaceTerminating(err)) return;
          throw err;
        }
      });
      // Creations that failed or were never tried will never be observed.
      for (let i = r.successes; i < n; i++) this.expectations.creationObserved(key);
      if (r.error !== undefined) throw r.error;
    } else if (diff > 0) {
      const n = Math.min(diff, BURST_REPLICAS);
      const victims = getPodsToDelete(pods, this.relatedPods(owner), n, this.clock.now());
      this.expectations.expectDeletionsOf(key, victims.map((p) => objectKey(p)));
      const results = await Promise.allSettled(victims.map(async (pod) => {
        try {
          await this.podControl.deletePod(pod.metadata?.name ?? '', owner);
        } catch (err) {
          // This deletion will never be observed as one we made.
          this.expectations.deletionObservedOf(key, objectKey(pod));
          if (!isNotFound(err)) throw err;
        }
      }));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  /**
   * The active pods of every ReplicaSet sharing this one's controller (a Deployment's old and new sets), which the
   * scale-down ranking spreads over nodes; just this owner's pods when it has no controller.
   */
  private relatedPods(owner: ReplicaOwner): Pod[] {
    const parent = getControllerOf(owner);
    const siblings = parent ? this.owners.lister.byIndex(CONTROLLER_UID_INDEX, parent.uid) : [owner];
    return siblings.flatMap((s) => (s.metadata?.uid ? this.pods.lister.byIndex(CONTROLLER_UID_INDEX, s.metadata.uid) : []));
  }

  /** Writes `status` unless nothing changed; retries once on a fresh copy (upstream statusUpdateRetries). */
  private async updateStatus(owner: ReplicaOwner, status: ReplicaSetStatus): Promise<ReplicaOwner> {
    const generation = owner.metadata?.generation ?? 0;
    if (sameStatus(owner.status, status) && (owner.status?.observedGeneration ?? 0) >= generation) return owner;
    const client = this.ownerClient.namespace(owner.metadata?.namespace ?? '');
    let current = owner;
    for (let attempt = 0; ; attempt++) {
      const next = { ...current, status: { ...status, observedGeneration: current.metadata?.generation ?? generation } };
      try {
        return await client.updateStatus(next);
      } catch (err) {
        if (attempt >= 1 || isNotFound(err)) throw err;
        current = await client.get(owner.metadata?.name ?? '');
      }
    }
  }

  private resolve(namespace: string, ref: { kind?: string; name?: string; uid?: string } | undefined): ReplicaOwner | undefined {
    if (!ref || ref.kind !== this.kind.kind) return undefined;
    const owner = this.owners.lister.get(namespace, ref.name ?? '');
    return owner && owner.metadata?.uid === ref.uid ? owner : undefined;
  }

  /** Owners in the pod's namespace whose selector matches it (candidates to adopt an orphan). */
  private ownersMatching(pod: Pod): ReplicaOwner[] {
    const labels = pod.metadata?.labels ?? {};
    return this.owners.lister.listNamespace(pod.metadata?.namespace ?? '').filter((o) => {
      try {
        return this.kind.selector(o).matches(labels);
      } catch {
        return false;
      }
    });
  }

  private onOwnerDelete(obj: ReplicaOwner | DeletedFinalStateUnknown<ReplicaOwner>): void {
    const key = objectKey(objectOf(obj));
    this.expectations.deleteExpectations(key);
    this.queue.add(key);
  }

  private onPodAdd(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      // Seen for the first time already terminating (e.g. after a restart): a deletion, not a creation.
      this.onPodDelete(pod);
      return;
    }
    const ns = pod.metadata?.namespace ?? '';
    const ref = getControllerOf(pod);
    if (ref) {
      const owner = this.resolve(ns, ref);
      if (!owner) return;
      const key = keyOf(ns, owner.metadata?.name ?? '');
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    for (const o of this.ownersMatching(pod)) this.queue.add(objectKey(o));
  }

  private onPodUpdate(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return; // a resync: nothing changed
    const ns = cur.metadata?.namespace ?? '';
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (cur.metadata?.deletionTimestamp) {
      // Graceful deletion: count it now, so a replacement starts while the old pod terminates.
      this.onPodDelete(cur);
      if (labelsChanged) this.onPodDelete(old);
      return;
    }
    const oldRef = getControllerOf(old);
    const curRef = getControllerOf(cur);
    const refChanged = oldRef?.uid !== curRef?.uid;
    if (refChanged && oldRef) {
      const o = this.resolve(ns, oldRef);
      if (o) this.queue.add(objectKey(o));
    }
    if (curRef) {
      const o = this.resolve(ns, curRef);
      if (!o) return;
      const key = objectKey(o);
      this.queue.add(key);
      const minReady = o.spec?.minReadySeconds ?? 0;
      // Become available minReadySeconds after becoming ready: look again then (plus a second of slack, as upstream).
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.queue.addAfter(key, minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const o of this.ownersMatching(cur)) this.queue.add(objectKey(o));
  }

  private onPodDelete(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = objectOf(obj);
    const ns = pod.metadata?.namespace ?? '';
    const owner = this.resolve(ns, getControllerOf(pod));
    if (!owner) return;
    const key = objectKey(owner);
    this.expectations.deletionObservedOf(key, objectKey(pod));
    this.queue.add(key);
  }
}

/** True for the API's refusal to create in a terminating namespace (a Forbidden with cause NamespaceTerminating). */
function isNamespaceTerminating(err: unknown): boolean {
  const status = (err as { status?: { details?: { causes?: { type?: string }[] } } }).status;
  return status?.details?.causes?.some((c) => c.type === 'NamespaceTerminating') ?? false;
}

/** Factory for the registry: the ReplicaSet controller. */
export function newReplicaSetController(ctx: ControllerContext): ReplicaSetController {
  return new ReplicaSetController(ctx, REPLICA_SET_KIND);
}

/** Factory for the registry: the ReplicationController controller. */
export function newReplicationController(ctx: ControllerContext): ReplicaSetController {
  return new ReplicaSetController(ctx, REPLICATION_CONTROLLER_KIND);
}
