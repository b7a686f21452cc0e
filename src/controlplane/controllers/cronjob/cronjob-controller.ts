/**
 * The CronJob controller, as kube-controller-manager's (v2): each sync reconciles `status.active` with the Jobs the
 * CronJob owns, deletes finished Jobs beyond the history limits, and — unless suspended — starts the most recent
 * missed start time (at most one catch-up run, none past startingDeadlineSeconds) under the concurrency policy. It
 * then requeues itself for the next start time on the injected Clock, so tests step a FakeClock instead of waiting.
 * Job names are `<cronjob>-<scheduled time in Unix minutes>`, so a start time is never run twice, even after a
 * crash between creating the Job and recording it.
 */
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import {
  objectKey, objectOf, RateLimitingQueue, type EventRecorder, type Informer, type ResourceClient,
} from '../../../client/index.js';
import { StatusError } from '../../../apimachinery/errors/status-error.js';
import { cloneJson, deepEqual } from '../../../apimachinery/patch/json-value.js';
import type { Controller, ControllerContext } from '../common/controller.js';
import { getControllerOf, isNotFound, newControllerRef } from '../common/controller-ref.js';
import { clientOf, CRON_JOBS, informerOf, JOBS } from '../common/resources.js';
import { runQueue } from '../common/run-queue.js';
import { isValidTimeZone, mostRecentScheduleTime, parseCronSchedule } from './cron-schedule.js';
import { rfc3339 } from '../../../util/time.js';

/** Annotation on each Job with the start time it runs for. */
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
const CRONJOB_KIND = { apiVersion: 'batch/v1', kind: 'CronJob' };
/** Upstream wakes up a little after the start time, so the clock has surely passed it. */
const NEXT_SCHEDULE_DELTA_MS = 100;

/** Builds the CronJob controller (registry entry `cronjob`). */
export function newCronJobController(ctx: ControllerContext): CronJobController {
  return new CronJobController(ctx);
}


/** `Complete` or `Failed` when the Job has finished, else undefined. */
function finishedType(job: Job): 'Complete' | 'Failed' | undefined {
  const c = job.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type as 'Complete' | 'Failed' | undefined;
}

