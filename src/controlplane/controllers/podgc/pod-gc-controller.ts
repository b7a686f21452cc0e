/**
 * Pod garbage collection, as kube-controller-manager's PodGC: every period it force-deletes (grace period 0)
 *  - the oldest finished pods (Succeeded/Failed) beyond `--terminated-pod-gc-threshold` (12,500);
 *  - orphans: pods bound to a node that no longer exists — missing for a quarantine of 40 s and then confirmed by
 *    the API, not only the cache, so a node being registered is never mistaken for a deleted one;
 *  - terminating pods that were never scheduled (no kubelet will ever finish their deletion);
 *  - terminating pods on a node tainted `node.kubernetes.io/out-of-service` that is not Ready.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { indexByNodeName, NODE_NAME_INDEX, type Informer, type ResourceClient } from '../../../client/index.js';
import type { Clock } from '../../../util/clock.js';
import { sleep } from '../../../util/async.js';
import { logger } from '../../../util/log.js';
import type { Controller } from '../common/controller.js';
import { settingsOf, type ContextWithSettings } from '../common/controller-settings.js';
import { isNotFound } from '../common/controller-ref.js';
import { clientOf, informerOf, NODES, PODS } from '../common/resources.js';

const log = logger('pod-garbage-collector');

/** The taint an operator sets on a node that is known to be down for good (upstream out-of-service). */
export const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';

/** What one pass deleted, by cause (for tests and logs). */
export interface PodGcResult {
  terminated: string[];
  orphaned: string[];
  unscheduledTerminating: string[];
  outOfService: string[];
}

function isTerminated(p: Pod): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

function isNodeReady(n: Node): boolean {
  return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

const keyOfPod = (p: Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;

/** Deletes pods nothing else will clean up. */
export class PodGcController implements Controller {
  readonly name = 'podgc';
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly nodeClient: ResourceClient<Node>;
  private readonly clock: Clock;
  private readonly threshold: number;
  private readonly periodMs: number;
  private readonly quarantineMs: number;
  /** When each missing node was first seen missing. */
  private readonly missingSince = new Map<string, number>();

  constructor(ctx: ContextWithSettings) {
    const s = settingsOf(ctx);
    this.threshold = s.terminatedPodGcThreshold;
    this.periodMs = s.podGcPeriodMs;
    this.quarantineMs = s.podGcOrphanQuarantineMs;
    this.clock = ctx.clock;
    this.pods = informerOf<Pod>(ctx.informers, PODS);
    this.nodes = informerOf<Node>(ctx.informers, NODES);
    if (!this.pods.store.hasIndex(NODE_NAME_INDEX)) this.pods.addIndexers({ [NODE_NAME_INDEX]: indexByNodeName });
    this.podClient = clientOf<Pod>(ctx.client, PODS);
    this.nodeClient = clientOf<Node>(ctx.client, NODES);
  }

  /** Runs a pass now and then every period until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    do {
      try {
        await this.gc();
      } catch (err) {
        log.warn('pod GC pass failed', { error: err });
      }
    } while (await sleep(this.periodMs, { signal, clock: this.clock }));
  }

  /** One pass over the cached pods; resolves to what it deleted. */
  async gc(): Promise<PodGcResult> {
    const pods = this.pods.lister.list();
    const result: PodGcResult = { terminated: [], orphaned: [], unscheduledTerminating: [], outOfService: [] };
    await this.gcTerminated(pods, result.terminated);
    await this.gcOutOfService(result.outOfService);
    await this.gcOrphaned(pods, result.orphaned);
    for (const p of pods) {
      if (p.metadata?.deletionTimestamp && !p.spec?.nodeName && await this.forceDelete(p, 'unscheduled and terminating')) {
        result.unscheduledTerminating.push(keyOfPod(p));
      }
    }
    return result;
  }

  private async gcTerminated(pods: Pod[], out: string[]): Promise<void> {
    if (this.threshold <= 0) return;
    const done = pods.filter((p) => isTerminated(p) && !p.metadata?.deletionTimestamp);
    const excess = done.length - this.threshold;
    if (excess <= 0) return;
    done.sort((a, b) => String(a.metadata?.creationTimestamp ?? '').localeCompare(String(b.metadata?.creationTimestamp ?? '')));
    log.info('deleting finished pods beyond the threshold', { count: excess, threshold: this.threshold });
    await Promise.all(done.slice(0, excess).map(async (p) => {
      if (await this.forceDelete(p, 'terminated pods beyond the threshold')) out.push(keyOfPod(p));
    }));
  }

  private async gcOutOfService(out: string[]): Promise<void> {
    for (const node of this.nodes.lister.list()) {
      if (isNodeReady(node) || !node.spec?.taints?.some((t) => t.key === OUT_OF_SERVICE_TAINT && t.effect === 'NoExecute')) continue;
      for (const p of this.pods.lister.byIndex(NODE_NAME_INDEX, node.metadata?.name ?? '')) {
        if (p.metadata?.deletionTimestamp && await this.forceDelete(p, 'terminating on an out-of-service node')) out.push(keyOfPod(p));
      }
    }
  }

  private async gcOrphaned(pods: Pod[], out: string[]): Promise<void> {
    const now = this.clock.now();
    const missing = new Map<string, Pod[]>();
    for (const p of pods) {
      const node = p.spec?.nodeName;
      if (!node || this.nodes.lister.get('', node)) continue;
      missing.set(node, [...(missing.get(node) ?? []), p]);
    }
    for (const node of this.missingSince.keys()) if (!missing.has(node)) this.missingSince.delete(node);
    for (const [node, orphans] of missing) {
      const since = this.missingSince.get(node) ?? now;
      this.missingSince.set(node, since);
      if (now - since < this.quarantineMs) continue;
      try {
        await this.nodeClient.get(node);
        this.missingSince.delete(node);
        continue; // the cache is behind: the node exists
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      for (const p of orphans) if (await this.forceDelete(p, `bound to node ${node}, which no longer exists`)) out.push(keyOfPod(p));
    }
  }

  /** Deletes `pod` with grace period 0, only if it is still the same pod; false if it was already gone. */
  private async forceDelete(pod: Pod, why: string): Promise<boolean> {
    try {
      await this.podClient.namespace(pod.metadata?.namespace ?? '').delete(pod.metadata?.name ?? '', {
        gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid },
      });
      log.info('force-deleted pod', { pod: keyOfPod(pod), reason: why });
      return true;
    } catch (err) {
      if (isNotFound(err) || (err as { code?: number }).code === 409) return false;
      throw err;
    }
  }
}

/** Factory for the registry. */
export function newPodGcController(ctx: ContextWithSettings): PodGcController {
  return new PodGcController(ctx);
}
