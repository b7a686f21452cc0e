/**
 * NodeResourcesBalancedAllocation: prefers nodes where, after placing the pod, cpu and memory are used in similar
 * proportions: score = (1 − standard deviation of the used fractions) × 100, as upstream's plugin. Pods that request
 * nothing are skipped (upstream's PreScore does the same), since they cannot change any balance.
 */
import type { CycleState } from '../../framework/cycle-state.js';
import { MAX_NODE_SCORE, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { SKIP, SUCCESS, type Status } from '../../framework/status.js';

/** Plugin name. */
export const NAME = 'NodeResourcesBalancedAllocation';

/** The balance score for used fractions (each capped at 1). */
export function balancedScore(fractions: readonly number[]): number {
  if (fractions.length === 0) return 0;
  const f = fractions.map((x) => Math.min(1, x));
  let std: number;
  if (f.length === 2) {
    std = Math.abs((f[0] - f[1]) / 2);
  } else {
    const mean = f.reduce((a, b) => a + b, 0) / f.length;
    std = Math.sqrt(f.reduce((a, b) => a + (b - mean) ** 2, 0) / f.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** The plugin. */
export class NodeResourcesBalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = NAME;

  preScore(_state: CycleState, pod: PodInfo): Status {
    return pod.requests.milliCPU === 0 && pod.requests.memory === 0 ? SKIP : SUCCESS;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const a = node.allocatable;
    if (a.milliCPU > 0 && a.memory > 0) {
      // The common two-resource case without allocating (this runs for every feasible node of every pod).
      const cpu = Math.min(1, (node.requested.milliCPU + pod.requests.milliCPU) / a.milliCPU);
      const mem = Math.min(1, (node.requested.memory + pod.requests.memory) / a.memory);
      return Math.trunc((1 - Math.abs((cpu - mem) / 2)) * MAX_NODE_SCORE);
    }
    const fractions: number[] = [];
    if (a.milliCPU > 0) fractions.push((node.requested.milliCPU + pod.requests.milliCPU) / a.milliCPU);
    if (a.memory > 0) fractions.push((node.requested.memory + pod.requests.memory) / a.memory);
    return balancedScore(fractions);
  }
}

/** Factory. */
export const factory = (): NodeResourcesBalancedAllocation => new NodeResourcesBalancedAllocation();
