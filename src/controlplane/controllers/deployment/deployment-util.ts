/**
 * Deployment arithmetic and bookkeeping, as upstream's deployment/util: the surge/unavailable fenceposts, how far
 * the new ReplicaSet may grow, proportional shares when a Deployment is scaled mid-rollout, the revision and
 * replica annotations, conditions, and the orderings the algorithms rely on. Pure functions, tested by tables.
 */
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { scaledValue } from '../../../apimachinery/intstr.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';

/** Condition reasons, as upstream (kubectl and users match on them). */
export const REASONS = {
  NewReplicaSet: 'NewReplicaSetCreated',
  FoundNewReplicaSet: 'FoundNewReplicaSet',
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  NewReplicaSetAvailable: 'NewReplicaSetAvailable',
  TimedOut: 'ProgressDeadlineExceeded',
  FailedRSCreate: 'ReplicaSetCreateError',
  Paused: 'DeploymentPaused',
  Resumed: 'DeploymentResumed',
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

/** spec.replicas with the API default of 1. */
export function replicasOf(obj: { spec?: { replicas?: number } } | undefined): number {
  return obj?.spec?.replicas ?? 1;
}

/** True for the RollingUpdate strategy (the default). */
export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/**
 * Absolute maxSurge and maxUnavailable for `desired` replicas: surge rounds up, unavailable rounds down, and when
 * both come to 0 one pod may be unavailable so the rollout can move (upstream ResolveFenceposts).
 */
export function resolveFenceposts(d: Deployment, desired: number): { surge: number; unavailable: number } {
  const ru = d.spec?.strategy?.rollingUpdate;
  const surge = scaledValue(ru?.maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(ru?.maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** Pods that may exist above spec.replicas during a rolling update (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  return resolveFenceposts(d, replicasOf(d)).surge;
}

/** Pods that may be unavailable during a rolling update, capped at spec.replicas (0 for Recreate or 0 replicas). */
export function maxUnavailable(d: Deployment): number {
  const desired = replicasOf(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  return Math.min(resolveFenceposts(d, desired).unavailable, desired);
}

/** Sum of spec.replicas. */
export function specReplicas(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs ? replicasOf(rs) : 0), 0);
}

/** Sum of status.replicas. */
export function actualReplicas(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
}

/** Sum of status.readyReplicas. */
export function readyReplicas(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
}

/** Sum of status.availableReplicas. */
export function availableReplicas(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);
}

/** How many replicas the new ReplicaSet should have now (upstream NewRSNewReplicas). */
export function newRSNewReplicas(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  const desired = replicasOf(d);
  if (!isRollingUpdate(d)) return desired;
  const current = specReplicas(allRSs);
  const maxTotal = desired + maxSurge(d);
  if (current >= maxTotal) return replicasOf(newRS);
  const up = Math.min(maxTotal - current, desired - replicasOf(newRS));
  return replicasOf(newRS) + up;
}

/** Go's math.Round: half away from zero. */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function annotationInt(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** The desired-replicas annotation of a ReplicaSet. */
export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return annotationInt(rs, DESIRED_REPLICAS_ANNOTATION);
}

/**
 * The share of `toAdd` a ReplicaSet gets when the Deployment is resized mid-rollout: its size scaled from the
 * max-replicas it was sized for to the new max, bounded by what is left to hand out (upstream GetProportion).
 */
export function getProportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (replicasOf(d) === 0) fraction = -replicasOf(rs);
  else {
    const target = replicasOf(d) + maxSurge(d);
    const annotated = annotationInt(rs, MAX_REPLICAS_ANNOTATION) ?? d.status?.replicas ?? 0;
    fraction = annotated === 0 ? 0 : roundHalfAway((replicasOf(rs) * target) / annotated) - replicasOf(rs);
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** Sets desired/max replicas annotations; true if anything changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = (rs.metadata!.annotations ??= {});
  let changed = false;
  if (a[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    a[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (a[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    a[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

/** True if the replica annotations differ from these values. */
export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata?.annotations ?? {};
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** The revision of a ReplicaSet or Deployment (0 when missing or malformed). */
export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } } | undefined): number {
  const v = obj?.metadata?.annotations?.[REVISION_ANNOTATION];
  return v && /^\d+$/.test(v) ? Number(v) : 0;
}

/** The highest revision among `rss`. */
export function maxRevision(rss: readonly ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/** Deployment annotations that are not copied to its ReplicaSets (upstream skipCopyAnnotation). */
function skipCopy(key: string): boolean {
  return [LAST_APPLIED_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION,
    MAX_REPLICAS_ANNOTATION, ROLLBACK_TO_ANNOTATION].includes(key);
}

/**
 * Brings the new ReplicaSet's annotations up to date (upstream SetNewReplicaSetAnnotations): the Deployment's own
 * annotations (e.g. change-cause), the revision — raised to `newRevision` when it is lower, remembering the old one
 * in revision-history (a rollback re-uses an old set) — and, for a set about to be created, the replica
 * annotations. Returns true if anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  const a = (rs.metadata!.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (skipCopy(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  const oldText = a[REVISION_ANNOTATION];
  const old = oldText === undefined ? 0 : /^\d+$/.test(oldText) ? Number(oldText) : undefined;
  if (old === undefined) return changed;
  if (old < newRevision) {
    a[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldText !== undefined) {
      const history = a[REVISION_HISTORY_ANNOTATION];
      a[REVISION_HISTORY_ANNOTATION] = history ? `${history},${oldText}` : oldText;
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

/** The named condition. */
export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** A new condition stamped `now`. */
export function newCondition(type: string, status: string, reason: string, message: string, now: string): DeploymentCondition {
  return { type, status, reason, message, lastUpdateTime: now, lastTransitionTime: now };
}

/**
 * Sets a condition (upstream SetDeploymentCondition): nothing changes if status and reason are the same; the
 * transition time is kept when only the reason changes.
 */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const cur = getCondition(status, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  const next = { ...cond };
  if (cur && cur.status === cond.status) next.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

/** Removes a condition. */
export function removeCondition(status: DeploymentStatus, type: string): void {
  const rest = (status.conditions ?? []).filter((c) => c.type !== type);
  if (rest.length) status.conditions = rest;
  else delete status.conditions;
}

/** True if progressDeadlineSeconds is set to something other than "never" (MaxInt32). */
export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== null && s !== 2147483647;
}

/** True when every desired replica is updated and available and the spec was observed (upstream DeploymentComplete). */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const want = replicasOf(d);
  return (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want &&
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** True if `next` shows progress over the Deployment's current status (upstream DeploymentProgressing). */
export function deploymentProgressing(d: Deployment, next: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld ||
    (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** True if the Progressing condition has not moved for progressDeadlineSeconds (upstream DeploymentTimedOut). */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c) return false;
  if (c.reason === REASONS.NewReplicaSetAvailable) return false;
  if (c.reason === REASONS.TimedOut) return true;
  const from = Date.parse(c.lastUpdateTime ?? '');
  return !Number.isNaN(from) && from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < now;
}

function created(rs: ReplicaSet): number {
  return Date.parse(rs.metadata?.creationTimestamp ?? '') || 0;
}

/** Oldest first; ties by name (upstream ReplicaSetsByCreationTimestamp). */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** Largest first; ties newest first (ReplicaSetsBySizeNewer, for scaling up). */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  return replicasOf(b) - replicasOf(a) || -byCreation(a, b);
}

/** Largest first; ties oldest first (ReplicaSetsBySizeOlder, for scaling down). */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  return replicasOf(b) - replicasOf(a) || byCreation(a, b);
}

/** Lowest revision first; ties by creation (ReplicaSetsByRevision). */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  return revisionOf(a) - revisionOf(b) || byCreation(a, b);
}

/** ReplicaSets with replicas > 0. */
export function activeReplicaSets(rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => !!rs && replicasOf(rs) > 0);
}

/** True if the new set is fully scaled and available (upstream IsSaturated). */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const want = replicasOf(d);
  return desiredReplicasAnnotation(rs) === want && replicasOf(rs) === want && (rs.status?.availableReplicas ?? 0) === want;
}
