/**
 * DaemonSet on a real server with simulated nodes and the real scheduler: pods only on the labelled nodes, a pod
 * for a labelled node that joins later, a rolling update that never has more than maxUnavailable nodes without an
 * available pod (asserted from the watch stream), `kubectl rollout status/history/undo`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { eventually } from './support.js';
import { startSimEnv, type SimEnv } from './simulated-env.js';

let env: SimEnv;
before(async () => {
  env = await startSimEnv({ enabled: ['daemonset', 'garbagecollector'] });
  await env.startAgent(['--simulate', '3', '--name-prefix', 'ds-']);
});
after(() => env?.stop());

const ds = (image: string): DaemonSet => ({
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'edge-proxy', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'edge-proxy' } },
    template: { metadata: { labels: { app: 'edge-proxy' } }, spec: { nodeSelector: { role: 'edge' }, containers: [{ name: 'proxy', image }] } },
  },
});

test('a DaemonSet runs one pod on each labelled node, follows a node added later, and rolls out an update one node at a time', async () => {
  const nodes = env.client.resource<Node>('', 'v1', 'nodes');
  for (const n of ['ds-0', 'ds-2']) await nodes.patch(n, { metadata: { labels: { role: 'edge' } } }, 'merge');
  const podsApi = env.client.resource<Pod>('', 'v1', 'pods').namespace('default');
  const sets = env.client.resource<DaemonSet>('apps', 'v1', 'daemonsets').namespace('default');
  await sets.create(ds('proxy:1'));
  const running = async () => (await podsApi.list({ labelSelector: 'app=edge-proxy' })).items
    .filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
  const placed = await eventually(async () => {
    const r = await running();
    return r.length === 2 && r.map((p) => p.spec?.nodeName).sort().join(',');
  }, 'two daemon pods running');
  assert.equal(placed, 'ds-0,ds-2');
  const status = await eventually(async () => {
    const s = (await sets.get('edge-proxy')).status;
    return s?.numberAvailable === 2 && s;
  }, 'status available 2');
  assert.deepEqual([status.desiredNumberScheduled, status.currentNumberScheduled, status.numberReady, status.updatedNumberScheduled, status.numberMisscheduled], [2, 2, 2, 2, 0]);
  const get = await env.server.kubectl(['get', 'ds', 'edge-proxy', '--no-headers']);
  assert.match(get.stdout, /^edge-proxy\s+2\s+2\s+2\s+2\s+2\s+role=edge/);

  // A labelled node joining later gets its pod.
  await env.startAgent(['--simulate', '1', '--name-prefix', 'ds-late-', '--labels', 'role=edge']);
  await eventually(async () => (await running()).some((p) => p.spec?.nodeName === 'ds-late-0'), 'a pod on the late node');

  // Rolling update, watched: at most one node (maxUnavailable 1) is ever without an available pod.
  const isReady = (p: Pod) => !p.metadata?.deletionTimestamp && (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
  const listed = await podsApi.list({ labelSelector: 'app=edge-proxy' });
  const ready = new Map<string, boolean>(listed.items.map((p) => [p.metadata!.name!, isReady(p)]));
  assert.equal([...ready.values()].filter(Boolean).length, 3);
  const watch = await podsApi.watch({ labelSelector: 'app=edge-proxy', resourceVersion: listed.metadata?.resourceVersion });
  let worst = 3;
  const watching = (async () => {
    for await (const ev of watch) {
      const p = ev.object as Pod;
      ready.set(p.metadata!.name!, ev.type !== 'DELETED' && isReady(p));
      worst = Math.min(worst, [...ready.values()].filter(Boolean).length);
    }
  })().catch(() => undefined);
  await sets.patch('edge-proxy', { spec: { template: { spec: { containers: [{ name: 'proxy', image: 'proxy:2' }] } } } }, 'strategic');
  const rollout = await env.server.kubectl(['rollout', 'status', 'ds/edge-proxy', '--timeout=60s'], { timeoutMs: 70_000 });
  assert.equal(rollout.code, 0, rollout.stderr);
  assert.match(rollout.stdout, /daemon set "edge-proxy" successfully rolled out/);
  watch.close();
  await watching;
  assert.ok(worst >= 2, `available pods dipped to ${worst} (3 nodes, maxUnavailable 1)`);
  const images = (await running()).map((p) => p.spec?.containers[0].image);
  assert.deepEqual(images, ['proxy:2', 'proxy:2', 'proxy:2']);

  const history = await env.server.kubectl(['rollout', 'history', 'ds/edge-proxy']);
  assert.match(history.stdout, /^1\s/m);
  assert.match(history.stdout, /^2\s/m);
  const undo = await env.server.kubectl(['rollout', 'undo', 'ds/edge-proxy']);
  assert.equal(undo.code, 0, undo.stderr);
  await eventually(async () => {
    const r = await running();
    return r.length === 3 && r.every((p) => p.spec?.containers[0].image === 'proxy:1');
  }, 'undo back to proxy:1', 60_000);

  // Unlabelling a node removes its pod.
  await nodes.patch('ds-0', { metadata: { labels: { role: null } } }, 'merge');
  await eventually(async () => (await running()).every((p) => p.spec?.nodeName !== 'ds-0'), 'pod gone from the unlabelled node');
});
