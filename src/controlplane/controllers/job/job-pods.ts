/**
 * Which pods a Job wants, as upstream's manageJob: how many should be active (NonIndexed), which indexes still need
 * a pod and which pods are surplus (Indexed), the per-index pod template (annotation, label, env, hostname), and
 * the order in which surplus pods are deleted (not yet scheduled, then pending, then not ready, newest first).
 */
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { isPodReady } from '../common/pods.js';
import { podCompletionIndex } from './completed-indexes.js';
import { COMPLETION_INDEX_ANNOTATION, COMPLETION_INDEX_ENV } from './job-constants.js';

/** Active pods a NonIndexed Job wants, given how many succeeded and how many are active now. */
export function wantActiveNonIndexed(job: Job, succeeded: number, active: number): number {
  const parallelism = job.spec?.parallelism ?? 1;
  const completions = job.spec?.completions;
  // A work-queue Job (no completions) keeps what runs once one pod has succeeded, and starts nothing new.
  if (completions == null) return succeeded > 0 ? active : parallelism;
  return Math.max(0, Math.min(completions - succeeded, parallelism));
}

/** Upstream's deletion preference: lower sorts first, i.e. is deleted first. */
function deletionRank(p: Pod): number {
  if (!p.spec?.nodeName) return 0;
  if (p.status?.phase === 'Pending') return 1;
  if (!isPodReady(p)) return 2;
  return 3;
}

/** `pods` ordered so that the ones to delete first come first. */
export function deletionOrder(pods: readonly Pod[]): Pod[] {
  return [...pods].sort((a, b) => deletionRank(a) - deletionRank(b)
    || (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''));
}

/** The plan for an Indexed Job: indexes to create pods for, and active pods to delete. */
export interface IndexedPlan {
  create: number[];
  remove: Pod[];
}

/**
 * Plans an Indexed Job: active pods with a bad, out-of-range, already-succeeded or duplicated index go; then the
 * lowest missing indexes are created up to parallelism (or, above it, the highest indexes go).
 */
export function planIndexed(job: Job, active: readonly Pod[], succeeded: ReadonlySet<number>): IndexedPlan {
  const completions = job.spec?.completions ?? 0;
  const parallelism = job.spec?.parallelism ?? 1;
  const remove: Pod[] = [];
  const byIndex = new Map<number, Pod>();
  for (const p of deletionOrder(active).reverse()) {
    const ix = podCompletionIndex(p);
    if (ix === undefined || ix >= completions || succeeded.has(ix) || byIndex.has(ix)) remove.push(p);
    else byIndex.set(ix, p);
  }
  const keep = [...byIndex.entries()].sort(([a], [b]) => b - a);
  while (keep.length > parallelism) remove.push(keep.shift()![1]);
  const create: number[] = [];
  for (let i = 0; i < completions && keep.length + create.length < parallelism; i++) {
    if (!succeeded.has(i) && !byIndex.has(i)) create.push(i);
  }
  return { create, remove };
}

/**
 * The template of index `ix`'s pod: the completion-index annotation and label, JOB_COMPLETION_INDEX in every
 * container from that annotation (downward API), and hostname `<job>-<ix>` unless the template sets one.
 */
export function indexedTemplate(job: Job, ix: number): PodTemplateSpec {
  const t = structuredClone(job.spec?.template ?? {});
  t.metadata ??= {};
  t.metadata.annotations = { ...(t.metadata.annotations ?? {}), [COMPLETION_INDEX_ANNOTATION]: String(ix) };
  t.metadata.labels = { ...(t.metadata.labels ?? {}), [COMPLETION_INDEX_ANNOTATION]: String(ix) };
  t.spec ??= { containers: [] };
  if (!t.spec.hostname) t.spec.hostname = `${job.metadata?.name}-${ix}`;
  for (const c of [...(t.spec.initContainers ?? []), ...(t.spec.containers ?? [])]) {
    c.env = (c.env ?? []).filter((e) => e.name !== COMPLETION_INDEX_ENV);
    c.env.push({ name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } } });
  }
  return t;
}
