/**
 * NodeName: a pod that names a node (`spec.nodeName`) fits only that node, as upstream's plugin. The scheduler only
 * sees pods without a node, so this matters for pods whose nodeName is set while they are queued.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { ClusterEvent, EnqueueExtensions, FilterPlugin, PreFilterPlugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { SKIP, SUCCESS, unresolvable, type Status } from '../../framework/status.js';

/** Plugin name. */
export const NAME = 'NodeName';
/** Reason counted in FailedScheduling messages. */
export const REASON = "node(s) didn't match the requested node name";

const REJECTED = unresolvable(REASON);

/** True if the pod names no node or names this one. */
export function fits(pod: Pod, nodeName: string): boolean {
  return !pod.spec?.nodeName || pod.spec.nodeName === nodeName;
}

/** The plugin. */
export class NodeName implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd'];

  preFilter(_state: CycleState, pod: PodInfo): Status {
    return pod.pod.spec?.nodeName ? SUCCESS : SKIP;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    return fits(pod.pod, node.name) ? SUCCESS : REJECTED;
  }
}

/** Factory. */
export const factory = (): NodeName => new NodeName();
