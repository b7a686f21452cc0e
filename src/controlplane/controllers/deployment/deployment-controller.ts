/**
 * The Deployment controller, shaped like kube-controller-manager's pkg/controller/deployment: handlers enqueue
 * the Deployment key; `sync(key)` claims the Deployment's ReplicaSets, finds the new one (template equal ignoring
 * the pod-template-hash) and the old ones, then — paused or resized: scales proportionally; otherwise runs the
 * strategy (RollingUpdate within maxSurge/maxUnavailable, or Recreate) — cleans up history beyond
 * revisionHistoryLimit and writes status and the Progressing/Available conditions. Every write is made against the
 * resourceVersion it was computed from, so a stale cache causes a conflict and a retry, never a double step; the
 * new ReplicaSet's name is deterministic, so a repeated create meets AlreadyExists instead of a duplicate.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { StatusError } from '../../../apimachinery/errors/status-error.js';
import { selectorFromLabelSelector, type Selector } from '../../../apimachinery/labels/selector.js';
import {
  objectKey, objectOf, RateLimitingQueue, splitKey, type DeletedFinalStateUnknown, type EventRecorder, type Informer, type ResourceClient,
} from '../../../client/index.js';
import { logger } from '../../../util/log.js';
import type { Controller, ControllerContext } from '../common/controller.js';
import { addControllerUidIndex, CONTROLLER_UID_INDEX, ownedAndOrphans } from '../common/controller-index.js';
import { claimObjects, getControllerOf, isNotFound, newControllerRef, recheckOwner } from '../common/controller-ref.js';
import { sameObject } from '../common/canonical-json.js';
import { clientOf, DEPLOYMENTS, informerOf, PODS, REPLICA_SETS } from '../common/resources.js';
import { runQueue } from '../common/run-queue.js';
import {
  activeReplicaSets, actualReplicas, availableReplicas, byCreation, byRevision, bySizeNewer, bySizeOlder, deploymentComplete,
  deploymentProgressing, deploymentTimedOut, desiredReplicasAnnotation, getCondition, getProportion, hasProgressDeadline,
  isRollingUpdate, isSaturated, maxRevision, maxSurge, maxUnavailable, newCondition, newRSNewReplicas, readyReplicas,
  REASONS, removeCondition, replicasAnnotationsNeedUpdate, replicasOf, REVISION_ANNOTATION, setCondition,
  setNewReplicaSetAnnotations, setReplicasAnnotations, specReplicas,
} from './deployment-util.js';
import { computeHash, equalIgnoreHash, POD_TEMPLATE_HASH_LABEL } from './pod-template-hash.js';
import { rfc3339 as timestamp } from '../../../util/time.js';

const COMPONENT = 'deployment-controller';
const log = logger(COMPONENT);


/** Rolls Deployments out through ReplicaSets. */
export class DeploymentController implements Controller {
  readonly name = 'deployment';
  readonly queue: RateLimitingQueue<string>;
  private readonly deployments: Informer<Deployment>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;
  private readonly dClient: ResourceClient<Deployment>;
  private readonly rsClient: ResourceClient<ReplicaSet>;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.deployments = informerOf<Deployment>(ctx.informers, DEPLOYMENTS);
    this.replicaSets = informerOf<ReplicaSet>(ctx.informers, REPLICA_SETS);
    this.pods = informerOf<Pod>(ctx.informers, PODS);
    addControllerUidIndex(this.replicaSets);
    addControllerUidIndex(this.pods);
    this.dClient = clientOf<Deployment>(ctx.client, DEPLOYMENTS);
    this.rsClient = clientOf<ReplicaSet>(ctx.client, REPLICA_SETS);
    this.recorder = ctx.recorder(COMPONENT);
    this.deployments.addEventHandler({
      onAdd: (d) => this.queue.add(objectKey(d)),
      onUpdate: (_, d) => this.queue.add(objectKey(d)),
      onDelete: (d) => this.queue.add(objectKey(objectOf(d))),
    });
    this.replicaSets.addEventHandler({
      onAdd: (rs) => this.onReplicaSetAdd(rs),
      onUpdate: (old, cur) => this.onReplicaSetUpdate(old, cur),
      onDelete: (rs) => this.enqueueOwner(objectOf(rs)),
    });
    this.pods.addEventHandler({ onDelete: (p) => this.onPodDelete(p) });
  }

  /** Runs workers until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return runQueue(this.queue, (key) => this.sync(key), { name: COMPONENT, workers: this.ctx.workers, signal });
  }

  /** Reconciles the Deployment under `key`. Idempotent. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.deployments.lister.get(namespace, name);
    if (!cached) return;
    const d = structuredClone(cached);
    const sel = d.spec?.selector;
    if (sel && !sel.matchLabels && !sel.matchExpressions?.length) {
      this.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        await this.updateStatus(d, { ...(d.status ?? {}), observedGeneration: d.metadata?.generation });
      }
      return;
    }
    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(sel);
    } catch (err) {
      log.error('invalid selector; not syncing', { key, error: err });
      return;
    }
    const rsList = await this.claimReplicaSets(d, selector);
    if (d.metadata?.deletionTimestamp) {
      const { newRS, oldRSs } = await this.getAllReplicaSets(d, rsList, false);
      await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
      return;
    }
    await this.checkPausedConditions(d);
    if (d.spec?.paused) return this.syncScale(d, rsList);
    if (await this.isScalingEvent(d, rsList)) return this.syncScale(d, rsList);
    if (isRollingUpdate(d)) return this.rolloutRolling(d, rsList);
    return this.rolloutRecreate(d, rsList);
  }

  // ---- ReplicaSets of a Deployment ------------------------------------------------------------------------------

  private async claimReplicaSets(d: Deployment, selector: Selector): Promise<ReplicaSet[]> {
    const ns = d.metadata?.namespace ?? '';
    const { claimed, errors } = await claimObjects<ReplicaSet>(ownedAndOrphans(this.replicaSets, d), {
      owner: d, controllerRef: newControllerRef(d, { apiVersion: 'apps/v1', kind: 'Deployment' }), client: this.rsClient,
      matches: (rs) => selector.matches(rs.metadata?.labels ?? {}),
      canAdopt: recheckOwner(d, () => this.dClient.namespace(ns).get(d.metadata?.name ?? '')),
    });
    if (errors.length) throw errors[0];
    return claimed.map((rs) => structuredClone(rs));
  }

  /** The new ReplicaSet (oldest one whose template matches) and all others (upstream FindNewReplicaSet/FindOldReplicaSets). */
  private split(d: Deployment, rsList: ReplicaSet[]): { existing?: ReplicaSet; oldRSs: ReplicaSet[] } {
    const sorted = [...rsList].sort(byCreation);
    const existing = sorted.find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
    return { existing, oldRSs: sorted.filter((rs) => rs !== existing) };
  }

  /**
   * The new and old ReplicaSets, bringing the new one's annotations and the Deployment's revision up to date, and
   * creating the new one when asked (upstream getAllReplicaSetsAndSyncRevision + getNewReplicaSet).
   */
  private async getAllReplicaSets(d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
    const { existing, oldRSs } = this.split(d, rsList);
    const newRevision = maxRevision(oldRSs) + 1;
    const ns = d.metadata?.namespace ?? '';
    const now = timestamp(this.ctx.clock.now());
    if (existing) {
      let rs = existing;
      const annotationsChanged = setNewReplicaSetAnnotations(d, rs, newRevision, true);
      if (annotationsChanged || (rs.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0)) {
        rs.spec = { ...rs.spec!, minReadySeconds: d.spec?.minReadySeconds ?? 0 };
        rs = await this.rsClient.namespace(ns).update(rs);
      }
      await this.setDeploymentRevision(d, rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? '');
      if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
        const status = structuredClone(d.status ?? {});
        setCondition(status, newCondition('Progressing', 'True', REASONS.FoundNewReplicaSet, `Found new replica set "${rs.metadata?.name}"`, now));
        await this.updateStatus(d, status);
      }
      return { newRS: rs, oldRSs };
    }
    if (!create) return { oldRSs };
    const collisionCount = d.status?.collisionCount;
    const hash = computeHash(d.spec?.template, collisionCount);
    const template = structuredClone(d.spec?.template ?? {});
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const newRS: ReplicaSet = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata?.name}-${hash}`, namespace: ns, labels: template.metadata.labels,
        ownerReferences: [newControllerRef(d, { apiVersion: 'apps/v1', kind: 'Deployment' })],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    newRS.spec!.replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);
    let created: ReplicaSet;
    let alreadyExisted = false;
    try {
      created = await this.rsClient.namespace(ns).create(newRS);
    } catch (err) {
      if (err instanceof StatusError && err.code === 409 && err.reason === 'AlreadyExists') {
        const found = this.replicaSets.lister.get(ns, newRS.metadata!.name!);
        if (!found) throw err; // our cache has not caught up: retry later
        const ref = getControllerOf(found);
        if (ref?.uid === d.metadata?.uid && equalIgnoreHash(d.spec?.template, found.spec?.template)) {
          created = structuredClone(found);
          alreadyExisted = true;
        } else {
          // A hash collision with a ReplicaSet that is not ours: hash again with a higher collisionCount.
          await this.updateStatus(d, { ...(d.status ?? {}), collisionCount: (collisionCount ?? 0) + 1 });
          throw err;
        }
      } else {
        const msg = `Failed to create new replica set "${newRS.metadata!.name}": ${(err as Error).message}`;
        if (hasProgressDeadline(d)) {
          const status = structuredClone(d.status ?? {});
          setCondition(status, newCondition('Progressing', 'False', REASONS.FailedRSCreate, msg, now));
          await this.updateStatus(d, status).catch(() => undefined);
        }
        this.recorder.event(d, 'Warning', REASONS.FailedRSCreate, msg);
        throw err;
      }
    }
    if (!alreadyExisted && replicasOf(created) > 0) {
      this.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata?.name} from 0 to ${replicasOf(created)}`);
    }
    await this.setDeploymentRevision(d, String(newRevision));
    if (!alreadyExisted && hasProgressDeadline(d)) {
      const status = structuredClone(d.status ?? {});
      setCondition(status, newCondition('Progressing', 'True', REASONS.NewReplicaSet, `Created new replica set "${created.metadata?.name}"`, now));
      await this.updateStatus(d, status);
    }
    return { newRS: created, oldRSs };
  }

  /**
   * Records the revision on the Deployment itself (where `kubectl rollout history/undo` read it). A metadata-only
   * patch, so the generation does not move.
   */
  private async setDeploymentRevision(d: Deployment, revision: string): Promise<void> {
    if (!revision || d.metadata?.annotations?.[REVISION_ANNOTATION] === revision) return;
    const patched = await this.dClient.namespace(d.metadata?.namespace ?? '').patch(d.metadata?.name ?? '', {
      metadata: { resourceVersion: d.metadata?.resourceVersion, annotations: { [REVISION_ANNOTATION]: revision } },
    }, 'merge');
    d.metadata = patched.metadata;
  }

  // ---- strategies ----------------------------------------------------------------------------------------------

  private async rolloutRolling(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSets(d, rsList, true);
    const rs = newRS!;
    let all = [...oldRSs, rs];
    if (await this.reconcileNewReplicaSet(all, rs, d)) return this.syncRolloutStatus(all, rs, d);
    const scaledDown = await this.reconcileOldReplicaSets(all, activeReplicaSets(oldRSs), rs, d);
    all = [...oldRSs, rs];
    if (scaledDown) return this.syncRolloutStatus(all, rs, d);
    if (deploymentComplete(d, d.status ?? {})) await this.cleanupDeployment(oldRSs, d);
    return this.syncRolloutStatus(all, rs, d);
  }

  /** Grows (or shrinks an over-sized) new ReplicaSet within maxSurge. True if it was scaled. */
  private async reconcileNewReplicaSet(all: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
    const want = replicasOf(d);
    if (replicasOf(newRS) === want) return false;
    if (replicasOf(newRS) > want) return this.scaleAndRecord(newRS, want, d);
    return this.scaleAndRecord(newRS, newRSNewReplicas(d, all, newRS), d);
  }

  /**
   * Scales old ReplicaSets down as far as maxUnavailable allows: first their unavailable pods (they cost no
   * availability), then available ones, oldest sets first. True if anything was scaled.
   */
  private async reconcileOldReplicaSets(all: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
    if (specReplicas(oldRSs) === 0) return false;
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = specReplicas(all) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    let cleaned = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (cleaned >= maxScaledDown) break;
      const unhealthy = replicasOf(rs) - availableOf(rs);
      if (replicasOf(rs) === 0 || unhealthy <= 0) continue;
      const n = Math.min(maxScaledDown - cleaned, unhealthy);
      await this.scaleAndRecord(rs, replicasOf(rs) - n, d);
      cleaned += n;
    }
    // Then available pods, keeping minAvailable across old and new.
    const available = [...oldRSs, newRS].reduce((n, rs) => n + availableOf(rs), 0);
    let scaled = 0;
    if (available > minAvailable) {
      const total = available - minAvailable;
      for (const rs of [...oldRSs].sort(byCreation)) {
        if (scaled >= total) break;
        if (replicasOf(rs) === 0) continue;
        const n = Math.min(replicasOf(rs), total - scaled);
        await this.scaleAndRecord(rs, replicasOf(rs) - n, d);
        scaled += n;
      }
    }
    return cleaned + scaled > 0;
  }

  private async rolloutRecreate(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSets(d, rsList, false);
    let scaledDown = false;
    for (const rs of activeReplicaSets(oldRSs)) if (await this.scaleAndRecord(rs, 0, d)) scaledDown = true;
    if (scaledDown) return this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
    if (this.oldPodsRunning(newRS, oldRSs)) return this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
    if (!newRS) ({ newRS, oldRSs } = await this.getAllReplicaSets(d, rsList, true));
    await this.scaleAndRecord(newRS!, replicasOf(d), d);
    if (deploymentComplete(d, d.status ?? {})) await this.cleanupDeployment(oldRSs, d);
    return this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
  }

  /** True while any pod of an old ReplicaSet has not terminated (Recreate waits for all of them). */
  private oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
    if (actualReplicas(oldRSs) > 0) return true;
    for (const rs of oldRSs) {
      if (!rs.metadata?.uid || rs.metadata.uid === newRS?.metadata?.uid) continue;
      for (const p of this.pods.lister.byIndex(CONTROLLER_UID_INDEX, rs.metadata.uid)) {
        const phase = p.status?.phase;
        if (phase !== 'Failed' && phase !== 'Succeeded') return true;
      }
    }
    return false;
  }

  // ---- scaling -------------------------------------------------------------------------------------------------

  /** True if an active ReplicaSet was sized for another replica count (the user scaled the Deployment). */
  private async isScalingEvent(d: Deployment, rsList: ReplicaSet[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSets(d, rsList, false);
    return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
      const desired = desiredReplicasAnnotation(rs);
      return desired !== undefined && desired !== replicasOf(d);
    });
  }

  /** Paused or resized: scale (proportionally mid-rollout), clean up history if paused, write status. */
  private async syncScale(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSets(d, rsList, false);
    await this.scale(d, newRS, oldRSs);
    if (d.spec?.paused) await this.cleanupDeployment(oldRSs, d);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
  }

  /** Upstream `scale`: one active set takes everything; a saturated new set ends the old ones; else proportional. */
  private async scale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const want = replicasOf(d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (replicasOf(activeOrLatest) !== want) await this.scaleAndRecord(activeOrLatest, want, d);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const rs of activeReplicaSets(oldRSs)) await this.scaleAndRecord(rs, 0, d);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const all = activeReplicaSets([...oldRSs, newRS]);
    const allowed = want > 0 ? want + maxSurge(d) : 0;
    const toAdd = allowed - specReplicas(all);
    let op = '';
    if (toAdd > 0) {
      all.sort(bySizeNewer);
      op = 'up';
    } else if (toAdd < 0) {
      all.sort(bySizeOlder);
      op = 'down';
    }
    let added = 0;
    const sizes = all.map((rs) => {
      if (toAdd === 0) return replicasOf(rs);
      const p = getProportion(rs, d, toAdd, added);
      added += p;
      return replicasOf(rs) + p;
    });
    // Leftovers from rounding go to the largest set.
    if (toAdd !== 0 && sizes.length) sizes[0] = Math.max(0, sizes[0] + toAdd - added);
    for (let i = 0; i < all.length; i++) await this.scaleReplicaSet(all[i], sizes[i], d, op);
  }

  private scaleAndRecord(rs: ReplicaSet, newScale: number, d: Deployment): Promise<boolean> {
    if (replicasOf(rs) === newScale) return Promise.resolve(false);
    return this.scaleReplicaSet(rs, newScale, d, replicasOf(rs) < newScale ? 'up' : 'down');
  }

  /**
   * Sets a ReplicaSet's size and replica annotations in one update (against its resourceVersion); records
   * ScalingReplicaSet. Mutates `rs` to the result so later steps of the same sync see it. True if the size changed.
   */
  private async scaleReplicaSet(rs: ReplicaSet, newScale: number, d: Deployment, op: string): Promise<boolean> {
    const desired = replicasOf(d);
    const max = desired + maxSurge(d);
    const sizeChange = replicasOf(rs) !== newScale;
    if (!sizeChange && !replicasAnnotationsNeedUpdate(rs, desired, max)) return false;
    const oldScale = replicasOf(rs);
    const copy = structuredClone(rs);
    copy.spec = { ...copy.spec!, replicas: newScale };
    setReplicasAnnotations(copy, desired, max);
    const updated = await this.rsClient.namespace(rs.metadata?.namespace ?? '').update(copy);
    Object.assign(rs, updated);
    if (sizeChange) {
      this.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata?.name} from ${oldScale} to ${newScale}`);
    }
    return sizeChange;
  }

  /** Deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit (default 10). */
  private async cleanupDeployment(oldRSs: ReplicaSet[], d: Deployment): Promise<void> {
    const limit = d.spec?.revisionHistoryLimit ?? 10;
    const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort(byRevision);
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.rsClient.namespace(rs.metadata?.namespace ?? '').delete(rs.metadata?.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  // ---- status --------------------------------------------------------------------------------------------------

  private calculateStatus(all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): DeploymentStatus {
    const available = availableReplicas(all);
    const status: DeploymentStatus = {
      observedGeneration: d.metadata?.generation,
      replicas: actualReplicas(all),
      updatedReplicas: actualReplicas([newRS]),
      readyReplicas: readyReplicas(all),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, specReplicas(all) - available),
    };
    if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
    if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c) => ({ ...c }));
    const now = timestamp(this.ctx.clock.now());
    if (available >= replicasOf(d) - maxUnavailable(d)) {
      setCondition(status, newCondition('Available', 'True', REASONS.MinimumReplicasAvailable, 'Deployment has minimum availability.', now));
    } else {
      setCondition(status, newCondition('Available', 'False', REASONS.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
    }
    return status;
  }

  private async syncDeploymentStatus(all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
    const status = this.calculateStatus(all, newRS, d);
    if (sameObject(d.status, status)) return;
    await this.updateStatus(d, status);
  }

  /** Status plus the Progressing condition, requeueing when the progress deadline will be due (upstream syncRolloutStatus). */
  private async syncRolloutStatus(all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
    const status = this.calculateStatus(all, newRS, d);
    const nowMs = this.ctx.clock.now();
    const now = timestamp(nowMs);
    if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
    const cur = getCondition(d.status, 'Progressing');
    const complete = status.replicas === status.updatedReplicas && cur?.reason === REASONS.NewReplicaSetAvailable;
    if (hasProgressDeadline(d) && !complete) {
      const who = newRS ? `ReplicaSet "${newRS.metadata?.name}"` : `Deployment "${d.metadata?.name}"`;
      if (deploymentComplete(d, status)) {
        setCondition(status, newCondition('Progressing', 'True', REASONS.NewReplicaSetAvailable, `${who} has successfully progressed.`, now));
      } else if (deploymentProgressing(d, status)) {
        const c = newCondition('Progressing', 'True', REASONS.ReplicaSetUpdated, `${who} is progressing.`, now);
        // Progress refreshes lastUpdateTime even when the reason stays the same; the transition time stays.
        if (cur?.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
        removeCondition(status, 'Progressing');
        status.conditions = [...(status.conditions ?? []), c];
      } else if (deploymentTimedOut(d, status, nowMs)) {
        setCondition(status, newCondition('Progressing', 'False', REASONS.TimedOut, `${who} has timed out progressing.`, now));
      }
    }
    const failure = [newRS, ...all].find((rs) => rs?.status?.conditions?.some((c) => c.type === 'ReplicaFailure' && c.status === 'True'));
    const rc = failure?.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    if (rc) {
      setCondition(status, { type: 'ReplicaFailure', status: rc.status, reason: rc.reason, message: rc.message, lastUpdateTime: rc.lastTransitionTime, lastTransitionTime: rc.lastTransitionTime });
    } else removeCondition(status, 'ReplicaFailure');
    if (sameObject(d.status, status)) {
      this.requeueStuck(d, status);
      return;
    }
    await this.updateStatus(d, status);
  }

  /** A Deployment making no progress is looked at again when its progress deadline passes. */
  private requeueStuck(d: Deployment, status: DeploymentStatus): void {
    const cur = getCondition(d.status, 'Progressing');
    if (!hasProgressDeadline(d) || !cur || deploymentComplete(d, status) || cur.reason === REASONS.TimedOut) return;
    const due = Date.parse(cur.lastUpdateTime ?? '') + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - this.ctx.clock.now();
    if (Number.isNaN(due)) return;
    if (due < 1000) this.queue.addRateLimited(objectKey(d));
    else this.queue.addAfter(objectKey(d), due + 1000);
  }

  /** Paused/resumed are reported in the Progressing condition (unless it already says the deadline passed). */
  private async checkPausedConditions(d: Deployment): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const cur = getCondition(d.status, 'Progressing');
    if (cur?.reason === REASONS.TimedOut) return;
    const pausedCond = cur?.reason === REASONS.Paused;
    const now = timestamp(this.ctx.clock.now());
    const status = structuredClone(d.status ?? {});
    if (d.spec?.paused && !pausedCond) setCondition(status, newCondition('Progressing', 'Unknown', REASONS.Paused, 'Deployment is paused', now));
    else if (!d.spec?.paused && pausedCond) setCondition(status, newCondition('Progressing', 'Unknown', REASONS.Resumed, 'Deployment is resumed', now));
    else return;
    await this.updateStatus(d, status);
  }

  /** PUTs status against the Deployment's resourceVersion and keeps `d` current for the rest of the sync. */
  private async updateStatus(d: Deployment, status: DeploymentStatus): Promise<void> {
    const updated = await this.dClient.namespace(d.metadata?.namespace ?? '').updateStatus({ ...d, status });
    d.metadata = updated.metadata;
    d.status = updated.status;
  }

  // ---- handlers ------------------------------------------------------------------------------------------------

  private resolve(rs: ReplicaSet): Deployment | undefined {
    const ref = getControllerOf(rs);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.deployments.lister.get(rs.metadata?.namespace ?? '', ref.name);
    return d && d.metadata?.uid === ref.uid ? d : undefined;
  }

  private enqueueOwner(rs: ReplicaSet): void {
    const d = this.resolve(rs);
    if (d) this.queue.add(objectKey(d));
  }

  private enqueueMatching(rs: ReplicaSet): void {
    const labels = rs.metadata?.labels ?? {};
    for (const d of this.deployments.lister.listNamespace(rs.metadata?.namespace ?? '')) {
      try {
        if (selectorFromLabelSelector(d.spec?.selector).matches(labels)) this.queue.add(objectKey(d));
      } catch {
        // an invalid selector matches nothing
      }
    }
  }

  private onReplicaSetAdd(rs: ReplicaSet): void {
    if (getControllerOf(rs)) this.enqueueOwner(rs);
    else this.enqueueMatching(rs);
  }

  private onReplicaSetUpdate(old: ReplicaSet, cur: ReplicaSet): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const oldRef = getControllerOf(old);
    const curRef = getControllerOf(cur);
    const refChanged = oldRef?.uid !== curRef?.uid;
    if (refChanged && oldRef) this.enqueueOwner(old);
    if (curRef) {
      this.enqueueOwner(cur);
      return;
    }
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (labelsChanged || refChanged) this.enqueueMatching(cur);
  }

  /** Recreate waits for old pods to go: a pod deletion may unblock it. */
  private onPodDelete(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = objectOf(obj);
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.lister.get(pod.metadata?.namespace ?? '', ref.name);
    if (!rs || rs.metadata?.uid !== ref.uid) return;
    const d = this.resolve(rs);
    if (d && !isRollingUpdate(d)) this.queue.add(objectKey(d));
  }
}

/**
 * Available pods a ReplicaSet can be counted on for: its reported availableReplicas, but never more than its spec.
 * Right after a scale-down the ReplicaSet's status still counts the pods it is about to delete; upstream trusts that
 * figure, which lets two quick syncs scale old sets below minAvailable. Capping at spec closes that gap.
 */
function availableOf(rs: ReplicaSet): number {
  return Math.min(rs.status?.availableReplicas ?? 0, replicasOf(rs));
}

/** The one active ReplicaSet, or the newest when none is active; undefined when several are (upstream FindActiveOrLatest). */
function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}


/** Factory for the registry. */
export function newDeploymentController(ctx: ControllerContext): DeploymentController {
  return new DeploymentController(ctx);
}
