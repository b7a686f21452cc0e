/**
 * Unit tests of the garbage collector's sync against fake informers: background collection of dependents whose
 * owner is gone (confirmed with the API, not the cache alone), foreground deletion waiting for blocking
 * dependents, and orphaning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { findResource } from '../../../api/resources.js';
import { startControllerHarness } from '../common/controller-harness.js';
import { PODS, REPLICA_SETS } from '../common/resources.js';
import { newGarbageCollector } from './garbage-collector.js';

const rs = (name: string, extra: Partial<ReplicaSet['metadata']> = {}): ReplicaSet => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: 'default', ...extra }, spec: { selector: { matchLabels: { app: name } }, template: {} },
});
const podOf = (name: string, owner: ReplicaSet, block = true): Pod => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: {
    name, namespace: 'default',
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: block }],
  },
  spec: { containers: [{ name: 'c', image: 'i' }] },
});

test('a dependent whose owner is gone is deleted; one whose owner lives is kept', async (t) => {
  const h = await startControllerHarness(t);
  const gc = newGarbageCollector(h.ctx);
  const live = h.seed(REPLICA_SETS, rs('live'));
  h.seed(PODS, podOf('kept', live));
  const orphaned = h.seed(PODS, podOf('orphaned', { ...rs('gone'), metadata: { name: 'gone', uid: 'uid-of-deleted-rs' } }));
  await gc.sync(gc.itemOf(PODS_INFO, { metadata: { namespace: 'default', name: 'kept' } }));
  await gc.sync(gc.itemOf(PODS_INFO, { metadata: { namespace: 'default', name: 'orphaned' } }));
  const deletes = h.requests('DELETE', '/pods/');
  assert.deepEqual(deletes.map((r) => r.path), ['/api/v1/namespaces/default/pods/orphaned']);
  assert.equal(deletes[0].body?.propagationPolicy, 'Background');
  assert.equal(deletes[0].body?.preconditions?.uid, orphaned.metadata?.uid, 'only that very pod is deleted');
  assert.deepEqual(h.stored<Pod>(PODS).map((p) => p.metadata?.name), ['kept']);
});

test('an owner missing from the cache but present in the API keeps its dependents (stale cache)', async (t) => {
  const h = await startControllerHarness(t);
  const gc = newGarbageCollector(h.ctx);
  const owner = h.seed(REPLICA_SETS, rs('new'));
  h.uncache(REPLICA_SETS, 'default/new');
  h.seed(PODS, podOf('p', owner));
  await gc.sync(gc.itemOf(PODS_INFO, { metadata: { namespace: 'default', name: 'p' } }));
  assert.equal(h.requests('DELETE').length, 0);
  assert.equal(h.requests('GET', '/replicasets/new').length, 1, 'the owner was looked up live');
});

test('foreground deletion deletes blocking dependents first, then drops the finalizer', async (t) => {
  const h = await startControllerHarness(t);
  const gc = newGarbageCollector(h.ctx);
  const owner = h.seed(REPLICA_SETS, rs('web', { deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] }));
  h.seed(PODS, podOf('web-1', owner));
  const ownerItem = gc.itemOf(RS_INFO, owner);
  await gc.sync(ownerItem);
  assert.equal(h.requests('PATCH').length, 0, 'the owner waits while a blocking dependent exists');
  await gc.sync(gc.itemOf(PODS_INFO, { metadata: { namespace: 'default', name: 'web-1' } }));
  assert.deepEqual(h.requests('DELETE').map((r) => r.path), ['/api/v1/namespaces/default/pods/web-1']);
  h.refresh(PODS);
  await gc.sync(ownerItem);
  const patches = h.requests('PATCH', '/replicasets/web');
  assert.equal(patches.length, 1);
  assert.equal(patches[0].body?.metadata?.finalizers, null);
  assert.equal(patches[0].body?.metadata?.resourceVersion, owner.metadata?.resourceVersion);
});

test('non-blocking dependents do not hold a foreground owner', async (t) => {
  const h = await startControllerHarness(t);
  const gc = newGarbageCollector(h.ctx);
  const owner = h.seed(REPLICA_SETS, rs('web', { deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] }));
  h.seed(PODS, podOf('web-1', owner, false));
  await gc.sync(gc.itemOf(RS_INFO, owner));
  assert.equal(h.requests('PATCH', '/replicasets/web').length, 1);
});

test('orphan deletion removes the owner reference from dependents, then the orphan finalizer', async (t) => {
  const h = await startControllerHarness(t);
  const gc = newGarbageCollector(h.ctx);
  const owner = h.seed(REPLICA_SETS, rs('web', { deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['orphan'] }));
  h.seed(PODS, podOf('web-1', owner));
  h.seed(PODS, podOf('web-2', owner));
  await gc.sync(gc.itemOf(RS_INFO, owner));
  assert.ok(h.stored<Pod>(PODS).every((p) => !p.metadata?.ownerReferences), 'pods lost their owner reference');
  assert.equal(h.stored<Pod>(PODS).length, 2, 'and were not deleted');
  assert.equal(h.stored<ReplicaSet>(REPLICA_SETS)[0].metadata?.finalizers, undefined);
});

const PODS_INFO = findResource('', 'v1', 'pods')!;
const RS_INFO = findResource('apps', 'v1', 'replicasets')!;
