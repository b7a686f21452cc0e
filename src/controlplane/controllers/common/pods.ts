/**
 * Pod state as controllers judge it (upstream podutil): active, ready, available after minReadySeconds.
 */
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';

/** The pod's Ready condition, if reported. */
export function podReadyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** True if the pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/**
 * True if the pod has been Ready for at least `minReadySeconds` at `nowMs` (upstream IsPodAvailable); with 0 any
 * ready pod is available.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= nowMs;
}

/**
 * Milliseconds until a ready pod becomes available (0 if it already is, undefined if it is not ready), so a
 * controller can requeue exactly when availability changes.
 */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, nowMs: number): number | undefined {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True') return undefined;
  if (!minReadySeconds) return 0;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : nowMs;
  return Math.max(0, since + minReadySeconds * 1000 - nowMs);
}

/** True unless the pod has terminated (Succeeded/Failed) or is being deleted (upstream IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}
