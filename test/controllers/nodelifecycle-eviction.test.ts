/**
 * Node loss on a real server: the agent of one simulated node stops, so its Lease is no longer renewed. With a
 * 3 s grace period the node goes Ready=Unknown (NodeStatusUnknown), gets the unreachable taints, its pods turn
 * not Ready and are evicted after their 2 s toleration, and the ReplicaSet's replacements run on the other node.
 * Deleting the dead node then lets pod GC force-delete the pods stuck on it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { eventually } from './support.js';
import { startSimEnv, type SimEnv } from './simulated-env.js';

let env: SimEnv;
before(async () => {
  env = await startSimEnv({
    enabled: ['nodelifecycle', 'podgc', 'replicaset'],
    settings: { nodeMonitorGracePeriodMs: 3000, nodeMonitorPeriodMs: 250, podGcPeriodMs: 500, podGcOrphanQuarantineMs: 1000 },
  });
});
after(() => env?.stop());

test('a silent node goes Unknown, is tainted, its pods are evicted and replaced elsewhere, and pod GC clears the rest', async () => {
  // Leases renewed every 0.5 s (a quarter of their 2 s duration), well inside the 3 s grace period.
  const lease = ['--node-lease-duration-seconds', '2'];
  const doomed = await env.startAgent(['--simulate', '1', '--name-prefix', 'doomed-', ...lease]);
  const nodes = env.client.resource<Node>('', 'v1', 'nodes');
  const pods = env.client.resource<Pod>('', 'v1', 'pods').namespace('default');
  await env.client.resource<ReplicaSet>('apps', 'v1', 'replicasets').namespace('default').create({
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web' },
    spec: {
      replicas: 2, selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{ name: 'c', image: 'nginx' }],
          tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }],
        },
      },
    },
  });
  const live = async () => (await pods.list({ labelSelector: 'app=web' })).items.filter((p) => !p.metadata?.deletionTimestamp);
  await eventually(async () => (await live()).filter((p) => p.spec?.nodeName === 'doomed-0' && p.status?.phase === 'Running').length === 2, 'two pods on doomed-0');
  await env.startAgent(['--simulate', '1', '--name-prefix', 'spare-', ...lease]);

  const stoppedAt = Date.now();
  await doomed.stop();
  const unknown = await eventually(async () => {
    const n = await nodes.get('doomed-0');
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
    return ready?.status === 'Unknown' && n;
  }, 'doomed-0 Ready=Unknown', 20_000);
  const silentMs = Date.now() - stoppedAt;
  assert.ok(silentMs >= 2500, `Unknown only after the grace period (took ${silentMs} ms)`);
  for (const c of unknown.status!.conditions!.filter((x) => ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].includes(x.type))) {
    assert.deepEqual([c.status, c.reason, c.message], ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'], c.type);
  }
  const tainted = await eventually(async () => {
    const t = (await nodes.get('doomed-0')).spec?.taints ?? [];
    return t.some((x) => x.key === 'node.kubernetes.io/unreachable' && x.effect === 'NoExecute') && t;
  }, 'unreachable NoExecute taint');
  assert.deepEqual(tainted.map((x) => `${x.key}:${x.effect}`).sort(), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
  const get = await env.server.kubectl(['get', 'node', 'doomed-0', '--no-headers']);
  assert.match(get.stdout, /^doomed-0\s+NotReady/);

  // Evicted after the 2 s toleration; replaced on the spare node.
  const replaced = await eventually(async () => {
    const l = await live();
    return l.length === 2 && l.every((p) => p.spec?.nodeName === 'spare-0' && p.status?.phase === 'Running') && l;
  }, 'two replacement pods running on spare-0', 30_000);
  assert.equal(replaced.length, 2);
  const stuck = (await pods.list({ labelSelector: 'app=web' })).items.filter((p) => p.spec?.nodeName === 'doomed-0');
  assert.equal(stuck.length, 2, 'the evicted pods stay Terminating: no kubelet finishes them');
  assert.ok(stuck.every((p) => p.metadata?.deletionTimestamp));
  assert.ok(stuck.every((p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'False'), 'marked not ready');
  const events = await env.server.kubectl(['get', 'events', '--field-selector', 'reason=TaintManagerEviction', '-o', 'jsonpath={.items[*].message}']);
  assert.match(events.stdout, /Marking for deletion Pod default\/web-/);

  // The dead node is deleted: pod GC force-deletes its pods after the quarantine.
  await nodes.delete('doomed-0');
  await eventually(async () => (await pods.list({ labelSelector: 'app=web' })).items.every((p) => p.spec?.nodeName !== 'doomed-0'), 'orphans force-deleted', 20_000);
});
