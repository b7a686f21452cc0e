// The kubelet on a real containerd and a real API server: the seed's pods run unchanged (nginx:1.7.9 with
// containerPort 8090, the redis + nginx pod sharing an emptyDir, the RC), pods share localhost and volumes, and
// kubectl shows them Running with an IP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { CriPodRuntimeIndex } from '../../src/node/kubelet/index.js';
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

  /** Runs a command in a container of a pod through CRI; returns stdout (throws on a non-zero exit). */
  async function exec(pod: Pod, container: string, cmd: string[]): Promise<string> {
    const id = containerStatus(pod, container)!.containerID!.replace('containerd://', '');
    const res = await h.ctrd.client.execSync(id, cmd, { timeoutSeconds: 10 });
    if (res.exit_code !== 0) throw new Error(`${cmd.join(' ')} exited ${res.exit_code}: ${res.stderr.toString()}`);
    return res.stdout.toString();
  }

  test('the seed shared-volumes pod: redis and nginx share an emptyDir at /data/shared', async () => {
    await h.createPod(`
apiVersion: v1
kind: Pod
metadata:
  name: shared-volumes 
spec:
  containers:
  - name: redis
    image: redis
    volumeMounts:
    - name: shared-storage
      mountPath: /data/shared
  - name: nginx
    image: nginx
    volumeMounts:
    - name: shared-storage
      mountPath: /data/shared
  volumes:
  - name : shared-storage
    emptyDir: {}
`);
    const pod = await h.waitPod('shared-volumes', 'Running and Ready', runningReady);
    await exec(pod, 'redis', ['sh', '-c', 'echo from-redis > /data/shared/hello']);
    assert.equal((await exec(pod, 'nginx', ['cat', '/data/shared/hello'])).trim(), 'from-redis');
    const pong = await exec(pod, 'redis', ['sh', '-c', 'redis-cli ping 2>/dev/null || echo nocli']);
    assert.match(pong, /PONG|nocli/);
    assert.equal((await waitForHttp(`http://${pod.status!.podIP}:80/`)).status, 200);
  });

  test('the seed RC runs 3 nginx pods', async () => {
    const rc = `apiVersion: v1
kind: ReplicationController
metadata:
  name: nginx
spec:
  replicas: 3
  selector:
    app: nginx
  template:
    metadata:
      name: nginx
      labels:
        app: nginx
    spec:
      containers:
        - name: nginx
          image: nginx
          ports:
          - containerPort: 80
`;
    const res = await h.kubectl(['apply', '-f', '-'], rc);
    assert.equal(res.code, 0, res.stderr);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const list = await h.client.resource<Pod>('', 'v1', 'pods').namespace('default').list({ labelSelector: 'app=nginx' });
      const ready = list.items.filter(runningReady);
      if (ready.length === 3) {
        assert.equal(new Set(ready.map((p) => p.status!.podIP)).size, 3);
        break;
      }
      if (Date.now() > deadline) assert.fail(`RC pods not ready: ${list.items.map((p) => p.status?.phase).join(',')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const del = await h.kubectl(['delete', 'rc', 'nginx', '--wait=false']);
    assert.equal(del.code, 0, del.stderr);
  });

  test('containers of a pod share localhost and an emptyDir; init containers run first, in order', async () => {
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'duo', labels: { tier: 'web' } },
      spec: {
        initContainers: [
          { name: 'init-a', image: 'busybox:1.36', command: ['sh', '-c', 'echo a > /shared/order'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
          { name: 'init-b', image: 'busybox:1.36', command: ['sh', '-c', 'echo b >> /shared/order; echo hello-from-init > /shared/index.html'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
        ],
        containers: [
          { name: 'web', image: 'busybox:1.36', command: ['httpd', '-f', '-p', '8080', '-h', '/shared'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
          {
            name: 'client', image: 'busybox:1.36', command: ['sh', '-c', 'sleep 3600'],
            env: [
              { name: 'MY_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'MY_TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
              { name: 'GREETING', value: 'hi $(MY_POD)' },
              { name: 'MEM_LIMIT_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
            ],
            resources: { limits: { memory: '64Mi', cpu: '200m' } },
            volumeMounts: [{ name: 'mem', mountPath: '/mem' }],
          },
        ],
        volumes: [{ name: 'shared', emptyDir: {} }, { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } }],
      },
    });
    const pod = await h.waitPod('duo', 'Running and Ready', runningReady);
    assert.equal((await exec(pod, 'client', ['cat', '/proc/1/cmdline'])).includes('sleep'), true, 'own pid namespace');
    assert.equal((await exec(pod, 'web', ['cat', '/shared/order'])).trim(), 'a\nb');
    assert.equal((await exec(pod, 'client', ['wget', '-qO-', 'http://localhost:8080/index.html'])).trim(), 'hello-from-init');
    const env = await exec(pod, 'client', ['env']);
    assert.match(env, /^MY_POD=duo$/m);
    assert.match(env, new RegExp(`^MY_IP=${pod.status!.podIP!.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(env, /^MY_TIER=web$/m);
    assert.match(env, /^GREETING=hi duo$/m);
    assert.match(env, /^MEM_LIMIT_MI=64$/m);
    assert.match(env, /^KUBERNETES_SERVICE_HOST=/m);
    assert.match(await exec(pod, 'client', ['cat', '/proc/mounts']), /^tmpfs \/mem tmpfs .*size=8192k/m);
    // The runtime index the kubelet server uses finds the pod, its containers and their CRI log files.
    const index = new CriPodRuntimeIndex(h.ctrd.client, { dataDir: h.dataDir });
    const info = await index.findPod('default', 'duo');
    assert.equal(info?.uid, pod.metadata!.uid);
    assert.equal(info?.sandboxState, 'SANDBOX_READY');
    const web = await index.findContainer('default', 'duo', 'web');
    assert.equal(`containerd://${web?.id}`, containerStatus(pod, 'web')!.containerID);
    assert.equal(web?.logPath, join(h.dataDir, 'pods', pod.metadata!.uid!, 'logs', 'web', '0.log'));
    assert.ok(existsSync(web!.logPath));
    assert.equal(await index.findContainer('default', 'duo'), undefined, 'two app containers: a name is needed');
    assert.equal((await index.findContainer('default', 'duo', 'init-a'))?.isInit, true);
    assert.deepEqual(index.podVolumes(pod.metadata!.uid!).map((v) => v.name).sort(), ['mem', 'shared']);
    const inits = pod.status!.initContainerStatuses!;
    assert.deepEqual(inits.map((s) => [s.name, s.state?.terminated?.reason, s.state?.terminated?.exitCode]), [['init-a', 'Completed', 0], ['init-b', 'Completed', 0]]);
    assert.equal(pod.status!.conditions!.find((c) => c.type === 'Initialized')!.status, 'True');
    assert.equal(pod.status!.qosClass, 'Burstable');
  });

  test('a missing configMap key is CreateContainerConfigError; the pod starts once it exists', async () => {
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'needs-cm' },
      spec: { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'], env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'late-cm', key: 'k' } } }] }] },
    });
    const waiting = await h.waitPod('needs-cm', 'CreateContainerConfigError', (p) => containerStatus(p, 'c')?.state?.waiting?.reason === 'CreateContainerConfigError');
    assert.equal(containerStatus(waiting, 'c')!.state!.waiting!.message, 'configmap "late-cm" not found');
    await h.client.resource('', 'v1', 'configmaps').namespace('default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late-cm' }, ...{ data: { k: 'v1' } } });
    const pod = await h.waitPod('needs-cm', 'Running', runningReady, 20_000);
    assert.match(await exec(pod, 'c', ['env']), /^K=v1$/m);
  });

  test('hostPath (DirectoryOrCreate) and configMap volumes; configMap updates reach the mounted files', async (t) => {
    const hostDir = join(mkdtempSync(join(tmpdir(), 'kl-hostpath-')), 'made-by-kubelet');
    t.after(() => rmSync(join(hostDir, '..'), { recursive: true, force: true }));
    const cms = h.client.resource('', 'v1', 'configmaps').namespace('default');
    await cms.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, ...{ data: { 'app.conf': 'color=blue\n', other: 'x' } } });
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'vols' },
      spec: {
        containers: [{
          name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'echo written-in-pod > /host/file; sleep 3600'],
          volumeMounts: [{ name: 'host', mountPath: '/host' }, { name: 'cfg', mountPath: '/etc/cfg' }, { name: 'cfg', mountPath: '/etc/one.conf', subPath: 'app.conf' }],
        }],
        volumes: [
          { name: 'host', hostPath: { path: hostDir, type: 'DirectoryOrCreate' } },
          { name: 'cfg', configMap: { name: 'settings', items: [{ key: 'app.conf', path: 'app.conf' }], defaultMode: 0o600 } },
        ],
      },
    });
    const pod = await h.waitPod('vols', 'Running', runningReady);
    const deadline = Date.now() + 5000;
    while (!existsSync(join(hostDir, 'file')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(readFileSync(join(hostDir, 'file'), 'utf8').trim(), 'written-in-pod');
    assert.equal(await exec(pod, 'c', ['cat', '/etc/cfg/app.conf']), 'color=blue\n');
    assert.equal(await exec(pod, 'c', ['cat', '/etc/one.conf']), 'color=blue\n');
    assert.match(await exec(pod, 'c', ['ls', '-lL', '/etc/cfg/app.conf']), /^-rw-------/);
    assert.equal((await exec(pod, 'c', ['ls', '/etc/cfg'])).trim(), 'app.conf');
    const cm = await cms.get('settings') as { data: Record<string, string>; metadata: object };
    await cms.update({ ...cm, data: { ...cm.data, 'app.conf': 'color=green\n' } } as never);
    const started = Date.now();
    for (;;) {
      if ((await exec(pod, 'c', ['cat', '/etc/cfg/app.conf'])) === 'color=green\n') break;
      if (Date.now() - started > 30_000) assert.fail('configMap update did not propagate within 30 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log(`# configMap update propagated in ${Date.now() - started} ms`);
    // A subPath mount is a snapshot, as upstream: it keeps the old content.
    assert.equal(await exec(pod, 'c', ['cat', '/etc/one.conf']), 'color=blue\n');
  });

  test('a gitRepo volume clones a local repository at the given revision', async (t) => {
    const repoDir = mkdtempSync(join(tmpdir(), 'kl-git-'));
    t.after(() => rmSync(repoDir, { recursive: true, force: true }));
    const git = (...args: string[]) => execFileSync('git', ['-C', repoDir, '-c', 'user.name=t', '-c', 'user.email=t@e', ...args], { encoding: 'utf8' }).trim();
    git('init', '-q');
    writeFileSync(join(repoDir, 'README'), 'first\n');
    git('add', 'README');
    git('commit', '-qm', 'first');
    const first = git('rev-parse', 'HEAD');
    writeFileSync(join(repoDir, 'README'), 'second\n');
    git('commit', '-qam', 'second');
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'git' },
      spec: {
        containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'], volumeMounts: [{ name: 'src', mountPath: '/src' }, { name: 'head', mountPath: '/head' }] }],
        volumes: [
          { name: 'src', gitRepo: { repository: repoDir, revision: first, directory: '.' } },
          { name: 'head', gitRepo: { repository: repoDir } },
        ],
      },
    });
    const pod = await h.waitPod('git', 'Running', runningReady);
    assert.equal(await exec(pod, 'c', ['cat', '/src/README']), 'first\n');
    const name = repoDir.split('/').pop()!;
    assert.equal(await exec(pod, 'c', ['cat', `/head/${name}/README`]), 'second\n');
  });

  test('graceful deletion runs preStop, then TERM, then KILL after the grace period, and removes the pod', async (t) => {
    const marker = mkdtempSync(join(tmpdir(), 'kl-prestop-'));
    t.after(() => rmSync(marker, { recursive: true, force: true }));
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stubborn' },
      spec: {
        terminationGracePeriodSeconds: 4,
        containers: [{
          name: 'c', image: 'busybox:1.36', command: ['sh', '-c', "trap 'echo got-term >> /m/log' TERM; while true; do sleep 0.2; done"],
          lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo prestop >> /m/log'] } } },
          volumeMounts: [{ name: 'm', mountPath: '/m' }],
        }],
        volumes: [{ name: 'm', hostPath: { path: marker } }],
      },
    });
    const pod = await h.waitPod('stubborn', 'Running', runningReady);
    const uid = pod.metadata!.uid!;
    const started = Date.now();
    const del = await h.kubectl(['delete', 'pod', 'stubborn', '--wait=true', '--timeout=60s']);
    const ms = Date.now() - started;
    assert.equal(del.code, 0, del.stderr);
    assert.deepEqual(readFileSync(join(marker, 'log'), 'utf8').trim().split('\n'), ['prestop', 'got-term']);
    assert.ok(ms >= 3500 && ms < 12_000, `deletion took ${ms} ms with a 4 s grace period`);
    const left = await h.ctrd.client.listPodSandbox({ label_selector: { 'io.kubernetes.pod.uid': uid } });
    assert.equal(left.length, 0, 'sandbox removed');
    assert.equal(existsSync(join(h.dataDir, 'pods', uid)), false, 'pod directory removed');
    const reasons = (await h.events('stubborn')).map((e) => `${e.reason}:${e.message}`);
    assert.ok(reasons.includes('Killing:Stopping container c'), reasons.join('\n'));
    console.log(`# graceful deletion with a 4 s grace took ${ms} ms`);
  });

  test('a PersistentVolumeClaim of the local-path class gets a local-path volume on this node, mounted into the pod', async () => {
    await h.client.resource('', 'v1', 'persistentvolumeclaims').namespace('default').create({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' },
      // Named explicitly: the API server does not yet default storageClassName from the default StorageClass.
      ...{ spec: { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    } as never);
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'claimant' },
      spec: {
        containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'echo persisted > /data/f; sleep 3600'], volumeMounts: [{ name: 'd', mountPath: '/data' }] }],
        volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }],
      },
    });
    const pod = await h.waitPod('claimant', 'Running', runningReady, 45_000);
    const claim = await h.client.resource('', 'v1', 'persistentvolumeclaims').namespace('default').get('data') as { spec: { volumeName: string } };
    const pv = await h.client.resource('', 'v1', 'persistentvolumes').get(claim.spec.volumeName) as { spec: { hostPath: { path: string } } };
    assert.ok(pv.spec.hostPath.path.startsWith(join(h.dataDir, 'storage')), pv.spec.hostPath.path);
    assert.equal((await exec(pod, 'c', ['cat', '/data/f'])).trim(), 'persisted');
    assert.equal(readFileSync(join(pv.spec.hostPath.path, 'f'), 'utf8').trim(), 'persisted');
  });
});
