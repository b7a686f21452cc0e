/**
 * PodTopologySpread: `spec.topologySpreadConstraints`. DoNotSchedule constraints filter: placing the pod in a
 * domain must not make (pods matching the selector in that domain) − (the emptiest eligible domain) exceed maxSkew;
 * nodes without the topology label are rejected as unresolvable. ScheduleAnyway constraints score: fewer matching
 * pods in the node's domain is better. Mirrors upstream's plugin, including nodeAffinityPolicy (default Honor:
 * only nodes the pod could select count as domains), nodeTaintsPolicy (default Ignore), minDomains and
 * matchLabelKeys.
 */
import type { Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector, type Labels, type Selector } from '../../../../apimachinery/labels/selector.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { MAX_NODE_SCORE, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Snapshot } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { RequiredNodeSelector } from '../../framework/node-selector.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { SKIP, SUCCESS, unresolvable, unschedulable, type Status } from '../../framework/status.js';
import { firstUntolerated } from '../../framework/tolerations.js';

/** Plugin name. */
export const NAME = 'PodTopologySpread';
/** Placing the pod would exceed maxSkew. */
export const REASON = "node(s) didn't match pod topology spread constraints";
/** The node lacks a constraint's topology label. */
export const REASON_MISSING_LABEL = `${REASON} (missing required label)`;

const HOSTNAME = 'kubernetes.io/hostname';
const FILTER_KEY = 'PodTopologySpread/filter';
const SCORE_KEY = 'PodTopologySpread/score';
const REJECTED = unschedulable(REASON);
const REJECTED_LABEL = unresolvable(REASON_MISSING_LABEL);

/** A parsed constraint. */
export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: Selector;
  minDomains: number;
  honorAffinity: boolean;
  honorTaints: boolean;
}

/** Parses the pod's constraints of one kind (DoNotSchedule or ScheduleAnyway). Invalid selectors are dropped. */
export function constraintsOf(pod: Pod, when: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] {
  const out: Constraint[] = [];
  for (const c of (pod.spec?.topologySpreadConstraints ?? []) as TopologySpreadConstraint[]) {
    if (c.whenUnsatisfiable !== when) continue;
    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(c.labelSelector);
      for (const key of c.matchLabelKeys ?? []) {
        const v = pod.metadata?.labels?.[key];
        if (v !== undefined) selector = selector.add({ key, operator: 'in', values: [v] });
      }
    } catch {
      continue;
    }
    out.push({
      maxSkew: c.maxSkew, topologyKey: c.topologyKey, selector, minDomains: c.minDomains ?? 1,
      honorAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor', honorTaints: c.nodeTaintsPolicy === 'Honor',
    });
  }
  return out;
}

function hasAllKeys(labels: Labels, cs: readonly Constraint[]): boolean {
  if (!labels) return cs.length === 0;
  for (const c of cs) if (!Object.prototype.hasOwnProperty.call(labels, c.topologyKey)) return false;
  return true;
}

/** Pods on the node in `namespace` that `selector` selects, not being deleted. */
export function countMatching(node: NodeInfo, namespace: string, selector: Selector): number {
  let n = 0;
  for (const p of node.pods.values()) {
    const m = p.pod.metadata;
    if (m?.namespace === namespace && !m.deletionTimestamp && selector.matches(m.labels)) n++;
  }
  return n;
}

function eligible(c: Constraint, pod: PodInfo, node: NodeInfo, sel: RequiredNodeSelector): boolean {
  if (c.honorAffinity && !sel.matches(node.labels, node.name)) return false;
  if (c.honorTaints && firstUntolerated(node.hardTaints, pod.pod.spec?.tolerations ?? [])) return false;
  return true;
}

/** Per-constraint counts over the cluster. */
export interface SpreadCounts {
  constraints: Constraint[];
  /** `key=value` → matching pods in that domain (only eligible domains appear). */
  pairs: Map<string, number>;
  /** Per constraint: the smallest count over its eligible domains (Infinity when it has none). */
  min: number[];
  /** Per constraint: number of eligible domains. */
  domains: number[];
}

/** Counts matching pods per domain for the DoNotSchedule constraints. */
export function countSpread(pod: PodInfo, constraints: Constraint[], nodes: readonly NodeInfo[]): SpreadCounts {
  const sel = new RequiredNodeSelector(pod.pod);
  const ns = pod.pod.metadata?.namespace ?? '';
  const pairs = new Map<string, number>();
  for (const node of nodes) {
    if (!hasAllKeys(node.labels, constraints)) continue;
    for (const c of constraints) {
      if (!eligible(c, pod, node, sel)) continue;
      const k = `${c.topologyKey}=${node.labels![c.topologyKey]}`;
      pairs.set(k, (pairs.get(k) ?? 0) + countMatching(node, ns, c.selector));
    }
  }
  const min = constraints.map(() => Infinity);
  const domains = constraints.map(() => 0);
  constraints.forEach((c, i) => {
    const prefix = `${c.topologyKey}=`;
    for (const [k, n] of pairs) {
      if (!k.startsWith(prefix)) continue;
      domains[i]++;
      if (n < min[i]) min[i] = n;
    }
  });
  return { constraints, pairs, min, domains };
}

