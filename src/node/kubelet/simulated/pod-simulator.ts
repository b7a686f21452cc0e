/**
 * PodSimulator: plays the kubelet for the pods bound to a set of simulated nodes.
 *
 * One informer watches every bound pod (`spec.nodeName!=`), not one watch per node, and keeps those on its nodes
 * (a name lookup in memory). Handlers only enqueue the pod's key; `sync(key)` is level-based:
 *  - a pod with a deletionTimestamp is deleted with grace period 0 (the kubelet's last step after its containers
 *    have stopped; a simulated container stops at once);
 *  - a terminal pod (Succeeded/Failed) is left alone, as the kubelet never leaves those phases;
 *  - otherwise the status of `simulatePodStatus` is written through pods/status, only when it differs from what
 *    the pod shows, and the key is re-queued for the moment the status changes by itself (a run ending).
 * Status writes are strategic merge patches carrying the pod's uid, so a pod recreated under the same name is not
 * written with its predecessor's status, and only the kubelet's condition types are touched.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  Informer, objectKey, objectOf, RateLimitingQueue, runWorkers, splitKey, type Client, type ResourceClient,
} from '../../../client/index.js';
import { StatusError } from '../../../apimachinery/errors/status-error.js';
import { realClock, type Clock } from '../../../util/clock.js';
import { logger } from '../../../util/log.js';
import type { PodIpPool } from './address-plan.js';
import { simulatePodStatus, statusUpToDate } from './pod-status.js';

const log = logger('simulated-pods');

/** What the pod simulator knows about one of its nodes. */
export interface SimulatedNodeRef {
  hostIP: string;
  pool: PodIpPool;
}

/** Options of a PodSimulator. */
export interface PodSimulatorOptions {
  /** The simulated nodes by name. */
  nodes: Map<string, SimulatedNodeRef>;
  /** Concurrent status writes and deletions. */
  workers: number;
  /** How long run-to-completion pods run without an annotation (ms). */
  defaultDurationMs: number;
  clock?: Clock;
}

/** Counters of the pod simulator. */
export interface PodSimulatorStats {
  /** Pods on our nodes that are not terminal. */
  active: number;
  statusWrites: number;
  deletions: number;
  failures: number;
}

/** Per pod: when its containers first started, and the last status write (to skip repeats on a stale cache). */
interface PodState {
  firstStartMs: number;
  writtenFromRv?: string;
  written?: string;
  warned?: boolean;
}

const TERMINAL = new Set(['Succeeded', 'Failed']);
/** Retry for a pod that cannot get an IP because its node's /24 is full. */
const NO_IP_RETRY_MS = 5000;

function isCode(err: unknown, ...codes: number[]): boolean {
  return err instanceof StatusError && codes.includes(err.code);
}

/** Runs simulated pods for a set of nodes. */
export class PodSimulator {
  private readonly pods: ResourceClient<Pod>;
  private readonly informer: Informer<Pod>;
  private readonly queue: RateLimitingQueue<string>;
  private readonly clock: Clock;
  private readonly state = new Map<string, PodState>();
  private readonly counters = { statusWrites: 0, deletions: 0, failures: 0 };

  constructor(client: Client, private readonly opts: PodSimulatorOptions) {
    this.clock = opts.clock ?? realClock;
    this.pods = client.resource<Pod>('', 'v1', 'pods');
    this.informer = new Informer<Pod>(this.pods, { fieldSelector: 'spec.nodeName!=', clock: this.clock, name: 'pods(bound)' });
    this.queue = new RateLimitingQueue<string>({ clock: this.clock });
    this.informer.addEventHandler({
      onAdd: (pod, initial) => {
        if (!this.ours(pod)) return;
        if (initial) this.adopt(pod);
        this.queue.add(objectKey(pod));
      },
      onUpdate: (_old, pod) => {
        if (this.ours(pod)) this.queue.add(objectKey(pod));
      },
      onDelete: (obj) => {
        const pod = objectOf(obj);
        if (!this.ours(pod)) return;
        this.forget(pod);
      },
    });
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const informer = this.informer.run(signal);
    const synced = await this.informer.waitForSync(signal);
    const workers = synced ? runWorkers(this.queue, this.opts.workers, (key) => this.sync(key), {
      onError: (key, err) => {
        this.counters.failures++;
        log.warn('pod sync failed; retrying', { pod: key, error: err });
      },
    }) : Promise.resolve();
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    this.queue.shutDown();
    await Promise.all([informer, workers]);
  }

