/**
 * What node lifecycle writes to a node that went silent, as upstream's tryUpdateNodeHealth: once no Lease renewal
 * or status heartbeat has been seen for the grace period, every condition the kubelet owns becomes Unknown —
 * reason NodeStatusUnknown, "Kubelet stopped posting node status." — and a condition the kubelet never posted is
 * added as Unknown with NodeStatusNeverUpdated. lastHeartbeatTime is left as the kubelet last wrote it.
 */
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import { rfc3339 } from '../../../util/time.js';

/** The conditions the kubelet owns and node lifecycle marks Unknown (upstream nodeConditionTypes + Ready). */
export const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

/** Reason and message of a condition the kubelet stopped updating. */
export const NODE_STATUS_UNKNOWN = { reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' };
/** Reason and message of a condition the kubelet never posted. */
export const NODE_STATUS_NEVER_UPDATED = { reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' };

/** The node's conditions with the kubelet's ones set Unknown, or undefined if they already all are. */
export function unknownConditions(node: Node, nowMs: number): NodeCondition[] | undefined {
  const now = rfc3339(nowMs);
  const conditions = structuredClone(node.status?.conditions ?? []);
  let changed = false;
  for (const type of KUBELET_CONDITIONS) {
    const c = conditions.find((x) => x.type === type);
    if (!c) {
      conditions.push({
        type, status: 'Unknown', ...NODE_STATUS_NEVER_UPDATED,
        lastHeartbeatTime: node.metadata?.creationTimestamp, lastTransitionTime: now,
      });
      changed = true;
    } else if (c.status !== 'Unknown') {
      Object.assign(c, { status: 'Unknown', ...NODE_STATUS_UNKNOWN, lastTransitionTime: now });
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}
