/**
 * `npm run bench:scheduler`: scheduling throughput, as kube-scheduler's scheduler_perf SchedulingBasic measures it.
 *   - a real `kubelite server --port 0` on SQLite in a temp dir, with its scheduler (controller manager off, since
 *     SchedulingBasic runs only an API server and the scheduler);
 *   - 5,000 simulated nodes from one `kubelite agent --simulate` process, sized like scheduler_perf's node template
 *     (4 CPU, 32Gi, 110 pods), renewing their leases (500 writes/s at 5,000 nodes) during the run. Bound pods stay
 *     Pending as on scheduler_perf's kubelet-less nodes; `--run-pods` lets the agent make them Running too;
 *   - 10,000 pods (scheduler_perf's pod template: 100m CPU, 500Mi) created through the API by concurrent creators,
 *     bindings observed through a watch.
 * It reports pods/s from the first to the last binding, p50/p99 from the create request to the observed binding,
 * and the agent's heartbeat lag and RSS meanwhile. `--quick`: 500 nodes and 1,000 pods.
 *
 * If the server does not run a scheduler yet but src/controlplane/scheduler/run.ts exists, the benchmark runs
 * `runScheduler` in its own process against a server started with --disable-scheduler (`--scheduler in-process`
 * forces that). Not a timed test: it prints a table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import { Client, loadKubeconfig, type Client as ClientType } from '../src/client/index.js';
import { parseFlags, usage, type FlagSpec } from '../src/cmd/flags.js';
import { summarize } from '../src/node/kubelet/simulated/latency-window.js';
import { KUBELITE_BIN, startKubelite, type KubeliteProcess } from '../test/support/kubelite.js';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..');

const FLAGS: Record<string, FlagSpec> = {
  'quick': { type: 'bool', help: '500 nodes and 1,000 pods', default: false },
  'nodes': { type: 'int', help: 'Simulated nodes (default 5000, quick 500)' },
  'pods': { type: 'int', help: 'Pods to schedule (default 10000, quick 1000)' },
  'creators': { type: 'int', help: 'Concurrent pod creators', default: 32 },
  'scheduler': { type: 'string', help: 'auto | server | in-process', default: 'auto' },
  'run-pods': { type: 'bool', help: 'Let the agent make bound pods Running (adds one status write per pod)', default: false },
  'agent-concurrency': { type: 'int', help: 'The agent\'s --concurrency (default: the agent\'s own)' },
  'timeout': { type: 'int', help: 'Give up after this many seconds without a new binding', default: 60 },
  'help': { type: 'bool', help: 'Show this help' },
};

/** scheduler_perf's pod-default.yaml, as a kubelite pod. */
function benchPod(name: string): Pod {
  const resources = { cpu: '100m', memory: '500Mi' };
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10.1', ports: [{ containerPort: 80 }], resources: { requests: resources, limits: resources } }] },
  };
}

/** Where the scheduler runs in this checkout. */
function schedulerMode(requested: string): 'server' | 'in-process' | 'missing' {
  const runJs = join(DIST, 'src', 'controlplane', 'scheduler', 'run.js');
  const components = join(DIST, 'src', 'cmd', 'components.js');
  const wired = existsSync(components) && readFileSync(components, 'utf8').includes('runScheduler');
  if (requested === 'server') return 'server';
  if (requested === 'in-process') return existsSync(runJs) ? 'in-process' : 'missing';
  if (wired) return 'server';
  return existsSync(runJs) ? 'in-process' : 'missing';
}

/** RSS of a process in MiB, from /proc. */
function rssMiB(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

/** One parsed `stats:` line of the agent. */
interface AgentStats {
  at: number;
  lagP99: number;
  lagMax: number;
  maxGapS: number;
  stale: number;
  rss: number;
}

function parseStats(line: string): AgentStats | undefined {
  if (!line.startsWith('stats:')) return undefined;
  const kv = Object.fromEntries(line.split(' ').slice(1).map((w) => w.split('=')));
  return { at: performance.now(), lagP99: parseFloat(kv.lag_p99), lagMax: parseFloat(kv.lag_max), maxGapS: parseFloat(kv.max_gap), stale: Number(kv.stale), rss: parseFloat(kv.rss) };
}

/** Starts the simulator and resolves once its nodes are ready. */
function startAgent(kubeconfig: string, nodes: number, extra: string[], stats: AgentStats[]): Promise<{ proc: ChildProcess; readyMs: number; stop(): Promise<void> }> {
  const started = performance.now();
  const proc = spawn(process.execPath, [KUBELITE_BIN, 'agent', '--simulate', String(nodes), '--kubeconfig', kubeconfig,
    '--cpu', '4', '--memory', '32Gi', '--pods', '110', '--stats-interval', '5s', ...extra], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBELITE_LOG: 'warn' } });
  let out = '';
  let partial = '';
  proc.stdout!.on('data', (d: Buffer) => {
    out += d;
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      const s = parseStats(l);
      if (s) stats.push(s);
    }
  });
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const onData = () => {
      if (!out.includes('simulated nodes ready')) return;
      proc.stdout!.off('data', onData);
      resolve({
        proc, readyMs: performance.now() - started,
        async stop() {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
          const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(t);
        },
      });
    };
    proc.stdout!.on('data', onData);
    void exited.then(() => reject(new Error(`agent exited before its nodes were ready:\n${out}`)));
  });
}

