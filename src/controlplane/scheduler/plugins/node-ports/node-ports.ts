/**
 * NodePorts: a pod asking for host ports fits only nodes where no pod already holds the same protocol/port on a
 * clashing host IP (0.0.0.0 clashes with every IP), as upstream's plugin.
 */
import type { CycleState } from '../../framework/cycle-state.js';
import type { ClusterEvent, EnqueueExtensions, FilterPlugin, PreFilterPlugin } from '../../framework/interfaces.js';
import type { HostPortUsage, NodeInfo } from '../../framework/node-info.js';
import type { HostPort, PodInfo } from '../../framework/pod-info.js';
import { SKIP, SUCCESS, unschedulable, type Status } from '../../framework/status.js';

/** Plugin name. */
export const NAME = 'NodePorts';
/** Reason counted in FailedScheduling messages. */
export const REASON = "node(s) didn't have free ports for the requested pod ports";

const REJECTED = unschedulable(REASON);

/** True if none of `wanted` clashes with the ports in use. */
export function fits(wanted: readonly HostPort[], used: HostPortUsage): boolean {
  for (const p of wanted) if (used.conflicts(p)) return false;
  return true;
}

/** The plugin. */
export class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'AssignedPodDelete'];

  preFilter(_state: CycleState, pod: PodInfo): Status {
    return pod.hostPorts.length ? SUCCESS : SKIP;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (node.usedPorts.size === 0) return SUCCESS;
    return fits(pod.hostPorts, node.usedPorts) ? SUCCESS : REJECTED;
  }
}

/** Factory. */
export const factory = (): NodePorts => new NodePorts();
