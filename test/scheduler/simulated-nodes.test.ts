/**
 * `kubelite agent --simulate` as a user runs it: a real server process, the agent as a real process, real kubectl.
 * Pods are bound by hand through pods/NAME/binding (the scheduler is not needed to test the simulator).
 */
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { Client, loadKubeconfig, type ResourceClient } from '../../src/client/index.js';
import { KUBELITE_BIN, run, startKubelite, type KubeliteProcess } from '../support/kubelite.js';

/** A running agent process with its output. */
interface Agent {
  proc: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function startAgent(kubeconfig: string, args: string[]): Promise<Agent> {
  const proc = spawn(process.execPath, [KUBELITE_BIN, 'agent', '--kubeconfig', kubeconfig, '--stats-interval', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBELITE_LOG: 'warn' },
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent not ready in 30s:\n${out}`)), 30_000);
    proc.stdout!.on('data', () => {
      if (out.includes('simulated nodes ready')) {
        clearTimeout(timer);
        resolve({ proc, out: () => out, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${code}:\n${out}`));
    });
  });
}

async function stopAgent(agent: Agent): Promise<number | null> {
  if (agent.proc.exitCode === null && agent.proc.signalCode === null) agent.proc.kill('SIGTERM');
  const t = setTimeout(() => agent.proc.kill('SIGKILL'), 15_000);
  const code = await agent.exited;
  clearTimeout(t);
  return code;
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('kubelite agent --simulate', () => {
  let server: KubeliteProcess;
  let agent: Agent;
  let client: Client;
  let pods: ResourceClient<Pod>;

  before(async () => {
    server = await startKubelite();
    // A 4 s lease is renewed every second, so the renewal test does not wait 10 s.
    agent = await startAgent(server.kubeconfig, ['--simulate', '3', '--node-lease-duration-seconds', '4', '--labels', 'zone=a']);
    client = new Client(loadKubeconfig(server.kubeconfig));
    pods = client.resource<Pod>('', 'v1', 'pods').namespace('default');
  });

  after(async () => {
    if (agent) await stopAgent(agent);
    client?.close();
    await server?.stop();
  });

  async function createBound(name: string, node: string, extra: { annotations?: Record<string, string>; restartPolicy?: string } = {}): Promise<Pod> {
    const pod = await pods.create({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, annotations: extra.annotations },
      // Another scheduler's name keeps kubelite's own scheduler (if it runs in this server) from racing our binding.
      spec: { schedulerName: 'by-hand', restartPolicy: extra.restartPolicy, containers: [{ name: 'app', image: 'nginx:1.7.9' }] },
    });
    await pods.bind(name, node, { uid: pod.metadata!.uid });
    return pod;
  }

  /** The row of `kubectl get pods -o wide` for one pod, split into columns. */
  async function podRow(name: string): Promise<string[]> {
    const r = await server.kubectl(['get', 'pod', name, '-o', 'wide', '--no-headers']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split(/\s+/);
  }

  test('registers the nodes, Ready, labelled as simulated, with capacity', async () => {
    const r = await server.kubectl(['get', 'nodes', '-l', 'kubelite.io/simulated=true,zone=a', '-o', 'wide']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/));
    assert.deepEqual(rows.map((c) => [c[0], c[1]]), [['sim-0', 'Ready'], ['sim-1', 'Ready'], ['sim-2', 'Ready']]);
    assert.match(r.stdout, /172\.16\.0\.2/);
    const cap = await server.kubectl(['get', 'node', 'sim-0', '-o', 'jsonpath={.status.allocatable.cpu} {.status.allocatable.memory} {.status.allocatable.pods} {.metadata.labels.kubernetes\\.io/hostname} {.spec.podCIDR}']);
    assert.equal(cap.stdout, '32 256Gi 110 sim-0 10.192.0.0/24');
  });

  test('a pod bound to a simulated node becomes Running and ready, with a pod IP from the node\'s /24', async () => {
    await createBound('web', 'sim-1');
    const row = await eventually('web Running', async () => {
      const c = await podRow('web');
      return c[2] === 'Running' ? c : undefined;
    });
    // NAME READY STATUS RESTARTS AGE IP NODE …
    assert.equal(row[1], '1/1');
    assert.match(row[5], /^10\.192\.1\.\d+$/);
    assert.equal(row[6], 'sim-1');
    const pod = await pods.get('web');
    assert.equal(pod.status?.hostIP, '172.16.0.2');
    assert.match(pod.status!.containerStatuses![0].containerID!, /^sim:\/\//);
    for (const t of ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled']) {
      assert.equal(pod.status?.conditions?.find((c) => c.type === t)?.status, 'True', t);
    }
  });

  test('a run-to-completion pod finishes after its annotated duration: Completed', async () => {
    const started = Date.now();
    await createBound('job', 'sim-0', { restartPolicy: 'Never', annotations: { 'kubelite.io/simulate-duration': '0.5s' } });
    const row = await eventually('job Completed', async () => {
      const c = await podRow('job');
      return c[2] === 'Completed' ? c : undefined;
    });
    assert.equal(row[1], '0/1');
    assert.ok(Date.now() - started >= 500, 'not before its duration');
    const pod = await pods.get('job');
    assert.equal(pod.status?.phase, 'Succeeded');
    assert.equal(pod.status?.containerStatuses?.[0].state?.terminated?.exitCode, 0);
  });

  test('exit code 3 with restartPolicy Never: Error, phase Failed', async () => {
    await createBound('fails', 'sim-2', {
      restartPolicy: 'Never', annotations: { 'kubelite.io/simulate-duration': '200ms', 'kubelite.io/simulate-exit-code': '3' },
    });
    await eventually('fails Error', async () => ((await podRow('fails'))[2] === 'Error' ? true : undefined));
    const pod = await pods.get('fails');
    assert.equal(pod.status?.phase, 'Failed');
    assert.equal(pod.status?.containerStatuses?.[0].state?.terminated?.exitCode, 3);
    assert.equal(pod.status?.containerStatuses?.[0].state?.terminated?.reason, 'Error');
  });

  test('deleting a pod on a simulated node completes at once (the agent finishes it with grace 0)', async () => {
    await createBound('doomed', 'sim-1');
    await eventually('doomed Running', async () => ((await podRow('doomed'))[2] === 'Running' ? true : undefined));
    const started = Date.now();
    // Without the agent this would wait out the 30 s grace period.
    const r = await server.kubectl(['delete', 'pod', 'doomed', '--timeout=20s'], { timeoutMs: 25_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - started < 10_000, `delete took ${Date.now() - started} ms`);
    const get = await server.kubectl(['get', 'pod', 'doomed']);
    assert.match(get.stderr, /NotFound/);
  });

  test('node leases in kube-node-lease are held by their node and renewed', async () => {
    const leases = client.resource<Lease>('coordination.k8s.io', 'v1', 'leases').namespace('kube-node-lease');
    const first = await leases.get('sim-2');
    assert.equal(first.spec?.holderIdentity, 'sim-2');
    assert.equal(first.spec?.leaseDurationSeconds, 4);
    assert.equal(first.metadata?.ownerReferences?.[0]?.kind, 'Node');
    const later = await eventually('renewTime to advance', async () => {
      const l = await leases.get('sim-2');
      return Date.parse(l.spec!.renewTime!) > Date.parse(first.spec!.renewTime!) ? l : undefined;
    }, 5000);
    assert.ok(Date.parse(later.spec!.renewTime!) - Date.parse(first.spec!.renewTime!) <= 2000);
  });

  test('a second simulator with --cleanup removes its nodes on SIGTERM', async () => {
    const extra = await startAgent(server.kubeconfig, ['--simulate', '2', '--name-prefix', 'tmp-', '--start-index', '10', '--cleanup']);
    let r = await server.kubectl(['get', 'nodes', '--no-headers', '-o', 'custom-columns=NAME:.metadata.name']);
    assert.match(r.stdout, /tmp-10\ntmp-11/);
    assert.equal(await stopAgent(extra), 0);
    r = await server.kubectl(['get', 'nodes', '--no-headers', '-o', 'custom-columns=NAME:.metadata.name']);
    assert.equal(r.stdout.trim().split('\n').join(','), 'sim-0,sim-1,sim-2');
  });

  test('a real agent refuses bad flags before starting anything', async () => {
    const r = await run(process.execPath, [KUBELITE_BIN, 'agent', '--kubeconfig', server.kubeconfig, '--pod-cidr', '10.0.0.0/33']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid value for --pod-cidr/);
    const nodes = await server.kubectl(['get', 'nodes', '--no-headers', '-o', 'custom-columns=NAME:.metadata.name']);
    assert.doesNotMatch(nodes.stdout, new RegExp(`^${hostname()}$`, 'm'));
  });
});
