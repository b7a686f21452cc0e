import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../util/clock.js';
import { AGGREGATION_WINDOW_MS, EventRecorder, SPAM_BURST, SPAM_REFILL_MS } from './event-recorder.js';
import { startFakeApi } from './testing/fake-api-server.js';

const EVENTS = '/api/v1/events';

test('identical events are folded into one Event with a count; different ones and late ones are new', async (t) => {
  const { fake, client } = await startFakeApi(t);
  const clock = new FakeClock(Date.UTC(2024, 0, 1, 12, 0, 0));
  const rec = new EventRecorder(client, { component: 'default-scheduler', clock });
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop', uid: 'u-1', resourceVersion: '7' } };

  for (let i = 0; i < 5; i++) {
    rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned shop/web to node1');
    clock.step(1000);
    if (i === 1) await rec.flush(); // some increments arrive after the Event exists, some while it is being written
  }
  await rec.flush();
  let stored = fake.stored(EVENTS);
  assert.equal(stored.length, 1);
  const ev = stored[0];
  assert.equal(ev.count, 5);
  assert.equal(ev.metadata.namespace, 'shop');
  assert.match(ev.metadata.name, /^web\.[0-9a-f]+$/);
  assert.deepEqual(ev.involvedObject, { kind: 'Pod', namespace: 'shop', name: 'web', uid: 'u-1', apiVersion: 'v1', resourceVersion: '7' });
  assert.equal(ev.type, 'Normal');
  assert.equal(ev.reason, 'Scheduled');
  assert.deepEqual(ev.source, { component: 'default-scheduler' });
  assert.equal(ev.reportingComponent, 'default-scheduler');
  assert.equal(ev.firstTimestamp, '2024-01-01T12:00:00Z');
  assert.equal(ev.lastTimestamp, '2024-01-01T12:00:04Z');
  const writes = fake.requests.filter((r) => r.path.startsWith('/api/v1/namespaces/shop/events'));
  assert.equal(writes[0].method, 'POST');
  assert.ok(writes.slice(1).every((r) => r.method === 'PATCH'), 'later increments patch the existing Event');
  assert.ok(writes.length < 5, `increments were coalesced into ${writes.length} writes`);

  // A different message is a different Event.
  rec.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
  await rec.flush();
  assert.equal(fake.stored(EVENTS).length, 2);

  // The same event after the 10 minute window starts a new Event.
  clock.step(AGGREGATION_WINDOW_MS + 1000);
  rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned shop/web to node1');
  await rec.flush();
  stored = fake.stored(EVENTS).filter((e) => e.reason === 'Scheduled');
  assert.deepEqual(stored.map((e) => e.count).sort(), [1, 5]);
});

test('a cluster-scoped object gets its Event in default; a failing API never reaches the caller', async (t) => {
  const { fake, client } = await startFakeApi(t);
  const rec = new EventRecorder(client, { component: 'kubelet', host: 'node1' });
  fake.failNext(1, { status: 500, method: 'POST' });
  assert.doesNotThrow(() => rec.event({ kind: 'Node', name: 'node1', uid: 'node1' }, 'Normal', 'Starting', 'Starting kubelet.'));
  await rec.flush();
  assert.equal(fake.stored(EVENTS).length, 0, 'the failed event was dropped');
  rec.event({ kind: 'Node', name: 'node1', uid: 'node1' }, 'Normal', 'NodeReady', 'Node node1 status is now: NodeReady');
  await rec.flush();
  const [ev] = fake.stored(EVENTS);
  assert.equal(ev.metadata.namespace, 'default');
  assert.deepEqual(ev.source, { component: 'kubelet', host: 'node1' });
  assert.equal(ev.reportingInstance, 'node1');
});

test('the spam filter lets one object emit a burst of 25 events, then one per 5 minutes', async (t) => {
  const { fake, client } = await startFakeApi(t);
  const clock = new FakeClock(Date.UTC(2024, 0, 1, 12, 0, 0));
  const rec = new EventRecorder(client, { component: 'replicaset-controller', clock });
  const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'shop', uid: 'rs-1' } };
  for (let i = 0; i < 100; i++) rec.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: web-1-${i}`);
  await rec.flush();
  assert.equal(fake.stored(EVENTS).length, SPAM_BURST);
  // Another object has its own bucket.
  rec.event({ ...rs, metadata: { ...rs.metadata, name: 'web-2', uid: 'rs-2' } }, 'Normal', 'SuccessfulCreate', 'Created pod: web-2-0');
  clock.step(SPAM_REFILL_MS);
  rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: web-1-late');
  rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: web-1-later');
  await rec.flush();
  const names = fake.stored(EVENTS).map((e) => e.message);
  assert.equal(names.length, SPAM_BURST + 2);
  assert.ok(names.includes('Created pod: web-1-late') && names.includes('Created pod: web-2-0') && !names.includes('Created pod: web-1-later'));
});
