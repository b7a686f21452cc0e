/**
 * The StatefulSet controller, shaped like kube-controller-manager's pkg/controller/statefulset:
 *  - handlers enqueue the owning StatefulSet; `sync(key)` claims pods (matching the selector *and* named
 *    `NAME-ordinal`) and ControllerRevisions, finds the current and update revisions, and makes one pass:
 *  - pods `NAME-0 … NAME-(n-1)` are created in order, each after the one before is Running and Ready
 *    (OrderedReady), or all at once (Parallel); their PVCs `CLAIM-NAME-i` are created first and outlive them
 *    unless persistentVolumeClaimRetentionPolicy says Delete;
 *  - failed pods are deleted and recreated; pods beyond the replica count go highest ordinal first;
 *  - RollingUpdate replaces pods from the highest ordinal down to `partition`, one at a time, each after the
 *    previous replacement is healthy; OnDelete leaves that to the user;
 *  - status counts replicas, ready/available/current/updated pods, and moves currentRevision to updateRevision
 *    once every pod runs it (which is what `kubectl rollout status sts` waits for).
 * Pod names are fixed, so a create that races a stale cache fails with AlreadyExists and changes nothing.
 */
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { StatusError } from '../../../apimachinery/errors/status-error.js';
import { selectorFromLabelSelector, type Selector } from '../../../apimachinery/labels/selector.js';
import {
  objectKey, objectOf, RateLimitingQueue, splitKey, type DeletedFinalStateUnknown, type EventRecorder, type Informer, type ResourceClient,
} from '../../../client/index.js';
import type { Clock } from '../../../util/clock.js';
import { logger } from '../../../util/log.js';
import { sameObject } from '../common/canonical-json.js';
import type { Controller, ControllerContext } from '../common/controller.js';
import { ensureRevision, templateOfRevision, truncateHistory } from '../common/controller-history.js';
import { addControllerUidIndex, ownedAndOrphans } from '../common/controller-index.js';
import { claimObjects, getControllerOf, isNotFound, newControllerRef, recheckOwner } from '../common/controller-ref.js';
import { podFromTemplate } from '../common/pod-control.js';
import { isPodAvailable } from '../common/pods.js';
import { clientOf, CONTROLLER_REVISIONS, informerOf, PERSISTENT_VOLUME_CLAIMS, PODS, STATEFUL_SETS } from '../common/resources.js';
import { runQueue } from '../common/run-queue.js';
import { writeStatus } from '../common/write-status.js';
import { slowStartBatch } from '../common/slow-start.js';
import { claimsFor, isHealthy, newStatefulPod, ordinalOf, podRevision } from './stateful-pods.js';

const COMPONENT = 'statefulset-controller';
const KIND = { apiVersion: 'apps/v1', kind: 'StatefulSet' };

const isTerminating = (p: Pod) => Boolean(p.metadata?.deletionTimestamp);
const isFinished = (p: Pod) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';

/** What one pass decided, for the status it writes. */
interface Revisions {
  current: ControllerRevision;
  update: ControllerRevision;
}

/** Keeps every StatefulSet's ordered pods and their claims. */
export class StatefulSetController implements Controller {
  readonly name = 'statefulset';
  readonly queue: RateLimitingQueue<string>;
  private readonly sets: Informer<StatefulSet>;
  private readonly pods: Informer<Pod>;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly revisions: Informer<ControllerRevision>;
  private readonly setClient: ResourceClient<StatefulSet>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly claimClient: ResourceClient<PersistentVolumeClaim>;
  private readonly revisionClient: ResourceClient<ControllerRevision>;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly log = logger(COMPONENT);

