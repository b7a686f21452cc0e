// Conformance-style tests of the CRI client against a real private containerd: sandboxes, containers, a real
// nginx answering on its pod IP, shared localhost, exec (sync and streamed), CRI log files, stats and errors.
// Skipped with a reason when not root or containerd/runc/CNI are missing; CI runs them as root.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { CriError, isNotFound, type PodSandboxConfigInput } from '../../src/node/cri/index.js';
import { containerdSkipReason, startTestContainerd, waitForHttp, type TestContainerd } from '../support/containerd.js';

const skip = containerdSkipReason(['busybox', 'nginx', 'redis']);

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('CRI client against containerd', { skip }, () => {
  let node: TestContainerd;
  before(async () => {
    node = await startTestContainerd({ images: ['busybox', 'nginx', 'redis'] });
  });
  after(async () => {
    await node?.stop();
  });

  /** Runs a sandbox and one container per spec; returns ids. */
  async function runPod(name: string, containers: { name: string; image: string; command?: string[]; args?: string[] }[], extra?: PodSandboxConfigInput) {
    const sandboxConfig = node.sandboxConfig(name, extra);
    const sandboxId = await node.client.runPodSandbox(sandboxConfig);
    const ids: string[] = [];
    for (const c of containers) {
      const id = await node.client.createContainer(sandboxId, {
        metadata: { name: c.name, attempt: 0 }, image: { image: c.image }, command: c.command ?? [], args: c.args ?? [],
        log_path: `${c.name}/0.log`,
        // As the kubelet does for a pod without shareProcessNamespace: the CRI default would be the pod's.
        linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
      }, sandboxConfig);
      await node.client.startContainer(id);
      ids.push(id);
    }
    const status = await node.client.podSandboxStatus(sandboxId);
    return { sandboxId, sandboxConfig, ids, ip: status.status!.network!.ip };
  }

  async function removePod(sandboxId: string) {
    await node.client.stopPodSandbox(sandboxId);
    await node.client.removePodSandbox(sandboxId);
  }

  test('version and status report a ready containerd with a ready network', async () => {
    const v = await node.client.version();
    assert.equal(v.runtime_name, 'containerd');
    assert.equal(v.runtime_api_version, 'v1');
    const st = await node.client.status();
    const cond = Object.fromEntries(st.status!.conditions.map((c) => [c.type, c.status]));
    assert.deepEqual(cond, { RuntimeReady: true, NetworkReady: true });
  });

  test('an nginx pod answers HTTP 200 on its pod IP from the host', async (t) => {
    const t0 = Date.now();
    const pod = await runPod('web', [{ name: 'nginx', image: 'nginx:1.7.9' }]);
    t.after(() => removePod(pod.sandboxId));
    assert.match(pod.ip, /^10\.88\.\d+\.\d+$/);
    const res = await waitForHttp(`http://${pod.ip}/`);
    t.diagnostic(`RunPodSandbox → HTTP 200 in ${Date.now() - t0} ms`);
    assert.equal(res.status, 200);
    assert.match(res.body, /Welcome to nginx!/);

    const sandboxes = await node.client.listPodSandbox({ state: 'SANDBOX_READY' });
    assert.ok(sandboxes.some((s) => s.id === pod.sandboxId && s.metadata?.name === 'web'));
    const containers = await node.client.listContainers({ pod_sandbox_id: pod.sandboxId });
    assert.deepEqual(containers.map((c) => [c.metadata?.name, c.state]), [['nginx', 'CONTAINER_RUNNING']]);
    const cs = (await node.client.containerStatus(pod.ids[0]!)).status!;
    assert.equal(cs.state, 'CONTAINER_RUNNING');
    assert.ok(BigInt(cs.started_at) > 0n);
    assert.match(cs.image_ref, /^sha256:[0-9a-f]{64}$/);
    assert.equal(cs.log_path, join(pod.sandboxConfig.log_directory!, 'nginx/0.log'));
  });

  test('a redis pod answers PING from the host and SET/GET through redis-cli', async (t) => {
    const pod = await runPod('cache', [{ name: 'redis', image: 'redis' }]);
    t.after(() => removePod(pod.sandboxId));
    const reply = await waitFor('redis to answer', () => new Promise<string | undefined>((resolve) => {
      const sock = connect(6379, pod.ip);
      let data = '';
      sock.setTimeout(1000, () => sock.destroy());
      sock.on('connect', () => sock.write('PING\r\n'));
      sock.on('data', (d) => { data += d.toString(); if (data.includes('\r\n')) sock.end(); });
      sock.on('close', () => resolve(data || undefined));
      sock.on('error', () => undefined);
    }));
    assert.equal(reply, '+PONG\r\n');
    const set = await node.client.execSync(pod.ids[0]!, ['redis-cli', 'SET', 'k', 'v'], { timeoutSeconds: 10 });
    assert.equal(set.stdout.toString(), 'OK\n');
    const get = await node.client.execSync(pod.ids[0]!, ['redis-cli', 'GET', 'k'], { timeoutSeconds: 10 });
    assert.equal(get.stdout.toString(), 'v\n');
  });

  test('two containers of one sandbox share localhost', async (t) => {
    const pod = await runPod('pair', [
      { name: 'nginx', image: 'nginx' },
      { name: 'sidecar', image: 'busybox', command: ['sleep', '3600'] },
    ]);
    t.after(() => removePod(pod.sandboxId));
    await waitForHttp(`http://${pod.ip}/`);
    const res = await node.client.execSync(pod.ids[1]!, ['wget', '-qO-', 'http://127.0.0.1:80/'], { timeoutSeconds: 10 });
    assert.equal(res.exit_code, 0, res.stderr.toString());
    assert.match(res.stdout.toString(), /Welcome to nginx!/);
    // Same network namespace, separate PID namespaces (pid: CONTAINER): the sidecar cannot see nginx's processes
    // and its own command is PID 1.
    const ps = await node.client.execSync(pod.ids[1]!, ['ps', '-o', 'pid,args'], { timeoutSeconds: 10 });
    assert.doesNotMatch(ps.stdout.toString(), /nginx/);
    assert.match(ps.stdout.toString(), /^\s*1 sleep 3600$/m);
  });

  test('execSync returns stdout, stderr and a non-zero exit code without failing the call', async (t) => {
    const pod = await runPod('exec', [{ name: 'box', image: 'busybox:1.36', command: ['sleep', '3600'] }]);
    t.after(() => removePod(pod.sandboxId));
    const res = await node.client.execSync(pod.ids[0]!, ['sh', '-c', 'echo out; echo err >&2; exit 3'], { timeoutSeconds: 10 });
    assert.equal(res.exit_code, 3);
    assert.equal(res.stdout.toString(), 'out\n');
    assert.equal(res.stderr.toString(), 'err\n');
  });

  test('exec URL streams output and the exit status over WebSocket v4.channel.k8s.io', async (t) => {
    const pod = await runPod('stream', [{ name: 'box', image: 'busybox', command: ['sleep', '3600'] }]);
    t.after(() => removePod(pod.sandboxId));
    const url = await node.client.exec({ container_id: pod.ids[0]!, cmd: ['sh', '-c', 'echo streamed; exit 7'], stdout: true, stderr: true });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\//);
    const frames: { channel: number; data: string }[] = await new Promise((resolve, reject) => {
      const out: { channel: number; data: string }[] = [];
      const ws = new WebSocket(url.replace(/^http/, 'ws'), ['v4.channel.k8s.io']);
      ws.on('message', (d: Buffer) => out.push({ channel: d[0]!, data: d.subarray(1).toString() }));
      ws.on('close', () => resolve(out));
      ws.on('error', reject);
    });
    assert.equal(frames.filter((f) => f.channel === 1).map((f) => f.data).join(''), 'streamed\n');
    const status = JSON.parse(frames.find((f) => f.channel === 3)!.data) as { status: string; reason?: string; details?: { causes?: { reason: string; message: string }[] } };
    assert.equal(status.status, 'Failure');
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.deepEqual(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message, '7');

    const pf = await node.client.portForward(pod.sandboxId, [80]);
    assert.match(pf, /^http:\/\/127\.0\.0\.1:\d+\/portforward\//);
    const at = await node.client.attach({ container_id: pod.ids[0]!, stdout: true, stderr: true });
    assert.match(at, /^http:\/\/127\.0\.0\.1:\d+\/attach\//);
  });

  test('container output lands in the CRI log file, and exit code and reason are reported', async (t) => {
    const pod = await runPod('logs', [{ name: 'say', image: 'busybox', command: ['sh', '-c', 'echo hello; echo oops >&2; printf partial; exit 2'] }]);
    t.after(() => removePod(pod.sandboxId));
    const status = await waitFor('the container to exit', async () => {
      const s = (await node.client.containerStatus(pod.ids[0]!)).status!;
      return s.state === 'CONTAINER_EXITED' ? s : undefined;
    });
    assert.equal(status.exit_code, 2);
    assert.equal(status.reason, 'Error');
    // Both times are set, but not always in order: for a command that exits at once, containerd 1.6 can stamp
    // finished_at (from the shim's exit event) slightly before started_at (taken after the start call returns).
    assert.ok(BigInt(status.started_at) > 0n && BigInt(status.finished_at) > 0n);
    const lines = readFileSync(status.log_path, 'utf8').trimEnd().split('\n');
    const parsed = lines.map((l) => /^(\S+) (stdout|stderr) ([FP]) (.*)$/.exec(l));
    assert.ok(parsed.every((m) => m && !Number.isNaN(Date.parse(m[1]!))), lines.join('\n'));
    const stdout = parsed.filter((m) => m![2] === 'stdout').map((m) => [m![3], m![4]]);
    assert.deepEqual(stdout, [['F', 'hello'], ['P', 'partial']]);
    assert.deepEqual(parsed.filter((m) => m![2] === 'stderr').map((m) => m![4]), ['oops']);
  });

  test('stats: container cpu and memory, sandbox network', async (t) => {
    const pod = await runPod('stats', [{ name: 'spin', image: 'busybox', command: ['sh', '-c', 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 3600'] }]);
    t.after(() => removePod(pod.sandboxId));
    const stats = await waitFor('cpu usage', async () => {
      const s = await node.client.containerStats(pod.ids[0]!);
      return s && Number(s.cpu?.usage_core_nano_seconds?.value ?? 0) > 0 ? s : undefined;
    });
    assert.equal(stats.attributes?.metadata?.name, 'spin');
    assert.ok(Number(stats.memory?.working_set_bytes?.value ?? 0) > 0);
    const list = await node.client.listContainerStats({ pod_sandbox_id: pod.sandboxId });
    assert.deepEqual(list.map((s) => s.attributes?.id), [pod.ids[0]]);
    const ps = await node.client.podSandboxStats(pod.sandboxId);
    assert.equal(ps?.attributes?.id, pod.sandboxId);
    assert.equal(ps?.linux?.network?.default_interface?.name, 'eth0');
    assert.ok(Number(ps?.linux?.memory?.working_set_bytes?.value ?? 0) > 0);
    const all = await node.client.listPodSandboxStats();
    assert.ok(all.some((s) => s.attributes?.id === pod.sandboxId));
  });

  test('stopContainer stops a container that ignores SIGTERM after the grace period', async (t) => {
    const pod = await runPod('stop', [{ name: 'stubborn', image: 'busybox', command: ['sleep', '3600'] }]);
    t.after(() => removePod(pod.sandboxId));
    const started = Date.now();
    await node.client.stopContainer(pod.ids[0]!, 1);
    const took = Date.now() - started;
    const s = (await node.client.containerStatus(pod.ids[0]!)).status!;
    assert.equal(s.state, 'CONTAINER_EXITED');
    assert.equal(s.exit_code, 137); // SIGKILL: sleep as PID 1 ignores TERM
    assert.ok(took >= 900 && took < 10_000, `stop took ${took} ms`);
    await node.client.removeContainer(pod.ids[0]!);
    await node.client.removeContainer(pod.ids[0]!); // idempotent
    assert.deepEqual(await node.client.listContainers({ pod_sandbox_id: pod.sandboxId }), []);
  });

  test('errors carry the gRPC code', async () => {
    await assert.rejects(node.client.containerStatus('does-not-exist'), (err: unknown) => {
      assert.ok(err instanceof CriError);
      assert.equal(err.code, 'NOT_FOUND');
      assert.equal(err.grpcCode, 5);
      assert.equal(err.method, 'ContainerStatus');
      return true;
    });
    const cfg = node.sandboxConfig('missing-image');
    const sb = await node.client.runPodSandbox(cfg);
    try {
      await assert.rejects(
        node.client.createContainer(sb, { metadata: { name: 'x' }, image: { image: 'nosuch/image:1' } }, cfg),
        (err: unknown) => isNotFound(err),
      );
    } finally {
      await removePod(sb);
    }
    await assert.rejects(node.client.podSandboxStatus(sb), (err: unknown) => isNotFound(err));
    // Removal of what is gone is not an error.
    await node.client.removePodSandbox(sb);
  });
});
