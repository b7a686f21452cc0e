/**
 * Unit tests of CronJob scheduling (descriptors, time zones, missed start times) and of the controller's sync on a
 * FakeClock: one Job per start time with the deterministic name and annotation, Forbid and Replace, suspend,
 * startingDeadlineSeconds, and history cleanup.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { startControllerHarness, type ControllerHarness } from '../common/controller-harness.js';
import { CRON_JOBS, JOBS } from '../common/resources.js';
import { mostRecentScheduleTime, parseCronSchedule } from './cron-schedule.js';
import { newCronJobController, SCHEDULED_TIMESTAMP_ANNOTATION } from './cronjob-controller.js';

const T0 = Date.UTC(2024, 0, 1, 0, 0, 30);
const iso = (ms: number) => new Date(ms).toISOString();

test('schedules: five fields, descriptors including @midnight, and time zones', () => {
  assert.equal(iso(parseCronSchedule('*/5 * * * *').next(T0)), '2024-01-01T00:05:00.000Z');
  assert.equal(iso(parseCronSchedule('@hourly').next(T0)), '2024-01-01T01:00:00.000Z');
  assert.equal(iso(parseCronSchedule('@midnight').next(T0)), '2024-01-02T00:00:00.000Z');
  assert.equal(iso(parseCronSchedule('@yearly').next(T0)), '2025-01-01T00:00:00.000Z');
  assert.equal(iso(parseCronSchedule('0 9 * * *', 'Europe/Berlin').next(T0)), '2024-01-01T08:00:00.000Z');
  assert.equal(iso(parseCronSchedule('CRON_TZ=Asia/Tokyo 0 9 * * *').next(T0)), '2024-01-02T00:00:00.000Z');
  assert.throws(() => parseCronSchedule('* * * *'), /expected exactly 5 fields/);
  assert.throws(() => parseCronSchedule('0 9 * * *', 'Mars/Base'), /unknown time zone/);
});

test('missed start times: only the latest counts, and more than 100 is reported', () => {
  const s = parseCronSchedule('* * * * *');
  const r = mostRecentScheduleTime(s, T0, T0 + 5 * 60_000);
  assert.equal(iso(r.mostRecent!), '2024-01-01T00:05:00.000Z');
  assert.equal(r.tooMany, false);
  assert.equal(mostRecentScheduleTime(s, T0, T0 + 200 * 60_000).tooMany, true);
  assert.equal(mostRecentScheduleTime(s, T0, T0 + 20_000).mostRecent, undefined);
});

/** The harness clock starts at the real time and never goes back: tests run in the next whole hour after it. */
const BASE = Math.ceil((Date.now() + 60_000) / 3_600_000) * 3_600_000;
const at = (min: number, sec = 0) => BASE + min * 60_000 + sec * 1000;
const stamp = (ms: number) => iso(ms).replace(/\.\d+Z$/, 'Z');

function cronJob(name: string, spec: Partial<NonNullable<CronJob['spec']>> = {}): CronJob {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: 'default', creationTimestamp: stamp(at(0)) },
    spec: {
      schedule: '*/5 * * * *', concurrencyPolicy: 'Allow', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { app: name } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
  };
}

const jobsOf = (h: ControllerHarness) => h.stored<Job>(JOBS).sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
const cjNamed = (h: ControllerHarness, name: string) => h.stored<CronJob>(CRON_JOBS).find((c) => c.metadata?.name === name)!;

async function completeJob(h: ControllerHarness, job: Job, type: 'Complete' | 'Failed', at: number): Promise<void> {
  await h.client.resource<Job>('batch', 'v1', 'jobs').namespace('default').updateStatus({
    ...job, status: { startTime: stamp(at), ...(type === 'Complete' ? { completionTime: stamp(at) } : {}), conditions: [{ type, status: 'True' }] },
  });
}