/** Watches pods in `namespace` and records when each is first seen bound. */
async function watchBindings(client: ClientType, namespace: string, signal: AbortSignal, bound: Map<string, number>, onBind: () => void,
  only?: (name: string) => boolean): Promise<void> {
  const pods = client.resource<Pod>('', 'v1', 'pods').namespace(namespace);
  const list = await pods.list({ signal });
  let rv = list.metadata.resourceVersion ?? '';
  while (!signal.aborted) {
    try {
      const stream = await pods.watch({ resourceVersion: rv, allowWatchBookmarks: true }, signal);
      for await (const ev of stream) {
        rv = ev.object.metadata?.resourceVersion ?? rv;
        const name = ev.object.metadata?.name ?? '';
        if (ev.object.spec?.nodeName && !bound.has(name) && (!only || only(name))) {
          bound.set(name, performance.now());
          onBind();
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      console.error(`watch failed (${(err as Error).message}); watching again from ${rv}`);
    }
  }
}

async function main(): Promise<number> {
  const { flags } = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    console.log(usage('bench:scheduler', FLAGS).replace('kubelite bench:scheduler', 'npm run bench:scheduler --'));
    return 0;
  }
  const quick = flags.quick === true;
  const nNodes = (flags.nodes as number | undefined) ?? (quick ? 500 : 5000);
  const nPods = (flags.pods as number | undefined) ?? (quick ? 1000 : 10_000);
  const creators = flags.creators as number;
  const runPods = flags['run-pods'] === true;
  const mode = schedulerMode(flags.scheduler as string);
  if (mode === 'missing') {
    console.error('bench:scheduler: the scheduler is missing: the server does not run one and src/controlplane/scheduler/run.ts is not built');
    return 1;
  }

  console.log(`bench:scheduler: ${nNodes} simulated nodes, ${nPods} pods, ${creators} creators, scheduler ${mode === 'server' ? 'inside kubelite server' : 'in the benchmark process'}, `
    + `bound pods ${runPods ? 'made Running by the agent' : 'left Pending (as scheduler_perf)'}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const t0 = performance.now();
  let server: KubeliteProcess | undefined;
  let agent: Awaited<ReturnType<typeof startAgent>> | undefined;
  const ac = new AbortController();
  const agentStats: AgentStats[] = [];
  let client: ClientType | undefined;
  try {
    server = await startKubelite({ args: ['--disable-controller-manager', ...(mode === 'in-process' ? ['--disable-scheduler'] : [])] });
    console.log(`  server ready in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
    const agentConcurrency = flags['agent-concurrency'] as number | undefined;
    agent = await startAgent(server.kubeconfig, nNodes, [`--simulate-pods=${runPods}`, ...(agentConcurrency ? ['--concurrency', String(agentConcurrency)] : [])], agentStats);
    console.log(`  ${nNodes} nodes registered and Ready in ${(agent.readyMs / 1000).toFixed(1)}s`);
    client = new Client({ ...loadKubeconfig(server.kubeconfig), maxSockets: creators + 8, userAgent: 'bench-scheduler' });
    let schedulerDone: Promise<void> = Promise.resolve();
    if (mode === 'in-process') {
      const { runScheduler } = await import(pathToFileURL(join(DIST, 'src', 'controlplane', 'scheduler', 'run.js')).href) as
        { runScheduler: (c: ClientType, o: { signal: AbortSignal }) => Promise<void> };
      const schedClient = new Client({ ...loadKubeconfig(server.kubeconfig), userAgent: 'kube-scheduler/bench' });
      schedulerDone = runScheduler(schedClient, { signal: ac.signal }).finally(() => schedClient.close());
    }

    const ns = 'sched-bench';
    await client.resource<Namespace>('', 'v1', 'namespaces').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const pods = client.resource<Pod>('', 'v1', 'pods').namespace(ns);
    // Warm-up: one pod bound proves the scheduler is leading and has seen the nodes.
    const bound = new Map<string, number>();
    let wake: () => void = () => {};
    let measuring = false;
    // Before the measurement only the warm-up pod counts; after it only the measured pods (the warm-up pod keeps
    // changing as the agent writes its status).
    const watching = watchBindings(client, ns, ac.signal, bound, () => wake(), (name) => (measuring ? name.startsWith('pod-') : name === 'warmup'));
    const waitFor = async (count: number, noProgressS: number) => {
      let last = bound.size;
      let lastAt = performance.now();
      while (bound.size < count) {
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 1000);
        });
        if (bound.size !== last) {
          last = bound.size;
          lastAt = performance.now();
        } else if (performance.now() - lastAt > noProgressS * 1000) {
          throw new Error(`no binding for ${noProgressS}s: ${bound.size}/${count} pods bound`);
        }
      }
    };
    await pods.create(benchPod('warmup'));
    await waitFor(1, 60);
    bound.clear();
    measuring = true;

    const sent = new Map<string, number>();
    const names = Array.from({ length: nPods }, (_, i) => `pod-${String(i).padStart(5, '0')}`);
    let next = 0;
    const createStart = performance.now();
    let createErrors = 0;
    const creating = Promise.all(Array.from({ length: creators }, async () => {
      while (next < names.length) {
        const name = names[next++];
        sent.set(name, performance.now());
        try {
          await pods.create(benchPod(name));
        } catch (err) {
          createErrors++;
          if (createErrors <= 3) console.error(`create ${name} failed: ${(err as Error).message}`);
        }
      }
    }));
    await creating;
    const createEnd = performance.now();
    try {
      await waitFor(nPods - createErrors, flags.timeout as number);
    } catch (err) {
      console.error(`server output (last 3,000 characters):\n${server.logs().slice(-3000)}`);
      throw err;
    }

    const times = names.map((n) => bound.get(n)).filter((t): t is number => t !== undefined);
    const first = Math.min(...times);
    const last = Math.max(...times);
    const lat = summarize(names.filter((n) => bound.has(n)).map((n) => bound.get(n)! - sent.get(n)!));
    // The agent reports every 5 s; wait for the report that covers the last binding.
    for (let i = 0; i < 70 && !agentStats.some((s) => s.at > last); i++) await new Promise((r) => setTimeout(r, 100));
    const firstAfter = agentStats.find((s) => s.at > last);
    const during = agentStats.filter((s) => s.at > createStart && (!firstAfter || s.at <= firstAfter.at));
    const worst = (f: (s: AgentStats) => number) => (during.length ? Math.max(...during.map(f)) : NaN);
    const rows: [string, string][] = [
      ['simulated nodes', `${nNodes} (registered + Ready in ${(agent.readyMs / 1000).toFixed(1)}s)`],
      ['bound pods', runPods ? 'made Running by the agent' : 'left Pending (as scheduler_perf)'],
      ['pods scheduled', `${times.length}/${nPods}${createErrors ? ` (${createErrors} create errors)` : ''}`],
      ['create rate', `${Math.round(nPods / ((createEnd - createStart) / 1000))} pods/s (${creators} creators)`],
      ['scheduling throughput', `${Math.round((times.length - 1) / ((last - first) / 1000))} pods/s (first to last binding, ${((last - first) / 1000).toFixed(1)}s)`],
      ['create → bound p50', `${Math.round(lat.p50)} ms`],
      ['create → bound p99', `${Math.round(lat.p99)} ms`],
      ['create → bound max', `${Math.round(lat.max)} ms`],
      ['lease renewal lag p99 (worst 5 s window)', `${worst((s) => s.lagP99)} ms`],
      ['lease renewal lag max', `${worst((s) => s.lagMax)} ms`],
      ['longest lease renewal gap', `${worst((s) => s.maxGapS)} s (renewals every 10 s; the lease lasts 40 s)`],
      ['agent RSS', `${rssMiB(agent.proc.pid)} MiB`],
      ['server RSS', `${rssMiB(server.proc.pid)} MiB${mode === 'server' ? ' (includes the scheduler)' : ''}`],
    ];
    rows.push(['machine load average (1 min) at the end', loadavg()[0].toFixed(1)]);
    if (mode === 'in-process') rows.push(['benchmark process RSS (includes the scheduler)', `${Math.round(process.memoryUsage().rss / (1 << 20))} MiB`]);
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log('');
    console.log(`| ${'measure'.padEnd(w)} | value`);
    console.log(`|${'-'.repeat(w + 2)}|${'-'.repeat(40)}`);
    for (const [k, v] of rows) console.log(`| ${k.padEnd(w)} | ${v}`);
    ac.abort();
    await Promise.all([watching, schedulerDone]);
    return times.length === nPods ? 0 : 1;
  } finally {
    ac.abort();
    client?.close();
    await agent?.stop();
    await server?.stop();
  }
}

process.exitCode = await main();