  /** Resolves true once the pod informer has its first list. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    return this.informer.waitForSync(signal);
  }

  /** Current counters. */
  stats(): PodSimulatorStats {
    return { active: this.state.size, ...this.counters };
  }

  private ours(pod: Pod): boolean {
    return this.opts.nodes.has(pod.spec?.nodeName ?? '');
  }

  /**
   * A pod found at start-up that an earlier run of the simulator already started: keep its IP and start time, so
   * an agent restart does not restart its containers (the real kubelet re-adopts them from the runtime too).
   */
  private adopt(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const status = pod.status;
    const simulated = status?.containerStatuses?.some((c) => c.containerID?.startsWith('sim://'));
    if (!simulated || TERMINAL.has(status?.phase ?? '')) return;
    const node = this.opts.nodes.get(pod.spec!.nodeName!)!;
    if (status?.podIP && !pod.spec?.hostNetwork) node.pool.claim(uid, status.podIP);
    const started = Date.parse(status?.startTime ?? '');
    if (Number.isFinite(started)) this.state.set(uid, { firstStartMs: started });
  }

  private forget(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    this.state.delete(uid);
    this.opts.nodes.get(pod.spec?.nodeName ?? '')?.pool.release(uid);
  }

  /** Brings one pod to its simulated state. */
  private async sync(key: string): Promise<void> {
    const pod = this.informer.store.get(key);
    if (!pod || !this.ours(pod)) return;
    const uid = pod.metadata?.uid ?? '';
    const { namespace, name } = splitKey(key);
    if (pod.metadata?.deletionTimestamp) {
      try {
        await this.pods.namespace(namespace).delete(name, { gracePeriodSeconds: 0, preconditions: { uid } });
        this.counters.deletions++;
      } catch (err) {
        // Gone already, or a different pod by now: nothing of ours is left to finish.
        if (!isCode(err, 404, 409)) throw err;
      }
      this.forget(pod);
      return;
    }
    if (TERMINAL.has(pod.status?.phase ?? '')) {
      this.forget(pod);
      return;
    }
    const node = this.opts.nodes.get(pod.spec!.nodeName!)!;
    const now = this.clock.now();
    let st = this.state.get(uid);
    if (!st) {
      st = { firstStartMs: now };
      this.state.set(uid, st);
    }
    const podIP = pod.spec?.hostNetwork ? node.hostIP : node.pool.allocate(uid);
    if (!podIP) {
      log.warn('no free pod IP on node; will retry', { pod: key, node: pod.spec?.nodeName });
      this.state.delete(uid);
      this.queue.addAfter(key, NO_IP_RETRY_MS);
      return;
    }
    const sim = simulatePodStatus(pod, { now, firstStartMs: st.firstStartMs, hostIP: node.hostIP, podIP, defaultDurationMs: this.opts.defaultDurationMs });
    if (sim.script.problem && !st.warned) {
      st.warned = true;
      log.warn('ignoring a simulate annotation', { pod: key, problem: sim.script.problem });
    }
    const rv = pod.metadata?.resourceVersion;
    const body = JSON.stringify({ metadata: { uid }, status: sim.status });
    // Our last write may not have reached the cache yet; writing the same thing again would only cost a request.
    const repeat = st.written === body && st.writtenFromRv === rv;
    if (!repeat && !statusUpToDate(pod.status, sim.status)) {
      try {
        await this.pods.namespace(namespace).patch(name, Buffer.from(body), 'strategic', { subresource: 'status' });
        this.counters.statusWrites++;
        st.written = body;
        st.writtenFromRv = rv;
      } catch (err) {
        if (isCode(err, 404)) {
          this.forget(pod);
          return;
        }
        throw err;
      }
    }
    if (sim.terminal) {
      // The kubelet frees a finished pod's sandbox (and IP); the status keeps showing it, as in Kubernetes.
      this.forget(pod);
      return;
    }
    if (sim.wakeAtMs !== undefined) this.queue.addAfter(key, Math.max(0, sim.wakeAtMs - now));
  }
}
