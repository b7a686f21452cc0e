/**
 * DaemonSet: sync(key) against seeded caches (one pinned pod per eligible node, taints and tolerations, removed
 * nodes, revisions and status), and the rolling update arithmetic by table.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { startControllerHarness } from '../common/controller-harness.js';
import { getControllerOf } from '../common/controller-ref.js';
import { CONTROLLER_REVISIONS, DAEMON_SETS, NODES, PODS } from '../common/resources.js';
import { targetNodeName } from '../common/node-fit.js';
import { newDaemonSetController } from './daemonset-controller.js';
import { nodeShouldRunDaemonPod } from './daemon-pods.js';
import { planRollingUpdate, surgeAndUnavailable } from './rolling-update.js';

function ds(extra: Partial<DaemonSet['spec']> = {}, image = 'agent:1'): DaemonSet {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'kube-system', generation: 1 },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      ...extra,
    },
  };
}
const node = (name: string, labels: Record<string, string> = {}, taints?: Taint[]): Node => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: { taints } });

/** Marks every stored pod bound to its pinned node, Running and Ready (what scheduler + kubelet would do). */
function runPods(h: Awaited<ReturnType<typeof startControllerHarness>>): void {
  for (const p of h.stored<Pod>(PODS)) {
    h.fake.seed('/api/v1/pods', {
      ...p, spec: { ...p.spec, nodeName: targetNodeName(p.spec) },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }] },
    });
  }
  h.refresh();
}

test('one pod per matching node, pinned by node affinity, with daemon tolerations, revision labels and an owner', async (t) => {
  const h = await startControllerHarness(t);
  const c = newDaemonSetController(h.ctx);
  h.seed(NODES, node('n1', { disk: 'ssd' }));
  h.seed(NODES, node('n2'));
  h.seed(NODES, node('n3', { disk: 'ssd' }));
  const owner = h.seed(DAEMON_SETS, ds({ template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'c', image: 'agent:1' }] } } }));
  await c.sync('kube-system/agent');
  const pods = h.stored<Pod>(PODS);
  assert.deepEqual(pods.map((p) => targetNodeName(p.spec)).sort(), ['n1', 'n3']);
  const [rev] = h.stored<ControllerRevision>(CONTROLLER_REVISIONS);
  assert.equal(rev.revision, 1);
  assert.equal(rev.metadata!.name, `agent-${rev.metadata!.labels!['controller-revision-hash']}`);
  assert.equal((rev.data as { spec: { template: { $patch: string } } }).spec.template.$patch, 'replace');
  for (const p of pods) {
    assert.equal(p.spec!.nodeName, undefined, 'the scheduler binds it');
    assert.deepEqual(p.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms[0].matchFields![0].key, 'metadata.name');
    assert.equal(getControllerOf(p)?.uid, owner.metadata!.uid);
    assert.equal(p.metadata!.labels!['controller-revision-hash'], rev.metadata!.labels!['controller-revision-hash']);
    assert.equal(p.metadata!.labels!['pod-template-generation'], '1');
    assert.deepEqual(p.spec!.tolerations!.map((x) => x.key), [
      'node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable', 'node.kubernetes.io/disk-pressure',
      'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/pid-pressure', 'node.kubernetes.io/unschedulable',
    ]);
  }
  // Stale cache: expectations stop a second round of creates.
  await c.sync('kube-system/agent');
  assert.equal(h.stored<Pod>(PODS).length, 2);
  runPods(h);
  await c.sync('kube-system/agent');
  const st = h.stored<DaemonSet>(DAEMON_SETS)[0].status!;
  assert.deepEqual(
    [st.desiredNumberScheduled, st.currentNumberScheduled, st.numberReady, st.updatedNumberScheduled, st.numberAvailable, st.numberUnavailable, st.numberMisscheduled, st.observedGeneration],
    [2, 2, 2, 2, 2, 0, 0, 1],
  );
  // A node added later gets a pod; a node that loses its label loses it; a deleted node's pod goes.
  h.seed(NODES, node('n4', { disk: 'ssd' }));
  h.cache(NODES, { ...node('n3'), metadata: { ...node('n3').metadata, resourceVersion: '999' } });
  h.fake.seed('/api/v1/nodes', node('n3'));
  h.uncache(NODES, 'n1');
  await c.sync('kube-system/agent');
  assert.deepEqual(h.stored<Pod>(PODS).map((p) => targetNodeName(p.spec)).sort(), ['n4']);
});

test('taints: NoSchedule keeps new pods off but lets a running one stay; untolerated NoExecute removes it', async (t) => {
  const h = await startControllerHarness(t);
  const c = newDaemonSetController(h.ctx);
  const d = ds();
  assert.deepEqual(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'x', effect: 'NoSchedule' }]), d), { shouldRun: false, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'x', effect: 'NoExecute' }]), d), { shouldRun: false, shouldContinueRunning: false });
  assert.deepEqual(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), d),
    { shouldRun: true, shouldContinueRunning: true }, 'daemon tolerations');
  h.seed(NODES, node('plain'));
  h.seed(NODES, node('dedicated', {}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]));
  h.seed(DAEMON_SETS, d);
  await c.sync('kube-system/agent');
  assert.deepEqual(h.stored<Pod>(PODS).map((p) => targetNodeName(p.spec)), ['plain']);
  runPods(h);
  h.cache(NODES, { ...node('plain', {}, [{ key: 'evict', effect: 'NoExecute' }]), metadata: { name: 'plain', resourceVersion: '1000' } });
  await c.sync('kube-system/agent');
  assert.equal(h.stored<Pod>(PODS).length, 0);
});

