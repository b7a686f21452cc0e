/**
 * Tests of the shared controller helpers: expectations (incl. expiry and uid tracking), slow-start batching, and
 * claiming (adopt orphans, release non-matching, leave others' objects alone) against the fake API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../../client/index.js';
import { FakeClock } from '../../../util/clock.js';
import { ControllerExpectations, EXPECTATIONS_TIMEOUT_MS, UIDTrackingExpectations } from './expectations.js';
import { slowStartBatch } from './slow-start.js';
import { startControllerHarness } from './controller-harness.js';
import { claimObjects, getControllerOf, newControllerRef, recheckOwner } from './controller-ref.js';
import { clientOf, PODS, REPLICA_SETS } from './resources.js';
import { podFromTemplate } from './pod-control.js';

test('expectations block a key until every creation is observed, and expire after five minutes', () => {
  const clock = new FakeClock();
  const e = new ControllerExpectations(clock);
  assert.equal(e.satisfiedExpectations('ns/a'), true, 'no record: satisfied');
  e.expectCreations('ns/a', 2);
  assert.equal(e.satisfiedExpectations('ns/a'), false);
  e.creationObserved('ns/a');
  assert.equal(e.satisfiedExpectations('ns/a'), false);
  e.creationObserved('ns/a');
  assert.equal(e.satisfiedExpectations('ns/a'), true);
  e.expectDeletions('ns/a', 1);
  clock.step(EXPECTATIONS_TIMEOUT_MS + 1);
  assert.equal(e.satisfiedExpectations('ns/a'), true, 'expired');
});

test('uid-tracking expectations count only the deletions asked for', () => {
  const e = new UIDTrackingExpectations(new FakeClock());
  e.expectDeletionsOf('ns/rs', ['ns/p1', 'ns/p2']);
  e.deletionObservedOf('ns/rs', 'ns/other');
  e.deletionObservedOf('ns/rs', 'ns/p1');
  e.deletionObservedOf('ns/rs', 'ns/p1'); // seen twice (graceful delete, then gone)
  assert.deepEqual(e.get('ns/rs'), { add: 0, del: 1 });
  e.deletionObservedOf('ns/rs', 'ns/p2');
  assert.equal(e.satisfiedExpectations('ns/rs'), true);
});

test('slow start runs batches of 1, 2, 4, … and stops after the first failing batch', async () => {
  const batches: number[] = [];
  let inFlight = 0;
  let calls = 0;
  const r = await slowStartBatch(20, async (i) => {
    calls++;
    inFlight++;
    if (batches.length === 0 || inFlight === 1) batches.push(0);
    batches[batches.length - 1]++;
    await new Promise((res) => setImmediate(res));
    inFlight--;
    if (i === 9) throw new Error('quota');
  });
  assert.deepEqual(batches, [1, 2, 4, 8]);
  assert.equal(calls, 15);
  assert.equal(r.successes, 14);
  assert.equal(r.skipped, 5);
  assert.match(String(r.error), /quota/);
  const ok = await slowStartBatch(7, async () => undefined);
  assert.deepEqual(ok, { successes: 7, skipped: 0 });
});

test('claim adopts matching orphans, releases owned pods that stopped matching, and ignores others', async (t) => {
  const h = await startControllerHarness(t);
  const owner = h.seed<KubeObject>(REPLICA_SETS, { metadata: { name: 'web', namespace: 'default' } });
  const ref = newControllerRef(owner, { apiVersion: 'apps/v1', kind: 'ReplicaSet' });
  const mk = (name: string, app: string, refs?: OwnerReference[]) =>
    h.seed<Pod>(PODS, { metadata: { name, namespace: 'default', labels: { app }, ownerReferences: refs }, spec: { containers: [] } });
  const orphan = mk('orphan', 'web');
  const owned = mk('owned', 'web', [ref]);
  const strayed = mk('strayed', 'db', [ref]);
  const others = mk('others', 'web', [{ ...ref, uid: 'someone-else', name: 'x' }]);
  const rsClient = clientOf(h.client, REPLICA_SETS, 'default');
  const r = await claimObjects<Pod>([orphan, owned, strayed, others], {
    owner, controllerRef: ref, client: clientOf<Pod>(h.client, PODS),
    matches: (p) => p.metadata?.labels?.app === 'web',
    canAdopt: recheckOwner(owner, () => rsClient.get('web')),
  });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.claimed.map((p) => p.metadata?.name).sort(), ['orphan', 'owned']);
  const byName = new Map(h.stored<Pod>(PODS).map((p) => [p.metadata?.name, p]));
  assert.equal(getControllerOf(byName.get('orphan')!)?.uid, owner.metadata?.uid);
  assert.equal(getControllerOf(byName.get('strayed')!), undefined);
  assert.equal(getControllerOf(byName.get('others')!)?.uid, 'someone-else');
});

test('claim refuses adoption for an owner replaced under the same name', async (t) => {
  const h = await startControllerHarness(t);
  const owner = { metadata: { name: 'web', namespace: 'default', uid: 'old-uid' } };
  h.seed(REPLICA_SETS, { metadata: { name: 'web', namespace: 'default', uid: 'new-uid' } });
  const orphan = h.seed<Pod>(PODS, { metadata: { name: 'p', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [] } });
  const r = await claimObjects<Pod>([orphan], {
    owner, controllerRef: newControllerRef(owner, { apiVersion: 'apps/v1', kind: 'ReplicaSet' }), client: clientOf<Pod>(h.client, PODS),
    matches: () => true, canAdopt: recheckOwner(owner, () => clientOf(h.client, REPLICA_SETS, 'default').get('web')),
  });
  assert.equal(r.claimed.length, 0);
  assert.match(String(r.errors[0]), /is gone: got uid new-uid, wanted old-uid/);
});

test('pods from a template carry the controller ref and generateName, and need labels', () => {
  const owner = { metadata: { name: 'web', namespace: 'ns', uid: 'u1' } };
  const ref = newControllerRef(owner, { apiVersion: 'v1', kind: 'ReplicationController' });
  const pod = podFromTemplate({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, owner, ref);
  assert.equal(pod.metadata?.generateName, 'web-');
  assert.equal(pod.metadata?.namespace, 'ns');
  assert.deepEqual(pod.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
  assert.throws(() => podFromTemplate({ spec: { containers: [] } }, owner, ref), /no labels/);
});
