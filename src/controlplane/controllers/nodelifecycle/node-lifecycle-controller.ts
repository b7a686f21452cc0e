/**
 * Node lifecycle, as kube-controller-manager's node lifecycle controller with taint-based eviction:
 *  - monitor: every `--node-monitor-period` it checks each node's last sign of life — a renewal of its Lease in
 *    kube-node-lease or a new Ready heartbeat — and after `--node-monitor-grace-period` of silence marks the
 *    kubelet's conditions Unknown, and the node's pods not Ready (upstream MarkPodsNotReady), since no kubelet
 *    will report them any more. Silence is measured on this controller's clock from when it last *saw* a change,
 *    never by comparing a remote timestamp, so clock skew between machines cannot fake a dead node, and a restart
 *    gives every node a fresh grace period.
 *  - taints: not-ready/unreachable NoExecute and NoSchedule taints follow the Ready condition, and pressure and
 *    unschedulable NoSchedule taints follow theirs (node-taints.ts).
 *  - eviction: pods on a node with NoExecute taints are deleted when their tolerations run out
 *    (eviction-deadline.ts); their controllers then create replacements, which the scheduler keeps off the
 *    tainted node.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import {
  indexByNodeName, NODE_NAME_INDEX, objectKey, objectOf, RateLimitingQueue, splitKey, type DeletedFinalStateUnknown, type EventRecorder,
  type Informer, type ResourceClient,
} from '../../../client/index.js';
import type { Clock } from '../../../util/clock.js';
import { sleep } from '../../../util/async.js';
import { logger } from '../../../util/log.js';
import type { Controller } from '../common/controller.js';
import { settingsOf, type ContextWithSettings } from '../common/controller-settings.js';
import { isNotFound } from '../common/controller-ref.js';
import { clientOf, informerOf, LEASES, NODES, PODS } from '../common/resources.js';
import { runQueue } from '../common/run-queue.js';
import { evictionDeadline } from './eviction-deadline.js';
import { unknownConditions } from './node-health.js';
import { nodeCondition, reconcileTaints } from './node-taints.js';
import { rfc3339 } from '../../../util/time.js';

const log = logger('node-lifecycle-controller');

/** The namespace of node Leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** Last sign of life of a node, as this controller observed it. */
interface Health {
  /** Local time the last change was seen. */
  probeMs: number;
  renewTime?: string;
  heartbeat?: string;
}

/** Watches node health, taints silent nodes and evicts their pods. */
export class NodeLifecycleController implements Controller {
  readonly name = 'nodelifecycle';
  /** Nodes whose taints to reconcile. */
  readonly nodeQueue: RateLimitingQueue<string>;
  /** Pods whose eviction deadline to check. */
  readonly podQueue: RateLimitingQueue<string>;
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer<Lease>;
  private readonly pods: Informer<Pod>;
  private readonly nodeClient: ResourceClient<Node>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly graceMs: number;
  private readonly periodMs: number;
  private readonly workers: number;
  private readonly health = new Map<string, Health>();
  /** When a NoExecute taint without timeAdded was first seen, by `node|key`. */
  private readonly taintSeen = new Map<string, number>();

  constructor(ctx: ContextWithSettings) {
    const s = settingsOf(ctx);
    this.graceMs = s.nodeMonitorGracePeriodMs;
    this.periodMs = s.nodeMonitorPeriodMs;
    this.workers = ctx.workers;
    this.clock = ctx.clock;
    this.nodeQueue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.podQueue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.nodes = informerOf<Node>(ctx.informers, NODES);
    this.leases = informerOf<Lease>(ctx.informers, LEASES);
    this.pods = informerOf<Pod>(ctx.informers, PODS);
    if (!this.pods.store.hasIndex(NODE_NAME_INDEX)) this.pods.addIndexers({ [NODE_NAME_INDEX]: indexByNodeName });
    this.nodeClient = clientOf<Node>(ctx.client, NODES);
    this.podClient = clientOf<Pod>(ctx.client, PODS);
    this.recorder = ctx.recorder('node-controller');
    this.nodes.addEventHandler({
      onAdd: (n) => this.onNode(n),
      onUpdate: (old, n) => {
        this.onNode(n);
        if (JSON.stringify(old.spec?.taints ?? []) !== JSON.stringify(n.spec?.taints ?? [])) this.enqueuePodsOf(n.metadata?.name ?? '');
      },
      onDelete: (n) => {
        const name = objectOf(n as Node | DeletedFinalStateUnknown<Node>).metadata?.name ?? '';
        this.health.delete(name);
        for (const k of [...this.taintSeen.keys()]) if (k.startsWith(`${name}|`)) this.taintSeen.delete(k);
      },
    });
    this.leases.addEventHandler({ onAdd: (l) => this.onLease(l), onUpdate: (_, l) => this.onLease(l) });
    const onPod = (p: Pod) => {
      if (p.spec?.nodeName && !p.metadata?.deletionTimestamp) this.podQueue.add(objectKey(p));
    };
    this.pods.addEventHandler({ onAdd: onPod, onUpdate: (_, p) => onPod(p) });
  }

