import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../client/index.js';
import { startFakeApi } from '../../client/testing/fake-api-server.js';
import { FakeClock } from '../../util/clock.js';
import { CycleState } from './framework/cycle-state.js';
import { PodInfo } from './framework/pod-info.js';
import { defaultFramework } from './plugins/registry.js';
import { numFeasibleNodesToFind, Scheduler } from './scheduler.js';
import { makeNode, makePod } from './testing/fixtures.js';

describe('numFeasibleNodesToFind (upstream adaptive sampling)', () => {
  const cases = [
    { pct: 0, nodes: 50, want: 50 },
    { pct: 0, nodes: 100, want: 100 },
    { pct: 0, nodes: 1000, want: 420 },
    { pct: 0, nodes: 5000, want: 500 },
    { pct: 0, nodes: 100_000, want: 5000 },
    { pct: 10, nodes: 500, want: 100 },
    { pct: 30, nodes: 5000, want: 1500 },
    { pct: 100, nodes: 5000, want: 5000 },
  ];
  for (const c of cases) test(`${c.pct}% of ${c.nodes}`, () => assert.equal(numFeasibleNodesToFind(c.pct, c.nodes), c.want));
});

function offlineScheduler(opts: { random?: () => number; percentageOfNodesToScore?: number } = {}) {
  const client = new Client({ server: 'https://127.0.0.1:1' });
  return { s: new Scheduler(client, defaultFramework({ client }), opts), client };
}

describe('Scheduler.schedulePod', () => {
  test('the least allocated node wins; ties are broken at random', () => {
    const { s, client } = offlineScheduler({ random: () => 0.99 });
    s.cache.addNode(makeNode('busy', { cpu: '4', memory: '8Gi' }));
    s.cache.addNode(makeNode('idle1', { cpu: '4', memory: '8Gi' }));
    s.cache.addNode(makeNode('idle2', { cpu: '4', memory: '8Gi' }));
    s.cache.addPod(makePod('x', { nodeName: 'busy', cpu: '2', memory: '4Gi' }));
    const r = s.schedulePod(new CycleState(), new PodInfo(makePod('p', { cpu: '1', memory: '1Gi' })));
    assert.ok('node' in r && r.node);
    // random() never below 1/ties: the first of the tied nodes is kept.
    assert.equal(r.node, 'idle1');
    const { s: s2 } = offlineScheduler({ random: () => 0 });
    for (const n of ['busy', 'idle1', 'idle2']) s2.cache.addNode(makeNode(n, { cpu: '4', memory: '8Gi' }));
    s2.cache.addPod(makePod('x', { nodeName: 'busy', cpu: '2', memory: '4Gi' }));
    const r2 = s2.schedulePod(new CycleState(), new PodInfo(makePod('p', { cpu: '1', memory: '1Gi' })));
    assert.equal('node' in r2 && r2.node, 'idle2');
    client.close();
  });

  test('no nodes: upstream message', () => {
    const { s, client } = offlineScheduler();
    const r = s.schedulePod(new CycleState(), new PodInfo(makePod('p')));
    assert.ok('error' in r);
    assert.equal(r.error, 'no nodes available to schedule pods');
    client.close();
  });

  test('adaptive sampling stops at 500 feasible nodes of 5,000 and rotates the starting node', () => {
    const { s, client } = offlineScheduler();
    for (let i = 0; i < 5000; i++) s.cache.addNode(makeNode(`n${i}`));
    const r1 = s.schedulePod(new CycleState(), new PodInfo(makePod('a')));
    const r2 = s.schedulePod(new CycleState(), new PodInfo(makePod('b')));
    assert.ok('node' in r1 && 'node' in r2);
    assert.equal(r1.evaluated, 500);
    assert.equal(r1.feasible, 500);
    assert.notEqual(r1.node, r2.node);
    assert.ok(Number(r2.node!.slice(1)) >= 500, 'second cycle starts after the nodes the first one looked at');
    client.close();
  });

  test('preemptionPolicy Never is reported as upstream does', () => {
    const { s, client } = offlineScheduler();
    s.cache.addNode(makeNode('n', { cpu: '1' }));
    const r = s.schedulePod(new CycleState(), new PodInfo(makePod('p', { cpu: '2', spec: { preemptionPolicy: 'Never' } })));
    assert.ok('error' in r);
    assert.equal(r.error, '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
    client.close();
  });
});

describe('Scheduler binding cycle', () => {
  test('a failed bind forgets the assumed pod and backs the pod off', async (t) => {
    const { fake, client } = await startFakeApi(t);
    const clock = new FakeClock();
    const s = new Scheduler(client, defaultFramework({ client }), { clock });
    const node = makeNode('n', { cpu: '1' });
    s.onNodeAdd(node);
    const pod = fake.seed('/api/v1/pods', makePod('p', { cpu: '1' }));
    s.onPodAdd(pod);
    fake.failNext(1, { status: 500, pathIncludes: '/binding', body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'etcd is down', code: 500 } });
    s.scheduleOne(s.queue.tryPop()!);
    assert.equal(s.cache.isAssumed('default/p'), true, 'counted before the bind returns');
    await s.drainBinds();
    assert.equal(s.cache.hasPod('default/p'), false);
    assert.equal(s.cache.get('n')!.requested.milliCPU, 0);
    assert.deepEqual(s.queue.lengths(), { active: 0, backoff: 1, unschedulable: 0, inFlight: 0 });
    clock.step(1000);
    s.scheduleOne(s.queue.tryPop()!);
    await s.drainBinds();
    assert.equal(fake.stored('/api/v1/pods')[0].spec.nodeName, 'n');
    assert.deepEqual(s.counters, { attempts: 2, scheduled: 2, bound: 1, unschedulable: 0, errors: 1 });
    s.queue.close();
  });
});
