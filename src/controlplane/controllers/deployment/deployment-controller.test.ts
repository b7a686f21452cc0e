/**
 * Deployment controller: sync(key) against seeded caches and the fake API. The ReplicaSet controller is not
 * running, so each test plays it by setting ReplicaSet statuses itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { startControllerHarness, type ControllerHarness } from '../common/controller-harness.js';
import { DEPLOYMENTS, REPLICA_SETS } from '../common/resources.js';
import { newDeploymentController } from './deployment-controller.js';
import { computeHash } from './pod-template-hash.js';

function deployment(replicas: number, image: string, extra: Partial<Deployment['spec']> = {}): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', generation: 1 },
    spec: {
      replicas, selector: { matchLabels: { app: 'web' } }, progressDeadlineSeconds: 600, revisionHistoryLimit: 10,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } }, ...extra,
    },
  };
}

/** Plays the ReplicaSet controller: every set's pods exist and are available at its spec size. */
function settle(h: ControllerHarness): void {
  for (const rs of h.stored<ReplicaSet>(REPLICA_SETS)) {
    const n = rs.spec?.replicas ?? 0;
    h.fake.seed('/apis/apps/v1/replicasets', { ...rs, status: { replicas: n, readyReplicas: n, availableReplicas: n, observedGeneration: rs.metadata?.generation ?? 0 } });
  }
  h.refresh(REPLICA_SETS, DEPLOYMENTS);
}

const sizes = (h: ControllerHarness) => Object.fromEntries(h.stored<ReplicaSet>(REPLICA_SETS).map((rs) => [rs.spec?.template?.spec?.containers[0].image, rs.spec?.replicas]));

