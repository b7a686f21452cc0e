/**
 * The scheduler against a real `kubelite server` (started with --disable-scheduler): the scheduler runs in this
 * process through runScheduler, Node objects are created through the API (status included), and what a user sees
 * is checked with the real kubectl: where pods land, the FailedScheduling event and the PodScheduled condition.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { Client, loadKubeconfig, type ResourceClient } from '../../src/client/index.js';
import { runScheduler } from '../../src/controlplane/scheduler/run.js';
import { makeNode, makePod, type NodeSpec, type PodSpecOptions } from '../../src/controlplane/scheduler/testing/fixtures.js';
import { startKubelite, type KubeliteProcess } from '../support/kubelite.js';

let k: KubeliteProcess;
let client: Client;
let nodes: ResourceClient<Node>;
let pods: ResourceClient<Pod>;
const ac = new AbortController();
let schedulerDone: Promise<void>;

before(async () => {
  k = await startKubelite({ args: ['--disable-scheduler'] });
  client = new Client(loadKubeconfig(k.kubeconfig));
  nodes = client.resource<Node>('', 'v1', 'nodes');
  pods = client.resource<Pod>('', 'v1', 'pods').namespace('default');
  schedulerDone = runScheduler(client, { signal: ac.signal });
});

after(async () => {
  ac.abort();
  await schedulerDone;
  client.close();
  await k.stop();
});

const ZONE = 'topology.kubernetes.io/zone';
const CP_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

async function addNodes(specs: Record<string, NodeSpec>): Promise<void> {
  for (const [name, s] of Object.entries(specs)) {
    await nodes.create(makeNode(name, s));
  }
}

/** Deletes every node and pod, so each test starts from an empty cluster. */
async function reset(): Promise<void> {
  await pods.deleteCollection({}, { gracePeriodSeconds: 0 });
  await nodes.deleteCollection();
  await waitFor(async () => (await pods.list()).items.length === 0 && (await nodes.list()).items.length === 0, 'cluster to empty');
}

async function createPod(name: string, o: PodSpecOptions = {}): Promise<void> {
  const { metadata, spec } = makePod(name, o);
  const { uid: _server_assigns_it, ...meta } = metadata!;
  await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: meta, spec });
}

