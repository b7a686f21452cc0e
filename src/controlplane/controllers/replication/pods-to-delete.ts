/**
 * Which pods a ReplicaSet deletes first when scaling down, as kube-controller-manager's getPodsToDelete with the
 * ActivePodsWithRanks order (LogarithmicScaleDown and PodDeletionCost on, as by default):
 *  1. unscheduled before scheduled;
 *  2. Pending before Unknown before Running;
 *  3. not ready before ready;
 *  4. lower `controller.kubernetes.io/pod-deletion-cost` first;
 *  5. pods doubled up on a node with more related pods first;
 *  6. ready more recently first, comparing ready ages in power-of-two buckets (ties broken by uid);
 *  7. more container restarts first;
 *  8. created more recently first, again in power-of-two buckets with uid ties.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodActive, isPodReady, podReadyCondition } from '../common/pods.js';

/** The annotation that lets users pick which pods go first (lower cost is deleted first). */
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: Pod): number {
  const v = pod.metadata?.annotations?.[POD_DELETION_COST];
  const n = v === undefined ? 0 : Number(v);
  return Number.isInteger(n) ? n : 0;
}

function maxRestarts(pod: Pod): number {
  let max = 0;
  for (const s of pod.status?.containerStatuses ?? []) max = Math.max(max, s.restartCount ?? 0);
  return max;
}

function parseTime(t: string | undefined): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** floor(log2(age in ns)), or -1 for a time not in the past: the bucket upstream compares ages by. */
function ageBucket(t: number, now: number): number {
  const ns = (now - t) * 1e6;
  return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
}

/** Orders two timestamps newest-first in log buckets; 0 when they tie. Missing times sort first. */
function compareNewest(a: number | undefined, b: number | undefined, now: number): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return ageBucket(a, now) - ageBucket(b, now);
}

interface Ranked {
  pod: Pod;
  rank: number;
}

function uidOrder(a: Pod, b: Pod): number {
  const ua = a.metadata?.uid ?? '';
  const ub = b.metadata?.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/** Negative if `a` should be deleted before `b`. */
function compare(a: Ranked, b: Ranked, now: number): number {
  const pa = a.pod;
  const pb = b.pod;
  const na = pa.spec?.nodeName ?? '';
  const nb = pb.spec?.nodeName ?? '';
  if ((na === '') !== (nb === '')) return na === '' ? -1 : 1;
  const pha = PHASE_ORDER[pa.status?.phase ?? ''] ?? 0;
  const phb = PHASE_ORDER[pb.status?.phase ?? ''] ?? 0;
  if (pha !== phb) return pha - phb;
  const ra = isPodReady(pa);
  const rb = isPodReady(pb);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = deletionCost(pa);
  const cb = deletionCost(pb);
  if (ca !== cb) return ca - cb;
  if (a.rank !== b.rank) return b.rank - a.rank;
  if (ra && rb) {
    const ta = parseTime(podReadyCondition(pa)?.lastTransitionTime);
    const tb = parseTime(podReadyCondition(pb)?.lastTransitionTime);
    if (ta !== tb) {
      if (ta === undefined || tb === undefined) return ta === undefined ? -1 : 1;
      const d = compareNewest(ta, tb, now);
      return d !== 0 ? d : uidOrder(pa, pb);
    }
  }
  const xa = maxRestarts(pa);
  const xb = maxRestarts(pb);
  if (xa !== xb) return xb - xa;
  const ta = parseTime(pa.metadata?.creationTimestamp);
  const tb = parseTime(pb.metadata?.creationTimestamp);
  if (ta !== tb) {
    if (ta === undefined || tb === undefined) return ta === undefined ? -1 : 1;
    const d = compareNewest(ta, tb, now);
    return d !== 0 ? d : uidOrder(pa, pb);
  }
  return 0;
}

/**
 * The `diff` pods of `pods` to delete first. `related` are the active pods of every ReplicaSet under the same
 * owner (a Deployment's old and new sets): a pod sharing its node with more of them ranks higher, spreading what
 * is left across nodes.
 */
export function getPodsToDelete(pods: readonly Pod[], related: readonly Pod[], diff: number, now: number): Pod[] {
  if (diff >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const n = p.spec?.nodeName ?? '';
    onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  const ranked: Ranked[] = pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((a, b) => compare(a, b, now));
  return ranked.slice(0, diff).map((r) => r.pod);
}
