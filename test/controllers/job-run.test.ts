/**
 * Jobs against a real server: the controller manager runs in this process (job and garbagecollector only) on a
 * FakeClock that follows real time, so the 10 s · 2^n back-off can be skipped by stepping it; a small in-test kubelet
 * binds each pod and finishes it with the exit code the test chooses. Observed through the API and real kubectl.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Client, Informer, loadKubeconfig, objectKey, RateLimitingQueue, runWorkers } from '../../src/client/index.js';
import { runControllerManager } from '../../src/controlplane/controllers/manager.js';
import { FakeClock } from '../../src/util/clock.js';
import { startKubelite, type KubeliteProcess } from '../support/kubelite.js';
import { eventually } from './support.js';

/** What the test kubelet does with a pod: leave it running, or end it with an exit code. */
type Outcome = 'run' | number;

/** Binds pods, then reports them Running or terminated with `outcome(pod)`'s exit code; finishes graceful deletes. */
async function runJobKubelet(client: Client, signal: AbortSignal, outcome: (pod: Pod) => Outcome): Promise<void> {
  const pods = client.resource<Pod>('', 'v1', 'pods');
  const informer = new Informer<Pod>(pods);
  const queue = new RateLimitingQueue<string>();
  informer.addEventHandler({ onAdd: (p) => queue.add(objectKey(p)), onUpdate: (_o, p) => queue.add(objectKey(p)) });
  signal.addEventListener('abort', () => queue.shutDown(), { once: true });
  const informing = informer.run(signal);
  await runWorkers(queue, 8, async (key) => {
    const pod = informer.lister.getByKey(key);
    if (!pod) return;
    const api = pods.namespace(pod.metadata!.namespace!);
    const name = pod.metadata!.name!;
    if (pod.metadata?.deletionTimestamp) {
      if (pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') await api.delete(name, { gracePeriodSeconds: 0 }).catch(() => undefined);
      return;
    }
    if (!pod.spec?.nodeName) {
      await api.bind(name, 'job-node', { uid: pod.metadata?.uid });
      return;
    }
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    const out = outcome(pod);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const c = pod.spec.containers[0].name;
    const status = out === 'run'
      ? { phase: 'Running', containerStatuses: [{ name: c, image: 'busybox', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: now } } }] }
      : {
        phase: out === 0 ? 'Succeeded' : 'Failed',
        containerStatuses: [{ name: c, image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: out, reason: out === 0 ? 'Completed' : 'Error', finishedAt: now } } }],
      };
    if (pod.status?.phase === status.phase) return;
    await api.updateStatus({ ...pod, status });
  }, { onError: () => undefined });
  await informing;
}

