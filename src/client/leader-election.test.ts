import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { FakeClock } from '../util/clock.js';
import { Client } from './client.js';
import { KUBE_SCHEDULER_LEASE, LeaderElector } from './leader-election.js';
import { startFakeApi } from './testing/fake-api-server.js';

const LEASES = '/apis/coordination.k8s.io/v1/leases';

/** Steps the fake clock in small increments, letting real I/O run between steps, until `cond` holds. */
async function advanceUntil(clock: FakeClock, cond: () => boolean, what: string, maxMs = 60_000): Promise<number> {
  const start = clock.now();
  while (!cond()) {
    if (clock.now() - start > maxMs) throw new Error(`${what} did not happen within ${maxMs} ms of fake time`);
    await new Promise((r) => setTimeout(r, 3));
    clock.step(250);
  }
  return clock.now() - start;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 3));
  }
}

function candidate(client: Client, identity: string, clock: FakeClock, events: string[], releaseOnCancel = false) {
  const elector = new LeaderElector(client, {
    name: KUBE_SCHEDULER_LEASE, identity, clock, releaseOnCancel,
    onStartedLeading: (signal) => {
      events.push(`${identity} started`);
      signal.addEventListener('abort', () => events.push(`${identity} signal aborted`));
    },
    onStoppedLeading: () => events.push(`${identity} stopped`),
  });
  const ac = new AbortController();
  const done = elector.run(ac.signal);
  return { elector, ac, done };
}

describe('LeaderElector', () => {
  test('one candidate leads; the other takes over only after the lease expires', async (t) => {
    const { fake, client } = await startFakeApi(t);
    const clock = new FakeClock();
    const events: string[] = [];
    const a = candidate(client, 'a', clock, events);
    const b = candidate(client, 'b', clock, events);
    t.after(async () => {
      a.ac.abort();
      b.ac.abort();
      await Promise.all([a.done, b.done]);
    });

    await until(() => a.elector.isLeader() || b.elector.isLeader(), 'a leader');
    const [leader, follower] = a.elector.isLeader() ? [a, b] : [b, a];
    const leaderId = leader === a ? 'a' : 'b';
    const followerId = leader === a ? 'b' : 'a';
    await advanceUntil(clock, () => follower.elector.getLeader() === leaderId, 'the follower seeing the leader');
    // Time passes; the leader keeps renewing and the follower never takes over.
    await advanceUntil(clock, () => false, 'nothing', 30_000).catch(() => undefined);
    assert.equal(leader.elector.isLeader(), true);
    assert.equal(follower.elector.isLeader(), false);
    const held = fake.stored(LEASES)[0] as Lease;
    assert.equal(held.metadata?.namespace, 'kube-system');
    assert.equal(held.spec?.holderIdentity, leaderId);
    assert.equal(held.spec?.leaseDurationSeconds, 15);
    assert.match(held.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    // The leader dies without releasing. The follower waits out the 15 s lease, then takes over.
    leader.ac.abort();
    await leader.done;
    const lastRenew = Date.parse((fake.stored(LEASES)[0] as Lease).spec!.renewTime!);
    await advanceUntil(clock, () => follower.elector.isLeader(), 'the takeover');
    assert.ok(clock.now() - lastRenew >= 15_000, `took over ${clock.now() - lastRenew} ms after the last renewal`);
    const taken = fake.stored(LEASES)[0] as Lease;
    assert.equal(taken.spec?.holderIdentity, followerId);
    assert.equal(taken.spec?.leaseTransitions, 1);
    assert.deepEqual(events, [`${leaderId} started`, `${leaderId} signal aborted`, `${leaderId} stopped`, `${followerId} started`]);
  });

  test('a leader that cannot renew within the renew deadline steps down; release hands the lease over at once', async (t) => {
    const { fake, client } = await startFakeApi(t);
    const clock = new FakeClock();
    const events: string[] = [];
    const a = candidate(client, 'a', clock, events);
    await until(() => a.elector.isLeader(), 'a leading');
    fake.failNext(1000, { status: 500, pathIncludes: '/leases/' });
    const lostAfter = await advanceUntil(clock, () => !a.elector.isLeader(), 'a stepping down');
    await a.done;
    assert.ok(lostAfter >= 10_000 && lostAfter < 15_000, `stepped down after ${lostAfter} ms`);
    assert.deepEqual(events, ['a started', 'a signal aborted', 'a stopped']);

    // With the API healthy again, b (releasing on cancel) leads once a's lease expires, then hands it to c at once.
    fake.clearFailures();
    events.length = 0;
    const b = candidate(client, 'b', clock, events, true);
    await advanceUntil(clock, () => b.elector.isLeader(), 'b leading');
    b.ac.abort();
    await b.done;
    assert.equal((fake.stored(LEASES)[0] as Lease).spec?.holderIdentity, '');
    const c = candidate(client, 'c', clock, events);
    await until(() => c.elector.isLeader(), 'c leading without waiting for expiry');
    c.ac.abort();
    await c.done;
    assert.deepEqual(events, ['b started', 'b signal aborted', 'b stopped', 'c started', 'c signal aborted', 'c stopped']);
  });
});
