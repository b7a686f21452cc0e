/**
 * NodeAffinity: the pod's nodeSelector and required node affinity must match the node's labels (and name, through
 * matchFields metadata.name); preferred node affinity terms add their weight to nodes they match, normalised so the
 * best node gets 100 (upstream's plugin, weight 2).
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { defaultNormalizeScore } from '../../framework/framework.js';
import type { ClusterEvent, EnqueueExtensions, FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { compileTerm, RequiredNodeSelector, termMatchesNode, type CompiledTerm } from '../../framework/node-selector.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { SKIP, SUCCESS, unresolvable, type Status } from '../../framework/status.js';

/** Plugin name. */
export const NAME = 'NodeAffinity';
/** Reason counted in FailedScheduling messages. */
export const REASON = "node(s) didn't match Pod's node affinity/selector";

const REJECTED = unresolvable(REASON);
const FILTER_KEY = 'NodeAffinity/required';
const SCORE_KEY = 'NodeAffinity/preferred';

/** True if the node satisfies the pod's nodeSelector and required node affinity. */
export function fits(pod: Pod, node: Node): boolean {
  return new RequiredNodeSelector(pod).matchesNode(node);
}

interface Preferred {
  term: CompiledTerm;
  weight: number;
}

/** Sum of the weights of the preferred terms that match the node. */
export function preferredScore(terms: readonly Preferred[], node: NodeInfo): number {
  let s = 0;
  for (const p of terms) if (termMatchesNode(p.term, node.labels, node.name)) s += p.weight;
  return s;
}

/** The plugin. */
export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeUpdate'];

  preFilter(state: CycleState, pod: PodInfo): Status {
    const sel = new RequiredNodeSelector(pod.pod);
    if (sel.isEmpty) return SKIP;
    state.write(FILTER_KEY, sel);
    return SUCCESS;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Status {
    const sel = state.read<RequiredNodeSelector>(FILTER_KEY);
    return !sel || sel.matches(node.labels, node.name) ? SUCCESS : REJECTED;
  }

  preScore(state: CycleState, pod: PodInfo): Status {
    const pref = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    if (pref.length === 0) return SKIP;
    const terms: Preferred[] = pref.filter((p) => p.weight !== 0).map((p) => ({ term: compileTerm(p.preference), weight: p.weight }));
    state.write(SCORE_KEY, terms);
    return SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    return preferredScore(state.read<Preferred[]>(SCORE_KEY) ?? [], node);
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: Float64Array): void {
    defaultNormalizeScore(scores, false);
  }

  isSchedulableAfter(_e: ClusterEvent, pod: Pod, _old: unknown, obj: unknown): boolean {
    return !!obj && fits(pod, obj as Node);
  }
}

/** Factory. */
export const factory = (): NodeAffinity => new NodeAffinity();
