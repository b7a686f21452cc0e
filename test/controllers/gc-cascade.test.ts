/**
 * Cascading deletion against a real server with the controller manager in this process and a fake kubelet:
 * `kubectl delete rs --cascade=foreground` returns once the ReplicaSet and its pods are gone, `--cascade=orphan`
 * keeps the pods without owner references, and dependents of an owner deleted while the controller manager was down
 * are collected when it comes back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { eventually, startControllerEnv, type ControllerEnv } from './support.js';

function rs(name: string, replicas: number): ReplicaSet {
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: 'default' },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
}

describe('garbage collector on a real server', () => {
  let env: ControllerEnv;
  before(async () => {
    env = await startControllerEnv();
  });
  after(async () => {
    await env?.stop();
  });
  const podsOf = async (app: string) => (await env.client.resource<Pod>('', 'v1', 'pods').namespace('default').list({ labelSelector: `app=${app}` })).items;
  const rsApi = () => env.client.resource<ReplicaSet>('apps', 'v1', 'replicasets').namespace('default');
  const running = (app: string, n: number) => eventually(async () => {
    const pods = await podsOf(app);
    return pods.length === n && pods.every((p) => p.status?.phase === 'Running') ? pods : undefined;
  }, `${n} running pods of ${app}`);

  test('foreground: kubectl returns once the pods and then the ReplicaSet are gone', async () => {
    await rsApi().create(rs('fg', 3));
    await running('fg', 3);
    const r = await env.server.kubectl(['delete', 'rs', 'fg', '--cascade=foreground', '--timeout=60s'], { timeoutMs: 70_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /replicaset.apps "fg" deleted/);
    assert.deepEqual(await podsOf('fg'), [], 'no pod outlives a foreground-deleted owner');
    const get = await env.server.kubectl(['get', 'rs', 'fg']);
    assert.match(get.stderr, /NotFound|not found/);
  });

  test('orphan: the pods stay, without their owner reference', async () => {
    await rsApi().create(rs('orph', 2));
    const before = await running('orph', 2);
    const r = await env.server.kubectl(['delete', 'rs', 'orph', '--cascade=orphan', '--timeout=60s'], { timeoutMs: 70_000 });
    assert.equal(r.code, 0, r.stderr);
    await eventually(async () => (await rsApi().list()).items.every((x) => x.metadata?.name !== 'orph'), 'the ReplicaSet to go');
    const pods = await podsOf('orph');
    assert.deepEqual(pods.map((p) => p.metadata?.uid).sort(), before.map((p) => p.metadata?.uid).sort(), 'the same pods remain');
    assert.ok(pods.every((p) => !p.metadata?.ownerReferences?.length), 'with no owner reference');
  });

  test('background: dependents of an owner deleted while the controller manager was down are collected on restart', async () => {
    await rsApi().create(rs('bg', 2));
    await running('bg', 2);
    await env.stopManager();
    const r = await env.server.kubectl(['delete', 'rs', 'bg']);
    assert.equal(r.code, 0, r.stderr);
    await new Promise((res) => setTimeout(res, 500));
    assert.equal((await podsOf('bg')).length, 2, 'nobody collects while the manager is down');
    env.startManager();
    await eventually(async () => (await podsOf('bg')).length === 0, 'the orphaned pods to be collected');
  });
});
