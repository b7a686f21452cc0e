// The embedded containerd's lifecycle against the real thing: a full stop leaves no pod, process, cgroup, mount
// or bridge behind; a crashed containerd is restarted while its pods keep running; a stop that keeps pods lets the
// next containerd on the same data dir adopt them; and a containerd orphaned by a killed agent is replaced.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { startContainerd, type EmbeddedContainerd } from '../../src/node/runtime/index.js';
import { containerdSkipReason, startTestContainerd, waitForHttp, type TestContainerd } from '../support/containerd.js';

const skip = containerdSkipReason(['nginx']);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); // a zombie is dead
  } catch {
    return false;
  }
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(`${dir}/`));
}

/** Runs an nginx pod; returns the sandbox id, its IP and the PIDs of nginx, the pause process and their shim. */
async function runNginx(node: TestContainerd, client = node.client) {
  const cfg = node.sandboxConfig('web');
  const sandboxId = await client.runPodSandbox(cfg);
  const id = await client.createContainer(sandboxId, { metadata: { name: 'nginx' }, image: { image: 'nginx:1.7.9' } }, cfg);
  await client.startContainer(id);
  const ip = (await client.podSandboxStatus(sandboxId)).status!.network!.ip;
  await waitForHttp(`http://${ip}/`);
  const pid = (JSON.parse((await client.containerStatus(id, { verbose: true })).info.info!) as { pid: number }).pid;
  const pausePid = (JSON.parse((await client.podSandboxStatus(sandboxId, { verbose: true })).info.info!) as { pid: number }).pid;
  return { sandboxId, containerId: id, ip, pid, pausePid, shimPid: parentOf(pid) };
}

describe('embedded containerd lifecycle', { skip }, () => {
  test('stop removes every pod, shim, cgroup, mount and the bridge, and kills containerd', async (t) => {
    const node = await startTestContainerd({ images: ['nginx'] });
    t.after(() => node.stop());
    const pod = await runNginx(node);
    const containerdPid = node.runtime.pid!;
    assert.ok(existsSync(`/sys/fs/cgroup/memory${node.cgroupRoot}`));
    assert.ok(existsSync(`/sys/class/net/${node.runtime.bridgeName}`));

    const report = await node.runtime.stop();
    assert.deepEqual({ ...report, cgroupsRemoved: report.cgroupsRemoved > 0 }, { sandboxesRemoved: 1, cgroupsRemoved: true, bridgeRemoved: true });
    for (const [what, pid] of Object.entries({ nginx: pod.pid, pause: pod.pausePid, shim: pod.shimPid, containerd: containerdPid })) {
      await until(`${what} (${pid}) to exit`, () => !alive(pid), 5000);
    }
    for (const h of ['memory', 'cpu', 'pids', 'unified']) assert.ok(!existsSync(`/sys/fs/cgroup/${h}${node.cgroupRoot}`), `cgroup ${h}${node.cgroupRoot} left`);
    assert.ok(!existsSync(`/sys/class/net/${node.runtime.bridgeName}`), 'bridge left');
    assert.deepEqual(mountsUnder(node.dataDir), []);
    assert.ok(!existsSync(node.runtime.paths.pidFile));
    // No request to the old pod IP here: with the bridge gone it would leave the machine by the default route.
  });

  test('a crashed containerd is restarted with its pods still running', async (t) => {
    const events: string[] = [];
    const node = await startTestContainerd({ images: ['nginx'], runtime: { restartBackoff: { initialMs: 200 }, onEvent: (e) => events.push(e.type) } });
    t.after(() => node.stop());
    const pod = await runNginx(node);
    const first = node.runtime.pid!;
    process.kill(first, 'SIGKILL');
    await until('containerd to exit', () => !alive(first));
    // The shim keeps the pod alive while containerd is down.
    assert.equal((await waitForHttp(`http://${pod.ip}/`, 2000)).status, 200);
    await until('the restart', () => node.runtime.restarts === 1 && node.runtime.pid !== undefined);
    await node.runtime.ready();
    assert.notEqual(node.runtime.pid, first);
    const sandboxes = await node.client.listPodSandbox();
    assert.deepEqual(sandboxes.map((s) => [s.id, s.state]), [[pod.sandboxId, 'SANDBOX_READY']]);
    assert.equal((await node.client.containerStatus(pod.containerId)).status!.state, 'CONTAINER_RUNNING');
    assert.equal(pod.pid, (JSON.parse((await node.client.containerStatus(pod.containerId, { verbose: true })).info.info!) as { pid: number }).pid);
    assert.deepEqual(events.slice(0, 5), ['started', 'ready', 'exited', 'restarting', 'started']);
  });

  test('stop({keepPods}) leaves pods running and the next containerd on the data dir adopts them', async (t) => {
    const node = await startTestContainerd({ images: ['nginx'] });
    let second: EmbeddedContainerd | undefined;
    t.after(async () => {
      await second?.stop();
      await node.stop();
    });
    const pod = await runNginx(node);
    const report = await node.runtime.stop({ keepPods: true });
    assert.deepEqual(report, { sandboxesRemoved: 0, cgroupsRemoved: 0, bridgeRemoved: false });
    assert.equal((await waitForHttp(`http://${pod.ip}/`, 2000)).status, 200);

    second = await startContainerd(node.options);
    const sandboxes = await second.client.listPodSandbox();
    assert.deepEqual(sandboxes.map((s) => [s.id, s.state]), [[pod.sandboxId, 'SANDBOX_READY']]);
    assert.equal((await second.client.containerStatus(pod.containerId)).status!.state, 'CONTAINER_RUNNING');
    const res = await second.client.execSync(pod.containerId, ['cat', '/etc/hostname'], { timeoutSeconds: 10 });
    assert.equal(res.stdout.toString().trim(), 'web');
    assert.equal((await second.stop()).sandboxesRemoved, 1);
    await until('nginx to exit', () => !alive(pod.pid), 5000);
  });

  test('a containerd orphaned by a killed agent is stopped and replaced by the next start', async (t) => {
    const node = await startTestContainerd();
    const orphanOptions = { ...node.options };
    await node.runtime.stop();
    let next: EmbeddedContainerd | undefined;
    t.after(async () => {
      await next?.stop();
      await node.stop();
    });
    // An "agent" in another process starts containerd and is then killed without stopping it.
    const script = `const { startContainerd } = await import(${JSON.stringify(new URL('../../src/node/runtime/index.js', import.meta.url).href)});
      const rt = await startContainerd(JSON.parse(process.env.KL_OPTS));
      process.stdout.write(JSON.stringify({ pid: rt.pid }) + '\\n');
      setInterval(() => {}, 1000);`;
    const agent = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, KL_OPTS: JSON.stringify(orphanOptions), KUBELITE_LOG: 'error' }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    const orphan = await new Promise<number>((resolve, reject) => {
      let out = '';
      agent.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]!) as { pid: number }).pid);
      });
      agent.once('exit', (code) => reject(new Error(`agent exited with ${code}`)));
    });
    agent.kill('SIGKILL');
    await new Promise((r) => agent.once('exit', r));
    assert.ok(alive(orphan), 'containerd outlives its killed agent');

    next = await startContainerd(orphanOptions);
    assert.ok(!alive(orphan), 'the orphan was stopped');
    assert.notEqual(next.pid, orphan);
    assert.equal((await next.client.version()).runtime_name, 'containerd');
  });
});
