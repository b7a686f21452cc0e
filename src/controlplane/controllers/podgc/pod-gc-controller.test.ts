/**
 * Pod GC: one pass over seeded caches deletes the oldest finished pods beyond the threshold, orphans of deleted
 * nodes (but not pods of a node only the cache has not seen), and unscheduled terminating pods.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { collectionPath, startControllerHarness } from '../common/controller-harness.js';
import { NODES, PODS } from '../common/resources.js';
import { PodGcController } from './pod-gc-controller.js';

const pod = (name: string, o: { phase?: string; node?: string; created?: string; deleting?: boolean } = {}): Pod => ({
  metadata: { name, namespace: 'default', creationTimestamp: o.created, ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
  spec: { containers: [{ name: 'c', image: 'x' }], nodeName: o.node },
  status: { phase: o.phase ?? 'Running' },
});

test('finished pods beyond the threshold go oldest first; running ones are never counted', async (t) => {
  const h = await startControllerHarness(t);
  const c = new PodGcController({ ...h.ctx, settings: { terminatedPodGcThreshold: 2 } });
  h.seed(NODES, { metadata: { name: 'n1' } } as Node);
  for (let i = 1; i <= 4; i++) h.seed(PODS, pod(`done-${i}`, { phase: i % 2 ? 'Succeeded' : 'Failed', node: 'n1', created: `2024-01-0${i}T00:00:00Z` }));
  h.seed(PODS, pod('running', { node: 'n1', created: '2023-01-01T00:00:00Z' }));
  const r = await c.gc();
  assert.deepEqual(r.terminated.sort(), ['default/done-1', 'default/done-2']);
  assert.deepEqual(h.stored<Pod>(PODS).map((p) => p.metadata!.name).sort(), ['done-3', 'done-4', 'running']);
  const del = h.requests('DELETE', '/pods/done-1')[0];
  assert.equal(del.body?.gracePeriodSeconds, 0);
});

test('orphans of deleted nodes and unscheduled terminating pods are force-deleted; a node the cache missed is checked with the API', async (t) => {
  const h = await startControllerHarness(t);
  const c = new PodGcController(h.ctx);
  h.seed(NODES, { metadata: { name: 'n1' } } as Node);
  h.fake.seed(collectionPath(NODES), { metadata: { name: 'new-node' } }); // in the API, not yet in the cache
  h.seed(PODS, pod('on-n1', { node: 'n1' }));
  h.seed(PODS, pod('orphan-a', { node: 'gone' }));
  h.seed(PODS, pod('orphan-b', { node: 'gone', phase: 'Succeeded' }));
  h.seed(PODS, pod('on-new-node', { node: 'new-node' }));
  h.seed(PODS, pod('pending'));
  h.seed(PODS, pod('pending-deleted', { deleting: true }));
  const first = await c.gc();
  assert.deepEqual(first.orphaned, [], 'quarantine: a missing node gets 40 s to show up');
  assert.deepEqual(first.unscheduledTerminating, ['default/pending-deleted']);
  h.clock.step(40_000);
  const r = await c.gc();
  assert.deepEqual(r.orphaned.sort(), ['default/orphan-a', 'default/orphan-b']);
  assert.deepEqual(h.stored<Pod>(PODS).map((p) => p.metadata!.name).sort(), ['on-n1', 'on-new-node', 'pending']);
});

test('terminating pods on an out-of-service, not-ready node are force-deleted', async (t) => {
  const h = await startControllerHarness(t);
  const c = new PodGcController(h.ctx);
  h.seed(NODES, {
    metadata: { name: 'dead' }, spec: { taints: [{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }] },
    status: { conditions: [{ type: 'Ready', status: 'Unknown' }] },
  } as Node);
  h.seed(PODS, pod('stuck', { node: 'dead', deleting: true }));
  h.seed(PODS, pod('alive', { node: 'dead' }));
  const r = await c.gc();
  assert.deepEqual(r.outOfService, ['default/stuck']);
  assert.deepEqual(h.stored<Pod>(PODS).map((p) => p.metadata!.name), ['alive']);
});
