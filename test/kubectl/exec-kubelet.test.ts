/**
 * kubectl logs, exec, attach, port-forward and top, end to end: real kubectl (1.27, 1.30, 1.32, 1.33) → the real
 * API server → the kubelet server (in this process) → a real containerd. The test publishes a Node with the
 * kubelet's address, port and certificate fingerprint, creates pods bound to it, and runs their containers through
 * CRI itself, with the sandbox metadata a kubelet would give them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { startKubelite, hasKubectl, KUBECTL, type KubeliteProcess } from '../support/kubelite.js';
import { api, credsFrom, type Creds } from '../support/https.js';
import { containerdSkipReason, startTestContainerd, type TestContainerd } from '../support/containerd.js';
import { KUBELET_SERVING_CERT_ANNOTATION, startKubeletServer, type KubeletServer } from '../../src/node/kubelet/server/index.js';
import type { ContainerConfigInput } from '../../src/node/cri/index.js';

/** kubectl versions to run (KUBECTL_VERSIONS=1.27,default narrows a local run). */
const VERSIONS = (process.env.KUBECTL_VERSIONS ? process.env.KUBECTL_VERSIONS.split(',') : ['1.27', '1.30', 'default', '1.33']).filter((v) => hasKubectl(v));
const vname = (v: string) => (v === 'default' ? '1.32' : v);
const skip = containerdSkipReason(['busybox', 'nginx']) ?? (VERSIONS.length === 0 ? 'no kubectl installed' : undefined);
const NODE = 'kubelet-e2e';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('kubectl streaming through the kubelet server', { skip }, () => {
  let k: KubeliteProcess;
  let creds: Creds;
  let node: TestContainerd;
  let kubelet: KubeletServer;
  let kubeletDir: string;

  /** Creates a pod bound to the node and runs its containers through CRI, as the kubelet would. */
  async function runPod(name: string, containers: (ContainerConfigInput & { name: string; image: string })[]): Promise<string> {
    const spec = { nodeName: NODE, containers: containers.map((c) => ({ name: c.name, image: c.image, ...(c.stdin ? { stdin: true } : {}), ...(c.tty ? { tty: true } : {}) })) };
    const created = await api(creds, 'POST', '/api/v1/namespaces/default/pods', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec }) });
    assert.equal(created.status, 201, created.body);
    const uid = created.json().metadata.uid as string;
    const sandboxConfig = node.sandboxConfig(name, { metadata: { name, namespace: 'default', uid, attempt: 0 } });
    const sandboxId = await node.client.runPodSandbox(sandboxConfig);
    for (const c of containers) {
      const { name: cname, image, ...rest } = c;
      const id = await node.client.createContainer(sandboxId, { metadata: { name: cname, attempt: 0 }, image: { image }, log_path: `${cname}/0.log`, ...rest }, sandboxConfig);
      await node.client.startContainer(id);
    }
    const ip = (await node.client.podSandboxStatus(sandboxId)).status?.network?.ip;
    const status = {
      phase: 'Running', podIP: ip, podIPs: [{ ip }], hostIP: '127.0.0.1',
      conditions: [{ type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }, { type: 'Initialized', status: 'True' }, { type: 'PodScheduled', status: 'True' }],
      containerStatuses: containers.map((c) => ({ name: c.name, image: c.image, imageID: '', ready: true, restartCount: 0, started: true, state: { running: { startedAt: new Date().toISOString() } } })),
    };
    const r = await api(creds, 'PATCH', `/api/v1/namespaces/default/pods/${name}/status`, { body: JSON.stringify({ status }), headers: { 'content-type': 'application/merge-patch+json' } });
    assert.equal(r.status, 200, r.body);
    return sandboxId;
  }

  const kubectl = (v: string, args: string[], o: { input?: string; timeoutMs?: number } = {}) => k.kubectl(args, { version: v, timeoutMs: 30_000, ...o });
  const explain = (v: string, args: string[], r: { code: number; stdout: string; stderr: string }) =>
    `kubectl ${vname(v)} ${args.join(' ')} → ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\n${k.logs().slice(-1500)}`;

  before(async () => {
    k = await startKubelite({ args: ['--disable-controller-manager', '--disable-scheduler'] });
    creds = credsFrom(k.kubeconfig);
    node = await startTestContainerd({ images: ['busybox', 'nginx'] });
    kubeletDir = mkdtempSync(join(tmpdir(), 'kubelet-server-'));
    kubelet = await startKubeletServer({ port: 0, bindAddress: '127.0.0.1', caCert: creds.ca, dataDir: kubeletDir, runtime: node.client, nodeName: NODE });
    const nodeObj = {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name: NODE, annotations: { [KUBELET_SERVING_CERT_ANNOTATION]: kubelet.fingerprint256 } },
      status: {
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: NODE }],
        daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
        conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString(), reason: 'KubeletReady', message: 'ok' }],
        capacity: { cpu: '2', memory: '4Gi', pods: '110' }, allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
      },
    };
    const r = await api(creds, 'POST', '/api/v1/nodes', { body: JSON.stringify(nodeObj) });
    assert.equal(r.status, 201, r.body);
    await runPod('box', [
      { name: 'box', image: 'docker.io/library/busybox:latest', command: ['sh', '-c', 'echo first; echo second; echo third; sleep 3600'] },
      { name: 'ticker', image: 'docker.io/library/busybox:latest', command: ['sh', '-c', 'while true; do echo tick; sleep 0.3; done'] },
    ]);
    await runPod('web', [{ name: 'web', image: 'docker.io/library/nginx:1.7.9' }]);
  });

  after(async () => {
    await kubelet?.close();
    await node?.stop();
    await k?.stop();
    if (kubeletDir) rmSync(kubeletDir, { recursive: true, force: true });
  });

  for (const v of VERSIONS) {
    describe(`kubectl ${vname(v)}`, () => {
      test('exec prints output and keeps stdout and stderr apart', async () => {
        const args = ['exec', 'box', '-c', 'box', '--', 'sh', '-c', 'echo out; echo err >&2'];
        const r = await kubectl(v, args);
        assert.equal(r.code, 0, explain(v, args, r));
        assert.equal(r.stdout, 'out\n');
        assert.match(r.stderr, /err\n/);
      });

      test("exec -- sh -c 'exit 3' exits 3", async () => {
        const args = ['exec', 'box', '-c', 'box', '--', 'sh', '-c', 'exit 3'];
        const r = await kubectl(v, args);
        assert.equal(r.code, 3, explain(v, args, r));
        assert.match(r.stderr, /command terminated with exit code 3/);
      });

      test('exec -i passes stdin through to its end', async () => {
        const args = ['exec', '-i', 'box', '-c', 'box', '--', 'sh', '-c', 'wc -l; cat /dev/null'];
        const r = await kubectl(v, args, { input: 'a\nb\nc\n' });
        assert.equal(r.code, 0, explain(v, args, r));
        assert.equal(r.stdout.trim(), '3');
      });

      test('exec of a missing binary fails with the runtime message', async () => {
        const args = ['exec', 'box', '-c', 'box', '--', '/no/such/binary'];
        const r = await kubectl(v, args);
        assert.notEqual(r.code, 0, explain(v, args, r));
        assert.match(r.stderr, /no such file|not found|exit code/i);
      });

      test('logs, --tail, --timestamps and -f', async () => {
        assert.equal((await kubectl(v, ['logs', 'box', '-c', 'box'])).stdout, 'first\nsecond\nthird\n');
        assert.equal((await kubectl(v, ['logs', 'box', '-c', 'box', '--tail=1'])).stdout, 'third\n');
        assert.match((await kubectl(v, ['logs', 'box', '-c', 'box', '--timestamps'])).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z first\n/);
        // -f keeps streaming new lines; the run is cut off after a while and must have seen several ticks.
        const f = await kubectl(v, ['logs', '-f', 'box', '-c', 'ticker', '--tail=1'], { timeoutMs: 2500 });
        assert.ok(f.stdout.split('\n').filter((l) => l === 'tick').length >= 4, explain(v, ['logs', '-f'], f));
      });

      test('attach streams the main process output', async () => {
        const r = await kubectl(v, ['attach', 'box', '-c', 'ticker'], { timeoutMs: 3000 });
        assert.match(r.stdout, /tick\ntick\n/, explain(v, ['attach'], r));
      });

      test('port-forward reaches nginx in the pod', async () => {
        const port = await freePort();
        const p = spawn(KUBECTL[v]!, ['--kubeconfig', k.kubeconfig, 'port-forward', 'pod/web', `${port}:80`], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (out += d));
        try {
          const started = Date.now();
          while (!/Forwarding from/.test(out) && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 50));
          assert.match(out, /Forwarding from 127\.0\.0\.1:\d+ -> 80/);
          for (let i = 0; i < 3; i++) {
            const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(10_000) });
            assert.equal(res.status, 200);
            assert.match(await res.text(), /nginx/i);
          }
        } finally {
          p.kill('SIGTERM');
        }
      });
    });
  }

  test('kubectl top pods and nodes show usage from the kubelet Summary API', async () => {
    const sandbox = await runPod('burn', [{ name: 'spin', image: 'docker.io/library/busybox:latest', command: ['sh', '-c', 'while :; do :; done'] }]);
    try {
      // The kubelet's sampler needs two readings at least a second apart to turn cumulative cpu into a rate;
      // until then the pod's metrics are "not available yet", as with metrics-server.
      let first = '';
      for (let i = 0; i < 20 && !/^burn\s/m.test(first); i++) {
        first = (await kubectl('default', ['top', 'pods'])).stdout;
        await new Promise((r) => setTimeout(r, 500));
      }
      for (const v of VERSIONS.filter((x) => x === '1.27' || x === '1.33' || x === 'default')) {
        const pods = await kubectl(v, ['top', 'pods']);
        assert.equal(pods.code, 0, explain(v, ['top', 'pods'], pods));
        const row = pods.stdout.split('\n').find((l) => l.startsWith('burn '));
        assert.ok(row, pods.stdout);
        const [, cpu, mem] = row.trim().split(/\s+/);
        assert.ok(Number(cpu!.replace(/m$/, '')) >= 300, `a spinning shell uses most of a core, got ${cpu}`);
        assert.match(mem!, /^\d+Mi$/);
        assert.match(pods.stdout, /^box\s+\d+m\s+\d+Mi\s*$/m);
        const perContainer = await kubectl(v, ['top', 'pod', 'box', '--containers']);
        assert.match(perContainer.stdout, /box\s+ticker\s+\d+m\s+\d+Mi/, perContainer.stdout);
        const nodes = await kubectl(v, ['top', 'nodes']);
        assert.equal(nodes.code, 0, explain(v, ['top', 'nodes'], nodes));
        assert.match(nodes.stdout, new RegExp(`^${NODE}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`, 'm'), nodes.stdout);
      }
      const missing = await kubectl('default', ['top', 'pod', 'nope']);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /not found/);
    } finally {
      await node.client.stopPodSandbox(sandbox);
      await node.client.removePodSandbox(sandbox);
    }
  });

  test('exec -t passes the terminal size (kubectl 1.32 under script(1))', { skip: hasKubectl('default') ? undefined : 'no kubectl 1.32' }, async () => {
    // kubectl only allocates a tty when its stdin is a terminal; `script` gives it one.
    const cmd = `${KUBECTL['default']} --kubeconfig ${k.kubeconfig} exec -it box -c box -- sh -c 'sleep 0.5; stty size'`;
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      const p = spawn('script', ['-qfec', `stty cols 91 rows 27; ${cmd}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (out += d));
      p.on('close', (code) => resolve({ code: code ?? 1, out }));
      setTimeout(() => p.kill('SIGKILL'), 20_000);
    });
    assert.match(r.out, /27 91/, r.out);
  });
});
