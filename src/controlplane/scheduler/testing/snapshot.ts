/**
 * Builds a SchedulerCache (the cycle snapshot) from nodes and bound pods, for plugin tests.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { SchedulerCache } from '../cache/scheduler-cache.js';

/** A cache holding `nodes` and the bound `pods`. */
export function snapshotOf(nodes: Node[], pods: Pod[] = []): SchedulerCache {
  const c = new SchedulerCache();
  for (const n of nodes) c.addNode(n);
  for (const p of pods) c.addPod(p);
  return c;
}
