/**
 * NodeResourcesFit: the pod's requests (cpu, memory, ephemeral-storage, extended resources) must fit in the node's
 * allocatable minus what its pods already request, and the node must have room for one more pod. Scores with
 * LeastAllocated: the more cpu and memory left free after placing the pod, the better (upstream's default strategy,
 * cpu and memory weighted 1:1, using the non-zero request defaults so request-less pods still spread).
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { MAX_NODE_SCORE, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type ScorePlugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { PodInfo } from '../../framework/pod-info.js';
import { parseResourceList, type Allocatable, type Resources } from '../../framework/resources.js';
import { SUCCESS, unschedulable, type Status } from '../../framework/status.js';

/** Plugin name. */
export const NAME = 'NodeResourcesFit';
/** Reason when the node already holds its allowed number of pods. */
export const REASON_TOO_MANY_PODS = 'Too many pods';

/** Reason for a resource that does not fit: `Insufficient cpu`. */
export function reason(resource: string): string {
  return `Insufficient ${resource}`;
}

/** What a node offers and already has requested. */
export interface NodeResources {
  allocatable: Allocatable;
  requested: Resources;
  podCount: number;
}

/** The reasons the request does not fit (empty when it fits), in upstream's order: pods, cpu, memory, storage, extended. */
export function fits(req: Resources, node: NodeResources): string[] {
  const out: string[] = [];
  const a = node.allocatable;
  const u = node.requested;
  if (node.podCount + 1 > a.pods) out.push(REASON_TOO_MANY_PODS);
  if (req.milliCPU > 0 && req.milliCPU > a.milliCPU - u.milliCPU) out.push(reason('cpu'));
  if (req.memory > 0 && req.memory > a.memory - u.memory) out.push(reason('memory'));
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > a.ephemeralStorage - u.ephemeralStorage) out.push(reason('ephemeral-storage'));
  if (req.scalar) {
    for (const [name, v] of req.scalar) {
      if (v > 0 && v > (a.scalar?.get(name) ?? 0) - (u.scalar?.get(name) ?? 0)) out.push(reason(name));
    }
  }
  return out;
}

/** LeastAllocated for one resource: the free share (0..100) left after adding `requested`. */
export function leastAllocated(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** The plugin. */
export class NodeResourcesFit implements FilterPlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeUpdate', 'AssignedPodDelete', 'AssignedPodUpdate'];
  private readonly rejected = new Map<string, Status>();

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const r = pod.requests;
    const a = node.allocatable;
    const u = node.requested;
    // Fast path without allocation: everything fits.
    if (node.pods.size + 1 <= a.pods && r.milliCPU <= a.milliCPU - u.milliCPU && r.memory <= a.memory - u.memory
      && (r.ephemeralStorage === 0 || r.ephemeralStorage <= a.ephemeralStorage - u.ephemeralStorage) && !r.scalar) return SUCCESS;
    const reasons = fits(r, { allocatable: a, requested: u, podCount: node.pods.size });
    if (reasons.length === 0) return SUCCESS;
    const key = reasons.join('\n');
    let s = this.rejected.get(key);
    if (!s) {
      s = unschedulable(...reasons);
      if (this.rejected.size < 1000) this.rejected.set(key, s);
    }
    return s;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const cpu = leastAllocated(node.nonZeroRequested.milliCPU + pod.nonZeroRequests.milliCPU, node.allocatable.milliCPU);
    const mem = leastAllocated(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, node.allocatable.memory);
    return Math.trunc((cpu + mem) / 2);
  }

  /** A new or grown node helps only if the pod would fit on it empty (upstream's queueing hint). */
  isSchedulableAfter(event: ClusterEvent, pod: Pod, _old: unknown, obj: unknown): boolean {
    if (event !== 'NodeAdd' && event !== 'NodeUpdate') return true;
    const node = obj as Node | undefined;
    if (!node) return false;
    const allocatable = parseResourceList(node.status?.allocatable as Record<string, unknown> | undefined);
    return fits(new PodInfo(pod).requests, { allocatable, requested: { milliCPU: 0, memory: 0, ephemeralStorage: 0 }, podCount: 0 }).length === 0;
  }
}

/** Factory. */
export const factory = (): NodeResourcesFit => new NodeResourcesFit();
