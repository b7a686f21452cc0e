/**
 * Printers for batch/v1: jobs and cron jobs.
 *
 * Job STATUS is the newest kube-apiserver behaviour (kube-apiserver added the Status column in 1.30, kubernetes/kubernetes#123226):
 * Complete, Failed, Terminating, Suspended, FailureTarget, else Running, checked in that order.
 */
import type { CronJob, Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import { boolPtr, containerCells, formatLabelSelector } from './format.js';
import { humanDuration, parseTimestamp, translateTimestampSince } from './human-duration.js';
import { AGE_COLUMN, column, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, wideColumn, type Printer } from './printer.js';

function hasCondition(conditions: readonly JobCondition[] | undefined, type: string): boolean {
  const c = (conditions ?? []).find((x) => x.type === type);
  return c?.status === 'True';
}

/** The job's STATUS word. */
export function jobStatus(job: Job): string {
  const conditions = job.status?.conditions;
  if (hasCondition(conditions, 'Complete')) return 'Complete';
  if (hasCondition(conditions, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (hasCondition(conditions, 'Suspended')) return 'Suspended';
  if (hasCondition(conditions, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** `1/3`, or `0/1 of 4` for a parallel job without a completion count. */
export function jobCompletions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined && job.spec.completions !== null) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** Time from start to completion, or to `now` while the job runs; empty before it starts. */
export function jobDuration(job: Job, now: Date): string {
  const start = parseTimestamp(job.status?.startTime);
  if (start === undefined) return '';
  const end = parseTimestamp(job.status?.completionTime) ?? now.getTime();
  return humanDuration(end - start);
}

/** Jobs: STATUS COMPLETIONS DURATION. */
export const jobPrinter: Printer<Job> = {
  columns: [
    NAME_COLUMN,
    column('Status', 'string', 'Complete, Failed, Terminating, Suspended, FailureTarget or Running.'),
    column('Completions', 'string', 'Succeeded pods out of required completions.'),
    column('Duration', 'string', 'How long the job ran, or has been running.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    wideColumn('Selector', 'Label selector of the job\'s pods.'),
  ],
  cells(job, now) {
    const { names, images } = containerCells(job.spec?.template?.spec?.containers);
    return [
      job.metadata?.name ?? '', jobStatus(job), jobCompletions(job), jobDuration(job, now),
      translateTimestampSince(job.metadata?.creationTimestamp, now), names, images, formatLabelSelector(job.spec?.selector),
    ];
  },
};

/** Cron jobs: SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE. */
export const cronJobPrinter: Printer<CronJob> = {
  columns: [
    NAME_COLUMN,
    column('Schedule', 'string', 'Cron schedule.'),
    column('Timezone', 'string', 'Time zone of the schedule.'),
    column('Suspend', 'boolean', 'Whether new runs are suspended.'),
    column('Active', 'integer', 'Number of running jobs.'),
    column('Last Schedule', 'string', 'Time since a job was last scheduled.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    wideColumn('Selector', 'Label selector of the job template.'),
  ],
  cells(cj, now) {
    const template = cj.spec?.jobTemplate?.spec;
    const { names, images } = containerCells(template?.template?.spec?.containers);
    const last = cj.status?.lastScheduleTime ? translateTimestampSince(cj.status.lastScheduleTime, now) : '<none>';
    return [
      cj.metadata?.name ?? '', cj.spec?.schedule ?? '', cj.spec?.timeZone ?? '<none>', boolPtr(cj.spec?.suspend),
      (cj.status?.active ?? []).length, last, translateTimestampSince(cj.metadata?.creationTimestamp, now),
      names, images, formatLabelSelector(template?.selector),
    ];
  },
};
