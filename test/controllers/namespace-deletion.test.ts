/**
 * Namespace deletion against a real server with the controller manager in this process and a fake kubelet:
 * `kubectl delete ns` returns once the namespace and everything in it are gone; while content with a finalizer
 * holds it, the namespace stays Terminating, says why in its conditions, and refuses new content.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import { eventually, startControllerEnv, type ControllerEnv } from './support.js';

describe('namespace controller on a real server', () => {
  let env: ControllerEnv;
  before(async () => {
    env = await startControllerEnv();
  });
  after(async () => {
    await env?.stop();
  });
  const kubectl = (args: string[], input?: string) => env.server.kubectl(args, { input, timeoutMs: 90_000 });

  test('kubectl delete ns returns once the namespace and its content are gone', async () => {
    assert.equal((await kubectl(['create', 'ns', 'doomed'])).code, 0);
    assert.equal((await kubectl(['-n', 'doomed', 'create', 'deployment', 'web', '--image=nginx', '--replicas=2'])).code, 0);
    assert.equal((await kubectl(['-n', 'doomed', 'create', 'configmap', 'cfg', '--from-literal=a=b'])).code, 0);
    assert.equal((await kubectl(['-n', 'doomed', 'create', 'job', 'j', '--image=busybox', '--', 'true'])).code, 0);
    await eventually(async () => (await kubectl(['-n', 'doomed', 'get', 'pods', '-o', 'name'])).stdout.trim().split('\n').filter(Boolean).length >= 2, 'pods in the namespace');
    const r = await kubectl(['delete', 'ns', 'doomed', '--timeout=60s']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /namespace "doomed" deleted/);
    const get = await kubectl(['get', 'ns', 'doomed']);
    assert.match(get.stderr, /NotFound|not found/);
    for (const kind of ['pods', 'deployments', 'replicasets', 'configmaps', 'jobs']) {
      const list = await env.client.resource(kind === 'pods' || kind === 'configmaps' ? '' : kind === 'jobs' ? 'batch' : 'apps', 'v1', kind).namespace('doomed').list();
      assert.deepEqual(list.items.map((o) => o.metadata?.name), [], `no ${kind} left`);
    }
  });

  test('content held by a finalizer keeps the namespace Terminating, which refuses new content', async () => {
    assert.equal((await kubectl(['create', 'ns', 'held'])).code, 0);
    const cms = env.client.resource<ConfigMap>('', 'v1', 'configmaps').namespace('held');
    await cms.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pinned', finalizers: ['example.com/hold'] } });
    const r = await kubectl(['delete', 'ns', 'held', '--wait=false']);
    assert.equal(r.code, 0, r.stderr);
    const ns = await eventually(async () => {
      const n = await env.client.resource<Namespace>('', 'v1', 'namespaces').get('held');
      return n.status?.conditions?.find((c) => c.type === 'NamespaceFinalizersRemaining' && c.status === 'True') ? n : undefined;
    }, 'the finalizer condition');
    assert.equal(ns.status?.phase, 'Terminating');
    const msg = ns.status?.conditions?.find((c) => c.type === 'NamespaceFinalizersRemaining')?.message;
    assert.match(msg ?? '', /example\.com\/hold in 1 resource instances/);
    const create = await kubectl(['-n', 'held', 'create', 'configmap', 'late']);
    assert.notEqual(create.code, 0);
    assert.match(create.stderr, /forbidden|being terminated/);
    await cms.patch('pinned', { metadata: { finalizers: null } }, 'merge');
    await eventually(async () => (await kubectl(['get', 'ns', 'held'])).code !== 0, 'the namespace to go once the finalizer is removed');
  });
});
