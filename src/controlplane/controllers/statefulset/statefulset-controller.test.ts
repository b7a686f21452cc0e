/**
 * StatefulSet: sync(key) against seeded caches — ordered creation with PVCs and stable identity, Parallel,
 * reverse-order scale-down, partitioned rolling update with revisions, and the retention policy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { startControllerHarness, type ControllerHarness } from '../common/controller-harness.js';
import { CONTROLLER_REVISIONS, PERSISTENT_VOLUME_CLAIMS, PODS, STATEFUL_SETS } from '../common/resources.js';
import { newStatefulSetController } from './statefulset-controller.js';
import { ordinalOf } from './stateful-pods.js';

function sts(replicas: number, extra: Partial<StatefulSet['spec']> = {}, image = 'web:1'): StatefulSet {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default', generation: 1 },
    spec: {
      replicas, serviceName: 'nginx', selector: { matchLabels: { app: 'web' } }, podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }], volumes: [{ name: 'www', emptyDir: {} }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...extra,
    },
  };
}

const names = (h: ControllerHarness) => h.stored<Pod>(PODS).map((p) => p.metadata!.name!).sort();

/** Marks stored pods Running and Ready (all, or those named). */
function ready(h: ControllerHarness, only?: string[]): void {
  for (const p of h.stored<Pod>(PODS)) {
    if (only && !only.includes(p.metadata!.name!)) continue;
    h.fake.seed('/api/v1/pods', { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
  }
  h.refresh();
}

function update(h: ControllerHarness, spec: Partial<StatefulSet['spec']>): void {
  const cur = h.stored<StatefulSet>(STATEFUL_SETS)[0];
  h.fake.seed('/apis/apps/v1/statefulsets', { ...cur, metadata: { ...cur.metadata, generation: (cur.metadata!.generation ?? 1) + 1 }, spec: { ...cur.spec!, ...spec } });
  h.refresh();
}

test('OrderedReady: web-0 first with its PVC and stable identity; web-1 only once web-0 is Running and Ready', async (t) => {
  const h = await startControllerHarness(t);
  const c = newStatefulSetController(h.ctx);
  h.seed(STATEFUL_SETS, sts(3));
  await c.sync('default/web');
  assert.deepEqual(names(h), ['web-0']);
  const [p0] = h.stored<Pod>(PODS);
  assert.equal(p0.spec!.hostname, 'web-0');
  assert.equal(p0.spec!.subdomain, 'nginx');
  assert.equal(p0.metadata!.labels!['statefulset.kubernetes.io/pod-name'], 'web-0');
  assert.equal(p0.metadata!.labels!['apps.kubernetes.io/pod-index'], '0');
  const [rev] = h.stored<ControllerRevision>(CONTROLLER_REVISIONS);
  assert.equal(p0.metadata!.labels!['controller-revision-hash'], rev.metadata!.name);
  assert.deepEqual(p0.spec!.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }]);
  const [pvc] = h.stored<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS);
  assert.equal(pvc.metadata!.name, 'www-web-0');
  assert.deepEqual(pvc.metadata!.labels, { app: 'web' });
  assert.equal(pvc.metadata!.ownerReferences, undefined, 'Retain: the claim outlives the set');
  h.refresh();
  await c.sync('default/web');
  assert.deepEqual(names(h), ['web-0'], 'web-0 not ready yet');
  ready(h);
  await c.sync('default/web');
  assert.deepEqual(names(h), ['web-0', 'web-1']);
  ready(h);
  await c.sync('default/web');
  ready(h);
  await c.sync('default/web');
  assert.deepEqual(h.stored<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS).map((x) => x.metadata!.name).sort(), ['www-web-0', 'www-web-1', 'www-web-2']);
  const st = h.stored<StatefulSet>(STATEFUL_SETS)[0].status!;
  assert.deepEqual([st.replicas, st.readyReplicas, st.currentReplicas, st.updatedReplicas, st.currentRevision, st.updateRevision, st.observedGeneration],
    [3, 3, 3, 3, rev.metadata!.name, rev.metadata!.name, 1]);
  const events = (await h.events()).map((e) => e.message);
  assert.ok(events.includes('create Pod web-0 in StatefulSet web successful'), events.join('\n'));
  assert.ok(events.includes('create Claim www-web-0 Pod web-0 in StatefulSet web success'));

  // Scale down: highest ordinal first, one at a time; PVCs are kept.
  update(h, { replicas: 1 });
  await c.sync('default/web');
  assert.deepEqual(names(h), ['web-0', 'web-1']);
  h.refresh();
  await c.sync('default/web');
  assert.deepEqual(names(h), ['web-0']);
  assert.equal(h.stored<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS).length, 3);
});

