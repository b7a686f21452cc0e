/**
 * `npm run bench:controllers`: how fast the controller manager turns a Deployment into running pods, as issue 5 asks.
 *   - a real `kubelite server --port 0` on SQLite in a temp dir, with its scheduler and controller manager;
 *   - 100 simulated nodes from one `kubelite agent --simulate` process, which makes bound pods Running and Ready;
 *   - a Deployment of 3,000 replicas: the time from the create request until status.availableReplicas = 3,000, and
 *     the rate at which its pods were created (first to last pod seen through a watch), next to the rate at which
 *     they were bound, so one can tell whether the controllers or the scheduler set the pace;
 *   - a rolling update of it (a new image, the default 25 % maxSurge / maxUnavailable): the time until the rollout
 *     is complete as `kubectl rollout status` judges it (observedGeneration current, updatedReplicas = replicas =
 *     availableReplicas, no old pods left), confirmed by running kubectl rollout status itself;
 *   - for reference, the same scale-up of a Deployment whose pods name another scheduler, so that only the
 *     controllers and the API server work: the rate the controllers create pods at on their own.
 * `--quick`: 300 replicas on 20 nodes. Not a timed test: it prints a table, with the machine's load average.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { Client, loadKubeconfig, type ResourceClient } from '../src/client/index.js';
import { parseFlags, usage, type FlagSpec } from '../src/cmd/flags.js';
import { startKubelite, type KubeliteProcess } from '../test/support/kubelite.js';
import { startSimAgent, type SimAgent } from '../test/ha/sim-agent.js';
import { eventually } from '../test/controllers/support.js';

const FLAGS: Record<string, FlagSpec> = {
  'quick': { type: 'bool', help: '300 replicas on 20 nodes', default: false },
  'nodes': { type: 'int', help: 'Simulated nodes (default 100, quick 20)' },
  'replicas': { type: 'int', help: 'Deployment replicas (default 3000, quick 300)' },
  'stall': { type: 'int', help: 'Give up when the Deployment\'s status has not changed for this many seconds', default: 60 },
  'help': { type: 'bool', help: 'Show this help' },
};

const NS = 'controllers-bench';
const NAME = 'bench';

/** The benchmark's Deployment; `schedulerName` other than the default keeps its pods unscheduled. */
function deployment(replicas: number, name = NAME, schedulerName?: string): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS },
    spec: {
      replicas, selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { schedulerName, containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
      },
    },
  };
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** RSS of a process in MiB, from /proc. */
function rssMiB(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

/** When each pod of the benchmark was first seen created, bound and ready, and when it was deleted. */
class PodTimes {
  readonly created = new Map<string, number>();
  readonly bound = new Map<string, number>();
  readonly ready = new Map<string, number>();
  readonly deleted = new Map<string, number>();
  /** The pod-template-hash of each pod. */
  readonly hash = new Map<string, string>();

  record(type: string, pod: Pod): void {
    const name = pod.metadata?.name ?? '';
    const now = performance.now();
    if (type === 'DELETED') {
      if (!this.deleted.has(name)) this.deleted.set(name, now);
      return;
    }
    if (!this.created.has(name)) {
      this.created.set(name, now);
      this.hash.set(name, pod.metadata?.labels?.['pod-template-hash'] ?? '');
    }
    if (pod.spec?.nodeName && !this.bound.has(name)) this.bound.set(name, now);
    if (!this.ready.has(name) && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) this.ready.set(name, now);
  }
}

/** Watches the namespace's pods (list, then watch from its revision) until `signal` aborts. */
async function watchPods(client: Client, times: PodTimes, signal: AbortSignal): Promise<void> {
  const pods = client.resource<Pod>('', 'v1', 'pods').namespace(NS);
  let rv = '';
  while (!signal.aborted) {
    try {
      if (!rv) {
        const list = await pods.list({ signal });
        for (const p of list.items) times.record('ADDED', p);
        rv = list.metadata.resourceVersion ?? '';
      }
      const stream = await pods.watch({ resourceVersion: rv, allowWatchBookmarks: true }, signal);
      for await (const ev of stream) {
        rv = ev.object.metadata?.resourceVersion ?? rv;
        if (ev.type !== 'BOOKMARK') times.record(ev.type, ev.object);
      }
    } catch (err) {
      if (signal.aborted) return;
      if ((err as { code?: number }).code === 410) rv = '';
      console.error(`pod watch failed (${(err as Error).message}); watching again`);
    }
  }
}

/** The span from first to last of some instants, and the rate over it. */
function span(instants: number[]): { first: number; last: number; seconds: number; perSecond: number } {
  const first = Math.min(...instants);
  const last = Math.max(...instants);
  const seconds = (last - first) / 1000;
  return { first, last, seconds, perSecond: seconds > 0 ? (instants.length - 1) / seconds : NaN };
}

/**
 * Polls the Deployment until `done` says so; fails when its status has not moved for `stallMs` (a stuck controller
 * should end the benchmark with a diagnosis, not a ten-minute wait).
 */
async function waitForDeployment(deploys: ResourceClient<Deployment>, what: string, done: (d: Deployment) => boolean, stallMs: number, name = NAME): Promise<number> {
  let last = '';
  let movedAt = performance.now();
  for (;;) {
    const d = await deploys.get(name);
    if (done(d)) return performance.now();
    const now = JSON.stringify(d.status ?? {});
    if (now !== last) {
      last = now;
      movedAt = performance.now();
    } else if (performance.now() - movedAt > stallMs) {
      throw new Error(`${what}: the Deployment's status has not changed for ${stallMs / 1000} s: ${now}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** kubectl rollout status's test of a finished Deployment rollout. */
function rolledOut(d: Deployment): boolean {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && (s.updatedReplicas ?? 0) === want
    && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want;
}

async function main(): Promise<number> {
  const { flags } = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    console.log(usage('bench:controllers', FLAGS).replace('kubelite bench:controllers', 'npm run bench:controllers --'));
    return 0;
  }
  const quick = flags.quick === true;
  const nNodes = (flags.nodes as number | undefined) ?? (quick ? 20 : 100);
  const replicas = (flags.replicas as number | undefined) ?? (quick ? 300 : 3000);
  const stallMs = (flags.stall as number) * 1000;
  const perNode = Math.max(110, Math.ceil((replicas * 1.5) / nNodes) + 10);
  const loadStart = loadavg();
  console.log(`bench:controllers: Deployment of ${replicas} replicas on ${nNodes} simulated nodes (${perNode} pods each); load average ${loadStart.map((l) => l.toFixed(1)).join(' ')}`);

  let server: KubeliteProcess | undefined;
  let agent: SimAgent | undefined;
  let client: Client | undefined;
  const ac = new AbortController();
  // Ctrl-C still stops the server and the agent this benchmark started.
  const onSignal = () => {
    ac.abort();
    void Promise.allSettled([agent?.stop(), server?.stop()]).then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    server = await startKubelite();
    agent = await startSimAgent(server.kubeconfig, nNodes, { args: ['--pods', String(perNode), '--stats-interval', '0'] });
    console.log(`  ${nNodes} nodes ready in ${(agent.readyMs / 1000).toFixed(1)}s`);
    client = new Client({ ...loadKubeconfig(server.kubeconfig), userAgent: 'bench-controllers' });
    const leases = client.resource<Lease>('coordination.k8s.io', 'v1', 'leases').namespace('kube-system');
    await eventually(async () => {
      for (const l of ['kube-scheduler', 'kube-controller-manager']) if (!(await leases.get(l)).spec?.holderIdentity) return false;
      return true;
    }, 'the scheduler and controller manager to lead');
    await client.resource<Namespace>('', 'v1', 'namespaces').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const deploys = client.resource<Deployment>('apps', 'v1', 'deployments').namespace(NS);

    // Warm-up: a one-replica Deployment proves both components lead and have synced their caches.
    await deploys.create(deployment(1, 'warmup'));
    await eventually(async () => (await deploys.get('warmup')).status?.availableReplicas === 1, 'the warm-up Deployment', 60_000);

    const times = new PodTimes();
    const watching = watchPods(client, times, ac.signal);
    const isBench = (n: string) => n.startsWith(`${NAME}-`);
    await new Promise((r) => setTimeout(r, 500));

    // Phase 1: create the Deployment and wait until every replica is available.
    const cpu0 = cpuSeconds(server.proc.pid);
    const agentCpu0 = cpuSeconds(agent.proc.pid);
    const t0 = performance.now();
    await deploys.create(deployment(replicas));
    const available = await waitForDeployment(deploys, 'scale-up', (d) => d.status?.availableReplicas === replicas && rolledOut(d), stallMs);
    const cpu1 = cpuSeconds(server.proc.pid);
    const agentCpu1 = cpuSeconds(agent.proc.pid);
    const load1 = loadavg()[0];
    const firstHash = new Set([...times.hash].filter(([n]) => isBench(n)).map(([, h]) => h));
    const createdNames = [...times.created.keys()].filter(isBench);
    const created = span(createdNames.map((n) => times.created.get(n)!));
    const bound = span(createdNames.filter((n) => times.bound.has(n)).map((n) => times.bound.get(n)!));
    const ready = span(createdNames.filter((n) => times.ready.has(n)).map((n) => times.ready.get(n)!));

    // Phase 2: a rolling update to a new image, until kubectl rollout status would say it is done.
    const t2 = performance.now();
    await deploys.patch(NAME, { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } }, 'strategic');
    const rolled = await waitForDeployment(deploys, 'rolling update', rolledOut, stallMs);
    const cpu2 = cpuSeconds(server.proc.pid);
    const agentCpu2 = cpuSeconds(agent.proc.pid);
    const status = await server.kubectl(['rollout', 'status', `deployment/${NAME}`, '-n', NS, '--timeout=30s'], { timeoutMs: 40_000 });
    if (status.code !== 0 || !/successfully rolled out/.test(status.stdout)) throw new Error(`kubectl rollout status disagrees: ${status.stdout}${status.stderr}`);
    const newNames = [...times.created.keys()].filter((n) => isBench(n) && !firstHash.has(times.hash.get(n)!));
    const newCreated = span(newNames.map((n) => times.created.get(n)!));
    const oldDeleted = createdNames.filter((n) => times.deleted.has(n)).length;
    const load2 = loadavg()[0];

    // Phase 3, for reference: the same scale-up with the scheduler and the agent idle (the pods name another
    // scheduler), which is what the controllers and the API server manage alone.
    const t3 = performance.now();
    await deploys.create(deployment(replicas, 'unscheduled', 'bench-nobody'));
    const allCreated = await waitForDeployment(deploys, 'unscheduled scale-up', (d) => (d.status?.replicas ?? 0) === replicas, stallMs, 'unscheduled');
    const cpu3 = cpuSeconds(server.proc.pid);
    const aloneNames = [...times.created.keys()].filter((n) => n.startsWith('unscheduled-'));
    const alone = span(aloneNames.map((n) => times.created.get(n)!));
    ac.abort();
    await watching;

    const rows: [string, string][] = [
      ['nodes', `${nNodes} simulated (${perNode} pods each), ready in ${(agent.readyMs / 1000).toFixed(1)}s`],
      ['create → Available', `${((available - t0) / 1000).toFixed(1)} s for ${replicas} replicas`],
      ['pods created', `${createdNames.length} in ${created.seconds.toFixed(1)} s: ${Math.round(created.perSecond)} pods/s (first to last seen)`],
      ['pods bound', `${Math.round(bound.perSecond)} pods/s (first to last binding, ${bound.seconds.toFixed(1)} s; last ${((bound.last - created.last) / 1000).toFixed(1)} s after the last create)`],
      ['pods ready', `${Math.round(ready.perSecond)} pods/s (last ready ${((ready.last - t0) / 1000).toFixed(1)} s after the create)`],
      ['server CPU while scaling up', `${(cpu1 - cpu0).toFixed(1)} s, ${((cpu1 - cpu0) * 1000 / replicas).toFixed(1)} ms per pod (agent ${(agentCpu1 - agentCpu0).toFixed(1)} s)`],
      ['rolling update → complete', `${((rolled - t2) / 1000).toFixed(1)} s (25 % surge / 25 % unavailable)`],
      ['rollout pods', `${newNames.length} new created at ${Math.round(newCreated.perSecond)} pods/s, ${oldDeleted} old deleted`],
      ['server CPU during the rollout', `${(cpu2 - cpu1).toFixed(1)} s, ${((cpu2 - cpu1) * 1000 / replicas).toFixed(1)} ms per replaced pod (agent ${(agentCpu2 - agentCpu1).toFixed(1)} s)`],
      ['controllers alone: create → all pods exist', `${((allCreated - t3) / 1000).toFixed(1)} s: ${Math.round(alone.perSecond)} pods/s (pods left unscheduled), server CPU ${(cpu3 - cpu2).toFixed(1)} s`],
      ['server RSS / agent RSS', `${rssMiB(server.proc.pid)} MiB / ${rssMiB(agent.proc.pid)} MiB`],
      ['load average (1 min)', `${loadStart[0].toFixed(1)} at start, ${load1.toFixed(1)} after scale-up, ${load2.toFixed(1)} after the rollout (${cpus().length} CPUs)`],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log('');
    console.log(`| ${'measure'.padEnd(w)} | value`);
    console.log(`|${'-'.repeat(w + 2)}|${'-'.repeat(40)}`);
    for (const [k, v] of rows) console.log(`| ${k.padEnd(w)} | ${v}`);
    return 0;
  } catch (err) {
    console.error(`bench:controllers failed: ${(err as Error).message}`);
    if (server) console.error(`server output (last 2,000 characters):\n${server.logs().slice(-2000)}`);
    if (client) {
      // A name listed twice means two objects were stored for one name (see test/ha/generate-name-retry.test.ts).
      const names = (await client.resource<Pod>('', 'v1', 'pods').namespace(NS).list().catch(() => ({ items: [] as Pod[] }))).items.map((p) => p.metadata?.name);
      const twice = names.filter((n, i) => names.indexOf(n) !== i);
      if (twice.length) console.error(`pods listed twice under one name: ${twice.join(', ')}`);
    }
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    ac.abort();
    client?.close();
    await agent?.stop();
    await server?.stop();
  }
}

process.exitCode = await main();
