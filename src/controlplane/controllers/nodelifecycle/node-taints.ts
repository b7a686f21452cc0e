/**
 * The taints node lifecycle keeps in step with a node's conditions, as kube-controller-manager's node lifecycle
 * controller (TaintNodesByCondition for the NoSchedule ones, taint-based eviction for the NoExecute ones):
 *   Ready=False → node.kubernetes.io/not-ready (NoSchedule and NoExecute)
 *   Ready=Unknown → node.kubernetes.io/unreachable (NoSchedule and NoExecute)
 *   MemoryPressure/DiskPressure/PIDPressure/NetworkUnavailable=True → memory-pressure/… (NoSchedule)
 *   spec.unschedulable → node.kubernetes.io/unschedulable (NoSchedule)
 * Taints under other keys (an operator's, a cloud provider's) are left alone.
 */
import type { Node, NodeCondition, Taint } from 'kubernetes-types/core/v1.js';
import { rfc3339 } from '../../../util/time.js';

/** Taint keys, as upstream's well-known taints. */
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

const PRESSURE_TAINTS: Record<string, string> = {
  MemoryPressure: TAINT_MEMORY_PRESSURE,
  DiskPressure: TAINT_DISK_PRESSURE,
  PIDPressure: TAINT_PID_PRESSURE,
  NetworkUnavailable: TAINT_NETWORK_UNAVAILABLE,
};

/** Every key this controller manages. */
export const MANAGED_TAINT_KEYS: ReadonlySet<string> = new Set([
  TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, ...Object.values(PRESSURE_TAINTS),
]);

/** The node's condition of `type`. */
export function nodeCondition(node: Node, type: string): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}


/** The managed taints `node` should carry, by its conditions. */
export function wantedTaints(node: Node): Taint[] {
  const out: Taint[] = [];
  const ready = nodeCondition(node, 'Ready')?.status;
  if (ready === 'False') out.push({ key: TAINT_NOT_READY, effect: 'NoSchedule' }, { key: TAINT_NOT_READY, effect: 'NoExecute' });
  if (ready === 'Unknown') out.push({ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }, { key: TAINT_UNREACHABLE, effect: 'NoExecute' });
  for (const [type, key] of Object.entries(PRESSURE_TAINTS)) {
    if (nodeCondition(node, type)?.status === 'True') out.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) out.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  return out;
}

const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;

/**
 * The node's full taint list with the managed taints brought in line with its conditions, or undefined when
 * nothing changes. Kept taints keep their timeAdded; new NoExecute taints get `nowMs` (eviction deadlines count from it).
 */
export function reconcileTaints(node: Node, nowMs: number): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const wanted = wantedTaints(node);
  const kept = current.filter((t) => !MANAGED_TAINT_KEYS.has(t.key) || wanted.some((w) => same(w, t)));
  const added = wanted.filter((w) => !current.some((t) => same(w, t)))
    .map((w) => (w.effect === 'NoExecute' ? { ...w, timeAdded: rfc3339(nowMs) } : w));
  if (added.length === 0 && kept.length === current.length) return undefined;
  return [...kept, ...added];
}
