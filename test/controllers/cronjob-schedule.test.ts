/**
 * A CronJob against a real server, with the cronjob, job and garbagecollector controllers in this process on an
 * injected FakeClock: stepping the clock to the next minute starts a Job (no real waiting), Forbid holds the next
 * start while that Job runs, and the held start runs once it completes. The test kubelet keeps pods running until
 * the test lets them succeed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Client, Informer, loadKubeconfig, objectKey, RateLimitingQueue, runWorkers } from '../../src/client/index.js';
import { runControllerManager } from '../../src/controlplane/controllers/manager.js';
import { FakeClock } from '../../src/util/clock.js';
import { startKubelite, type KubeliteProcess } from '../support/kubelite.js';
import { eventually } from './support.js';

/** Binds pods and reports them Running, or Succeeded once `finish()` says so. */
async function runKubelet(client: Client, signal: AbortSignal, finish: () => boolean): Promise<RateLimitingQueue<string>> {
  const pods = client.resource<Pod>('', 'v1', 'pods');
  const informer = new Informer<Pod>(pods);
  const queue = new RateLimitingQueue<string>();
  informer.addEventHandler({ onAdd: (p) => queue.add(objectKey(p)), onUpdate: (_o, p) => queue.add(objectKey(p)) });
  signal.addEventListener('abort', () => queue.shutDown(), { once: true });
  void informer.run(signal);
  void runWorkers(queue, 4, async (key) => {
    const pod = informer.lister.getByKey(key);
    if (!pod || pod.status?.phase === 'Succeeded') return;
    const api = pods.namespace(pod.metadata!.namespace!);
    if (pod.metadata?.deletionTimestamp) return void await api.delete(pod.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
    if (!pod.spec?.nodeName) return void await api.bind(pod.metadata!.name!, 'cron-node', { uid: pod.metadata?.uid });
    const done = finish();
    if (!done && pod.status?.phase === 'Running') return;
    const state = done ? { terminated: { exitCode: 0, reason: 'Completed' } } : { running: {} };
    await api.updateStatus({ ...pod, status: { phase: done ? 'Succeeded' : 'Running', containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: !done, restartCount: 0, state }] } });
  }, { onError: () => undefined });
  return queue;
}

describe('CronJob controller on a real server with an injected clock', () => {
  let server: KubeliteProcess;
  let client: Client;
  const clock = new FakeClock(Date.now());
  const stop = new AbortController();
  let manager: Promise<void>;
  let ticker: NodeJS.Timeout;
  let finishPods = false;
  let kubeletQueue: RateLimitingQueue<string>;

  before(async () => {
    server = await startKubelite({ args: ['--disable-controller-manager', '--disable-scheduler'] });
    client = new Client(loadKubeconfig(server.kubeconfig));
    ticker = setInterval(() => clock.step(20), 20);
    manager = runControllerManager(client, { signal: stop.signal, clock, enabled: ['cronjob', 'job', 'garbagecollector'] });
    kubeletQueue = await runKubelet(client, stop.signal, () => finishPods);
  });
  after(async () => {
    stop.abort();
    clearInterval(ticker);
    await manager;
    client.close();
    await server.stop();
  });

  const jobsOf = async () => (await client.resource<Job>('batch', 'v1', 'jobs').namespace('default').list()).items
    .filter((j) => j.metadata?.ownerReferences?.[0]?.name === 'tick');
  const cronJob = () => client.resource<CronJob>('batch', 'v1', 'cronjobs').namespace('default').get('tick');
  const nextMinute = (t: number) => (Math.floor(t / 60_000) + 1) * 60_000;

  test('stepping the clock to each minute starts one job; Forbid holds a start while a job runs', async () => {
    const r = await server.kubectl(['create', 'cronjob', 'tick', '--image=busybox', '--schedule=* * * * *', '--', 'true']);
    assert.equal(r.code, 0, r.stderr);
    const p = await server.kubectl(['patch', 'cronjob', 'tick', '--type=merge', '-p', '{"spec":{"concurrencyPolicy":"Forbid"}}']);
    assert.equal(p.code, 0, p.stderr);
    const created = Date.parse((await cronJob()).metadata!.creationTimestamp!);
    await new Promise((res) => setTimeout(res, 500));
    assert.equal((await jobsOf()).length, 0, 'nothing before the first start time');

    const first = nextMinute(Math.max(created, clock.now()));
    clock.setTime(first + 200);
    const [job] = await eventually(async () => { const j = await jobsOf(); return j.length === 1 ? j : undefined; }, 'the first job');
    assert.equal(job.metadata?.name, `tick-${first / 60_000}`);
    assert.equal(job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(first).toISOString().replace(/\.\d+Z$/, 'Z'));
    await eventually(async () => (await cronJob()).status?.active?.length === 1, 'the job in status.active');

    // The next minute comes while the first job still runs: Forbid starts nothing.
    clock.setTime(first + 60_000 + 200);
    await new Promise((res) => setTimeout(res, 1500));
    assert.equal((await jobsOf()).length, 1, 'Forbid: no second job while the first runs');
    const ev = await server.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=tick,reason=JobAlreadyActive', '-o', 'name']);
    assert.notEqual(ev.stdout.trim(), '', 'JobAlreadyActive was reported');

    // Let the pods succeed: the held start runs now (one catch-up), then lastSuccessfulTime is set.
    finishPods = true;
    for (const p of (await client.resource<Pod>('', 'v1', 'pods').namespace('default').list()).items) kubeletQueue.add(objectKey(p));
    const jobs = await eventually(async () => { const j = await jobsOf(); return j.length === 2 ? j : undefined; }, 'the held start to run');
    assert.ok(jobs.some((j) => j.metadata?.name === `tick-${(first + 60_000) / 60_000}`));
    const cj = await eventually(async () => { const c = await cronJob(); return c.status?.lastSuccessfulTime ? c : undefined; }, 'lastSuccessfulTime');
    assert.equal(cj.status?.lastScheduleTime, new Date(first + 60_000).toISOString().replace(/\.\d+Z$/, 'Z'));
    const get = await server.kubectl(['get', 'cronjob', 'tick', '--no-headers']);
    assert.match(get.stdout, /^tick\s+\* \* \* \* \*\s+/);
  });
});