/** The rejection for placing the pod on a node with `labels`, or undefined if every constraint holds. */
export function fits(pod: Pod, s: SpreadCounts, labels: Labels): Status | undefined {
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i];
    const v = labels != null && Object.prototype.hasOwnProperty.call(labels, c.topologyKey) ? labels[c.topologyKey] : undefined;
    if (v === undefined) return REJECTED_LABEL;
    if (s.min[i] === Infinity) continue; // no eligible domain at all: nothing to be skewed against
    const self = c.selector.matches(pod.metadata?.labels) ? 1 : 0;
    const minMatch = s.domains[i] < c.minDomains ? 0 : s.min[i];
    const skew = (s.pairs.get(`${c.topologyKey}=${v}`) ?? 0) + self - minMatch;
    if (skew > c.maxSkew) return REJECTED;
  }
  return undefined;
}

interface ScoreState {
  constraints: Constraint[];
  weights: number[];
  pairs: Map<string, number>;
  ignored: Set<NodeInfo>;
  namespace: string;
}

/** The plugin. */
export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete', 'NodeAdd', 'NodeUpdate', 'NodeDelete'];

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status {
    const constraints = constraintsOf(pod.pod, 'DoNotSchedule');
    if (constraints.length === 0) return SKIP;
    state.write(FILTER_KEY, countSpread(pod, constraints, snapshot.nodes));
    return SUCCESS;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const s = state.read<SpreadCounts>(FILTER_KEY);
    return (s && fits(pod.pod, s, node.labels)) || SUCCESS;
  }

  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): Status {
    const constraints = constraintsOf(pod.pod, 'ScheduleAnyway');
    if (constraints.length === 0) return SKIP;
    const ignored = new Set<NodeInfo>();
    const domainValues = constraints.map(() => new Set<string>());
    const pairs = new Map<string, number>();
    for (const node of nodes) {
      if (!hasAllKeys(node.labels, constraints)) {
        ignored.add(node);
        continue;
      }
      constraints.forEach((c, i) => {
        const v = node.labels![c.topologyKey];
        domainValues[i].add(v);
        if (c.topologyKey !== HOSTNAME) pairs.set(`${c.topologyKey}=${v}`, 0);
      });
    }
    const namespace = pod.pod.metadata?.namespace ?? '';
    const sel = new RequiredNodeSelector(pod.pod);
    // Count over every node (not just the feasible ones), but only for domains some feasible node is in.
    for (const node of snapshot.nodes) {
      if (!hasAllKeys(node.labels, constraints)) continue;
      for (const c of constraints) {
        if (c.topologyKey === HOSTNAME || !eligible(c, pod, node, sel)) continue;
        const k = `${c.topologyKey}=${node.labels![c.topologyKey]}`;
        const cur = pairs.get(k);
        if (cur !== undefined) pairs.set(k, cur + countMatching(node, namespace, c.selector));
      }
    }
    const weights = constraints.map((c, i) => Math.log((c.topologyKey === HOSTNAME ? nodes.length - ignored.size : domainValues[i].size) + 2));
    state.write(SCORE_KEY, { constraints, weights, pairs, ignored, namespace } satisfies ScoreState);
    return SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const s = state.read<ScoreState>(SCORE_KEY);
    if (!s || s.ignored.has(node)) return 0;
    let score = 0;
    s.constraints.forEach((c, i) => {
      const cnt = c.topologyKey === HOSTNAME
        ? countMatching(node, s.namespace, c.selector)
        : s.pairs.get(`${c.topologyKey}=${node.labels![c.topologyKey]}`) ?? 0;
      score += cnt * s.weights[i] + (c.maxSkew - 1);
    });
    return Math.round(score);
  }

  normalizeScore(state: CycleState, _pod: PodInfo, nodes: readonly NodeInfo[], scores: Float64Array): void {
    const s = state.read<ScoreState>(SCORE_KEY);
    if (!s) return;
    let min = Infinity;
    let max = 0;
    nodes.forEach((n, i) => {
      if (s.ignored.has(n)) return;
      min = Math.min(min, scores[i]);
      max = Math.max(max, scores[i]);
    });
    nodes.forEach((n, i) => {
      if (s.ignored.has(n)) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i])) / max);
    });
  }
}

/** Factory. */
export const factory = (): PodTopologySpread => new PodTopologySpread();
