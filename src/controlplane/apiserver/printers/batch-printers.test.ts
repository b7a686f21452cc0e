import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CronJob, Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import { cronJobPrinter, jobPrinter } from './batch-printers.js';
import { ago, NOW } from './test-clock.js';

const podTemplate = { spec: { containers: [{ name: 'pi', image: 'perl:5.34' }], restartPolicy: 'Never' } };
const cond = (type: string, status = 'True'): JobCondition => ({ type, status });

function job(over: { spec?: Partial<Job['spec']>; status?: Job['status']; deleting?: boolean }): Job {
  return {
    metadata: { name: 'pi', namespace: 'default', creationTimestamp: ago(400), ...(over.deleting ? { deletionTimestamp: ago(1) } : {}) },
    spec: { completions: 1, parallelism: 1, template: podTemplate, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc' } }, ...over.spec },
    status: over.status,
  };
}

describe('job printer', () => {
  test('columns carry the STATUS column of current kube-apiserver', () => {
    assert.deepEqual(jobPrinter.columns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Status', 0], ['Completions', 0], ['Duration', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1],
    ]);
  });

  const cases: { name: string; job: Job; want: unknown[] }[] = [
    { name: 'running', job: job({ status: { startTime: ago(310), active: 1 } }), want: ['Running', '0/1', '5m10s'] },
    { name: 'not started yet', job: job({}), want: ['Running', '0/1', ''] },
    {
      name: 'complete, duration from start to completion',
      job: job({ status: { startTime: ago(390), completionTime: ago(300), succeeded: 1, conditions: [cond('SuccessCriteriaMet'), cond('Complete')] } }),
      want: ['Complete', '1/1', '90s'],
    },
    {
      name: 'failed',
      job: job({ spec: { completions: 3, parallelism: 3 }, status: { startTime: ago(390), failed: 7, succeeded: 1, conditions: [cond('FailureTarget'), cond('Failed')] } }),
      want: ['Failed', '1/3', '6m30s'],
    },
    { name: 'failure target before Failed is set', job: job({ status: { startTime: ago(60), conditions: [cond('FailureTarget')] } }), want: ['FailureTarget', '0/1', '60s'] },
    { name: 'suspended', job: job({ spec: { suspend: true }, status: { conditions: [cond('Suspended')] } }), want: ['Suspended', '0/1', ''] },
    { name: 'resumed (Suspended False)', job: job({ status: { startTime: ago(5), conditions: [cond('Suspended', 'False')] } }), want: ['Running', '0/1', '5s'] },
    { name: 'being deleted', job: job({ deleting: true, status: { startTime: ago(10), conditions: [cond('Suspended')] } }), want: ['Terminating', '0/1', '10s'] },
    { name: 'work queue with parallelism', job: job({ spec: { completions: undefined, parallelism: 4 }, status: { succeeded: 0 } }), want: ['Running', '0/1 of 4', ''] },
    { name: 'no completions, parallelism 1', job: job({ spec: { completions: undefined, parallelism: 1 } }), want: ['Running', '0/1', ''] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(jobPrinter.cells(c.job, NOW).slice(1, 4), c.want));
  }

  test('all cells', () => {
    assert.deepEqual(jobPrinter.cells(job({ status: { startTime: ago(200) } }), NOW), [
      'pi', 'Running', '0/1', '3m20s', '6m40s', 'pi', 'perl:5.34', 'batch.kubernetes.io/controller-uid=abc',
    ]);
  });
});

describe('cron job printer', () => {
  const cj = (spec: Partial<CronJob['spec']>, status?: CronJob['status']): CronJob => ({
    metadata: { name: 'backup', creationTimestamp: ago(3 * 86400) },
    spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template: podTemplate } }, ...spec },
    status,
  });

  test('columns', () => {
    assert.deepEqual(cronJobPrinter.columns.map((c) => c.name), [
      'Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector',
    ]);
  });
  test('never scheduled', () => {
    assert.deepEqual(cronJobPrinter.cells(cj({}), NOW), ['backup', '*/5 * * * *', '<none>', 'False', 0, '<none>', '3d', 'pi', 'perl:5.34', '<none>']);
  });
  test('scheduled, with a time zone, suspended, one active job', () => {
    const c = cj({ timeZone: 'Europe/Berlin', suspend: true }, { lastScheduleTime: ago(65), active: [{ kind: 'Job', name: 'backup-1' }] });
    assert.deepEqual(cronJobPrinter.cells(c, NOW).slice(1, 6), ['*/5 * * * *', 'Europe/Berlin', 'True', 1, '65s']);
  });
  test('suspend unset reads <unset>', () => {
    assert.equal(cronJobPrinter.cells(cj({ suspend: undefined }), NOW)[3], '<unset>');
  });
});
