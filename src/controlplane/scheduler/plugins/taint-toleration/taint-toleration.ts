/**
 * TaintToleration: a pod may not land on a node with a NoSchedule/NoExecute taint it does not tolerate; among the
 * rest, nodes with fewer untolerated PreferNoSchedule taints score higher (upstream's plugin, weight 3 by default).
 */
import type { Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { defaultNormalizeScore } from '../../framework/framework.js';
import type { ClusterEvent, EnqueueExtensions, FilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { SUCCESS, unresolvable, type Status } from '../../framework/status.js';
import { firstUntolerated, toleratesTaint } from '../../framework/tolerations.js';

/** Plugin name. */
export const NAME = 'TaintToleration';

/** Reason counted in FailedScheduling messages, naming the taint as upstream does: `{key: value}`. */
export function reason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

/** The NoSchedule/NoExecute taint of `taints` the pod does not tolerate, or undefined if it fits. */
export function fits(pod: Pod, taints: readonly Taint[]): Taint | undefined {
  const hard = taints.filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  return firstUntolerated(hard, pod.spec?.tolerations ?? []);
}

/** Number of PreferNoSchedule taints not tolerated by `tolerations` (those with effect PreferNoSchedule or any). */
export function intolerableSoftTaints(soft: readonly Taint[], tolerations: readonly Toleration[]): number {
  let n = 0;
  for (const taint of soft) if (!tolerations.some((t) => toleratesTaint(t, taint))) n++;
  return n;
}

const STATE_KEY = 'TaintToleration/preferTolerations';
const NO_TOLERATIONS: Toleration[] = [];

/** The plugin. */
export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeUpdate'];
  private readonly rejected = new Map<string, Status>();

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (node.hardTaints.length === 0) return SUCCESS;
    const taint = firstUntolerated(node.hardTaints, pod.pod.spec?.tolerations ?? NO_TOLERATIONS);
    if (!taint) return SUCCESS;
    const r = reason(taint);
    let s = this.rejected.get(r);
    if (!s) {
      s = unresolvable(r);
      if (this.rejected.size < 1000) this.rejected.set(r, s);
    }
    return s;
  }

  preScore(state: CycleState, pod: PodInfo): Status {
    const tolerations = (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.write(STATE_KEY, tolerations);
    return SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    if (node.softTaints.length === 0) return 0;
    return intolerableSoftTaints(node.softTaints, state.read<Toleration[]>(STATE_KEY) ?? NO_TOLERATIONS);
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: Float64Array): void {
    defaultNormalizeScore(scores, true);
  }

  isSchedulableAfter(_e: ClusterEvent, pod: Pod, _old: unknown, obj: unknown): boolean {
    const node = obj as Node | undefined;
    return !!node && !fits(pod, node.spec?.taints ?? []);
  }
}

/** Factory. */
export const factory = (): TaintToleration => new TaintToleration();