test('Parallel creates every pod at once; a failed pod is recreated', async (t) => {
  const h = await startControllerHarness(t);
  const c = newStatefulSetController(h.ctx);
  h.seed(STATEFUL_SETS, sts(3, { podManagementPolicy: 'Parallel', volumeClaimTemplates: [] }));
  await c.sync('default/web');
  assert.deepEqual(names(h), ['web-0', 'web-1', 'web-2']);
  const p1 = h.stored<Pod>(PODS).find((p) => p.metadata!.name === 'web-1')!;
  h.fake.seed('/api/v1/pods', { ...p1, status: { phase: 'Failed' } });
  h.refresh();
  await c.sync('default/web');
  assert.deepEqual(names(h), ['web-0', 'web-2']);
  h.refresh();
  await c.sync('default/web');
  assert.deepEqual(names(h), ['web-0', 'web-1', 'web-2']);
  assert.notEqual(h.stored<Pod>(PODS).find((p) => p.metadata!.name === 'web-1')!.metadata!.uid, p1.metadata!.uid);
});

test('rolling update goes from the highest ordinal down to the partition, one healthy pod at a time', async (t) => {
  const h = await startControllerHarness(t);
  const c = newStatefulSetController(h.ctx);
  h.seed(STATEFUL_SETS, sts(3, { podManagementPolicy: 'Parallel', volumeClaimTemplates: [] }));
  await c.sync('default/web');
  ready(h);
  await c.sync('default/web');
  const rev1 = h.stored<StatefulSet>(STATEFUL_SETS)[0].status!.currentRevision!;
  update(h, { template: sts(3, {}, 'web:2').spec!.template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } });
  await c.sync('default/web');
  assert.deepEqual(names(h), ['web-0', 'web-1'], 'web-2 deleted first');
  const revs = h.stored<ControllerRevision>(CONTROLLER_REVISIONS);
  assert.deepEqual(revs.map((r) => r.revision).sort(), [1, 2]);
  const rev2 = revs.find((r) => r.revision === 2)!.metadata!.name!;
  h.refresh();
  await c.sync('default/web');
  const p2 = h.stored<Pod>(PODS).find((p) => p.metadata!.name === 'web-2')!;
  assert.equal(p2.metadata!.labels!['controller-revision-hash'], rev2);
  assert.equal(p2.spec!.containers[0].image, 'web:2');
  h.refresh();
  await c.sync('default/web');
  assert.equal(names(h).length, 3, 'web-2 is not ready yet, and web-1 is below the partition');
  ready(h);
  await c.sync('default/web');
  h.refresh();
  await c.sync('default/web');
  const pods = h.stored<Pod>(PODS);
  assert.deepEqual(pods.map((p) => [p.metadata!.name, p.spec!.containers[0].image]).sort(), [['web-0', 'web:1'], ['web-1', 'web:1'], ['web-2', 'web:2']]);
  const st = h.stored<StatefulSet>(STATEFUL_SETS)[0].status!;
  assert.deepEqual([st.currentRevision, st.updateRevision, st.currentReplicas, st.updatedReplicas], [rev1, rev2, 2, 1]);
  // Partition 0 finishes the rollout, and currentRevision moves to the update revision.
  update(h, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } });
  for (let i = 0; i < 6; i++) {
    await c.sync('default/web');
    ready(h);
  }
  await c.sync('default/web');
  const done = h.stored<StatefulSet>(STATEFUL_SETS)[0].status!;
  assert.deepEqual([done.currentRevision, done.updateRevision, done.currentReplicas, done.updatedReplicas, done.readyReplicas], [rev2, rev2, 3, 3, 3]);
  assert.ok(h.stored<Pod>(PODS).every((p) => p.spec!.containers[0].image === 'web:2'));
});

test('retention policy Delete: claims are owned by the set, and by the pod when it is scaled away', async (t) => {
  const h = await startControllerHarness(t);
  const c = newStatefulSetController(h.ctx);
  const owner = h.seed(STATEFUL_SETS, sts(2, { podManagementPolicy: 'Parallel', persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } }));
  await c.sync('default/web');
  ready(h);
  for (const pvc of h.stored<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS)) {
    assert.equal(pvc.metadata!.ownerReferences![0].uid, owner.metadata!.uid);
  }
  update(h, { replicas: 1 });
  await c.sync('default/web');
  assert.deepEqual(names(h), ['web-0']);
  const claims = new Map(h.stored<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS).map((x) => [x.metadata!.name, x]));
  assert.deepEqual(claims.get('www-web-1')!.metadata!.ownerReferences!.map((r) => r.kind), ['StatefulSet', 'Pod']);
  assert.deepEqual(claims.get('www-web-0')!.metadata!.ownerReferences!.map((r) => r.kind), ['StatefulSet']);
  assert.equal(ordinalOf('web', 'web-01'), -1);
  assert.equal(ordinalOf('web', 'web-10'), 10);
});
