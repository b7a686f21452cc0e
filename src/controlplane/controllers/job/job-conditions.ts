/**
 * Job conditions as upstream's ensureJobConditionStatus: a condition is added or changed with fresh probe and
 * transition times, and left alone (times included) when it already says the same.
 */
import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';

/** The condition of `type` on `job`, if present. */
export function jobCondition(job: Job, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

/** True when the Job has condition `type` with status True. */
export function hasTrueCondition(job: Job, type: string): boolean {
  return jobCondition(job, type)?.status === 'True';
}

/** True once the Job is Complete or Failed (terminal: the controller no longer manages its pods). */
export function isJobFinished(job: Job): boolean {
  return hasTrueCondition(job, 'Complete') || hasTrueCondition(job, 'Failed');
}

/**
 * Sets condition `type` to `status` in `conditions` (returns whether anything changed). A False status is only
 * written over an existing condition: a Job that was never suspended gets no `Suspended=False`.
 */
export function ensureCondition(conditions: JobCondition[], type: string, status: 'True' | 'False', reason: string, message: string, now: string): boolean {
  const i = conditions.findIndex((c) => c.type === type);
  if (i < 0) {
    if (status === 'False') return false;
    conditions.push({ type, status, reason, message, lastProbeTime: now, lastTransitionTime: now });
    return true;
  }
  const c = conditions[i];
  if (c.status === status && c.reason === reason && c.message === message) return false;
  conditions[i] = { type, status, reason, message, lastProbeTime: now, lastTransitionTime: now };
  return true;
}

/** RFC 3339 at second precision, the format of metav1.Time. */
export { rfc3339 } from '../../../util/time.js';
