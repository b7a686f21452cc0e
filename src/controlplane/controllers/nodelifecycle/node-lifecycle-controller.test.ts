/**
 * Node lifecycle on a FakeClock: a node whose Lease stops being renewed goes Unknown after the grace period (and
 * not before), gets the unreachable taints, its pods turn not Ready, and they are evicted when their
 * tolerationSeconds run out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { startControllerHarness } from '../common/controller-harness.js';
import { LEASES, NODES, PODS } from '../common/resources.js';
import { NodeLifecycleController } from './node-lifecycle-controller.js';
import { reconcileTaints, wantedTaints } from './node-taints.js';
import { evictionDeadline } from './eviction-deadline.js';

const readyNode = (name: string): Node => ({
  metadata: { name },
  status: {
    conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => ({ type, status: 'False', reason: 'KubeletHasSufficient' }))
      .concat([{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: '2024-01-01T00:00:00Z' } as never]),
  },
});
const lease = (name: string, renewTime: string): Lease => ({ metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, renewTime } });
const DEFAULT_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];
const pod = (name: string, node: string, tolerations: Toleration[] = DEFAULT_TOLERATIONS): Pod => ({
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'x' }], nodeName: node, tolerations },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});

test('a silent node goes Unknown after the grace period, not before; renewals keep it alive', async (t) => {
  const h = await startControllerHarness(t);
  const c = new NodeLifecycleController({ ...h.ctx, settings: { nodeMonitorGracePeriodMs: 40_000 } });
  h.seed(NODES, readyNode('alive'));
  h.seed(NODES, readyNode('silent'));
  h.seed(LEASES, lease('alive', '2024-01-01T00:00:00.000000Z'));
  h.seed(LEASES, lease('silent', '2024-01-01T00:00:00.000000Z'));
  h.seed(PODS, pod('p', 'silent'));
  h.clock.step(30_000);
  h.cache(LEASES, lease('alive', '2024-01-01T00:00:30.000000Z'));
  await c.monitor();
  assert.equal(h.requests('PUT').length, 0, 'within the grace period nothing is written');
  h.clock.step(15_000);
  await c.monitor();
  const nodes = new Map(h.stored<Node>(NODES).map((n) => [n.metadata!.name, n]));
  assert.equal(nodes.get('alive')!.status!.conditions!.find((x) => x.type === 'Ready')!.status, 'True');
  const conds = nodes.get('silent')!.status!.conditions!;
  for (const x of conds) {
    assert.equal(x.status, 'Unknown', x.type);
    assert.equal(x.reason, 'NodeStatusUnknown');
    assert.equal(x.message, 'Kubelet stopped posting node status.');
  }
  assert.equal(conds.find((x) => x.type === 'Ready')!.lastHeartbeatTime, '2024-01-01T00:00:00Z', 'the heartbeat is left as the kubelet wrote it');
  const [p] = h.stored<Pod>(PODS);
  assert.equal(p.status!.conditions!.find((x) => x.type === 'Ready')!.status, 'False', 'MarkPodsNotReady');
  assert.equal((await h.events()).find((e) => e.reason === 'NodeNotReady')?.message, 'Node silent status is now: NodeNotReady');

  // Taints follow the Ready condition.
  h.refresh(NODES);
  await c.syncNodeTaints('silent');
  const taints = h.stored<Node>(NODES).find((n) => n.metadata!.name === 'silent')!.spec!.taints!;
  assert.deepEqual(taints.map((x) => `${x.key}:${x.effect}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
  assert.equal(taints[1].timeAdded, new Date(h.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z'));
});

test('a node that never posted status gets Unknown conditions with NodeStatusNeverUpdated', async (t) => {
  const h = await startControllerHarness(t);
  const c = new NodeLifecycleController({ ...h.ctx, settings: { nodeMonitorGracePeriodMs: 1000 } });
  h.seed(NODES, { metadata: { name: 'bare' } });
  h.clock.step(1001);
  await c.monitor();
  const [n] = h.stored<Node>(NODES);
  assert.deepEqual(n.status!.conditions!.map((x) => [x.type, x.status, x.reason]), [
    ['Ready', 'Unknown', 'NodeStatusNeverUpdated'], ['MemoryPressure', 'Unknown', 'NodeStatusNeverUpdated'],
    ['DiskPressure', 'Unknown', 'NodeStatusNeverUpdated'], ['PIDPressure', 'Unknown', 'NodeStatusNeverUpdated'],
  ]);
});

test('pods on an unreachable node are evicted when tolerationSeconds run out; intolerant ones at once; forever-tolerant ones stay', async (t) => {
  const h = await startControllerHarness(t);
  const c = new NodeLifecycleController(h.ctx);
  const added = new Date(h.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
  h.seed(NODES, { metadata: { name: 'n' }, spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: added }] } });
  h.seed(PODS, pod('default-300s', 'n'));
  h.seed(PODS, pod('intolerant', 'n', []));
  h.seed(PODS, pod('forever', 'n', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }]));
  for (const n of ['default-300s', 'intolerant', 'forever']) await c.syncPodEviction(`default/${n}`);
  assert.deepEqual(h.stored<Pod>(PODS).map((p) => p.metadata!.name).sort(), ['default-300s', 'forever']);
  h.clock.step(299_000);
  await c.syncPodEviction('default/default-300s');
  assert.equal(h.stored<Pod>(PODS).length, 2);
  h.clock.step(1000);
  await c.syncPodEviction('default/default-300s');
  assert.deepEqual(h.stored<Pod>(PODS).map((p) => p.metadata!.name), ['forever']);
  const ev = (await h.events()).filter((e) => e.reason === 'TaintManagerEviction').map((e) => e.message);
  assert.deepEqual(ev.sort(), ['Marking for deletion Pod default/default-300s', 'Marking for deletion Pod default/intolerant']);
});

test('managed taints follow conditions; other taints are kept; nothing to do gives undefined', () => {
  const n = (ready: string, extra: Partial<Node['spec']> = {}): Node => ({
    metadata: { name: 'n' }, spec: { ...extra },
    status: { conditions: [{ type: 'Ready', status: ready }, { type: 'DiskPressure', status: 'True' }] },
  });
  assert.deepEqual(wantedTaints(n('False', { unschedulable: true })).map((x) => `${x.key}:${x.effect}`), [
    'node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule',
    'node.kubernetes.io/unschedulable:NoSchedule',
  ]);
  const recovered = n('True', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, { key: 'dedicated', value: 'db', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }] });
  assert.deepEqual(reconcileTaints(recovered, 0)!.map((x) => x.key), ['dedicated', 'node.kubernetes.io/disk-pressure']);
  assert.equal(reconcileTaints({ ...recovered, spec: { taints: reconcileTaints(recovered, 0) } }, 0), undefined);
});

test('eviction deadline: the first toleration to run out decides; negative seconds mean now', () => {
  const taints = [
    { key: 'a', effect: 'NoExecute', timeAdded: '2024-01-01T00:00:00Z' },
    { key: 'b', effect: 'NoExecute', timeAdded: '2024-01-01T00:01:00Z' },
    { key: 'c', effect: 'NoSchedule' },
  ];
  const p = (tolerations: Toleration[]) => ({ spec: { containers: [], tolerations } }) as Pod;
  const at = (t: { timeAdded?: string }) => Date.parse(t.timeAdded ?? '');
  const t0 = Date.parse('2024-01-01T00:00:00Z');
  assert.equal(evictionDeadline(p([{ key: 'a', operator: 'Exists', tolerationSeconds: 100 }, { key: 'b', operator: 'Exists', tolerationSeconds: 10 }]), taints, at), t0 + 70_000);
  assert.equal(evictionDeadline(p([{ key: 'a', operator: 'Exists' }]), taints, at), 0, 'b is not tolerated');
  assert.equal(evictionDeadline(p([{ operator: 'Exists' }]), taints, at), undefined);
  assert.equal(evictionDeadline(p([{ operator: 'Exists', tolerationSeconds: -5 }]), taints, at), t0);
});