test('creates the first ReplicaSet named by the template hash, with revision 1, and reports progress', async (t) => {
  const h = await startControllerHarness(t);
  const c = newDeploymentController(h.ctx);
  const d = h.seed(DEPLOYMENTS, deployment(3, 'nginx:1'));
  await c.sync('default/web');
  const [rs] = h.stored<ReplicaSet>(REPLICA_SETS);
  const hash = computeHash(d.spec?.template);
  assert.equal(rs.metadata?.name, `web-${hash}`);
  assert.equal(rs.spec?.replicas, 3);
  assert.deepEqual(rs.spec?.selector?.matchLabels, { app: 'web', 'pod-template-hash': hash });
  assert.equal(rs.spec?.template?.metadata?.labels?.['pod-template-hash'], hash);
  assert.equal(rs.metadata?.ownerReferences?.[0]?.uid, d.metadata?.uid);
  assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
  const [stored] = h.stored<Deployment>(DEPLOYMENTS);
  assert.equal(stored.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.equal(stored.status?.conditions?.find((x) => x.type === 'Progressing')?.reason, 'NewReplicaSetCreated');
  assert.ok((await h.events()).some((e) => e.reason === 'ScalingReplicaSet' && e.message === `Scaled up replica set web-${hash} from 0 to 3`));
});

test('a stale cache never makes a second ReplicaSet', async (t) => {
  const h = await startControllerHarness(t);
  const c = newDeploymentController(h.ctx);
  h.seed(DEPLOYMENTS, deployment(3, 'nginx:1'));
  await c.sync('default/web');
  h.refresh(DEPLOYMENTS); // the deployment cache catches up, the ReplicaSet cache does not
  await assert.rejects(c.sync('default/web'), /already exists/);
  h.refresh();
  await c.sync('default/web');
  assert.equal(h.stored(REPLICA_SETS).length, 1);
});

test('a hash collision with a foreign ReplicaSet bumps collisionCount and uses a new name', async (t) => {
  const h = await startControllerHarness(t);
  const c = newDeploymentController(h.ctx);
  const d = h.seed(DEPLOYMENTS, deployment(2, 'nginx:1'));
  const hash = computeHash(d.spec?.template);
  h.seed(REPLICA_SETS, { metadata: { name: `web-${hash}`, namespace: 'default', labels: { other: 'x' } }, spec: { replicas: 0, selector: { matchLabels: { other: 'x' } }, template: { metadata: { labels: { other: 'x' } } } } });
  await assert.rejects(c.sync('default/web'), /already exists/);
  assert.equal(h.stored<Deployment>(DEPLOYMENTS)[0].status?.collisionCount, 1);
  h.refresh();
  await c.sync('default/web');
  const names = h.stored<ReplicaSet>(REPLICA_SETS).map((rs) => rs.metadata?.name).sort();
  assert.deepEqual(names, [`web-${computeHash(d.spec?.template, 1)}`, `web-${hash}`].sort());
});

test('a rolling update steps within maxSurge 1 / maxUnavailable 1 and completes', async (t) => {
  const h = await startControllerHarness(t);
  const c = newDeploymentController(h.ctx);
  h.seed(DEPLOYMENTS, deployment(4, 'nginx:1'));
  await c.sync('default/web');
  settle(h);
  await c.sync('default/web');
  h.refresh();
  const d = h.stored<Deployment>(DEPLOYMENTS)[0];
  h.seed(DEPLOYMENTS, { ...d, metadata: { ...d.metadata, generation: 2 }, spec: { ...d.spec!, template: deployment(4, 'nginx:2').spec!.template } });
  const steps: Record<string, number | undefined>[] = [];
  for (let i = 0; i < 12; i++) {
    await c.sync('default/web');
    h.refresh();
    const s = sizes(h);
    const total = (s['nginx:1'] ?? 0) + (s['nginx:2'] ?? 0);
    assert.ok(total <= 5, `never more than replicas + maxSurge: ${JSON.stringify(s)}`);
    steps.push(s);
    settle(h);
    await c.sync('default/web'); // status round
    h.refresh();
  }
  // The first sync creates the new set at the surge (1) and, in the same pass, takes the one pod maxUnavailable
  // allows from the old set (as upstream); then old and new trade places, never below 3 (settled sizes).
  assert.deepEqual(steps[0], { 'nginx:1': 3, 'nginx:2': 1 });
  assert.deepEqual(steps[steps.length - 1], { 'nginx:1': 0, 'nginx:2': 4 });
  for (const s of steps) assert.ok((s['nginx:1'] ?? 0) + (s['nginx:2'] ?? 0) >= 3);
  const final = h.stored<Deployment>(DEPLOYMENTS)[0];
  assert.equal(final.status?.updatedReplicas, 4);
  assert.equal(final.status?.availableReplicas, 4);
  assert.equal(final.status?.conditions?.find((x) => x.type === 'Progressing')?.reason, 'NewReplicaSetAvailable');
  assert.equal(final.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
});

test('revisionHistoryLimit deletes the oldest scaled-down ReplicaSets once the rollout is complete', async (t) => {
  const h = await startControllerHarness(t);
  const c = newDeploymentController(h.ctx);
  h.seed(DEPLOYMENTS, deployment(1, 'v1', { revisionHistoryLimit: 1 }));
  for (const image of ['v1', 'v2', 'v3']) {
    const d = h.stored<Deployment>(DEPLOYMENTS)[0];
    h.seed(DEPLOYMENTS, { ...d, spec: { ...d.spec!, template: deployment(1, image).spec!.template } });
    for (let i = 0; i < 6; i++) {
      await c.sync('default/web');
      settle(h);
    }
  }
  assert.deepEqual(Object.keys(sizes(h)).sort(), ['v2', 'v3']);
});

test('progress deadline exceeded is reported when nothing moves', async (t) => {
  const h = await startControllerHarness(t);
  const c = newDeploymentController(h.ctx);
  h.seed(DEPLOYMENTS, deployment(2, 'nginx:1', { progressDeadlineSeconds: 30 }));
  await c.sync('default/web');
  h.refresh();
  h.clock.step(31_000);
  await c.sync('default/web');
  const cond = h.stored<Deployment>(DEPLOYMENTS)[0].status?.conditions?.find((x) => x.type === 'Progressing');
  assert.equal(cond?.reason, 'ProgressDeadlineExceeded');
  assert.equal(cond?.status, 'False');
  const avail = h.stored<Deployment>(DEPLOYMENTS)[0].status?.conditions?.find((x) => x.type === 'Available');
  assert.equal(avail?.reason, 'MinimumReplicasUnavailable');
});
