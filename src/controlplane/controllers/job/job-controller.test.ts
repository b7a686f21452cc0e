/**
 * Unit tests of the Job controller's sync against fake informers and a FakeClock: pod creation with the tracking
 * finalizer, finalizer-based counting (exactly once, also with a stale pod cache), back-off between failures,
 * backoffLimit, Indexed pods, suspension and the TTL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { startControllerHarness, type ControllerHarness } from '../common/controller-harness.js';
import { JOBS, PODS } from '../common/resources.js';
import { JOB_TRACKING_FINALIZER } from './job-constants.js';
import { newJobController, type JobController } from './job-controller.js';

function job(name: string, spec: Partial<NonNullable<Job['spec']>> = {}): Job {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'default' },
    spec: {
      completions: 1, parallelism: 1, backoffLimit: 6, manualSelector: true, selector: { matchLabels: { job: name } },
      template: { metadata: { labels: { job: name } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      ...spec,
    },
  };
}

const KEY = (name: string) => `default/${name}`;
const jobNamed = (h: ControllerHarness, name: string) => h.stored<Job>(JOBS).find((j) => j.metadata?.name === name)!;
const podsOf = (h: ControllerHarness) => h.stored<Pod>(PODS);

/** Plays the kubelet: terminal phase with one container's exit code. */
async function finish(h: ControllerHarness, pod: Pod, phase: 'Succeeded' | 'Failed', exitCode = phase === 'Succeeded' ? 0 : 1): Promise<void> {
  const fresh = podsOf(h).find((p) => p.metadata?.uid === pod.metadata?.uid)!;
  await h.client.resource<Pod>('', 'v1', 'pods').namespace('default').updateStatus({
    ...fresh, status: { phase, containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode } } }] },
  });
}

/** Lets the controller see the API's state, as its informers would. */
function observe(h: ControllerHarness, c: JobController, name: string): void {
  h.refresh(PODS, JOBS);
  c.expectations.deleteExpectations(KEY(name));
}

test('a job creates its pods with the tracking finalizer and counts a success exactly once', async (t) => {
  const h = await startControllerHarness(t);
  const c = newJobController(h.ctx);
  h.seed(JOBS, job('pi', { completions: 2, parallelism: 2 }));
  await c.sync(KEY('pi'));
  const pods = podsOf(h);
  assert.equal(pods.length, 2);
  for (const p of pods) {
    assert.deepEqual(p.metadata?.finalizers, [JOB_TRACKING_FINALIZER]);
    assert.equal(p.metadata?.ownerReferences?.[0].kind, 'Job');
    assert.match(p.metadata!.name!, /^pi-/);
  }
  observe(h, c, 'pi');
  await c.sync(KEY('pi'));
  assert.equal(jobNamed(h, 'pi').status?.active, 2);
  assert.ok(jobNamed(h, 'pi').status?.startTime);

  await finish(h, pods[0], 'Succeeded');
  observe(h, c, 'pi');
  await c.sync(KEY('pi'));
  assert.equal(jobNamed(h, 'pi').status?.succeeded, 1);
  assert.equal(podsOf(h).find((p) => p.metadata?.uid === pods[0].metadata?.uid)?.metadata?.finalizers, undefined, 'finalizer removed once counted');
  // The pod cache is stale (still shows the finalizer): the success must not be counted again.
  h.refresh(JOBS);
  await c.sync(KEY('pi'));
  assert.equal(jobNamed(h, 'pi').status?.succeeded, 1);

  await finish(h, pods[1], 'Succeeded');
  observe(h, c, 'pi');
  await c.sync(KEY('pi'));
  const done = jobNamed(h, 'pi');
  assert.equal(done.status?.succeeded, 2);
  assert.equal(done.status?.conditions?.find((x) => x.type === 'Complete')?.status, 'True');
  assert.ok(done.status?.completionTime);
  const events = await h.events();
  assert.ok(events.some((e) => e.reason === 'Completed'));
  assert.equal(events.filter((e) => e.reason === 'SuccessfulCreate').length, 2);
});

test('a crash between uncounting and counting does not lose or double-count a pod', async (t) => {
  const h = await startControllerHarness(t);
  const c = newJobController(h.ctx);
  const j = h.seed(JOBS, job('crash', { completions: 2 }));
  // State left by a crash after step 2: the uid is uncounted and the pod's finalizer is already gone.
  const pod = h.seed(PODS, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'crash-a', namespace: 'default', labels: { job: 'crash' },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'crash', uid: j.metadata!.uid!, controller: true }] },
    spec: { containers: [{ name: 'c', image: 'busybox' }] }, status: { phase: 'Succeeded' },
  } as Pod);
  await h.client.resource<Job>('batch', 'v1', 'jobs').namespace('default').updateStatus({ ...jobNamed(h, 'crash'), status: { uncountedTerminatedPods: { succeeded: [pod.metadata!.uid!] } } });
  observe(h, c, 'crash');
  await c.sync(KEY('crash'));
  const st = jobNamed(h, 'crash').status!;
  assert.equal(st.succeeded, 1);
  assert.deepEqual(st.uncountedTerminatedPods, {});
});

