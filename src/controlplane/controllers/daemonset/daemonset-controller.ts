/**
 * The DaemonSet controller, shaped like kube-controller-manager's pkg/controller/daemon:
 *  - handlers only observe expectations and enqueue `ns/name`; a node change enqueues every DaemonSet;
 *  - `sync(key)` claims the DaemonSet's pods and ControllerRevisions, makes sure the current template has a
 *    revision, then (once expectations are met) creates a pod for each node that should run one and has none,
 *    deletes pods from nodes that should not keep them (or that are gone), failed pods and duplicates, runs one
 *    step of the RollingUpdate, and writes status. Level-based: running it again changes nothing.
 * Pods are not bound here: each is pinned to its node by a required node affinity on metadata.name and placed by
 * the scheduler, as upstream since 1.12.
 */
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector, type Selector } from '../../../apimachinery/labels/selector.js';
import {
  objectKey, objectOf, RateLimitingQueue, splitKey, type DeletedFinalStateUnknown, type EventRecorder, type Informer, type ResourceClient,
} from '../../../client/index.js';
import type { Clock } from '../../../util/clock.js';
import { logger } from '../../../util/log.js';
import { sameObject } from '../common/canonical-json.js';
import type { Controller, ControllerContext } from '../common/controller.js';
import { CONTROLLER_REVISION_HASH_LABEL, ensureRevision, truncateHistory } from '../common/controller-history.js';
import { addControllerUidIndex, ownedAndOrphans } from '../common/controller-index.js';
import { claimObjects, getControllerOf, isNotFound, newControllerRef, recheckOwner } from '../common/controller-ref.js';
import { UIDTrackingExpectations } from '../common/expectations.js';
import { targetNodeName } from '../common/node-fit.js';
import { PodControl } from '../common/pod-control.js';
import { isPodAvailable, isPodReady } from '../common/pods.js';
import { clientOf, CONTROLLER_REVISIONS, DAEMON_SETS, informerOf, NODES, PODS } from '../common/resources.js';
import { runQueue } from '../common/run-queue.js';
import { writeStatus } from '../common/write-status.js';
import { slowStartBatch } from '../common/slow-start.js';
import { daemonPodTemplate, nodeShouldRunDaemonPod, pinnedToNode } from './daemon-pods.js';
import { isUpdatedPod, planRollingUpdate, surgeAndUnavailable } from './rolling-update.js';

const COMPONENT = 'daemonset-controller';
const KIND = { apiVersion: 'apps/v1', kind: 'DaemonSet' };
/** At most this many creations per sync (upstream BurstReplicas). */
export const BURST_REPLICAS = 250;

const byCreation = (a: Pod, b: Pod) => String(a.metadata?.creationTimestamp ?? '').localeCompare(String(b.metadata?.creationTimestamp ?? ''))
  || String(a.metadata?.name).localeCompare(String(b.metadata?.name));

/** Runs one pod per eligible node for every DaemonSet. */
export class DaemonSetController implements Controller {
  readonly name = 'daemonset';
  readonly expectations: UIDTrackingExpectations;
  readonly queue: RateLimitingQueue<string>;
  private readonly sets: Informer<DaemonSet>;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly revisions: Informer<ControllerRevision>;
  private readonly setClient: ResourceClient<DaemonSet>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly revisionClient: ResourceClient<ControllerRevision>;
  private readonly podControl: PodControl;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly log = logger(COMPONENT);

