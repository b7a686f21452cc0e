/**
 * InterPodAffinity: required pod affinity (the node's topology domain must hold a pod the terms select), required
 * anti-affinity both ways (the incoming pod's terms, and terms of pods already placed that select the incoming
 * pod), and preferred (anti-)affinity scoring, as upstream's plugin. Counts per topology pair (`key=value`) are
 * built once per pod in PreFilter/PreScore; per-node work is a few map lookups.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Labels } from '../../../../apimachinery/labels/selector.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { MAX_NODE_SCORE, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Snapshot } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { termMatches, type AffinityTerm, type NamespaceLabels, type PodInfo } from '../../framework/pod-info.js';
import { SKIP, SUCCESS, unresolvable, unschedulable, type Status } from '../../framework/status.js';

/** Plugin name. */
export const NAME = 'InterPodAffinity';
/** The node's domain holds no pod that the pod's required affinity selects. */
export const REASON_AFFINITY = "node(s) didn't match pod affinity rules";
/** The node's domain holds a pod that the pod's required anti-affinity selects. */
export const REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
/** A pod in the node's domain has required anti-affinity against the incoming pod. */
export const REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
/** Weight of an existing pod's required affinity toward the incoming pod in scoring (upstream's default). */
export const HARD_POD_AFFINITY_WEIGHT = 1;

const FILTER_KEY = 'InterPodAffinity/filter';
const SCORE_KEY = 'InterPodAffinity/score';

/** Counts per topology pair, computed once per pod. */
export interface AffinityCounts {
  /** Pairs where an existing pod's required anti-affinity selects the incoming pod. */
  existingAnti: Map<string, number>;
  /** Pairs holding pods that match all of the incoming pod's required affinity terms. */
  affinity: Map<string, number>;
  /** Pairs holding pods that one of the incoming pod's required anti-affinity terms selects. */
  anti: Map<string, number>;
}

function pair(key: string, value: string): string {
  return `${key}=${value}`;
}

function labelOf(labels: Labels, key: string): string | undefined {
  return labels != null && Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined;
}

function bump(m: Map<string, number>, k: string, by = 1): void {
  m.set(k, (m.get(k) ?? 0) + by);
}

function matchesAll(terms: readonly AffinityTerm[], pod: Pod, ns: NamespaceLabels): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, ns)) return false;
  return true;
}

/** Builds the counts for `pod` over the cluster. */
export function countAffinity(pod: PodInfo, snapshot: Snapshot): AffinityCounts {
  const c: AffinityCounts = { existingAnti: new Map(), affinity: new Map(), anti: new Map() };
  const ns = snapshot.namespaceLabels;
  for (const node of snapshot.nodesWithRequiredAntiAffinityPods) {
    if (!node.node) continue;
    for (const existing of node.podsWithRequiredAntiAffinity.values()) {
      for (const t of existing.requiredAntiAffinity) {
        const v = labelOf(node.labels, t.topologyKey);
        if (v !== undefined && termMatches(t, pod.pod, ns)) bump(c.existingAnti, pair(t.topologyKey, v));
      }
    }
  }
  if (pod.requiredAffinity.length || pod.requiredAntiAffinity.length) {
    for (const node of snapshot.nodes) {
      if (node.pods.size === 0) continue;
      for (const existing of node.pods.values()) {
        if (pod.requiredAffinity.length && matchesAll(pod.requiredAffinity, existing.pod, ns)) {
          for (const t of pod.requiredAffinity) {
            const v = labelOf(node.labels, t.topologyKey);
            if (v !== undefined) bump(c.affinity, pair(t.topologyKey, v));
          }
        }
        for (const t of pod.requiredAntiAffinity) {
          const v = labelOf(node.labels, t.topologyKey);
          if (v !== undefined && termMatches(t, existing.pod, ns)) bump(c.anti, pair(t.topologyKey, v));
        }
      }
    }
  }
  return c;
}

/** The rejection for `node`, or undefined if the pod may go there (upstream's check order). */
export function fits(pod: PodInfo, c: AffinityCounts, labels: Labels, ns?: NamespaceLabels): string | undefined {
  if (pod.requiredAffinity.length) {
    let podsExist = true;
    for (const t of pod.requiredAffinity) {
      const v = labelOf(labels, t.topologyKey);
      if (v === undefined) return REASON_AFFINITY;
      if (!((c.affinity.get(pair(t.topologyKey, v)) ?? 0) > 0)) podsExist = false;
    }
    // The first pod of a group with affinity to itself may go anywhere with the topology labels.
    if (!podsExist && !(c.affinity.size === 0 && matchesAll(pod.requiredAffinity, pod.pod, ns ?? (() => undefined)))) return REASON_AFFINITY;
  }
  for (const t of pod.requiredAntiAffinity) {
    const v = labelOf(labels, t.topologyKey);
    if (v !== undefined && (c.anti.get(pair(t.topologyKey, v)) ?? 0) > 0) return REASON_ANTI_AFFINITY;
  }
  if (c.existingAnti.size && labels) {
    for (const k in labels) if ((c.existingAnti.get(pair(k, labels[k])) ?? 0) > 0) return REASON_EXISTING_ANTI_AFFINITY;
  }
  return undefined;
}