async function waitFor(cond: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function nodeOf(name: string): Promise<string> {
  let node = '';
  await waitFor(async () => !!(node = (await pods.get(name)).spec?.nodeName ?? ''), `pod ${name} to be bound`);
  return node;
}

/** Waits for the pod's PodScheduled=False condition and returns its message. */
async function unschedulableMessage(name: string): Promise<string> {
  let msg = '';
  await waitFor(async () => {
    const c = (await pods.get(name)).status?.conditions?.find((x) => x.type === 'PodScheduled');
    if (c?.status === 'False' && c.reason === 'Unschedulable') msg = c.message ?? '';
    return !!msg;
  }, `pod ${name} to be marked unschedulable`);
  return msg;
}

describe('scheduler against a real server', { concurrency: false }, () => {
  test('resource fit: requests count against allocatable, including pods still being bound', async () => {
    await reset();
    await addNodes({ small: { cpu: '2' }, large: { cpu: '4' } });
    await createPod('big', { cpu: '3' });
    assert.equal(await nodeOf('big'), 'large');
    // Three 1-cpu pods created together: the cache counts each choice before its bind returns, so none overcommit.
    await Promise.all(['f1', 'f2', 'f3'].map((n) => createPod(n, { cpu: '1' })));
    const placed = await Promise.all(['f1', 'f2', 'f3'].map(nodeOf));
    assert.equal(placed.filter((n) => n === 'small').length, 2, placed.join(','));
    assert.equal(placed.filter((n) => n === 'large').length, 1, placed.join(','));
    await createPod('nofit', { cpu: '1' });
    assert.equal(await unschedulableMessage('nofit'),
      '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.');
  });

  test('nodeSelector picks the labelled node', async () => {
    await reset();
    await addNodes({ hdd: { labels: { disk: 'hdd' } }, ssd: { labels: { disk: 'ssd' } }, plain: {} });
    for (const n of ['s1', 's2', 's3']) await createPod(n, { spec: { nodeSelector: { disk: 'ssd' } } });
    for (const n of ['s1', 's2', 's3']) assert.equal(await nodeOf(n), 'ssd');
  });

  test('pod affinity joins, anti-affinity spreads, and the unplaceable replica says why', async () => {
    await reset();
    await addNodes({ n1: {}, n2: {}, n3: {} });
    const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } };
    for (const n of ['w1', 'w2', 'w3']) {
      await createPod(n, { labels: { app: 'web' }, spec: { affinity: anti } });
      await nodeOf(n);
    }
    const placed = await Promise.all(['w1', 'w2', 'w3'].map(nodeOf));
    assert.deepEqual([...placed].sort(), ['n1', 'n2', 'n3']);
    await createPod('w4', { labels: { app: 'web' }, spec: { affinity: anti } });
    assert.equal(await unschedulableMessage('w4'),
      "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
    const affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } };
    await createPod('cache', { labels: { app: 'cache' }, spec: { affinity: { ...affinity, podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { role: 'db' } }, topologyKey: 'kubernetes.io/hostname' }] } } } });
    assert.match(await unschedulableMessage('cache'), /^0\/3 nodes are available: 3 node\(s\) didn't match pod affinity rules\. preemption: 0\/3 nodes are available: 3 Preemption is not helpful for scheduling\.$/);
    await pods.patch('w2', { metadata: { labels: { app: 'web', role: 'db' } } }, 'merge');
    // Labelling w2 is an assigned-pod update InterPodAffinity registered for: the parked pod follows it.
    assert.equal(await nodeOf('cache'), placed[1]);
  });

  test('taints and tolerations, and the FailedScheduling message seen by kubectl', async () => {
    await reset();
    await addNodes({ cp1: { taints: [CP_TAINT] }, cp2: { taints: [CP_TAINT] }, worker: { cpu: '1' } });
    await createPod('greedy', { cpu: '2' });
    const want = '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. '
      + 'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.';
    assert.equal(await unschedulableMessage('greedy'), want);
    const pod = await pods.get('greedy');
    const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.reason, 'Unschedulable');
    let describe = '';
    await waitFor(async () => (describe = (await k.kubectl(['describe', 'pod', 'greedy'])).stdout).includes('FailedScheduling'), 'describe to show the event');
    assert.match(describe, new RegExp(`Warning\\s+FailedScheduling\\s+\\S+\\s+default-scheduler\\s+${want.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const events = await k.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=greedy', '-o', 'jsonpath={.items[*].message}']);
    assert.equal(events.stdout, want);
    // A tolerating pod may use the control-plane nodes.
    await createPod('admin', { spec: { tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }], nodeSelector: { 'kubernetes.io/hostname': 'cp2' } } });
    assert.equal(await nodeOf('admin'), 'cp2');
    await createPod('normal');
    assert.equal(await nodeOf('normal'), 'worker');
    const scheduled = await k.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=normal,reason=Scheduled', '-o', 'jsonpath={.items[*].message}']);
    assert.equal(scheduled.stdout, 'Successfully assigned default/normal to worker');
  });

  test('topology spread keeps zones within maxSkew', async () => {
    await reset();
    await addNodes({ a1: { labels: { [ZONE]: 'a' } }, a2: { labels: { [ZONE]: 'a' } }, a3: { labels: { [ZONE]: 'a' } }, b1: { labels: { [ZONE]: 'b' } } });
    const tsc = [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }];
    const names = ['t1', 't2', 't3', 't4', 't5', 't6'];
    for (const n of names) await createPod(n, { labels: { app: 'spread' }, spec: { topologySpreadConstraints: tsc } });
    const placed = await Promise.all(names.map(nodeOf));
    const inB = placed.filter((n) => n === 'b1').length;
    assert.equal(inB, 3, placed.join(','));
  });

  test('an unschedulable pod is scheduled as soon as a fitting node is added', async () => {
    await reset();
    await addNodes({ old: {} });
    await createPod('waiting', { spec: { nodeSelector: { pool: 'new' } } });
    await unschedulableMessage('waiting');
    const t0 = Date.now();
    await addNodes({ fresh: { labels: { pool: 'new' } } });
    assert.equal(await nodeOf('waiting'), 'fresh');
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  });

  test('pods naming another scheduler are left alone', async () => {
    await reset();
    await addNodes({ n: {} });
    await createPod('mine');
    await createPod('theirs', { spec: { schedulerName: 'other-scheduler' } });
    await nodeOf('mine');
    await new Promise((r) => setTimeout(r, 500));
    const theirs = await pods.get('theirs');
    assert.equal(theirs.spec?.nodeName, undefined);
    assert.equal(theirs.status?.conditions, undefined);
  });
});
