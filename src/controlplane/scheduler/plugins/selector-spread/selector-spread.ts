/**
 * SelectorSpread: spreads pods of one controller (the owner with `controller: true` — a ReplicaSet, StatefulSet,
 * Job …) across nodes and zones, as upstream's SelectorSpread/DefaultPodTopologySpread did for pods without
 * explicit spread constraints. Fewer sibling pods on the node (and in its zone, weighted 2/3) score higher. Pods
 * with their own ScheduleAnyway/DoNotSchedule constraints are left to PodTopologySpread.
 */
import type { CycleState } from '../../framework/cycle-state.js';
import { MAX_NODE_SCORE, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { SKIP, SUCCESS, type Status } from '../../framework/status.js';

/** Plugin name. */
export const NAME = 'SelectorSpread';
/** The zone label. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** Share of the score that comes from the zone when nodes have zones (upstream's zoneWeighting). */
export const ZONE_WEIGHTING = 2 / 3;

const KEY = 'SelectorSpread/zones';

/** Pods on `node` with the same controller as `pod` (same namespace). */
export function siblingsOn(node: NodeInfo, pod: PodInfo): number {
  let n = 0;
  const ns = pod.pod.metadata?.namespace;
  for (const p of node.pods.values()) if (p.ownerUid === pod.ownerUid && p.pod.metadata?.namespace === ns && p.key !== pod.key) n++;
  return n;
}

/** Combines per-node sibling counts (raw scores) into 0..100 scores, fewest siblings best. */
export function spreadScores(nodes: readonly NodeInfo[], counts: Float64Array): void {
  let maxNode = 0;
  const zoneCounts = new Map<string, number>();
  nodes.forEach((n, i) => {
    maxNode = Math.max(maxNode, counts[i]);
    const z = n.labels?.[ZONE_LABEL];
    if (z !== undefined) zoneCounts.set(z, (zoneCounts.get(z) ?? 0) + counts[i]);
  });
  let maxZone = 0;
  for (const c of zoneCounts.values()) maxZone = Math.max(maxZone, c);
  nodes.forEach((n, i) => {
    let s = maxNode > 0 ? (MAX_NODE_SCORE * (maxNode - counts[i])) / maxNode : MAX_NODE_SCORE;
    const z = n.labels?.[ZONE_LABEL];
    if (zoneCounts.size && z !== undefined) {
      const zs = maxZone > 0 ? (MAX_NODE_SCORE * (maxZone - zoneCounts.get(z)!)) / maxZone : MAX_NODE_SCORE;
      s = s * (1 - ZONE_WEIGHTING) + ZONE_WEIGHTING * zs;
    }
    counts[i] = Math.trunc(s);
  });
}

/** The plugin. */
export class SelectorSpread implements PreScorePlugin, ScorePlugin {
  readonly name = NAME;

  preScore(state: CycleState, pod: PodInfo): Status {
    if (!pod.ownerUid || pod.pod.spec?.topologySpreadConstraints?.length) return SKIP;
    state.write(KEY, true);
    return SUCCESS;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return siblingsOn(node, pod);
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, nodes: readonly NodeInfo[], scores: Float64Array): void {
    spreadScores(nodes, scores);
  }
}

/** Factory. */
export const factory = (): SelectorSpread => new SelectorSpread();