  constructor(private readonly ctx: ControllerContext) {
    this.clock = ctx.clock;
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.sets = informerOf<StatefulSet>(ctx.informers, STATEFUL_SETS);
    this.pods = informerOf<Pod>(ctx.informers, PODS);
    this.claims = informerOf<PersistentVolumeClaim>(ctx.informers, PERSISTENT_VOLUME_CLAIMS);
    this.revisions = informerOf<ControllerRevision>(ctx.informers, CONTROLLER_REVISIONS);
    addControllerUidIndex(this.pods);
    addControllerUidIndex(this.revisions);
    this.setClient = clientOf<StatefulSet>(ctx.client, STATEFUL_SETS);
    this.podClient = clientOf<Pod>(ctx.client, PODS);
    this.claimClient = clientOf<PersistentVolumeClaim>(ctx.client, PERSISTENT_VOLUME_CLAIMS);
    this.revisionClient = clientOf<ControllerRevision>(ctx.client, CONTROLLER_REVISIONS);
    this.recorder = ctx.recorder(COMPONENT);
    const enqueueSet = (s: StatefulSet | DeletedFinalStateUnknown<StatefulSet>) => this.queue.add(objectKey(objectOf(s)));
    this.sets.addEventHandler({ onAdd: enqueueSet, onUpdate: (_, s) => enqueueSet(s), onDelete: enqueueSet });
    const onPod = (p: Pod) => this.enqueueFor(p);
    this.pods.addEventHandler({
      onAdd: onPod,
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
        if (getControllerOf(old)?.uid !== getControllerOf(cur)?.uid) this.enqueueFor(old);
        this.enqueueFor(cur);
      },
      onDelete: (p) => this.enqueueFor(objectOf(p as Pod | DeletedFinalStateUnknown<Pod>)),
    });
  }

  /** Runs `ctx.workers` workers until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return runQueue(this.queue, (key) => this.sync(key), { name: COMPONENT, workers: this.ctx.workers, signal });
  }

  private enqueueFor(pod: Pod): void {
    const ns = pod.metadata?.namespace ?? '';
    const ref = getControllerOf(pod);
    if (ref) {
      if (ref.kind !== 'StatefulSet') return;
      const set = this.sets.lister.get(ns, ref.name);
      if (set?.metadata?.uid === ref.uid) {
        this.queue.add(objectKey(set));
        const minReady = set.spec?.minReadySeconds ?? 0;
        if (minReady > 0 && isHealthy(pod)) this.queue.addAfter(objectKey(set), minReady * 1000 + 1000);
      }
      return;
    }
    for (const s of this.sets.lister.listNamespace(ns)) {
      try {
        if (selectorFromLabelSelector(s.spec?.selector).matches(pod.metadata?.labels ?? {})) this.queue.add(objectKey(s));
      } catch { /* invalid selector: never matches */ }
    }
  }

  /** Reconciles the StatefulSet under `key`. Idempotent. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const set = this.sets.lister.get(namespace, name);
    if (!set) return;
    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(set.spec?.selector);
    } catch (err) {
      this.log.error('invalid selector; not syncing', { key, error: err });
      return;
    }
    const ref = newControllerRef(set, KIND);
    const canAdopt = recheckOwner(set, () => this.setClient.namespace(namespace).get(name));
    const pods = await claimObjects<Pod>(ownedAndOrphans(this.pods, set), {
      owner: set, controllerRef: ref, client: this.podClient, canAdopt,
      // Upstream isMemberOf: the name must also be one of this set's ordinals.
      matches: (p) => selector.matches(p.metadata?.labels ?? {}) && ordinalOf(name, p.metadata?.name) >= 0,
    });
    if (pods.errors.length) throw pods.errors[0];
    const revs = await claimObjects<ControllerRevision>(ownedAndOrphans(this.revisions, set), {
      owner: set, controllerRef: ref, client: this.revisionClient, canAdopt, matches: (r) => selector.matches(r.metadata?.labels ?? {}),
    });
    if (revs.errors.length) throw revs.errors[0];
    const history = await ensureRevision({
      owner: set, controllerRef: ref, revisions: revs.claimed, template: set.spec?.template,
      collisionCount: set.status?.collisionCount ?? 0, client: this.revisionClient,
    });
    const update = history.revision;
    const current = history.revisions.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
    const revisions: Revisions = { current, update };
    let err: unknown;
    if (!set.metadata?.deletionTimestamp) {
      try {
        await this.updatePods(set, pods.claimed, revisions);
      } catch (e) {
        err = e;
      }
      const inUse = new Set<string>([current.metadata?.name ?? '', update.metadata?.name ?? '']);
      for (const p of pods.claimed) inUse.add(podRevision(p) ?? '');
      await truncateHistory(this.revisionClient, history.revisions, { limit: set.spec?.revisionHistoryLimit ?? 10, inUse });
    }
    await this.updateStatus(set, pods.claimed, revisions, history.collisionCount);
    if (err) throw err;
  }

  /** One pass over the set's pods (upstream updateStatefulSet). */
  private async updatePods(set: StatefulSet, pods: Pod[], revs: Revisions): Promise<void> {
    const name = set.metadata?.name ?? '';
    const replicaCount = set.spec?.replicas ?? 1;
    const monotonic = set.spec?.podManagementPolicy !== 'Parallel';
    const replicas: (Pod | undefined)[] = new Array(replicaCount).fill(undefined);
    const condemned: Pod[] = [];
    for (const p of pods) {
      const ord = ordinalOf(name, p.metadata?.name);
      if (ord < replicaCount) replicas[ord] = p;
      else condemned.push(p);
    }
    condemned.sort((a, b) => ordinalOf(name, b.metadata?.name) - ordinalOf(name, a.metadata?.name)); // highest first

    // Create, replace failed pods, and (OrderedReady) wait for each to become healthy before the next.
    const toCreate: number[] = [];
    for (let ord = 0; ord < replicaCount; ord++) {
      const pod = replicas[ord];
      if (pod && isFinished(pod) && !isTerminating(pod)) {
        this.recorder.event(set, 'Warning', 'RecreatingFailedPod', `StatefulSet ${set.metadata?.namespace}/${name} is recreating failed Pod ${pod.metadata?.name}`);
        await this.deletePod(set, pod);
        if (monotonic) return;
        continue;
      }
      if (!pod) {
        toCreate.push(ord);
        if (monotonic) break;
        continue;
      }
      if (monotonic && !isHealthy(pod)) return;
    }
    if (toCreate.length) {
      const r = await slowStartBatch(toCreate.length, (i) => this.createPod(set, toCreate[i], revs));
      if (r.error !== undefined) throw r.error;
      return;
    }
    if (!monotonic && replicas.some((p) => !p)) return;

    // Scale down: highest ordinal first; OrderedReady waits for each deletion to finish and for the rest to be healthy.
    const firstUnhealthy = [...replicas, ...[...condemned].reverse()].find((p) => p && !isHealthy(p));
    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return;
        continue;
      }
      if (monotonic && !isHealthy(pod) && pod !== firstUnhealthy) return;
      await this.deletePod(set, pod, { condemned: true });
      if (monotonic) return;
    }

    if (set.spec?.updateStrategy?.type === 'OnDelete') return;
    // RollingUpdate: from the highest ordinal down to the partition, one pod at a time.
    const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let ord = replicaCount - 1; ord >= partition; ord--) {
      const pod = replicas[ord]!;
      if (podRevision(pod) !== revs.update.metadata?.name && !isTerminating(pod)) {
        this.log.info('deleting pod for update', { set: objectKey(set), pod: pod.metadata?.name, revision: revs.update.metadata?.name });
        await this.deletePod(set, pod);
        return;
      }
      if (!isHealthy(pod)) return;
    }
  }

  /** Creates the pod with `ordinal` (and its missing PVCs) from the revision it should run. */
  private async createPod(set: StatefulSet, ordinal: number, revs: Revisions): Promise<void> {
    const setName = set.metadata?.name ?? '';
    const ns = set.metadata?.namespace ?? '';
    const strategy = set.spec?.updateStrategy;
    // Below the partition (RollingUpdate) pods keep the current revision (upstream newVersionedStatefulSetPod).
    const useCurrent = strategy?.type !== 'OnDelete' && ordinal < (strategy?.rollingUpdate?.partition ?? 0);
    const rev = useCurrent ? revs.current : revs.update;
    const want = newStatefulPod(set, templateOfRevision(rev), ordinal, rev.metadata?.name ?? '');
    const whenDeleted = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted;
    const claimOwner = whenDeleted === 'Delete' ? newControllerRef(set, KIND) : undefined;
    for (const claim of claimsFor(set, ordinal, claimOwner)) {
      const cached = this.claims.lister.get(ns, claim.metadata?.name ?? '');
      if (cached?.metadata?.deletionTimestamp) throw new Error(`Cannot create Pod ${want.name}: its PVC ${claim.metadata?.name} is being deleted`);
      if (cached) continue;
      try {
        await this.claimClient.namespace(ns).create(claim);
        this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata?.name} Pod ${want.name} in StatefulSet ${setName} success`);
      } catch (err) {
        if (err instanceof StatusError && err.code === 409) continue;
        this.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${claim.metadata?.name} for Pod ${want.name} in StatefulSet ${setName} failed error: ${(err as Error).message}`);
        throw err;
      }
    }
    const pod = podFromTemplate(want.template, set, newControllerRef(set, KIND), { name: want.name, labels: want.labels });
    try {
      await this.podClient.namespace(ns).create(pod);
    } catch (err) {
      if (err instanceof StatusError && err.code === 409) return; // the cache had not seen it yet
      this.recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${want.name} in StatefulSet ${setName} failed error: ${(err as Error).message}`);
      throw err;
    }
    this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${want.name} in StatefulSet ${setName} successful`);
  }

  /** Deletes `pod`; a condemned pod under whenScaled=Delete first hands its PVCs to the pod, so they go with it. */
  private async deletePod(set: StatefulSet, pod: Pod, opts: { condemned?: boolean } = {}): Promise<void> {
    const setName = set.metadata?.name ?? '';
    const ns = set.metadata?.namespace ?? '';
    if (opts.condemned && set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled === 'Delete') {
      const podRef: OwnerReference = { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' };
      for (const c of claimsFor(set, ordinalOf(setName, pod.metadata?.name))) {
        const cached = this.claims.lister.get(ns, c.metadata?.name ?? '');
        if (!cached || cached.metadata?.ownerReferences?.some((r) => r.uid === podRef.uid)) continue;
        const refs = [...(cached.metadata?.ownerReferences ?? []).filter((r) => r.controller !== true || r.kind !== 'Pod'), podRef];
        await this.claimClient.namespace(ns).patch(c.metadata?.name ?? '', { metadata: { ownerReferences: refs } }, 'merge');
      }
    }
    try {
      await this.podClient.namespace(ns).delete(pod.metadata?.name ?? '', { preconditions: { uid: pod.metadata?.uid } });
    } catch (err) {
      if (isNotFound(err)) return;
      this.recorder.event(set, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata?.name} in StatefulSet ${setName} failed error: ${(err as Error).message}`);
      throw err;
    }
    this.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata?.name} in StatefulSet ${setName} successful`);
  }

  /** Computes and writes status (upstream updateStatefulSetStatus + completeRollingUpdate). */
  private async updateStatus(set: StatefulSet, pods: Pod[], revs: Revisions, collisionCount: number): Promise<void> {
    const now = this.clock.now();
    const minReady = set.spec?.minReadySeconds ?? 0;
    const currentName = revs.current.metadata?.name ?? '';
    const updateName = revs.update.metadata?.name ?? '';
    const s: StatefulSetStatus = {
      replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0,
      currentRevision: currentName, updateRevision: updateName, collisionCount,
    };
    for (const p of pods) {
      s.replicas++;
      if (isHealthy(p)) {
        s.readyReplicas!++;
        if (isPodAvailable(p, minReady, now)) s.availableReplicas!++;
      }
      if (!isTerminating(p)) {
        if (podRevision(p) === currentName) s.currentReplicas!++;
        if (podRevision(p) === updateName) s.updatedReplicas!++;
      }
    }
    const want = set.spec?.replicas ?? 1;
    if (set.spec?.updateStrategy?.type !== 'OnDelete' && s.updatedReplicas === want && s.readyReplicas === want && s.replicas === want) {
      s.currentRevision = updateName;
      s.currentReplicas = s.updatedReplicas;
    }
    if (minReady > 0 && s.readyReplicas !== s.availableReplicas) this.queue.addAfter(objectKey(set), minReady * 1000);
    const generation = set.metadata?.generation ?? 0;
    const { observedGeneration: _o, conditions: _c, ...old } = set.status ?? ({ replicas: 0 } as StatefulSetStatus);
    if (sameObject(old, s) && (set.status?.observedGeneration ?? 0) >= generation) return;
    await writeStatus(this.setClient.namespace(set.metadata?.namespace ?? ''), set, s);
  }
}

/** Factory for the registry. */
export function newStatefulSetController(ctx: ControllerContext): StatefulSetController {
  return new StatefulSetController(ctx);
}
