import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../../util/clock.js';
import type { ClusterEvent, EnqueueExtensions } from '../framework/interfaces.js';
import { makeNode, makePod } from '../testing/fixtures.js';
import { SchedulingQueue } from './scheduling-queue.js';

const names = (q: SchedulingQueue) => {
  const out: string[] = [];
  for (let p = q.tryPop(); p; p = q.tryPop()) out.push(p.podInfo.pod.metadata!.name!);
  return out;
};

describe('SchedulingQueue', () => {
  test('activeQ: higher priority first, then FIFO', () => {
    const clock = new FakeClock();
    const q = new SchedulingQueue({ clock });
    q.add(makePod('low1'));
    clock.step(1);
    q.add(makePod('high', { spec: { priority: 100 } }));
    clock.step(1);
    q.add(makePod('low2'));
    clock.step(1);
    q.add(makePod('mid', { spec: { priority: 10 } }));
    assert.deepEqual(names(q), ['high', 'mid', 'low1', 'low2']);
  });

  test('backoff doubles per attempt from 1 s and caps at 10 s', () => {
    const clock = new FakeClock();
    const q = new SchedulingQueue({ clock });
    q.add(makePod('p'));
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      const popped = q.tryPop()!;
      assert.equal(popped.attempts, attempt);
      q.requeueFailed(popped, { error: true });
      const t0 = clock.now();
      while (q.lengths().active === 0) clock.step(100);
      waits.push(clock.now() - t0);
    }
    assert.deepEqual(waits, [1000, 2000, 4000, 8000, 10000, 10000]);
  });

  test('unschedulable pods wait for a relevant event, not a timer', () => {
    const clock = new FakeClock();
    const nodeEvents: EnqueueExtensions = { events: ['NodeAdd', 'NodeUpdate'] };
    const podDeletes: EnqueueExtensions = { events: ['AssignedPodDelete'] };
    const q = new SchedulingQueue({ clock, enqueueExtensions: new Map([['Taints', nodeEvents], ['Fit', podDeletes]]) });
    q.add(makePod('tainted'));
    q.add(makePod('big'));
    q.requeueFailed(q.tryPop()!, { plugins: ['Taints'] });
    q.requeueFailed(q.tryPop()!, { plugins: ['Fit'] });
    clock.step(60_000);
    assert.deepEqual(q.lengths(), { active: 0, backoff: 0, unschedulable: 2, inFlight: 0 });
    assert.equal(q.onEvent('AssignedPodAdd'), 0);
    assert.equal(q.onEvent('NodeAdd', undefined, makeNode('n')), 1);
    assert.deepEqual(names(q), ['tainted']);
    assert.equal(q.onEvent('AssignedPodDelete'), 1);
    assert.deepEqual(names(q), ['big']);
  });

  test('a moved pod still backing off goes to backoffQ first', () => {
    const clock = new FakeClock();
    const q = new SchedulingQueue({ clock, enqueueExtensions: new Map([['X', { events: ['NodeAdd'] as ClusterEvent[] }]]) });
    q.add(makePod('p'));
    q.requeueFailed(q.tryPop()!, { plugins: ['X'] });
    clock.step(500);
    q.onEvent('NodeAdd');
    assert.deepEqual(q.lengths(), { active: 0, backoff: 1, unschedulable: 0, inFlight: 0 });
    clock.step(500);
    assert.deepEqual(names(q), ['p']);
  });

  test('queueing hints keep a pod parked when the change cannot help', () => {
    const clock = new FakeClock();
    const hint: EnqueueExtensions = { events: ['NodeAdd'], isSchedulableAfter: (_e, _p: Pod, _o, n) => (n as Node).metadata!.name === 'big' };
    const q = new SchedulingQueue({ clock, enqueueExtensions: new Map([['Fit', hint]]) });
    q.add(makePod('p'));
    q.requeueFailed(q.tryPop()!, { plugins: ['Fit'] });
    clock.step(2000);
    assert.equal(q.onEvent('NodeAdd', undefined, makeNode('small')), 0);
    assert.equal(q.onEvent('NodeAdd', undefined, makeNode('big')), 1);
  });

  test('the 5 minute safety net flushes parked pods', () => {
    const clock = new FakeClock();
    const q = new SchedulingQueue({ clock });
    q.add(makePod('p'));
    q.requeueFailed(q.tryPop()!, { plugins: ['Unknown'] });
    clock.step(4 * 60_000);
    assert.equal(q.lengths().unschedulable, 1);
    clock.step(90_000);
    assert.deepEqual(names(q), ['p']);
  });

  test('a parked pod whose spec changed is retried; a status-only change is not', () => {
    const clock = new FakeClock();
    const q = new SchedulingQueue({ clock });
    const pod = makePod('p');
    q.add(pod);
    q.requeueFailed(q.tryPop()!, { plugins: ['NodeAffinity'] });
    clock.step(20_000);
    q.update(pod, { ...pod, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] } });
    assert.equal(q.lengths().unschedulable, 1);
    q.update(pod, { ...pod, spec: { ...pod.spec!, tolerations: [{ operator: 'Exists' }] } });
    assert.deepEqual(names(q), ['p']);
  });

  test('pop waits for a pod and ends on abort', async () => {
    const q = new SchedulingQueue({ clock: new FakeClock() });
    const waiting = q.pop();
    q.add(makePod('late'));
    assert.equal((await waiting)?.podInfo.pod.metadata?.name, 'late');
    const ac = new AbortController();
    const none = q.pop(ac.signal);
    ac.abort();
    assert.equal(await none, undefined);
    q.close();
  });
});
