/**
 * `npm run bench:pods`: pod startup latency on a real node, as issue 6 asks.
 *   - one real `kubelite up` (control plane, embedded containerd, kubelet, kube-proxy, ingress, DNS) in a temp data
 *     dir on the e2e ranges, with busybox imported through `kubelite images import`;
 *   - 20 pods (10 × cores on the 2-core CI box) created at once, each timed from its create request to the watch
 *     event that shows it Running and Ready; p50 and p99. One warm-up pod goes first, on both sides;
 *   - the floor on the same node: 20 raw CRI RunPodSandbox + CreateContainer + StartContainer sequences at once, with
 *     the sandbox config the kubelet would send for such a pod (sandbox-config.ts), then the ratio;
 *   - RSS of the whole `up` process (containerd excluded) idle and with the 20 pods, and containerd's separately.
 * Goals: p99 ≤ 1 s, ≤ 1.5 × the floor, `up` ≤ 150 MB. Needs root, containerd, runc and the CNI plugins.
 * Not a timed test: it prints a table, with the machine's load average.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Client, loadKubeconfig } from '../src/client/index.js';
import { parseFlags, usage, type FlagSpec } from '../src/cmd/flags.js';
import { nodePaths } from '../src/cmd/node-paths.js';
import { CriClient, type PodSandboxConfigInput } from '../src/node/cri/index.js';
import { sandboxConfig } from '../src/node/kubelet/sandbox-config.js';
import { podCgroupParent } from '../src/node/kubelet/container-resources.js';
import { containerdSkipReason } from '../test/support/containerd.js';
import { testImage } from '../test/support/images.js';
import { E2E_DNS_IP, eventually, leftovers, pidsWithCmdline, rssBytes, startUp, type UpProcess } from '../test/e2e/up-cluster.js';

const FLAGS: Record<string, FlagSpec> = {
  'pods': { type: 'int', help: 'Pods created at once (and sandboxes for the floor)', default: 20 },
  'help': { type: 'bool', help: 'Show this help' },
};

const NS = 'pods-bench';
/** A tag other than `latest`, so the default pull policy is IfNotPresent and no pull is tried. */
const IMAGE = 'busybox:1.36';
/** The embedded containerd's pod cgroup root (src/node/runtime's default, which `up` keeps). */
const POD_CGROUP_ROOT = '/kubelite';

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

function benchPod(name: string): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: { bench: 'pods' } },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: IMAGE, command: ['sleep', '3600'] }] },
  };
}

