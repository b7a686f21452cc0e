/**
 * Scheduler: the loop of kube-scheduler's scheduleOne. Pop a pod → PreFilter → Filter nodes (starting where the
 * last cycle stopped, and stopping after enough feasible nodes) → PreScore/Score → pick the best (random among
 * ties) → assume it in the cache → Reserve → bind asynchronously, so the next cycle starts before the bind
 * returns (upstream's binding cycle). A pod that fits nowhere gets a FailedScheduling event and the condition
 * PodScheduled=False/Unschedulable, and is parked until a relevant cluster event.
 *
 * Informer handlers (onPod*, onNode*) feed the cache and the queue; runScheduler wires them.
 */
import type { Node, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import type { Client, EventRecorder } from '../../client/index.js';
import { realClock, type Clock } from '../../util/clock.js';
import { logger } from '../../util/log.js';
import { SchedulerCache } from './cache/scheduler-cache.js';
import { CycleState } from './framework/cycle-state.js';
import { Diagnosis, fitErrorMessage, NO_NODES_AVAILABLE } from './framework/fit-error.js';
import type { Framework } from './framework/framework.js';
import type { NodeInfo } from './framework/node-info.js';
import { podKey, type PodInfo } from './framework/pod-info.js';
import { Code } from './framework/status.js';
import { SchedulingQueue, type QueuedPodInfo } from './queue/scheduling-queue.js';
import { rfc3339 } from '../../util/time.js';

const log = logger('scheduler');

/** The scheduler name pods get by default. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** Upstream never scans fewer nodes than this before settling for the feasible ones found. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** Lower bound of the adaptive percentage. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/**
 * How many feasible nodes to look for before scoring, as upstream's numFeasibleNodesToFind. With percentage 0
 * (adaptive) a cluster of N ≥ 100 nodes is sampled at max(5, 50 − N/125) %: 5,000 nodes → 10 % → 500 nodes.
 *
 * Why kubelite keeps this: profiling the default profile on 5,000 nodes with pods like scheduler_perf's
 * SchedulingBasic (src/controlplane/scheduler/throughput.test.ts, pure decisions without HTTP, on the 2-core
 * machine) gave about 1,300–1,400 pods/s when every node is filtered and scored, against 8,000–13,000 pods/s when
 * the search stops at 500 feasible nodes. A full scan alone would use the whole 1 ms per pod that the 1,000 pods/s
 * goal allows, leaving nothing for the API round trips.
 */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) return numAllNodes;
  let p = percentage;
  if (p <= 0) p = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND, 50 - numAllNodes / 125);
  const n = Math.trunc((numAllNodes * p) / 100);
  return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
}

/** The result of one scheduling decision. */
export type ScheduleResult =
  | { node: string; evaluated: number; feasible: number }
  | { error: string; code: Code; plugins: Set<string> };

/** Options of a Scheduler. */
export interface SchedulerOptions {
  schedulerName?: string;
  clock?: Clock;
  /** 0 or unset: adaptive (upstream's default); 100: every node. */
  percentageOfNodesToScore?: number;
  /** Events (Scheduled, FailedScheduling); none are recorded without it. */
  recorder?: EventRecorder;
  /** Tie-break source (tests pin it). */
  random?: () => number;
}

/** Upstream truncates event notes to 1024 bytes. */
const EVENT_MESSAGE_LIMIT = 1024;

function truncate(msg: string): string {
  return msg.length <= EVENT_MESSAGE_LIMIT ? msg : msg.slice(0, EVENT_MESSAGE_LIMIT - 3) + '...';
}