  /** Runs the monitor loop and the taint and eviction workers until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const monitor = (async () => {
      do {
        try {
          await this.monitor();
        } catch (err) {
          log.warn('node health pass failed', { error: err });
        }
      } while (await sleep(this.periodMs, { signal, clock: this.clock }));
    })();
    await Promise.all([
      monitor,
      runQueue(this.nodeQueue, (k) => this.syncNodeTaints(k), { name: 'node-lifecycle-taints', workers: this.workers, signal }),
      runQueue(this.podQueue, (k) => this.syncPodEviction(k), { name: 'node-lifecycle-eviction', workers: this.workers, signal }),
    ]);
  }

  private probe(name: string): Health {
    let h = this.health.get(name);
    if (!h) this.health.set(name, (h = { probeMs: this.clock.now() }));
    return h;
  }

  private onNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const h = this.probe(name);
    const beat = nodeCondition(node, 'Ready')?.lastHeartbeatTime;
    if (beat && beat !== h.heartbeat) {
      h.heartbeat = beat;
      h.probeMs = this.clock.now();
    }
    this.nodeQueue.add(name);
  }

  private onLease(lease: Lease): void {
    if (lease.metadata?.namespace !== NODE_LEASE_NAMESPACE) return;
    const h = this.probe(lease.metadata?.name ?? '');
    const renew = lease.spec?.renewTime;
    if (renew && renew !== h.renewTime) {
      h.renewTime = renew;
      h.probeMs = this.clock.now();
    }
  }

  private enqueuePodsOf(nodeName: string): void {
    for (const p of this.pods.lister.byIndex(NODE_NAME_INDEX, nodeName)) this.podQueue.add(objectKey(p));
  }

  /** One health pass over every node (upstream monitorNodeHealth). */
  async monitor(): Promise<void> {
    const now = this.clock.now();
    for (const node of this.nodes.lister.list()) {
      const name = node.metadata?.name ?? '';
      const h = this.probe(name);
      if (now - h.probeMs <= this.graceMs) continue;
      const conditions = unknownConditions(node, now);
      if (conditions) {
        try {
          const updated = await this.nodeClient.updateStatus({ ...node, status: { ...node.status, conditions } });
          log.info('node stopped posting status; conditions now Unknown', { node: name, silentMs: now - h.probeMs });
          this.recorder.event(updated, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        } catch (err) {
          if (!isNotFound(err)) log.warn('cannot mark node Unknown', { node: name, error: err });
          continue;
        }
      }
      if (nodeCondition(node, 'Ready')?.status === 'Unknown' || conditions) await this.markPodsNotReady(name);
    }
  }

  /** Sets Ready=False on the pods of a node no kubelet reports for (upstream MarkPodsNotReady). */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    const now = rfc3339(this.clock.now());
    for (const pod of this.pods.lister.byIndex(NODE_NAME_INDEX, nodeName)) {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True' || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      const conditions = (pod.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: now } : c));
      try {
        await this.podClient.namespace(pod.metadata?.namespace ?? '').updateStatus({ ...pod, status: { ...pod.status, conditions } });
      } catch (err) {
        if (!isNotFound(err)) log.debug('cannot mark pod not ready', { pod: objectKey(pod), error: err });
      }
    }
  }

  /** Brings the managed taints of node `key` in line with its conditions. */
  async syncNodeTaints(key: string): Promise<void> {
    const { name } = splitKey(key);
    const node = this.nodes.lister.get('', name);
    if (!node) return;
    const taints = reconcileTaints(node, this.clock.now());
    if (!taints) return;
    // The resourceVersion makes the patch apply only to the node the decision was made on.
    await this.nodeClient.patch(name, { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints: taints.length ? taints : null } }, 'merge');
  }

  private taintAddedMs(nodeName: string, t: Taint): number {
    if (t.timeAdded) return Date.parse(t.timeAdded);
    const k = `${nodeName}|${t.key}`;
    let at = this.taintSeen.get(k);
    if (at === undefined) this.taintSeen.set(k, (at = this.clock.now()));
    return at;
  }

  /** Evicts pod `key` if its node's NoExecute taints are no longer tolerated; otherwise looks again at the deadline. */
  async syncPodEviction(key: string): Promise<void> {
    const pod = this.pods.lister.getByKey(key);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName || pod.metadata?.deletionTimestamp) return;
    const node = this.nodes.lister.get('', nodeName);
    if (!node) return;
    const deadline = evictionDeadline(pod, node.spec?.taints, (t) => this.taintAddedMs(nodeName, t));
    if (deadline === undefined) return;
    const wait = deadline - this.clock.now();
    if (wait > 0) {
      this.podQueue.addAfter(key, wait);
      return;
    }
    const { namespace, name } = splitKey(key);
    this.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    try {
      await this.podClient.namespace(namespace).delete(name, { preconditions: { uid: pod.metadata?.uid } });
      log.info('evicted pod from tainted node', { pod: key, node: nodeName });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** Factory for the registry. */
export function newNodeLifecycleController(ctx: ContextWithSettings): NodeLifecycleController {
  return new NodeLifecycleController(ctx);
}