  constructor(private readonly ctx: ControllerContext) {
    this.clock = ctx.clock;
    this.expectations = new UIDTrackingExpectations(ctx.clock);
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.sets = informerOf<DaemonSet>(ctx.informers, DAEMON_SETS);
    this.pods = informerOf<Pod>(ctx.informers, PODS);
    this.nodes = informerOf<Node>(ctx.informers, NODES);
    this.revisions = informerOf<ControllerRevision>(ctx.informers, CONTROLLER_REVISIONS);
    addControllerUidIndex(this.pods);
    addControllerUidIndex(this.revisions);
    this.setClient = clientOf<DaemonSet>(ctx.client, DAEMON_SETS);
    this.podClient = clientOf<Pod>(ctx.client, PODS);
    this.revisionClient = clientOf<ControllerRevision>(ctx.client, CONTROLLER_REVISIONS);
    this.recorder = ctx.recorder(COMPONENT);
    this.podControl = new PodControl(ctx.client, this.recorder);
    this.sets.addEventHandler({
      onAdd: (d) => this.queue.add(objectKey(d)),
      onUpdate: (_, d) => this.queue.add(objectKey(d)),
      onDelete: (d) => {
        const key = objectKey(objectOf(d as DaemonSet | DeletedFinalStateUnknown<DaemonSet>));
        this.expectations.deleteExpectations(key);
        this.queue.add(key);
      },
    });
    this.pods.addEventHandler({
      onAdd: (p) => (p.metadata?.deletionTimestamp ? this.onPodDelete(p) : this.onPodAdd(p)),
      onUpdate: (old, cur) => this.onPodUpdate(old, cur),
      onDelete: (p) => this.onPodDelete(objectOf(p as Pod | DeletedFinalStateUnknown<Pod>)),
    });
    this.nodes.addEventHandler({
      onAdd: () => this.enqueueAll(),
      onUpdate: (old, cur) => {
        // Heartbeats change nothing a DaemonSet decides on; labels, taints, cordoning and readiness do.
        const shape = (n: Node) => JSON.stringify([n.metadata?.labels, n.spec?.taints, n.spec?.unschedulable]);
        if (shape(old) !== shape(cur)) this.enqueueAll();
      },
      onDelete: () => this.enqueueAll(),
    });
  }

  /** Runs `ctx.workers` workers until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return runQueue(this.queue, (key) => this.sync(key), { name: COMPONENT, workers: this.ctx.workers, signal });
  }

  private enqueueAll(): void {
    for (const d of this.sets.lister.list()) this.queue.add(objectKey(d));
  }

  private resolve(pod: Pod): DaemonSet | undefined {
    const ref = getControllerOf(pod);
    if (ref?.kind !== 'DaemonSet') return undefined;
    const ds = this.sets.lister.get(pod.metadata?.namespace ?? '', ref.name);
    return ds?.metadata?.uid === ref.uid ? ds : undefined;
  }

  private matching(pod: Pod): DaemonSet[] {
    return this.sets.lister.listNamespace(pod.metadata?.namespace ?? '').filter((d) => {
      try {
        return selectorFromLabelSelector(d.spec?.selector).matches(pod.metadata?.labels ?? {});
      } catch {
        return false;
      }
    });
  }

  private onPodAdd(pod: Pod): void {
    const ds = this.resolve(pod);
    if (ds) {
      this.expectations.creationObserved(objectKey(ds));
      this.queue.add(objectKey(ds));
    } else if (!getControllerOf(pod)) {
      for (const d of this.matching(pod)) this.queue.add(objectKey(d));
    }
  }

  private onPodUpdate(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    if (cur.metadata?.deletionTimestamp) return this.onPodDelete(cur);
    const oldDs = this.resolve(old);
    const ds = this.resolve(cur);
    if (oldDs && oldDs !== ds) this.queue.add(objectKey(oldDs));
    if (ds) {
      this.queue.add(objectKey(ds));
      const minReady = ds.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.queue.addAfter(objectKey(ds), minReady * 1000 + 1000);
    } else if (!getControllerOf(cur)) {
      for (const d of this.matching(cur)) this.queue.add(objectKey(d));
    }
  }

  private onPodDelete(pod: Pod): void {
    const ds = this.resolve(pod);
    if (!ds) return;
    this.expectations.deletionObservedOf(objectKey(ds), objectKey(pod));
    this.queue.add(objectKey(ds));
  }

  /** Reconciles the DaemonSet under `key`. Idempotent. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ds = this.sets.lister.get(namespace, name);
    if (!ds) {
      this.expectations.deleteExpectations(key);
      return;
    }
    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(ds.spec?.selector);
    } catch (err) {
      this.log.error('invalid selector; not syncing', { key, error: err });
      return;
    }
    if (selector.empty()) {
      this.recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    const ref = newControllerRef(ds, KIND);
    const canAdopt = recheckOwner(ds, () => this.setClient.namespace(namespace).get(name));
    const matches = (o: { metadata?: { labels?: Record<string, string> } }) => selector.matches(o.metadata?.labels ?? {});
    const claimedPods = await claimObjects<Pod>(ownedAndOrphans(this.pods, ds), { owner: ds, controllerRef: ref, client: this.podClient, matches, canAdopt });
    if (claimedPods.errors.length) throw claimedPods.errors[0];
    if (ds.metadata?.deletionTimestamp) return; // the garbage collector removes the pods
    const claimedRevs = await claimObjects<ControllerRevision>(ownedAndOrphans(this.revisions, ds), {
      owner: ds, controllerRef: ref, client: this.revisionClient, matches, canAdopt,
    });
    if (claimedRevs.errors.length) throw claimedRevs.errors[0];
    const history = await ensureRevision({
      owner: ds, controllerRef: ref, revisions: claimedRevs.claimed, template: ds.spec?.template,
      collisionCount: ds.status?.collisionCount ?? 0, client: this.revisionClient,
    });
    const hash = history.revision.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
    const nodes = this.nodes.lister.list();
    const nodeToPods = this.podsByNode(claimedPods.claimed);
    let err: unknown;
    if (this.expectations.satisfiedExpectations(key)) {
      try {
        const changed = await this.manage(ds, key, nodes, nodeToPods, hash);
        if (!changed && ds.spec?.updateStrategy?.type !== 'OnDelete') await this.rollingUpdate(ds, key, nodes, nodeToPods, hash);
      } catch (e) {
        err = e;
      }
      const inUse = new Set<string>();
      for (const p of claimedPods.claimed) {
        const h = p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
        const rev = history.revisions.find((r) => r.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === h);
        if (rev) inUse.add(rev.metadata?.name ?? '');
      }
      inUse.add(history.revision.metadata?.name ?? '');
      await truncateHistory(this.revisionClient, history.revisions, { limit: ds.spec?.revisionHistoryLimit ?? 10, inUse });
    }
    await this.updateStatus(ds, nodes, nodeToPods, hash, history.collisionCount);
    if (err) throw err;
  }

  /** Pods by the node they run on or are pinned to, oldest first. Pods without a target node are left out. */
  private podsByNode(pods: Pod[]): Map<string, Pod[]> {
    const out = new Map<string, Pod[]>();
    for (const p of pods) {
      const node = targetNodeName(p.spec);
      if (node) out.set(node, [...(out.get(node) ?? []), p]);
    }
    for (const list of out.values()) list.sort(byCreation);
    return out;
  }

