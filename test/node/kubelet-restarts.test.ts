// The kubelet's restart and health machinery on a real containerd: CrashLoopBackOff with its back-off, liveness
// (exec) restarts with the Unhealthy and Killing events, readiness (HTTP) toggling the Ready condition, TCP
// probes, startup probes gating liveness, OOMKilled, and pods that finish (Never → Succeeded/Failed).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { containerStatus, kubeletSkipReason, runningReady, startKubeletHarness, type KubeletHarness } from './kubelet-harness.js';

const skip = kubeletSkipReason(['busybox']);
const ready = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status;

describe('kubelet restarts and probes', { skip }, () => {
  let h: KubeletHarness;
  before(async () => {
    h = await startKubeletHarness({ images: ['busybox'] });
  });
  after(async () => {
    await h?.stop();
  });

  async function exec(pod: Pod, container: string, cmd: string[]): Promise<string> {
    const id = containerStatus(pod, container)!.containerID!.replace('containerd://', '');
    const res = await h.ctrd.client.execSync(id, cmd, { timeoutSeconds: 10 });
    if (res.exit_code !== 0) throw new Error(`${cmd.join(' ')} exited ${res.exit_code}`);
    return res.stdout.toString();
  }

  test('a crashing container goes into CrashLoopBackOff with lastState Error and a growing restartCount', async () => {
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'crash' },
      spec: { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'echo dying; exit 3'] }] },
    });
    const pod = await h.waitPod('crash', 'CrashLoopBackOff', (p) => containerStatus(p, 'c')?.state?.waiting?.reason === 'CrashLoopBackOff');
    const cs = containerStatus(pod, 'c')!;
    assert.ok(cs.restartCount! >= 1, `restartCount ${cs.restartCount}`);
    assert.equal(cs.lastState?.terminated?.exitCode, 3);
    assert.equal(cs.lastState?.terminated?.reason, 'Error');
    assert.match(cs.state!.waiting!.message!, /^back-off 10s restarting failed container=c pod=crash_default\(/);
    assert.equal(pod.status!.phase, 'Running');
    const ev = (await h.events('crash')).find((e) => e.reason === 'BackOff');
    assert.match(ev!.message!, /^Back-off restarting failed container c in pod crash_default\(/);
    const get = await h.kubectl(['get', 'pod', 'crash']);
    assert.match(get.stdout, /crash\s+0\/1\s+CrashLoopBackOff\s+\d+/);
    // Within the 10 s back-off it does not restart; after it, it does (restartCount grows).
    const before = cs.restartCount!;
    const later = await h.waitPod('crash', 'another restart after the back-off', (p) => (containerStatus(p, 'c')?.restartCount ?? 0) > before, 25_000);
    assert.equal(containerStatus(later, 'c')!.restartCount, before + 1);
  });

  test('a failing liveness exec probe restarts the container, with Unhealthy and Killing events', async () => {
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'live' },
      spec: {
        // sh as PID 1 ignores TERM: the kill takes the whole grace period.
        terminationGracePeriodSeconds: 2,
        containers: [{
          name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'touch /tmp/healthy; sleep 3; rm /tmp/healthy; sleep 3600'],
          livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2 },
        }],
      },
    });
    const first = await h.waitPod('live', 'Running', runningReady);
    const firstId = containerStatus(first, 'c')!.containerID;
    const pod = await h.waitPod('live', 'restartCount 1', (p) => containerStatus(p, 'c')?.restartCount === 1 && !!containerStatus(p, 'c')?.state?.running, 30_000);
    const cs = containerStatus(pod, 'c')!;
    assert.notEqual(cs.containerID, firstId);
    assert.equal(cs.lastState?.terminated?.exitCode, 137);
    const events = await h.events('live');
    const unhealthy = events.find((e) => e.reason === 'Unhealthy');
    assert.equal(unhealthy?.type, 'Warning');
    assert.match(unhealthy!.message!, /^Liveness probe failed: cat: can't open '\/tmp\/healthy': No such file or directory/);
    assert.equal(unhealthy!.involvedObject.fieldPath, 'spec.containers{c}');
    const killing = events.find((e) => e.reason === 'Killing');
    assert.equal(killing?.message, 'Container c failed liveness probe, will be restarted');
  });

  test('a readiness HTTP probe toggles the container and the pod Ready condition', async () => {
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ready' },
      spec: {
        containers: [{
          name: 'web', image: 'busybox:1.36', command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/healthz && httpd -f -p 8080 -h /www'],
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
        }],
      },
    });
    let pod = await h.waitPod('ready', 'Ready', (p) => ready(p) === 'True');
    assert.equal(containerStatus(pod, 'web')!.ready, true);
    await exec(pod, 'web', ['rm', '/www/healthz']);
    pod = await h.waitPod('ready', 'not Ready', (p) => ready(p) === 'False', 10_000);
    assert.equal(containerStatus(pod, 'web')!.ready, false);
    assert.equal(pod.status!.conditions!.find((c) => c.type === 'Ready')!.reason, 'ContainersNotReady');
    assert.equal(pod.status!.phase, 'Running');
    const ev = (await h.events('ready')).find((e) => e.reason === 'Unhealthy');
    assert.equal(ev?.message, 'Readiness probe failed: HTTP probe failed with statuscode: 404');
    await exec(pod, 'web', ['sh', '-c', 'echo ok > /www/healthz']);
    pod = await h.waitPod('ready', 'Ready again', (p) => ready(p) === 'True', 10_000);
    assert.equal(containerStatus(pod, 'web')!.restartCount, 0);
  });

  test('TCP probes: an open port is ready, a closed one is not; a startup probe gates liveness', async () => {
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'tcp' },
      spec: {
        containers: [
          {
            name: 'open', image: 'busybox:1.36', command: ['httpd', '-f', '-p', '9000'],
            readinessProbe: { tcpSocket: { port: 9000 }, periodSeconds: 1 },
            startupProbe: { tcpSocket: { port: 9000 }, periodSeconds: 1, failureThreshold: 30 },
            livenessProbe: { tcpSocket: { port: 9000 }, periodSeconds: 1 },
          },
          { name: 'closed', image: 'busybox:1.36', command: ['sleep', '3600'], readinessProbe: { tcpSocket: { port: 9001 }, periodSeconds: 1, failureThreshold: 1 } },
        ],
      },
    });
    const pod = await h.waitPod('tcp', 'open ready', (p) => containerStatus(p, 'open')?.ready === true);
    assert.equal(containerStatus(pod, 'open')!.started, true);
    assert.equal(containerStatus(pod, 'closed')!.ready, false);
    assert.equal(ready(pod), 'False');
    const ev = (await h.events('tcp')).find((e) => e.reason === 'Unhealthy' && e.involvedObject.fieldPath === 'spec.containers{closed}');
    assert.match(ev!.message!, /^Readiness probe failed: dial tcp 10\.88\.\d+\.\d+:9001: connect: connection refused$/);
  });

  test('a container over its memory limit is OOMKilled; with restartPolicy Never the pod fails', async () => {
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'oom' },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'hog', image: 'busybox:1.36', command: ['sh', '-c', 'tail /dev/zero'], resources: { limits: { memory: '16Mi' } } }],
      },
    });
    const pod = await h.waitPod('oom', 'Failed', (p) => p.status?.phase === 'Failed', 30_000);
    const t = containerStatus(pod, 'hog')!.state!.terminated!;
    assert.equal(t.reason, 'OOMKilled');
    assert.equal(t.exitCode, 137);
    assert.equal(pod.status!.conditions!.find((c) => c.type === 'Ready')!.reason, 'PodCompleted');
  });

  test('restartPolicy Never: exit 0 is Succeeded, the sandbox is stopped but kept; OnFailure restarts only failures', async () => {
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'job-ok' },
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'echo done > /dev/termination-log'] }] },
    });
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'job-retry' },
      spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'exit 1'] }] },
    });
    const ok = await h.waitPod('job-ok', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
    const t = containerStatus(ok, 'c')!.state!.terminated!;
    assert.equal(t.reason, 'Completed');
    assert.equal(t.message, 'done\n');
    const sandboxes = await h.ctrd.client.listPodSandbox({ label_selector: { 'io.kubernetes.pod.uid': ok.metadata!.uid! } });
    assert.equal(sandboxes.length, 1);
    const deadline = Date.now() + 5000;
    let state = sandboxes[0].state;
    while (state !== 'SANDBOX_NOTREADY' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await h.ctrd.client.listPodSandbox({ id: sandboxes[0].id }))[0].state;
    }
    assert.equal(state, 'SANDBOX_NOTREADY');
    const retry = await h.waitPod('job-retry', 'a restart', (p) => (containerStatus(p, 'c')?.restartCount ?? 0) >= 1);
    assert.equal(retry.status!.phase, 'Running');
  });

  test('securityContext: runAsUser/Group, readOnlyRootFilesystem, capabilities, runAsNonRoot; hostNetwork', async () => {
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'secure' },
      spec: {
        securityContext: { runAsUser: 1000, runAsGroup: 3000 },
        containers: [
          { name: 'ro', image: 'busybox:1.36', command: ['sleep', '3600'], securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
          { name: 'root', image: 'busybox:1.36', command: ['sleep', '3600'], securityContext: { runAsUser: 0, capabilities: { add: ['NET_ADMIN'] } } },
        ],
      },
    });
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nonroot' },
      spec: { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'], securityContext: { runAsNonRoot: true } }] },
    });
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hostnet' },
      spec: { hostNetwork: true, containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
    });
    const pod = await h.waitPod('secure', 'Running', runningReady);
    assert.equal((await exec(pod, 'ro', ['id', '-u'])).trim(), '1000');
    assert.equal((await exec(pod, 'ro', ['id', '-g'])).trim(), '3000');
    const id = containerStatus(pod, 'ro')!.containerID!.replace('containerd://', '');
    const touch = await h.ctrd.client.execSync(id, ['touch', '/tmp/x'], { timeoutSeconds: 5 });
    assert.notEqual(touch.exit_code, 0, 'read-only root filesystem');
    assert.match(await exec(pod, 'ro', ['grep', 'CapEff', '/proc/self/status']), /CapEff:\s+0000000000000000/);
    assert.match(await exec(pod, 'ro', ['grep', 'NoNewPrivs', '/proc/self/status']), /NoNewPrivs:\s+1/);
    assert.equal((await exec(pod, 'root', ['id', '-u'])).trim(), '0');
    const capEff = /CapEff:\s+([0-9a-f]+)/.exec(await exec(pod, 'root', ['grep', 'CapEff', '/proc/self/status']))![1];
    assert.ok((BigInt(`0x${capEff}`) & (1n << 12n)) !== 0n, 'NET_ADMIN added');
    const nonroot = await h.waitPod('nonroot', 'CreateContainerConfigError', (p) => containerStatus(p, 'c')?.state?.waiting?.reason === 'CreateContainerConfigError');
    assert.match(containerStatus(nonroot, 'c')!.state!.waiting!.message!, /^container has runAsNonRoot and image will run as root \(pod: "nonroot_default\(/);
    const hostnet = await h.waitPod('hostnet', 'Running', runningReady);
    assert.equal(hostnet.status!.podIP, hostnet.status!.hostIP);
  });

  test('the kubelet fails pods past activeDeadlineSeconds and evicts pods over an emptyDir sizeLimit', async () => {
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'deadline' },
      spec: { activeDeadlineSeconds: 2, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
    });
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hoarder' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'dd if=/dev/zero of=/cache/blob bs=1024 count=3072; sleep 3600'], volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }],
        volumes: [{ name: 'cache', emptyDir: { sizeLimit: '1Mi' } }],
      },
    });
    const dl = await h.waitPod('deadline', 'Failed', (p) => p.status?.phase === 'Failed', 20_000);
    assert.equal(dl.status!.reason, 'DeadlineExceeded');
    assert.equal(containerStatus(dl, 'c')!.state!.terminated?.exitCode !== undefined, true, 'container stopped');
    const ev = await h.waitPod('hoarder', 'Evicted', (p) => p.status?.phase === 'Failed', 40_000);
    assert.equal(ev.status!.reason, 'Evicted');
    assert.equal(ev.status!.message, 'Usage of EmptyDir volume "cache" exceeds the limit "1Mi". ');
  });

  test('postStart hooks run after the start; a failing one kills the container with FailedPostStartHook', async () => {
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hooks' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          { name: 'good', image: 'busybox:1.36', command: ['sleep', '3600'], lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo hooked > /tmp/hook'] } } } },
          { name: 'bad', image: 'busybox:1.36', command: ['sleep', '3600'], lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo no >&2; exit 7'] } } } },
        ],
      },
    });
    const pod = await h.waitPod('hooks', 'good running, bad restarted', (p) => !!containerStatus(p, 'good')?.state?.running && (containerStatus(p, 'bad')?.restartCount ?? 0) >= 1, 30_000);
    assert.equal((await exec(pod, 'good', ['cat', '/tmp/hook'])).trim(), 'hooked');
    const ev = (await h.events('hooks')).find((e) => e.reason === 'FailedPostStartHook');
    assert.equal(ev?.type, 'Warning');
    assert.equal(ev?.involvedObject.fieldPath, 'spec.containers{bad}');
  });

  test('container logs over 10 MiB are rotated and the runtime keeps writing to the same path', async () => {
    await h.createPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'chatty' },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'yes line-of-log | head -c 12000000; while true; do echo tick; sleep 0.5; done'] }] },
    });
    const pod = await h.waitPod('chatty', 'Running', runningReady);
    const dir = join(h.dataDir, 'pods', pod.metadata!.uid!, 'logs', 'c');
    const deadline = Date.now() + 30_000;
    while (readdirSync(dir).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const files = readdirSync(dir).sort();
    assert.equal(files.length, 2, files.join(','));
    assert.match(files[1], /^0\.log\.\d{8}-\d{6}$/);
    await new Promise((r) => setTimeout(r, 1500));
    assert.match(readFileSync(join(dir, '0.log'), 'utf8'), / stdout F tick\n/);
    assert.ok(statSync(join(dir, '0.log')).size < 1024 * 1024);
  });
});
