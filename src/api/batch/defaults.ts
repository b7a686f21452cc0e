/**
 * Defaults for batch/v1 Job and CronJob (kube-apiserver v1.32), plus the Job selector generation that the Job
 * strategy performs at create time once the object has a uid.
 */
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { defaultPodTemplateSpec } from '../core/pod-defaults.js';

/** Label keys the Job strategy puts on generated selectors and pod templates. */
export const JOB_LABELS = {
  controllerUid: 'batch.kubernetes.io/controller-uid',
  legacyControllerUid: 'controller-uid',
  jobName: 'batch.kubernetes.io/job-name',
  legacyJobName: 'job-name',
} as const;

/**
 * Job defaults: completions and parallelism 1 when both are unset (parallelism alone defaults to 1), backoffLimit 6
 * (MaxInt32 with backoffLimitPerIndex), completionMode NonIndexed, suspend false, podReplacementPolicy
 * (Failed with a podFailurePolicy, else TerminatingOrFailed), object labels from the template when it has none.
 */
export function defaultJob(job: Job): void {
  const spec = (job.spec ??= { template: {} });
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex != null ? 2147483647 : 6;
  const labels = spec.template?.metadata?.labels;
  job.metadata ??= {};
  if (labels && (!job.metadata.labels || Object.keys(job.metadata.labels).length === 0)) job.metadata.labels = { ...labels };
  spec.completionMode ||= 'NonIndexed';
  spec.suspend ??= false;
  for (const rule of spec.podFailurePolicy?.rules ?? []) for (const c of rule.onPodConditions ?? []) c.status ||= 'True';
  spec.podReplacementPolicy ||= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  defaultPodTemplateSpec(spec.template);
  // Once the object has its uid (create), the strategy's selector generation can run here too.
  if (!spec.selector && job.metadata.uid && job.metadata.name) generateJobSelector(job);
}

/**
 * Generates the Job selector (unless `manualSelector` is true), as the Job strategy does at create: the template gets
 * `batch.kubernetes.io/controller-uid`, `controller-uid`, `batch.kubernetes.io/job-name` and `job-name` labels (user
 * values win), and the selector matches `batch.kubernetes.io/controller-uid`. Needs `metadata.uid` and
 * `metadata.name`; call it after they are set and before validation.
 */
export function generateJobSelector(job: Job): void {
  const spec = job.spec;
  if (!spec || spec.manualSelector === true) return;
  const uid = job.metadata?.uid ?? '';
  const name = job.metadata?.name ?? '';
  spec.template ??= {};
  spec.template.metadata ??= {};
  const labels = (spec.template.metadata.labels ??= {});
  for (const k of [JOB_LABELS.legacyJobName, JOB_LABELS.jobName]) if (!(k in labels)) labels[k] = name;
  for (const k of [JOB_LABELS.legacyControllerUid, JOB_LABELS.controllerUid]) if (!(k in labels)) labels[k] = uid;
  spec.selector ??= {};
  spec.selector.matchLabels ??= {};
  if (!(JOB_LABELS.controllerUid in spec.selector.matchLabels)) spec.selector.matchLabels[JOB_LABELS.controllerUid] = uid;
}

/** CronJob defaults: concurrencyPolicy Allow, suspend false, history limits 3 and 1. */
export function defaultCronJob(cj: CronJob): void {
  const spec = (cj.spec ??= { schedule: '', jobTemplate: {} });
  spec.concurrencyPolicy ||= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  defaultPodTemplateSpec(spec.jobTemplate?.spec?.template);
}