const REJECT = {
  [REASON_AFFINITY]: unresolvable(REASON_AFFINITY),
  [REASON_ANTI_AFFINITY]: unschedulable(REASON_ANTI_AFFINITY),
  [REASON_EXISTING_ANTI_AFFINITY]: unschedulable(REASON_EXISTING_ANTI_AFFINITY),
};

interface FilterState {
  counts: AffinityCounts;
  ns: NamespaceLabels;
}

/** topology key → value → score. */
type TopologyScore = Map<string, Map<string, number>>;

/** Builds preferred-affinity scores per topology domain for `pod`. */
export function topologyScores(pod: PodInfo, snapshot: Snapshot): TopologyScore {
  const scores: TopologyScore = new Map();
  const ns = snapshot.namespaceLabels;
  const add = (node: NodeInfo, key: string, w: number) => {
    const v = labelOf(node.labels, key);
    if (v === undefined || w === 0) return;
    let m = scores.get(key);
    if (!m) scores.set(key, (m = new Map()));
    m.set(v, (m.get(v) ?? 0) + w);
  };
  const hasPreferred = pod.preferredAffinity.length + pod.preferredAntiAffinity.length > 0;
  const nodes = hasPreferred ? snapshot.nodes : snapshot.nodesWithAffinityPods;
  for (const node of nodes) {
    if (!node.node) continue;
    for (const existing of (hasPreferred ? node.pods : node.podsWithAffinity).values()) {
      for (const t of pod.preferredAffinity) if (termMatches(t, existing.pod, ns)) add(node, t.topologyKey, t.weight);
      for (const t of pod.preferredAntiAffinity) if (termMatches(t, existing.pod, ns)) add(node, t.topologyKey, -t.weight);
      if (!existing.hasAffinity) continue;
      for (const t of existing.requiredAffinity) if (termMatches(t, pod.pod, ns)) add(node, t.topologyKey, HARD_POD_AFFINITY_WEIGHT);
      for (const t of existing.preferredAffinity) if (termMatches(t, pod.pod, ns)) add(node, t.topologyKey, t.weight);
      for (const t of existing.preferredAntiAffinity) if (termMatches(t, pod.pod, ns)) add(node, t.topologyKey, -t.weight);
    }
  }
  return scores;
}

/** The plugin. */
export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete', 'NodeAdd', 'NodeUpdate', 'NamespaceChange'];

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status {
    if (!pod.requiredAffinity.length && !pod.requiredAntiAffinity.length && snapshot.nodesWithRequiredAntiAffinityPods.length === 0) return SKIP;
    state.write(FILTER_KEY, { counts: countAffinity(pod, snapshot), ns: snapshot.namespaceLabels } satisfies FilterState);
    return SUCCESS;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const s = state.read<FilterState>(FILTER_KEY);
    if (!s) return SUCCESS;
    const r = fits(pod, s.counts, node.labels, s.ns);
    return r ? REJECT[r as keyof typeof REJECT] : SUCCESS;
  }

  preScore(state: CycleState, pod: PodInfo, _nodes: readonly NodeInfo[], snapshot: Snapshot): Status {
    if (pod.preferredAffinity.length + pod.preferredAntiAffinity.length === 0 && snapshot.nodesWithAffinityPods.length === 0) return SKIP;
    const scores = topologyScores(pod, snapshot);
    if (scores.size === 0) return SKIP;
    state.write(SCORE_KEY, scores);
    return SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const scores = state.read<TopologyScore>(SCORE_KEY);
    if (!scores) return 0;
    let s = 0;
    for (const [key, byValue] of scores) {
      const v = labelOf(node.labels, key);
      if (v !== undefined) s += byValue.get(v) ?? 0;
    }
    return s;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: Float64Array): void {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s < min) min = s;
      if (s > max) max = s;
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (scores[i] - min)) / diff) : 0;
  }
}

/** Factory. */
export const factory = (): InterPodAffinity => new InterPodAffinity();