/** The default scheduler. */
export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly schedulerName: string;
  private readonly clock: Clock;
  private readonly random: () => number;
  private nextStartNodeIndex = 0;
  private readonly binds = new Set<Promise<void>>();
  /** Counters for tests and benchmarks. */
  readonly counters = { attempts: 0, scheduled: 0, bound: 0, unschedulable: 0, errors: 0 };

  constructor(private readonly client: Client, readonly framework: Framework, private readonly opts: SchedulerOptions = {}) {
    this.schedulerName = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
    this.queue = new SchedulingQueue({ clock: this.clock, enqueueExtensions: framework.enqueueExtensions });
  }

  /** True if this scheduler is responsible for the pod (`spec.schedulerName`, defaulted). */
  responsibleFor(pod: Pod): boolean {
    return (pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME) === this.schedulerName;
  }

  // ---- informer handlers ----

  /** A pod appeared. */
  onPodAdd(pod: Pod): void {
    if (isTerminal(pod)) return;
    if (pod.spec?.nodeName) {
      this.cache.addPod(pod);
      this.queue.onEvent('AssignedPodAdd', undefined, pod);
    } else if (this.responsibleFor(pod) && !this.cache.hasPod(podKey(pod))) {
      this.queue.add(pod);
    }
  }

  /** A pod changed. */
  onPodUpdate(oldPod: Pod, pod: Pod): void {
    const key = podKey(pod);
    if (pod.spec?.nodeName) {
      if (!oldPod.spec?.nodeName) this.queue.delete(key);
      if (isTerminal(pod)) {
        this.cache.removePod(key);
        this.queue.onEvent('AssignedPodDelete', oldPod, undefined);
        return;
      }
      const changed = !oldPod.spec?.nodeName || JSON.stringify(oldPod.metadata?.labels) !== JSON.stringify(pod.metadata?.labels)
        || JSON.stringify(oldPod.spec?.containers?.map((c) => c.resources)) !== JSON.stringify(pod.spec.containers?.map((c) => c.resources));
      if (changed || !this.cache.hasPod(key) || this.cache.isAssumed(key)) this.cache.updatePod(pod);
      if (changed) this.queue.onEvent(oldPod.spec?.nodeName ? 'AssignedPodUpdate' : 'AssignedPodAdd', oldPod, pod);
      return;
    }
    if (!this.responsibleFor(pod)) return;
    // Our own in-flight pod (e.g. the echo of a status patch): the cache already counts it.
    if (this.cache.isAssumed(key)) return;
    if (isTerminal(pod)) this.queue.delete(key);
    else this.queue.update(oldPod, pod);
  }

  /** A pod was deleted. */
  onPodDelete(pod: Pod): void {
    const key = podKey(pod);
    this.queue.delete(key);
    if (this.cache.hasPod(key)) {
      this.cache.removePod(key);
      this.queue.onEvent('AssignedPodDelete', pod, undefined);
    }
  }

  /** A node appeared. */
  onNodeAdd(node: Node): void {
    this.cache.addNode(node);
    this.queue.onEvent('NodeAdd', undefined, node);
  }

  /** A node changed; only changes scheduling reads (labels, taints, allocatable, cordon) wake parked pods. */
  onNodeUpdate(oldNode: Node, node: Node): void {
    this.cache.updateNode(node);
    const relevant = JSON.stringify(oldNode.metadata?.labels) !== JSON.stringify(node.metadata?.labels)
      || JSON.stringify(oldNode.spec) !== JSON.stringify(node.spec)
      || JSON.stringify(oldNode.status?.allocatable) !== JSON.stringify(node.status?.allocatable);
    if (relevant) this.queue.onEvent('NodeUpdate', oldNode, node);
  }

  /** A node was deleted. */
  onNodeDelete(node: Node): void {
    this.cache.removeNode(node);
    this.queue.onEvent('NodeDelete', node, undefined);
  }

  // ---- the loop ----

  /** Schedules until `signal` aborts, then waits for binds in flight. */
  async run(signal: AbortSignal): Promise<void> {
    let since = performance.now();
    try {
      while (!signal.aborted) {
        const q = this.queue.tryPop() ?? (await this.queue.pop(signal));
        if (!q) break;
        this.scheduleOne(q, signal);
        // Cycles are synchronous; yield now and then so informer events and bind responses are processed.
        if (performance.now() - since > 10) {
          await new Promise<void>((r) => setImmediate(r));
          since = performance.now();
        }
      }
    } finally {
      this.queue.close();
      await Promise.allSettled([...this.binds]);
    }
  }

  /** One scheduling cycle for a popped pod; starts the binding cycle and returns without waiting for it. */
  scheduleOne(q: QueuedPodInfo, signal?: AbortSignal): void {
    const pod = q.podInfo;
    if (pod.pod.metadata?.deletionTimestamp || this.cache.hasPod(pod.key)) {
      this.queue.done(pod.key);
      return;
    }
    this.counters.attempts++;
    const state = new CycleState();
    const result = this.schedulePod(state, pod);
    if ('error' in result) {
      this.fail(q, result.error, result.code, result.plugins);
      return;
    }
    const node = result.node;
    this.cache.assumePod(pod, node);
    const reserve = this.framework.runReserve(state, pod, node);
    if (!reserve.isSuccess()) {
      this.cache.forgetPod(pod.key);
      this.fail(q, reserve.message(), reserve.code, new Set(reserve.plugin ? [reserve.plugin] : []));
      return;
    }
    this.counters.scheduled++;
    const p = this.bindingCycle(q, state, node, signal);
    this.binds.add(p);
    p.finally(() => this.binds.delete(p));
  }

  private async bindingCycle(q: QueuedPodInfo, state: CycleState, node: string, signal?: AbortSignal): Promise<void> {
    const pod = q.podInfo;
    // The run signal is not handed to each bind request: hundreds of binds in flight would each hang a listener
    // on it, and a bind is short enough to finish during shutdown.
    const status = await this.framework.runBind(state, pod, node);
    if (status.isSuccess()) {
      this.cache.finishBinding(pod.key);
      this.queue.done(pod.key);
      this.counters.bound++;
      const m = pod.pod.metadata ?? {};
      this.opts.recorder?.event(pod.pod, 'Normal', 'Scheduled', `Successfully assigned ${m.namespace}/${m.name} to ${node}`);
      return;
    }
    this.framework.runUnreserve(state, pod, node);
    this.cache.forgetPod(pod.key);
    if (signal?.aborted) return;
    log.warn('binding failed', { pod: pod.key, node, error: status.message() });
    this.fail(q, `Binding rejected: ${status.message()}`, Code.Error, new Set());
  }

  /**
   * The decision alone (no API calls): filter, score and pick a node for `pod` against the cache. Exposed for
   * benchmarks and tests.
   */
  schedulePod(state: CycleState, pod: PodInfo): ScheduleResult {
    const snapshot = this.cache;
    const nodes = snapshot.nodes;
    const n = nodes.length;
    if (n === 0) return { error: NO_NODES_AVAILABLE, code: Code.UnschedulableAndUnresolvable, plugins: new Set() };
    const fw = this.framework;
    const diagnosis = new Diagnosis();
    const pre = fw.runPreFilter(state, pod, snapshot);
    if (!pre.isSuccess()) {
      if (!pre.isRejected()) return { error: pre.message(), code: pre.code, plugins: new Set() };
      diagnosis.rejectAll(pre, n);
      return { error: fitErrorMessage(pod.pod, n, diagnosis), code: pre.code, plugins: diagnosis.unschedulablePlugins };
    }
    const want = numFeasibleNodesToFind(this.opts.percentageOfNodesToScore ?? 0, n);
    const feasible: NodeInfo[] = [];
    const start = this.nextStartNodeIndex % n;
    let processed = 0;
    const filters = fw.activeFilters(state);
    for (let i = 0; i < n && feasible.length < want; i++) {
      const node = nodes[(start + i) % n];
      processed++;
      const s = fw.runFilter(state, pod, node, filters);
      if (s.code === Code.Success) feasible.push(node);
      else if (s.isRejected()) diagnosis.add(s);
      else return { error: s.message(), code: s.code, plugins: new Set() };
    }
    this.nextStartNodeIndex = (start + processed) % n;
    if (feasible.length === 0) {
      return { error: fitErrorMessage(pod.pod, n, diagnosis), code: Code.Unschedulable, plugins: diagnosis.unschedulablePlugins };
    }
    if (feasible.length === 1) return { node: feasible[0].name, evaluated: processed, feasible: 1 };
    const ps = fw.runPreScore(state, pod, feasible, snapshot);
    if (!ps.isSuccess()) return { error: ps.message(), code: ps.code, plugins: new Set() };
    const scores = fw.runScore(state, pod, feasible);
    // Highest total; ties broken uniformly at random (reservoir sampling), as upstream's selectHost.
    let best = 0;
    let ties = 1;
    for (let i = 1; i < scores.length; i++) {
      if (scores[i] > scores[best]) {
        best = i;
        ties = 1;
      } else if (scores[i] === scores[best]) {
        ties++;
        if (this.random() * ties < 1) best = i;
      }
    }
    return { node: feasible[best].name, evaluated: processed, feasible: feasible.length };
  }

  /** Records the failure (event + PodScheduled condition) and gives the pod back to the queue. */
  private fail(q: QueuedPodInfo, message: string, code: Code, plugins: Set<string>): void {
    const rejected = code === Code.Unschedulable || code === Code.UnschedulableAndUnresolvable;
    if (rejected) this.counters.unschedulable++;
    else this.counters.errors++;
    this.queue.requeueFailed(q, { plugins, error: !rejected });
    const pod = q.podInfo.pod;
    this.opts.recorder?.event(pod, 'Warning', 'FailedScheduling', truncate(message));
    this.setUnschedulableCondition(pod, rejected ? 'Unschedulable' : 'SchedulerError', message);
  }

  /** Patches PodScheduled=False unless the pod already carries exactly that condition (as upstream's updatePod). */
  private setUnschedulableCondition(pod: Pod, reason: string, message: string): void {
    const old = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (old && old.status === 'False' && old.reason === reason && old.message === message) return;
    const now = rfc3339(this.clock.now());
    const cond: PodCondition = {
      type: 'PodScheduled', status: 'False', reason, message,
      lastProbeTime: null as unknown as string,
      lastTransitionTime: old && old.status === 'False' ? old.lastTransitionTime : now,
    };
    const m = pod.metadata ?? {};
    this.client.resource<Pod>('', 'v1', 'pods').namespace(m.namespace ?? '')
      .patch(m.name ?? '', { status: { conditions: [cond] } }, 'strategic', { subresource: 'status' })
      .catch((err) => log.warn('could not update pod condition', { pod: `${m.namespace}/${m.name}`, error: err }));
  }

  /** Resolves once every bind started so far has finished. */
  async drainBinds(): Promise<void> {
    while (this.binds.size) await Promise.allSettled([...this.binds]);
  }
}

function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