/** Starts Jobs on a schedule. */
export class CronJobController implements Controller {
  readonly name = 'cronjob';
  readonly queue: RateLimitingQueue<string>;
  private readonly cronJobs: Informer<CronJob>;
  private readonly jobs: Informer<Job>;
  private readonly recorder: EventRecorder;
  private readonly cjClient: ResourceClient<CronJob>;
  private readonly jobClient: ResourceClient<Job>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.recorder = ctx.recorder('cronjob-controller');
    this.cjClient = clientOf<CronJob>(ctx.client, CRON_JOBS);
    this.jobClient = clientOf<Job>(ctx.client, JOBS);
    this.cronJobs = informerOf<CronJob>(ctx.informers, CRON_JOBS);
    this.jobs = informerOf<Job>(ctx.informers, JOBS);
    this.cronJobs.addEventHandler({
      onAdd: (cj) => this.queue.add(objectKey(cj)),
      onUpdate: (_old, cj) => this.queue.add(objectKey(cj)),
    });
    const onJob = (job: Job) => {
      const ref = getControllerOf(job);
      if (ref?.kind === 'CronJob') this.queue.add(`${job.metadata?.namespace}/${ref.name}`);
    };
    this.jobs.addEventHandler({ onAdd: onJob, onUpdate: (_o, j) => onJob(j), onDelete: (t) => onJob(objectOf(t)) });
  }

  /** Runs the workers until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.cronJobs.waitForSync(signal)) || !(await this.jobs.waitForSync(signal))) return;
    await runQueue(this.queue, (key) => this.sync(key), { name: 'cronjob-controller', workers: this.ctx.workers, signal });
  }

  /** Level-based sync of CronJob `key`. */
  async sync(key: string): Promise<void> {
    const cached = this.cronJobs.lister.getByKey(key);
    if (!cached) return;
    const cj = structuredClone(cached);
    const ns = cj.metadata!.namespace!;
    const uid = cj.metadata!.uid!;
    const now = this.ctx.clock.now();
    const children = this.jobs.lister.listNamespace(ns).filter((j) => getControllerOf(j)?.uid === uid);
    const status = structuredClone(cj.status ?? {});
    await this.reconcileActive(cj, status, children);
    if (cj.metadata?.deletionTimestamp) return this.writeStatus(cj, status);
    await this.cleanupHistory(cj, children.filter((j) => !(status.active ?? []).some((a) => a.uid === j.metadata?.uid)));

    const tz = cj.spec?.timeZone;
    if (tz && !isValidTimeZone(tz)) {
      this.recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${tz}": unknown time zone ${tz}`);
      return this.writeStatus(cj, status);
    }
    let sched;
    try {
      sched = parseCronSchedule(cj.spec?.schedule ?? '', tz);
    } catch (err) {
      this.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec?.schedule}" : ${(err as Error).message}`);
      return this.writeStatus(cj, status);
    }
    if (cj.spec?.suspend) return this.writeStatus(cj, status);

    let earliest = Date.parse(status.lastScheduleTime ?? cj.metadata?.creationTimestamp ?? rfc3339(now));
    const sds = cj.spec?.startingDeadlineSeconds;
    if (sds != null) earliest = Math.max(earliest, now - sds * 1000);
    const missed = mostRecentScheduleTime(sched, earliest, now);
    const requeue = () => this.queue.addAfter(key, missed.next - now + NEXT_SCHEDULE_DELTA_MS);
    if (missed.mostRecent === undefined) {
      await this.writeStatus(cj, status);
      requeue();
      return;
    }
    if (missed.tooMany) {
      this.recorder.event(cj, 'Warning', 'TooManyMissedTimes',
        'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    const scheduled = missed.mostRecent;
    if (sds != null && scheduled + sds * 1000 < now) {
      this.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc3339(scheduled)}`);
      await this.writeStatus(cj, status);
      requeue();
      return;
    }
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (status.active?.length ?? 0) > 0) {
      // The start time stays unrecorded: it runs once the active Job finishes, if still within the deadline.
      this.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      await this.writeStatus(cj, status);
      requeue();
      return;
    }
    if (policy === 'Replace') {
      for (const ref of [...(status.active ?? [])]) {
        await this.deleteJob(cj, ns, ref.name!, ref.uid);
        status.active = (status.active ?? []).filter((a) => a.uid !== ref.uid);
      }
    }
    const job = await this.createJob(cj, scheduled);
    if (job && !finishedType(job) && !(status.active ?? []).some((a) => a.uid === job.metadata?.uid)) {
      status.active = [...(status.active ?? []), {
        apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: job.metadata!.name, uid: job.metadata!.uid, resourceVersion: job.metadata!.resourceVersion,
      }];
    }
    status.lastScheduleTime = rfc3339(scheduled);
    await this.writeStatus(cj, status);
    requeue();
  }

  /** Drops finished or vanished Jobs from status.active, recording SawCompletedJob and lastSuccessfulTime. */
  private async reconcileActive(cj: CronJob, status: NonNullable<CronJob['status']>, children: Job[]): Promise<void> {
    const byUid = new Map(children.map((j) => [j.metadata!.uid!, j]));
    const keep: ObjectReference[] = [];
    for (const ref of status.active ?? []) {
      const job = byUid.get(ref.uid ?? '') ?? await this.liveJob(cj.metadata!.namespace!, ref);
      if (!job) continue;
      const done = finishedType(job);
      if (!done) {
        keep.push(ref);
        continue;
      }
      this.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata?.name}, condition: ${done}`);
      const completed = job.status?.completionTime;
      if (done === 'Complete' && completed && (!status.lastSuccessfulTime || Date.parse(completed) > Date.parse(status.lastSuccessfulTime))) {
        status.lastSuccessfulTime = completed;
      }
    }
    status.active = keep;
  }

  /** The Job behind an active reference that the cache does not have (it may be newer than the cache). */
  private async liveJob(ns: string, ref: ObjectReference): Promise<Job | undefined> {
    try {
      const job = await this.jobClient.namespace(ns).get(ref.name!);
      return job.metadata?.uid === ref.uid ? job : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Deletes the oldest finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit. */
  private async cleanupHistory(cj: CronJob, inactive: Job[]): Promise<void> {
    const startOf = (j: Job) => Date.parse(j.status?.startTime ?? j.metadata?.creationTimestamp ?? '') || 0;
    const limits: ['Complete' | 'Failed', number | undefined][] = [
      ['Complete', cj.spec?.successfulJobsHistoryLimit], ['Failed', cj.spec?.failedJobsHistoryLimit],
    ];
    for (const [type, limit] of limits) {
      if (limit == null) continue;
      const finished = inactive.filter((j) => finishedType(j) === type && !j.metadata?.deletionTimestamp).sort((a, b) => startOf(a) - startOf(b));
      for (const j of finished.slice(0, Math.max(0, finished.length - limit))) {
        await this.deleteJob(cj, cj.metadata!.namespace!, j.metadata!.name!, j.metadata!.uid);
      }
    }
  }

  private async deleteJob(cj: CronJob, ns: string, name: string, uid: string | undefined): Promise<void> {
    try {
      await this.jobClient.namespace(ns).delete(name, { propagationPolicy: 'Background', preconditions: uid ? { uid } : undefined });
      this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
    } catch (err) {
      if (isNotFound(err)) return;
      this.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
      throw err;
    }
  }

  /**
   * Creates the Job of start time `scheduled` from the template. If it exists already and is ours (a crash after a
   * create), that one is the result; a Job of that name owned by someone else is an error.
   */
  private async createJob(cj: CronJob, scheduled: number): Promise<Job | undefined> {
    const ns = cj.metadata!.namespace!;
    const name = `${cj.metadata!.name}-${Math.floor(scheduled / 60_000)}`;
    const tmpl = cj.spec?.jobTemplate ?? {};
    const job: Job = {
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: {
        name, namespace: ns,
        labels: { ...(tmpl.metadata?.labels ?? {}) },
        annotations: { ...(tmpl.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339(scheduled) },
        ownerReferences: [newControllerRef(cj, CRONJOB_KIND)],
      },
      spec: structuredClone(tmpl.spec ?? { template: {} }),
    };
    try {
      const created = await this.jobClient.namespace(ns).create(job);
      this.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${name}`);
      return created;
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 409)) {
        this.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
        throw err;
      }
      const existing = await this.jobClient.namespace(ns).get(name);
      if (getControllerOf(existing)?.uid !== cj.metadata?.uid) throw err;
      return existing;
    }
  }

  /** Writes `status` when it differs from the cached one; a conflict means a newer CronJob, which syncs again. */
  private async writeStatus(cj: CronJob, status: NonNullable<CronJob['status']>): Promise<void> {
    const next = cloneJson(status);
    if (next.active?.length === 0) delete next.active;
    if (deepEqual(next, cloneJson(cj.status ?? {}))) return;
    try {
      await this.cjClient.namespace(cj.metadata!.namespace!).updateStatus({ ...cj, status: next });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}