function isReady(p: Pod): boolean {
  return p.status?.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Creates `names` at once and returns each pod's create-request → Running-and-Ready time (ms), seen by a watch. */
async function podStartup(client: Client, names: string[]): Promise<number[]> {
  const pods = client.resource<Pod>('', 'v1', 'pods').namespace(NS);
  const ac = new AbortController();
  const sent = new Map<string, number>();
  const ready = new Map<string, number>();
  const list = await pods.list();
  const stream = await pods.watch({ resourceVersion: list.metadata?.resourceVersion }, ac.signal);
  let allReady!: () => void;
  const done = new Promise<void>((resolve) => (allReady = resolve));
  const watching = (async () => {
    for await (const ev of stream) {
      const name = ev.object.metadata?.name ?? '';
      if (sent.has(name) && !ready.has(name) && isReady(ev.object)) {
        ready.set(name, performance.now());
        if (ready.size === names.length) allReady();
      }
    }
  })().catch((err) => {
    if (!ac.signal.aborted) throw err;
  });
  await Promise.all(names.map(async (n) => {
    sent.set(n, performance.now());
    await pods.create(benchPod(n));
  }));
  const timeout = setTimeout(() => ac.abort(), 120_000);
  await Promise.race([done, watching]);
  clearTimeout(timeout);
  ac.abort();
  if (ready.size !== names.length) throw new Error(`only ${ready.size}/${names.length} pods became Ready within 120 s`);
  return names.map((n) => ready.get(n)! - sent.get(n)!);
}

/** Deletes every bench pod and waits until they are gone. */
async function deletePods(client: Client): Promise<void> {
  const pods = client.resource<Pod>('', 'v1', 'pods').namespace(NS);
  await pods.deleteCollection({ labelSelector: 'bench=pods' });
  await eventually('bench pods deleted', async () => (await pods.list()).items.length === 0, 120_000, 250);
}

/** The sandbox config the kubelet would send for a bench pod, for the floor. */
function floorSandbox(dataDir: string, name: string): PodSandboxConfigInput {
  const base = benchPod(name);
  const uid = randomUUID();
  const pod: Pod = { ...base, metadata: { ...base.metadata, uid } };
  const logDirectory = join(nodePaths(dataDir).agentDir, 'bench-floor', `${NS}_${name}_${uid}`);
  mkdirSync(logDirectory, { recursive: true });
  return sandboxConfig(pod, {
    attempt: 0, logDirectory, cgroupParent: podCgroupParent(POD_CGROUP_ROOT, pod),
    dns: { clusterDns: [E2E_DNS_IP], clusterDomain: 'cluster.local' },
  });
}

/** One raw CRI pod start: RunPodSandbox + CreateContainer + StartContainer. Returns the times and the sandbox id. */
async function criStart(cri: CriClient, cfg: PodSandboxConfigInput): Promise<{ id: string; run: number; create: number; start: number; total: number }> {
  const a = performance.now();
  const id = await cri.runPodSandbox(cfg);
  const b = performance.now();
  const cid = await cri.createContainer(id, {
    metadata: { name: 'app', attempt: 0 }, image: { image: `docker.io/library/${IMAGE}` }, command: ['sleep', '3600'],
    log_path: 'app/0.log', linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  }, cfg);
  const c = performance.now();
  await cri.startContainer(cid);
  const d = performance.now();
  return { id, run: b - a, create: c - b, start: d - c, total: d - a };
}

/** The floor: `n` raw CRI pod starts at once (after one warm-up), on the node's containerd. */
async function criFloor(up: UpProcess, n: number): Promise<{ single: number; totals: number[]; run: number[]; create: number[]; start: number[] }> {
  const cri = new CriClient(nodePaths(up.dataDir).endpoint);
  const ids: string[] = [];
  try {
    const warm = await criStart(cri, floorSandbox(up.dataDir, 'floor-warmup'));
    ids.push(warm.id);
    const cfgs = Array.from({ length: n }, (_, i) => floorSandbox(up.dataDir, `floor-${i}`));
    const results = await Promise.all(cfgs.map((cfg) => criStart(cri, cfg)));
    ids.push(...results.map((r) => r.id));
    return { single: warm.total, totals: results.map((r) => r.total), run: results.map((r) => r.run), create: results.map((r) => r.create), start: results.map((r) => r.start) };
  } finally {
    for (const id of ids) {
      await cri.stopPodSandbox(id).catch(() => {});
      await cri.removePodSandbox(id).catch(() => {});
    }
    cri.close();
  }
}

/** RSS of the node's containerd-shim processes together (bytes). */
function shimsRss(up: UpProcess): number {
  return pidsWithCmdline(`${up.dataDir}/agent/containerd`).filter((p) => p !== up.containerdPid).reduce((s, p) => s + rssBytes(p), 0);
}

async function main(): Promise<number> {
  const { flags } = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    console.log(usage('bench:pods', FLAGS));
    return 0;
  }
  const skip = process.getuid?.() !== 0 ? 'needs root' : containerdSkipReason(['busybox']);
  if (skip) {
    console.error(`bench:pods cannot run here: ${skip}`);
    return 1;
  }
  const n = flags.pods as number;
  const archive = testImage('busybox'); // built (or cached) before anything is timed
  const load0 = readFileSync('/proc/loadavg', 'utf8').trim();
  const up = await startUp({ images: [archive] });
  const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
  try {
    const client = new Client(loadKubeconfig(up.kubeconfig));
    await client.resource('', 'v1', 'namespaces').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    // Idle: the cluster settled after start and import.
    await new Promise((r) => setTimeout(r, 5000));
    const idleUp = rssBytes(up.proc.pid!);
    const idleCtrd = rssBytes(up.containerdPid);

    const [single] = await podStartup(client, ['warmup']);
    await deletePods(client);
    const names = Array.from({ length: n }, (_, i) => `pod-${i}`);
    const lat = await podStartup(client, names);
    await new Promise((r) => setTimeout(r, 2000));
    const busyUp = rssBytes(up.proc.pid!);
    const busyCtrd = rssBytes(up.containerdPid);
    const shims = shimsRss(up);
    await deletePods(client);

    const floor = await criFloor(up, n);
    const load1 = readFileSync('/proc/loadavg', 'utf8').trim();

    const p50 = pct(lat, 50);
    const p99 = pct(lat, 99);
    const f50 = pct(floor.totals, 50);
    const f99 = pct(floor.totals, 99);
    const rows: [string, string, string][] = [
      [`kubelite up Ready after process start`, `${up.readySeconds.toFixed(2)} s`, '≤ 5 s'],
      [`one pod alone (the warm-up): pod / CRI floor`, `${single!.toFixed(0)} / ${floor.single.toFixed(0)} ms`, ''],
      [`pod startup, ${n} at once: p50`, `${p50.toFixed(0)} ms`, ''],
      [`pod startup, ${n} at once: p99`, `${p99.toFixed(0)} ms`, '≤ 1000 ms'],
      [`CRI floor (run+create+start), ${n} at once: p50`, `${f50.toFixed(0)} ms`, ''],
      [`CRI floor: p99`, `${f99.toFixed(0)} ms`, ''],
      [`  RunPodSandbox p50 / CreateContainer p50 / StartContainer p50`, `${pct(floor.run, 50).toFixed(0)} / ${pct(floor.create, 50).toFixed(0)} / ${pct(floor.start, 50).toFixed(0)} ms`, ''],
      [`ratio pods / floor: p50`, `${(p50 / f50).toFixed(2)}×`, ''],
      [`ratio pods / floor: p99`, `${(p99 / f99).toFixed(2)}×`, '≤ 1.5×'],
      [`kubelite up RSS idle (containerd excluded)`, mb(idleUp), '≤ 150 MB'],
      [`kubelite up RSS with ${n} pods`, mb(busyUp), '≤ 150 MB'],
      [`containerd RSS idle / with ${n} pods`, `${mb(idleCtrd)} / ${mb(busyCtrd)}`, ''],
      [`containerd-shim RSS, ${n} pods together`, mb(shims), ''],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    const v = Math.max(...rows.map((r) => r[1].length));
    console.log(`\nbench:pods — ${n} pods (${IMAGE} sleep), kubelite up on ${up.dataDir}`);
    console.log(`loadavg before: ${load0}; after: ${load1}\n`);
    console.log(`${'measure'.padEnd(w)}  ${'value'.padStart(v)}  goal`);
    for (const [k, val, goal] of rows) console.log(`${k.padEnd(w)}  ${val.padStart(v)}  ${goal}`);
    console.log(`\nper-pod startup (ms, sorted): ${[...lat].sort((a, b) => a - b).map((x) => x.toFixed(0)).join(' ')}`);
    console.log(`per-sandbox floor (ms, sorted): ${[...floor.totals].sort((a, b) => a - b).map((x) => x.toFixed(0)).join(' ')}`);
  } finally {
    await up.stop();
    const left = leftovers(up);
    if (left.length) console.error(`kubelite up left state behind: ${left.join('; ')}`);
  }
  return 0;
}

process.exitCode = await main();