  /**
   * Creates missing pods and deletes pods that must go (upstream manage + podsShouldBeOnNode). Returns true if it
   * asked for any change, in which case the rolling update waits for the next sync.
   */
  private async manage(ds: DaemonSet, key: string, nodes: Node[], nodeToPods: Map<string, Pod[]>, hash: string): Promise<boolean> {
    const create: string[] = [];
    const remove: Pod[] = [];
    const surge = surgeAndUnavailable(ds, 1).maxSurge > 0;
    const known = new Set<string>();
    for (const node of nodes) {
      const nodeName = node.metadata?.name ?? '';
      known.add(nodeName);
      const pods = nodeToPods.get(nodeName) ?? [];
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      // A terminating pod still counts: its replacement waits until it is gone (upstream podsShouldBeOnNode).
      if (shouldRun && pods.length === 0) {
        create.push(nodeName);
      } else if (shouldContinueRunning) {
        const running: Pod[] = [];
        for (const p of pods) {
          if (p.metadata?.deletionTimestamp) continue;
          if (p.status?.phase === 'Failed') {
            this.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${objectKey(p)} on node ${nodeName}, will try to kill it`);
            remove.push(p);
          } else {
            running.push(p);
          }
        }
        if (!surge) {
          remove.push(...running.slice(1)); // keep the oldest
        } else {
          // During a surge one old and one new pod may share a node: keep the oldest of each.
          const fresh = running.filter((p) => isUpdatedPod(p, hash));
          const stale = running.filter((p) => !isUpdatedPod(p, hash));
          remove.push(...fresh.slice(1), ...stale.slice(1));
        }
      } else {
        remove.push(...pods.filter((p) => !p.metadata?.deletionTimestamp));
      }
    }
    // Pods pinned to nodes that no longer exist.
    for (const [nodeName, pods] of nodeToPods) {
      if (!known.has(nodeName)) remove.push(...pods.filter((p) => !p.metadata?.deletionTimestamp));
    }
    await this.syncNodes(ds, key, remove, create, hash);
    return create.length > 0 || remove.length > 0;
  }

  /** One rolling update step (see rolling-update.ts). */
  private async rollingUpdate(ds: DaemonSet, key: string, nodes: Node[], nodeToPods: Map<string, Pod[]>, hash: string): Promise<void> {
    const eligible = new Map<string, Pod[]>();
    for (const node of nodes) {
      if (nodeShouldRunDaemonPod(node, ds).shouldRun) eligible.set(node.metadata?.name ?? '', nodeToPods.get(node.metadata?.name ?? '') ?? []);
    }
    const { maxSurge, maxUnavailable } = surgeAndUnavailable(ds, eligible.size);
    const now = this.clock.now();
    const plan = planRollingUpdate({
      nodeToPods: eligible, hash, maxSurge, maxUnavailable,
      isAvailable: (p) => isPodAvailable(p, ds.spec?.minReadySeconds ?? 0, now),
    });
    await this.syncNodes(ds, key, plan.deletePods, plan.createOnNodes, hash);
  }

  /** Deletes `remove` and creates a pod pinned to each of `create`, under expectations (upstream syncNodes). */
  private async syncNodes(ds: DaemonSet, key: string, remove: Pod[], create: string[], hash: string): Promise<void> {
    if (remove.length === 0 && create.length === 0) return;
    const toCreate = create.slice(0, BURST_REPLICAS);
    // Expect before acting: the informer may deliver the new pods before the requests return.
    this.expectations.expectDeletionsOf(key, remove.map((p) => objectKey(p)));
    this.expectations.raiseExpectations(key, toCreate.length, 0);
    const template = daemonPodTemplate(ds, hash);
    const ref = newControllerRef(ds, KIND);
    const created = slowStartBatch(toCreate.length, async (i) => {
      await this.podControl.createPod(pinnedToNode(template, toCreate[i]), ds, ref);
    });
    const deleted = Promise.allSettled(remove.map(async (p) => {
      try {
        await this.podControl.deletePod(p.metadata?.name ?? '', ds, { uid: p.metadata?.uid });
      } catch (err) {
        this.expectations.deletionObservedOf(key, objectKey(p));
        if (!isNotFound(err)) throw err;
      }
    }));
    const r = await created;
    // Creations that failed or were never tried will never be observed.
    this.expectations.lowerExpectations(key, toCreate.length - r.successes, 0);
    const failed = (await deleted).find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (r.error !== undefined) throw r.error;
    if (failed) throw failed.reason;
  }

  /** Computes and writes status (upstream updateDaemonSetStatus). */
  private async updateStatus(ds: DaemonSet, nodes: Node[], nodeToPods: Map<string, Pod[]>, hash: string, collisionCount: number): Promise<void> {
    const now = this.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const s: DaemonSetStatus = {
      currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0,
      updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0,
    };
    for (const node of nodes) {
      const pods = (nodeToPods.get(node.metadata?.name ?? '') ?? []).filter((p) => !p.metadata?.deletionTimestamp);
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      if (shouldRun) {
        s.desiredNumberScheduled++;
        if (pods.length === 0) continue;
        s.currentNumberScheduled++;
        const pod = pods[0];
        if (isPodReady(pod)) {
          s.numberReady++;
          if (isPodAvailable(pod, minReady, now)) s.numberAvailable!++;
        }
        if (isUpdatedPod(pod, hash)) s.updatedNumberScheduled!++;
      } else if (pods.length > 0) {
        s.numberMisscheduled++;
      }
    }
    s.numberUnavailable = s.desiredNumberScheduled - s.numberAvailable!;
    if (collisionCount) s.collisionCount = collisionCount;
    const key = objectKey(ds);
    if (minReady > 0 && s.numberReady !== s.numberAvailable) this.queue.addAfter(key, minReady * 1000);
    const generation = ds.metadata?.generation ?? 0;
    const { observedGeneration: _o, conditions: _c, ...old } = ds.status ?? ({} as DaemonSetStatus);
    if (sameObject(old, s) && (ds.status?.observedGeneration ?? 0) >= generation) return;
    await writeStatus(this.setClient.namespace(ds.metadata?.namespace ?? ''), ds, s);
  }
}

/** Factory for the registry. */
export function newDaemonSetController(ctx: ControllerContext): DaemonSetController {
  return new DaemonSetController(ctx);
}
