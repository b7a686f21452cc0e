/**
 * NodeUnschedulable: keeps pods off cordoned nodes (`spec.unschedulable`), unless the pod tolerates the
 * `node.kubernetes.io/unschedulable:NoSchedule` taint, as upstream's plugin of the same name.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { ClusterEvent, EnqueueExtensions, FilterPlugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { SUCCESS, unresolvable, type Status } from '../../framework/status.js';
import { toleratesTaint } from '../../framework/tolerations.js';

/** Plugin name. */
export const NAME = 'NodeUnschedulable';
/** Reason counted in FailedScheduling messages. */
export const REASON = 'node(s) were unschedulable';

const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
const REJECTED = unresolvable(REASON);

/** True if the pod may be placed on the node as far as cordoning goes. */
export function fits(pod: Pod, node: Node | undefined): boolean {
  if (!node?.spec?.unschedulable) return true;
  return (pod.spec?.tolerations ?? []).some((t) => toleratesTaint(t, UNSCHEDULABLE_TAINT));
}

/** The plugin. */
export class NodeUnschedulable implements FilterPlugin, EnqueueExtensions {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeUpdate'];

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    return fits(pod.pod, node.node) ? SUCCESS : REJECTED;
  }

  isSchedulableAfter(_e: ClusterEvent, pod: Pod, _old: unknown, obj: unknown): boolean {
    return fits(pod, obj as Node | undefined);
  }
}

/** Factory. */
export const factory = (): NodeUnschedulable => new NodeUnschedulable();
