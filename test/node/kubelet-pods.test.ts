// The kubelet on a real containerd and a real API server: the seed's pods run unchanged (nginx:1.7.9 with
// containerPort 8090, the redis + nginx pod sharing an emptyDir, the RC), pods share localhost and volumes, and
// kubectl shows them Running with an IP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitForHttp } from '../support/containerd.js';
import { containerStatus, kubeletSkipReason, runningReady, startKubeletHarness, type KubeletHarness } from './kubelet-harness.js';

const skip = kubeletSkipReason(['busybox', 'nginx', 'redis']);

describe('kubelet runs pods', { skip }, () => {
  let h: KubeletHarness;
  before(async () => {
    h = await startKubeletHarness({ images: ['busybox', 'nginx', 'redis'] });
  });
  after(async () => {
    await h?.stop();
  });

  test('the node registers Ready with capacity, addresses and nodeInfo', async () => {
    const res = await h.kubectl(['get', 'node', h.nodeName, '-o', 'json']);
    assert.equal(res.code, 0, res.stderr);
    const node = JSON.parse(res.stdout);
    assert.equal(node.status.conditions.find((c: { type: string }) => c.type === 'Ready').status, 'True');
    assert.equal(node.status.capacity.pods, '110');
    assert.match(node.status.capacity.memory, /^\d+Ki$/);
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\//);
    assert.equal(node.status.nodeInfo.kubeletVersion, 'v1.32.0+kubelite');
    assert.equal(node.spec.podCIDR, h.ctrd.podCidr);
    assert.equal(node.metadata.labels['kubernetes.io/hostname'], h.nodeName);
    assert.ok(node.status.addresses.some((a: { type: string }) => a.type === 'InternalIP'));
  });

  test('the seed pod (nginx:1.7.9, containerPort 8090) runs and nginx answers on its pod IP', async () => {
    await h.createPod(`
apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  containers:
  - name: nginx
    image: nginx:1.7.9
    ports:
    - containerPort: 8090
`);
    const started = Date.now();
    const pod = await h.waitPod('nginx', 'Running and Ready', runningReady);
    const ms = Date.now() - started;
    assert.match(pod.status!.podIP!, /^10\.88\./);
    const cs = containerStatus(pod, 'nginx')!;
    assert.equal(cs.ready, true);
    assert.equal(cs.restartCount, 0);
    assert.match(cs.containerID!, /^containerd:\/\/[0-9a-f]{64}$/);
    assert.ok(cs.state?.running?.startedAt);
    const res = await waitForHttp(`http://${pod.status!.podIP}:80/`);
    assert.equal(res.status, 200);
    const get = await h.kubectl(['get', 'pods', 'nginx', '-o', 'wide']);
    assert.match(get.stdout, /nginx\s+1\/1\s+Running\s+0\s+\S+\s+10\.88\.\d+\.\d+\s+/);
    const reasons = (await h.events('nginx')).map((e) => e.reason);
    for (const r of ['Pulled', 'Created', 'Started']) assert.ok(reasons.includes(r), `event ${r} in ${reasons.join(',')}`);
    console.log(`# seed nginx pod Running+Ready in ${ms} ms (observed by polling)`);
  });
});