describe('Job controller on a real server', () => {
  let server: KubeliteProcess;
  let client: Client;
  const clock = new FakeClock(Date.now());
  const stop = new AbortController();
  let manager: Promise<void>;
  let kubelet: Promise<void>;
  let ticker: NodeJS.Timeout;
  /** Exit codes per job name, consumed one per pod; 'run' keeps pods running. */
  const plans = new Map<string, Outcome[]>();

  before(async () => {
    server = await startKubelite({ args: ['--disable-controller-manager', '--disable-scheduler'] });
    client = new Client(loadKubeconfig(server.kubeconfig));
    // The fake clock follows real time (so retries and short requeues happen) and can be jumped ahead.
    ticker = setInterval(() => clock.step(20), 20);
    manager = runControllerManager(client, { signal: stop.signal, clock, enabled: ['job', 'garbagecollector'] });
    const seen = new Map<string, Outcome>();
    kubelet = runJobKubelet(client, stop.signal, (pod) => {
      const uid = pod.metadata!.uid!;
      if (!seen.has(uid)) {
        const plan = plans.get(pod.metadata?.labels?.['batch.kubernetes.io/job-name'] ?? '') ?? [0];
        seen.set(uid, plan.length > 1 ? plan.shift()! : plan[0]);
      }
      return seen.get(uid)!;
    });
  });
  after(async () => {
    stop.abort();
    clearInterval(ticker);
    await manager;
    await kubelet;
    client.close();
    await server.stop();
  });

  const jobs = () => client.resource<Job>('batch', 'v1', 'jobs').namespace('default');
  const podsOf = async (job: string) => (await client.resource<Pod>('', 'v1', 'pods').namespace('default').list({ labelSelector: `batch.kubernetes.io/job-name=${job}` })).items;
  const condition = (j: Job, type: string) => j.status?.conditions?.find((c) => c.type === type && c.status === 'True');

  test('a job completes; kubectl wait sees Complete and its pods lose the tracking finalizer', async () => {
    plans.set('ok', [0]);
    const r = await server.kubectl(['create', 'job', 'ok', '--image=busybox', '--', 'true']);
    assert.equal(r.code, 0, r.stderr);
    const w = await server.kubectl(['wait', '--for=condition=Complete', 'job/ok', '--timeout=30s'], { timeoutMs: 40_000 });
    assert.equal(w.code, 0, w.stderr + w.stdout);
    const j = await jobs().get('ok');
    assert.equal(j.status?.succeeded, 1);
    assert.ok(j.status?.completionTime);
    const pods = await podsOf('ok');
    assert.equal(pods.length, 1);
    assert.equal(pods[0].metadata?.finalizers, undefined);
    const get = await server.kubectl(['get', 'job', 'ok', '--no-headers']);
    assert.match(get.stdout, /^ok\s+Complete\s+1\/1\s+/);
  });

  test('failures are retried after a 10 s then 20 s back-off, and the job fails at backoffLimit', async () => {
    plans.set('flaky', [1, 1, 1]);
    await jobs().create({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'flaky' },
      spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await eventually(async () => (await jobs().get('flaky')).status?.failed === 1, 'the first failure counted');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await podsOf('flaky')).length, 1, 'no replacement inside the back-off');
    clock.step(10_000);
    await eventually(async () => (await jobs().get('flaky')).status?.failed === 2, 'the second failure counted');
    await new Promise((r) => setTimeout(r, 1500));
    clock.step(10_000);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await podsOf('flaky')).length, 2, 'the second back-off is 20 s, not 10 s');
    clock.step(10_000);
    const failed = (await eventually(async () => {
      const j = await jobs().get('flaky');
      return condition(j, 'Failed') ? j : undefined;
    }, 'the job to fail'))!;
    assert.equal(failed.status?.failed, 3);
    assert.equal(condition(failed, 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.equal((await podsOf('flaky')).length, 3);
    const ev = await server.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=flaky,reason=BackoffLimitExceeded', '-o', 'jsonpath={.items[*].message}']);
    assert.match(ev.stdout, /Job has reached the specified backoff limit/);
  });

  test('an Indexed job completes every index once, with the index in annotation, env and hostname', async () => {
    plans.set('idx', [0]);
    await jobs().create({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'idx' },
      spec: { completions: 4, parallelism: 2, completionMode: 'Indexed', template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const done = (await eventually(async () => {
      const j = await jobs().get('idx');
      return condition(j, 'Complete') ? j : undefined;
    }, 'the indexed job to complete'))!;
    assert.equal(done.status?.completedIndexes, '0-3');
    assert.equal(done.status?.succeeded, 4);
    const pods = await podsOf('idx');
    assert.deepEqual(pods.map((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']).sort(), ['0', '1', '2', '3']);
    for (const p of pods) {
      const ix = p.metadata!.annotations!['batch.kubernetes.io/job-completion-index'];
      assert.equal(p.spec?.hostname, `idx-${ix}`);
      assert.ok(p.spec?.containers[0].env?.some((e) => e.name === 'JOB_COMPLETION_INDEX'));
    }
  });

  test('ttlSecondsAfterFinished deletes the finished job and its pods', async () => {
    plans.set('ttl', [0]);
    await jobs().create({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'ttl' },
      spec: { ttlSecondsAfterFinished: 30, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await eventually(async () => condition(await jobs().get('ttl'), 'Complete'), 'the job to complete');
    clock.step(30_000);
    await eventually(async () => (await jobs().list()).items.every((j) => j.metadata?.name !== 'ttl'), 'the job to be deleted');
    await eventually(async () => (await podsOf('ttl')).length === 0, 'its pods to be collected');
  });
});