test('failures back off 10 s, 20 s before replacements and end at backoffLimit', async (t) => {
  const h = await startControllerHarness(t);
  const c = newJobController(h.ctx);
  h.seed(JOBS, job('flaky', { backoffLimit: 1 }));
  await c.sync(KEY('flaky'));
  observe(h, c, 'flaky');
  await finish(h, podsOf(h)[0], 'Failed');
  observe(h, c, 'flaky');
  await c.sync(KEY('flaky'));
  assert.equal(jobNamed(h, 'flaky').status?.failed, 1);
  assert.equal(podsOf(h).length, 1, 'no replacement during the back-off');
  h.clock.step(9_000);
  observe(h, c, 'flaky');
  await c.sync(KEY('flaky'));
  assert.equal(podsOf(h).length, 1, 'still backing off after 9 s');
  h.clock.step(1_000);
  await c.sync(KEY('flaky'));
  assert.equal(podsOf(h).length, 2, 'replacement after 10 s');
  observe(h, c, 'flaky');
  const second = podsOf(h).find((p) => p.status?.phase !== 'Failed')!;
  await finish(h, second, 'Failed');
  observe(h, c, 'flaky');
  await c.sync(KEY('flaky'));
  const failed = jobNamed(h, 'flaky');
  assert.equal(failed.status?.failed, 2);
  const cond = failed.status?.conditions?.find((x) => x.type === 'Failed');
  assert.equal(cond?.status, 'True');
  assert.equal(cond?.reason, 'BackoffLimitExceeded');
  assert.ok((await h.events()).some((e) => e.reason === 'BackoffLimitExceeded' && e.type === 'Warning'));
});

test('a FailJob podFailurePolicy rule fails the job at once; an Ignore rule does not count', async (t) => {
  const h = await startControllerHarness(t);
  const c = newJobController(h.ctx);
  h.seed(JOBS, job('pfp', {
    backoffLimit: 6,
    podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [3] } }, { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] },
  }));
  await c.sync(KEY('pfp'));
  observe(h, c, 'pfp');
  await finish(h, podsOf(h)[0], 'Failed', 3);
  observe(h, c, 'pfp');
  await c.sync(KEY('pfp'));
  assert.equal(jobNamed(h, 'pfp').status?.failed ?? 0, 0, 'ignored failure not counted');
  assert.equal(podsOf(h).length, 2, 'and replaced without back-off');
  observe(h, c, 'pfp');
  await finish(h, podsOf(h).find((p) => p.status?.phase !== 'Failed')!, 'Failed', 42);
  observe(h, c, 'pfp');
  await c.sync(KEY('pfp'));
  const cond = jobNamed(h, 'pfp').status?.conditions?.find((x) => x.type === 'Failed');
  assert.equal(cond?.reason, 'PodFailurePolicy');
  assert.match(cond?.message ?? '', /failed with exit code 42 matching FailJob rule at index 1/);
});

test('an Indexed job runs one pod per index with the index annotation, env and hostname', async (t) => {
  const h = await startControllerHarness(t);
  const c = newJobController(h.ctx);
  h.seed(JOBS, job('idx', { completions: 3, parallelism: 2, completionMode: 'Indexed' }));
  await c.sync(KEY('idx'));
  const pods = podsOf(h);
  const indexes = pods.map((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']).sort();
  assert.deepEqual(indexes, ['0', '1']);
  const p0 = pods.find((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] === '0')!;
  assert.equal(p0.spec?.hostname, 'idx-0');
  assert.match(p0.metadata!.name!, /^idx-0-/);
  assert.ok(p0.spec?.containers[0].env?.some((e) => e.name === 'JOB_COMPLETION_INDEX'));
  observe(h, c, 'idx');
  await finish(h, p0, 'Succeeded');
  observe(h, c, 'idx');
  await c.sync(KEY('idx'));
  assert.equal(jobNamed(h, 'idx').status?.completedIndexes, '0');
  const again = podsOf(h).map((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']).sort();
  assert.deepEqual(again, ['0', '1', '2'], 'index 2 started once index 0 completed');
});

test('suspending deletes the active pods and sets Suspended; the TTL deletes a finished job', async (t) => {
  const h = await startControllerHarness(t);
  const c = newJobController(h.ctx);
  h.seed(JOBS, job('s', { parallelism: 1 }));
  await c.sync(KEY('s'));
  observe(h, c, 's');
  const jobs = h.client.resource<Job>('batch', 'v1', 'jobs').namespace('default');
  await jobs.update({ ...jobNamed(h, 's'), spec: { ...jobNamed(h, 's').spec!, suspend: true } });
  observe(h, c, 's');
  await c.sync(KEY('s'));
  assert.equal(podsOf(h).length, 0);
  assert.equal(jobNamed(h, 's').status?.conditions?.find((x) => x.type === 'Suspended')?.status, 'True');

  h.seed(JOBS, job('ttl', { ttlSecondsAfterFinished: 60 }));
  await c.sync(KEY('ttl'));
  observe(h, c, 'ttl');
  await finish(h, podsOf(h).find((p) => p.metadata?.name?.startsWith('ttl-'))!, 'Succeeded');
  observe(h, c, 'ttl');
  await c.sync(KEY('ttl'));
  assert.ok(jobNamed(h, 'ttl'), 'kept until the TTL expires');
  h.clock.step(60_000);
  observe(h, c, 'ttl');
  await c.sync(KEY('ttl'));
  assert.equal(jobNamed(h, 'ttl'), undefined);
});