test('a cronjob creates one job per start time, named by the start minute, and waits for the next', async (t) => {
  const h = await startControllerHarness(t);
  h.clock.setTime(at(4, 0));
  const c = newCronJobController(h.ctx);
  h.seed(CRON_JOBS, cronJob('tick'));
  await c.sync('default/tick');
  assert.equal(jobsOf(h).length, 0, 'nothing before 00:05');
  h.clock.setTime(at(5, 1));
  await c.sync('default/tick');
  h.refresh(CRON_JOBS, JOBS);
  await c.sync('default/tick'); // the same start time again: no second Job
  const jobs = jobsOf(h);
  assert.deepEqual(jobs.map((j) => j.metadata?.name), [`tick-${at(5) / 60_000}`]);
  assert.equal(jobs[0].metadata?.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION], stamp(at(5)));
  assert.equal(jobs[0].metadata?.ownerReferences?.[0].kind, 'CronJob');
  assert.equal(jobs[0].metadata?.labels?.app, 'tick');
  const cj = cjNamed(h, 'tick');
  assert.equal(cj.status?.lastScheduleTime, stamp(at(5)));
  assert.equal(cj.status?.active?.[0].name, jobs[0].metadata?.name);
  assert.ok((await h.events()).some((e) => e.reason === 'SuccessfulCreate' && e.message === `Created job ${jobs[0].metadata?.name}`));
});

test('Forbid skips a start while a job runs and catches up once it finishes; Replace deletes the running job', async (t) => {
  const h = await startControllerHarness(t);
  const c = newCronJobController(h.ctx);
  h.clock.setTime(at(5, 1));
  h.seed(CRON_JOBS, cronJob('f', { concurrencyPolicy: 'Forbid' }));
  await c.sync('default/f');
  h.refresh(CRON_JOBS, JOBS);
  h.clock.setTime(at(10, 1));
  await c.sync('default/f');
  assert.equal(jobsOf(h).length, 1, 'Forbid: no second job while the first runs');
  await completeJob(h, jobsOf(h)[0], 'Complete', at(11));
  h.refresh(CRON_JOBS, JOBS);
  h.clock.setTime(at(11, 30));
  await c.sync('default/f');
  assert.equal(jobsOf(h).length, 2, 'the 00:10 start runs once the first job completed');
  h.refresh(CRON_JOBS);
  assert.equal(cjNamed(h, 'f').status?.lastSuccessfulTime, stamp(at(11)));
  assert.ok((await h.events()).some((e) => e.reason === 'SawCompletedJob'));

  h.seed(CRON_JOBS, cronJob('r', { concurrencyPolicy: 'Replace' }));
  await c.sync('default/r');
  h.refresh(CRON_JOBS, JOBS);
  const first = jobsOf(h).filter((j) => j.metadata?.name?.startsWith('r-'));
  h.clock.setTime(at(15, 1));
  await c.sync('default/r');
  const after = jobsOf(h).filter((j) => j.metadata?.name?.startsWith('r-'));
  assert.equal(after.length, 1);
  assert.notEqual(after[0].metadata?.name, first[0].metadata?.name, 'the running job was replaced');
});

test('suspend and an expired startingDeadlineSeconds start nothing; history limits delete old jobs', async (t) => {
  const h = await startControllerHarness(t);
  const c = newCronJobController(h.ctx);
  h.clock.setTime(at(5, 1));
  h.seed(CRON_JOBS, cronJob('s', { suspend: true }));
  await c.sync('default/s');
  h.seed(CRON_JOBS, cronJob('late', { startingDeadlineSeconds: 30 }));
  h.clock.setTime(at(6, 0));
  await c.sync('default/late');
  assert.equal(jobsOf(h).length, 0);

  const cj = h.seed(CRON_JOBS, cronJob('hist', { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 0 }));
  const ref = [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hist', uid: cj.metadata!.uid!, controller: true }];
  for (const [i, type] of [[1, 'Complete'], [2, 'Complete'], [3, 'Failed']] as const) {
    const j = h.seed(JOBS, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `hist-${i}`, namespace: 'default', ownerReferences: ref }, spec: { template: {} } } as Job);
    await completeJob(h, j, type, at(i));
  }
  h.refresh(JOBS);
  await c.sync('default/hist');
  assert.deepEqual(jobsOf(h).filter((j) => j.metadata?.name?.startsWith('hist-1') || j.metadata?.name?.match(/^hist-\d$/)).map((j) => j.metadata?.name), ['hist-2']);
  assert.equal((await h.events()).filter((e) => e.reason === 'SuccessfulDelete').length, 2);
});
