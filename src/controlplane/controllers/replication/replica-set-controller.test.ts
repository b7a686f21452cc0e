/**
 * ReplicaSet / ReplicationController controller: sync(key) driven directly against seeded caches and the fake API,
 * as upstream's replica_set_test.go.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { startControllerHarness } from '../common/controller-harness.js';
import { getControllerOf } from '../common/controller-ref.js';
import { PODS, REPLICA_SETS, REPLICATION_CONTROLLERS } from '../common/resources.js';
import { newReplicaSetController, newReplicationController } from './replica-set-controller.js';

function rs(replicas: number, extra: Partial<ReplicaSet['spec']> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'default', generation: 1 },
    spec: {
      replicas, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] },
      template: { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, ...extra,
    },
  };
}

function pod(name: string, owner: ReplicaSet | undefined, opts: { node?: string; phase?: string; ready?: boolean; readySince?: string; created?: string; labels?: Record<string, string> } = {}): Pod {
  return {
    metadata: {
      name, namespace: 'default', labels: opts.labels ?? { app: 'web', tier: 'fe' }, creationTimestamp: opts.created,
      ownerReferences: owner ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: owner.metadata!.uid!, controller: true }] : undefined,
    },
    spec: { containers: [{ name: 'c', image: 'nginx' }], nodeName: opts.node },
    status: {
      phase: opts.phase ?? 'Running',
      conditions: opts.ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: opts.readySince ?? '2024-01-01T00:00:00Z' }] : [],
    },
  };
}

test('creates the missing pods with a controller ref and generateName, records events, and writes status', async (t) => {
  const h = await startControllerHarness(t);
  const c = newReplicaSetController(h.ctx);
  const owner = h.seed(REPLICA_SETS, rs(3));
  await c.sync('default/web');
  const pods = h.stored<Pod>(PODS);
  assert.equal(pods.length, 3);
  for (const p of pods) {
    assert.match(p.metadata!.name!, /^web-/);
    assert.equal(getControllerOf(p)?.uid, owner.metadata!.uid);
    assert.deepEqual(p.metadata!.labels, { app: 'web', tier: 'fe' });
  }
  const events = await h.events();
  assert.equal(events.filter((e) => e.reason === 'SuccessfulCreate').length, 3);
  assert.match(events[0].message!, /^Created pod: web-/);
  // Status reflects the cache as of the sync (no pods yet); after the cache catches up, the next sync counts them.
  h.refresh();
  await c.sync('default/web');
  const [stored] = h.stored<ReplicaSet>(REPLICA_SETS);
  assert.equal(stored.status?.replicas, 3);
  assert.equal(stored.status?.fullyLabeledReplicas, 3);
  assert.equal(stored.status?.readyReplicas, 0);
  assert.equal(stored.status?.observedGeneration, 1);
  assert.equal(h.requests('POST', '/pods').length, 3, 'no further creations once observed');
});

test('expectations prevent duplicate creations while the cache is stale', async (t) => {
  const h = await startControllerHarness(t);
  const c = newReplicaSetController(h.ctx);
  h.seed(REPLICA_SETS, rs(5));
  await c.sync('default/web');
  await c.sync('default/web'); // the cache has not seen the 5 pods yet
  await c.sync('default/web');
  assert.equal(h.requests('POST', '/pods').length, 5);
  assert.equal(c.expectations.satisfiedExpectations('default/web'), false);
  h.refresh(PODS); // the informer observes the creations
  assert.equal(c.expectations.satisfiedExpectations('default/web'), true);
  await c.sync('default/web');
  assert.equal(h.requests('POST', '/pods').length, 5);
  assert.equal(h.stored(PODS).length, 5);
});

test('a stale cache missing deletions does not delete twice', async (t) => {
  const h = await startControllerHarness(t);
  const c = newReplicaSetController(h.ctx);
  const owner = h.seed(REPLICA_SETS, rs(1));
  for (const n of ['a', 'b', 'c']) h.seed(PODS, pod(n, owner, { node: 'n1', ready: true }));
  await c.sync('default/web');
  await c.sync('default/web');
  assert.equal(h.requests('DELETE', '/pods').length, 2);
  h.refresh(PODS);
  await c.sync('default/web');
  assert.equal(h.requests('DELETE', '/pods').length, 2);
  assert.equal(h.stored(PODS).length, 1);
});

test('scale down deletes unscheduled, then pending, then not-ready, then the most recently ready pods', async (t) => {
  const h = await startControllerHarness(t);
  const c = newReplicaSetController(h.ctx);
  const owner = h.seed(REPLICA_SETS, rs(2));
  const now = new Date(h.clock.now());
  const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  h.seed(PODS, pod('old-ready', owner, { node: 'n1', ready: true, readySince: ago(86_400) }));
  h.seed(PODS, pod('unscheduled', owner, { phase: 'Pending' }));
  h.seed(PODS, pod('new-ready', owner, { node: 'n2', ready: true, readySince: ago(10) }));
  h.seed(PODS, pod('pending', owner, { node: 'n1', phase: 'Pending' }));
  h.seed(PODS, pod('not-ready', owner, { node: 'n1' }));
  const deleted = async (n: number) => {
    await c.sync('default/web');
    h.refresh(PODS);
    return h.requests('DELETE', '/pods').slice(-n).map((r) => r.path.split('/').pop());
  };
  assert.deepEqual((await deleted(3)).sort(), ['not-ready', 'pending', 'unscheduled']);
  h.seed(REPLICA_SETS, { ...h.stored<ReplicaSet>(REPLICA_SETS)[0], spec: { ...rs(1).spec! } });
  assert.deepEqual(await deleted(1), ['new-ready']);
  assert.deepEqual(h.stored<Pod>(PODS).map((p) => p.metadata!.name), ['old-ready']);
  const events = await h.events();
  assert.ok(events.some((e) => e.reason === 'SuccessfulDelete' && e.message === 'Deleted pod: new-ready'));
});

test('adopts a matching orphan instead of creating, and releases a pod whose labels stop matching', async (t) => {
  const h = await startControllerHarness(t);
  const c = newReplicaSetController(h.ctx);
  const owner = h.seed(REPLICA_SETS, rs(2));
  h.seed(PODS, pod('orphan', undefined));
  h.seed(PODS, pod('owned', owner));
  h.seed(PODS, pod('relabelled', owner, { labels: { app: 'web', tier: 'be' } }));
  h.seed(PODS, pod('unrelated', undefined, { labels: { app: 'db' } }));
  await c.sync('default/web');
  assert.equal(h.requests('POST', '/pods').length, 0);
  const byName = new Map(h.stored<Pod>(PODS).map((p) => [p.metadata!.name, p]));
  assert.equal(getControllerOf(byName.get('orphan')!)?.uid, owner.metadata!.uid);
  assert.equal(getControllerOf(byName.get('relabelled')!), undefined);
  assert.equal(getControllerOf(byName.get('unrelated')!), undefined);
});

test('ready and available counts honour minReadySeconds', async (t) => {
  const h = await startControllerHarness(t);
  const c = newReplicaSetController(h.ctx);
  const owner = h.seed(REPLICA_SETS, rs(3, { minReadySeconds: 30 }));
  const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  h.seed(PODS, pod('a', owner, { node: 'n', ready: true, readySince: at(h.clock.now() - 60_000) }));
  h.seed(PODS, pod('b', owner, { node: 'n', ready: true, readySince: at(h.clock.now() - 5_000) }));
  h.seed(PODS, pod('c', owner, { node: 'n' }));
  await c.sync('default/web');
  const s = h.stored<ReplicaSet>(REPLICA_SETS)[0].status!;
  assert.deepEqual([s.replicas, s.readyReplicas, s.availableReplicas], [3, 2, 1]);
});

test('a failing create stops after the first slow-start batch and sets ReplicaFailure', async (t) => {
  const h = await startControllerHarness(t);
  const c = newReplicaSetController(h.ctx);
  h.seed(REPLICA_SETS, rs(10));
  h.fake.failNext(100, { status: 403, method: 'POST', pathIncludes: '/pods', body: { kind: 'Status', code: 403, reason: 'Forbidden', message: 'exceeded quota: pods' } });
  await assert.rejects(c.sync('default/web'), /exceeded quota/);
  assert.equal(h.requests('POST', '/pods').length, 1);
  assert.equal(c.expectations.satisfiedExpectations('default/web'), true, 'failed creations are not waited for');
  const cond = h.stored<ReplicaSet>(REPLICA_SETS)[0].status?.conditions?.[0];
  assert.equal(cond?.type, 'ReplicaFailure');
  assert.equal(cond?.reason, 'FailedCreate');
  assert.ok((await h.events()).some((e) => e.reason === 'FailedCreate' && /exceeded quota/.test(e.message ?? '')));
  h.fake.clearFailures();
  await c.sync('default/web');
  assert.equal(h.stored(PODS).length, 10);
  assert.equal(h.stored<ReplicaSet>(REPLICA_SETS)[0].status?.conditions, undefined, 'condition cleared on success');
});

test('a ReplicationController keeps its count with an equality selector', async (t) => {
  const h = await startControllerHarness(t);
  const c = newReplicationController(h.ctx);
  h.seed(REPLICATION_CONTROLLERS, {
    apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc', namespace: 'default', generation: 2 },
    spec: { replicas: 2, selector: { app: 'rc' }, template: { metadata: { labels: { app: 'rc' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });
  h.seed(PODS, { metadata: { name: 'stray', namespace: 'default', labels: { app: 'rc' } }, spec: { containers: [] } });
  await c.sync('default/rc');
  const pods = h.stored<Pod>(PODS);
  assert.equal(pods.length, 2);
  assert.ok(pods.every((p) => getControllerOf(p)?.kind === 'ReplicationController'));
  assert.equal(h.stored<ReplicaSet>(REPLICATION_CONTROLLERS)[0].status?.observedGeneration, 2);
});
