// The agent's own lifecycle on a real containerd: a kubelet restart re-adopts running containers (same ids, no
// restart, status untouched), pods deleted while the agent was down are cleaned up when it returns, and the
// Node's Lease is renewed. Also the cluster routes the agent installs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ensureClusterRoutes, removeClusterRoutes } from '../../src/node/kubelet/index.js';
import { containerStatus, kubeletSkipReason, runningReady, startKubeletHarness, type KubeletHarness } from './kubelet-harness.js';

const skip = kubeletSkipReason(['busybox']);

describe('kubelet agent restart', { skip }, () => {
  let h: KubeletHarness;
  before(async () => {
    h = await startKubeletHarness({ images: ['busybox'] });
  });
  after(async () => {
    await h?.stop();
  });

  test('a restarted kubelet keeps running containers and cleans up pods deleted meanwhile', async () => {
    const pod = (name: string): Pod => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name },
      spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'], readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 } }], volumes: [{ name: 'v', emptyDir: {} }] },
    });
    await h.createPod(pod('keeper'));
    await h.createPod(pod('goner'));
    const before = await h.waitPod('keeper', 'Running', runningReady);
    const goner = await h.waitPod('goner', 'Running', runningReady);
    const id = containerStatus(before, 'c')!.containerID;
    const started = containerStatus(before, 'c')!.state!.running!.startedAt;

    await h.stopKubelet();
    // The containers outlive the agent.
    const running = await h.ctrd.client.listContainers({ state: 'CONTAINER_RUNNING' });
    assert.ok(running.some((c) => `containerd://${c.id}` === id));
    // Delete one pod for good while the agent is away (force: nothing would finish a graceful deletion).
    await h.client.resource<Pod>('', 'v1', 'pods').namespace('default').delete('goner', { gracePeriodSeconds: 0 });

    await h.startKubelet();
    const after = await h.waitPod('keeper', 'Running after restart', runningReady);
    const cs = containerStatus(after, 'c')!;
    assert.equal(cs.containerID, id, 'same container');
    assert.equal(cs.restartCount, 0);
    assert.equal(cs.state!.running!.startedAt, started);
    assert.equal(after.status!.startTime, before.status!.startTime);
    const gonerUid = goner.metadata!.uid!;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const left = await h.ctrd.client.listPodSandbox({ label_selector: { 'io.kubernetes.pod.uid': gonerUid } });
      if (left.length === 0 && !existsSync(join(h.dataDir, 'pods', gonerUid))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal((await h.ctrd.client.listPodSandbox({ label_selector: { 'io.kubernetes.pod.uid': gonerUid } })).length, 0, 'orphan sandbox removed');
    assert.equal(existsSync(join(h.dataDir, 'pods', gonerUid)), false, 'orphan volumes removed');
    const events = (await h.events('keeper')).filter((e) => e.reason === 'Started' || e.reason === 'Killing');
    assert.equal(events.filter((e) => e.reason === 'Started').length, 1, 'started once');
    assert.equal(events.filter((e) => e.reason === 'Killing').length, 0);
  });

  test('the node lease in kube-node-lease is held by the node and renewed', async () => {
    const leases = h.client.resource<{ spec: { holderIdentity: string; renewTime: string; leaseDurationSeconds: number } } & { metadata: object }>('coordination.k8s.io', 'v1', 'leases').namespace('kube-node-lease');
    const first = await leases.get(h.nodeName);
    assert.equal(first.spec.holderIdentity, h.nodeName);
    assert.equal(first.spec.leaseDurationSeconds, 40);
    const deadline = Date.now() + 15_000;
    let renewed = first;
    while (renewed.spec.renewTime === first.spec.renewTime && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      renewed = await leases.get(h.nodeName);
    }
    assert.notEqual(renewed.spec.renewTime, first.spec.renewTime, 'renewed within 15 s');
  });
});

describe('cluster routes', { skip: process.getuid?.() !== 0 ? 'needs root to change routes' : undefined }, () => {
  test('ensureClusterRoutes is idempotent and removeClusterRoutes undoes it', (t) => {
    const opts = { clusterCidr: '10.231.0.0/16', serviceCidr: '10.232.0.0/16', serviceInterface: `klsvct${process.pid % 10000}` };
    t.after(() => removeClusterRoutes(opts));
    ensureClusterRoutes(opts);
    ensureClusterRoutes(opts);
    const routes = execFileSync('ip', ['route', 'show'], { encoding: 'utf8' });
    assert.match(routes, /^unreachable 10\.231\.0\.0\/16/m);
    assert.match(routes, new RegExp(`^10\\.232\\.0\\.0/16 dev ${opts.serviceInterface}`, 'm'));
    assert.equal(routes.split('\n').filter((l) => l.startsWith('unreachable 10.231.0.0/16')).length, 1);
    // Traffic to an unused cluster address fails at once on the machine.
    assert.throws(() => execFileSync('ip', ['route', 'get', '10.231.7.7'], { stdio: ['ignore', 'pipe', 'pipe'] }), /No route to host/);
    removeClusterRoutes(opts);
    const after2 = execFileSync('ip', ['route', 'show'], { encoding: 'utf8' });
    assert.doesNotMatch(after2, /10\.231\.0\.0\/16|10\.232\.0\.0\/16/);
    assert.equal(existsSync(`/sys/class/net/${opts.serviceInterface}`), false);
  });
});