test('rolling update replaces one node at a time (maxUnavailable 1) and OnDelete leaves old pods alone', async (t) => {
  const h = await startControllerHarness(t);
  const c = newDaemonSetController(h.ctx);
  for (const n of ['n1', 'n2', 'n3']) h.seed(NODES, node(n));
  h.seed(DAEMON_SETS, ds());
  await c.sync('kube-system/agent');
  runPods(h);
  await c.sync('kube-system/agent');
  const v1 = h.stored<Pod>(PODS);
  const updated = { ...h.stored<DaemonSet>(DAEMON_SETS)[0], spec: ds({}, 'agent:2').spec };
  updated.metadata = { ...updated.metadata, generation: 2 };
  h.fake.seed('/apis/apps/v1/daemonsets', updated);
  h.refresh();
  await c.sync('kube-system/agent');
  assert.equal(h.stored<ControllerRevision>(CONTROLLER_REVISIONS).length, 2);
  assert.equal(h.stored<Pod>(PODS).length, 2, 'one old pod deleted');
  h.refresh();
  await c.sync('kube-system/agent');
  let pods = h.stored<Pod>(PODS);
  assert.equal(pods.length, 3, 'its replacement created');
  assert.equal(pods.filter((p) => p.spec!.containers[0].image === 'agent:2').length, 1);
  h.refresh();
  await c.sync('kube-system/agent');
  assert.equal(h.stored<Pod>(PODS).length, 3, 'the new pod is not available yet: no further deletion');
  runPods(h);
  await c.sync('kube-system/agent');
  assert.equal(h.stored<Pod>(PODS).length, 2, 'next one');
  const st = h.stored<DaemonSet>(DAEMON_SETS)[0].status!;
  assert.equal(st.updatedNumberScheduled, 1);
  assert.equal(st.observedGeneration, 2);

  // OnDelete: a new template changes nothing until pods are deleted by hand.
  const h2 = await startControllerHarness(t);
  const c2 = newDaemonSetController(h2.ctx);
  for (const n of ['n1', 'n2']) h2.seed(NODES, node(n));
  for (const p of v1.slice(0, 2)) h2.seed(PODS, { ...p, metadata: { ...p.metadata, ownerReferences: undefined } });
  h2.seed(DAEMON_SETS, ds({ updateStrategy: { type: 'OnDelete' } }, 'agent:9'));
  h2.refresh();
  await c2.sync('kube-system/agent');
  pods = h2.stored<Pod>(PODS);
  assert.equal(pods.length, 2, 'orphans adopted, nothing replaced');
  assert.ok(pods.every((p) => getControllerOf(p)?.kind === 'DaemonSet'));
});

describe('planRollingUpdate', () => {
  const mk = (name: string, hash: string, available = true): Pod => ({
    metadata: { name, labels: { 'controller-revision-hash': hash } }, spec: { containers: [] },
    status: { conditions: available ? [{ type: 'Ready', status: 'True' }] : [] },
  });
  const isAvailable = (p: Pod) => p.status?.conditions?.length === 1;
  test('without surge: deletes up to maxUnavailable old pods, counting nodes already down, and always replaces unavailable old pods', () => {
    const nodeToPods = new Map([['a', [mk('a-old', 'v1')]], ['b', [mk('b-old', 'v1')]], ['c', [mk('c-old', 'v1', false)]], ['d', [mk('d-new', 'v2')]], ['e', []]]);
    const plan = planRollingUpdate({ nodeToPods, hash: 'v2', maxSurge: 0, maxUnavailable: 2, isAvailable });
    assert.deepEqual(plan.deletePods.map((p) => p.metadata!.name), ['c-old', 'a-old'], 'e counts as unavailable, so one candidate');
    assert.deepEqual(plan.createOnNodes, []);
  });
  test('with surge: new pods beside old ones on up to maxSurge nodes; old pods go once the new one is available', () => {
    const nodeToPods = new Map([
      ['a', [mk('a-old', 'v1'), mk('a-new', 'v2')]], ['b', [mk('b-old', 'v1'), mk('b-new', 'v2', false)]],
      ['c', [mk('c-old', 'v1')]], ['d', [mk('d-old', 'v1')]], ['e', [mk('e-old', 'v1', false)]],
    ]);
    const plan = planRollingUpdate({ nodeToPods, hash: 'v2', maxSurge: 2, maxUnavailable: 0, isAvailable });
    assert.deepEqual(plan.deletePods.map((p) => p.metadata!.name), ['a-old']);
    assert.deepEqual(plan.createOnNodes, ['e', 'c']);
  });
  test('percentages round up; both zero means one unavailable', () => {
    assert.deepEqual(surgeAndUnavailable(ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } } }), 11), { maxSurge: 0, maxUnavailable: 2 });
    assert.deepEqual(surgeAndUnavailable(ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } }), 5), { maxSurge: 0, maxUnavailable: 1 });
  });
});
