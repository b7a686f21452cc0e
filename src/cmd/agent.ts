/**
 * `kubelite agent`: the node agent. Without `--simulate` it is a real node (containerd, kubelet, kube-proxy,
 * ingress; see agent-node.ts). With `--simulate N` it registers N kwok-like nodes that keep Ready and make their
 * pods Running without running anything, for scale tests of the control plane.
 */
import { existsSync } from 'node:fs';
import { Client, loadKubeconfig } from '../client/index.js';
import { KUBERNETES_VERSION } from '../controlplane/apiserver/discovery.js';
import { MAX_SIMULATED_NODES } from '../node/kubelet/simulated/address-plan.js';
import { NodeSimulator, type NodeSimulatorStats } from '../node/kubelet/simulated/node-simulator.js';
import {
  parseDuration, parseLabels, parseResource, parseTaints, SpecError, type SimulatedNodeSpec,
} from '../node/kubelet/simulated/simulation-spec.js';
import { logger } from '../util/log.js';
import { parseFlags, usage, UsageError, type FlagSpec } from './flags.js';
import { REAL_AGENT_FLAGS, runRealAgent } from './agent-node.js';

const log = logger('agent');

/** The flags of `kubelite agent`. */
export const AGENT_FLAGS: Record<string, FlagSpec> = {
  'kubeconfig': { type: 'string', help: 'Kubeconfig to reach the API server (default $KUBECONFIG)', default: '' },
  'server': { type: 'string', help: 'API server URL, overriding the kubeconfig\'s', default: '' },
  'data-dir': { type: 'string', help: 'State directory of a real node (containerd, pods, certificates)', default: '' },
  ...REAL_AGENT_FLAGS,
  'simulate': { type: 'int', help: 'Simulate N nodes that run no containers (scale testing only)', default: 0 },
  'name-prefix': { type: 'string', help: 'Simulated node names are PREFIX0, PREFIX1, …', default: 'sim-' },
  'start-index': { type: 'int', help: 'Index of the first simulated node (to run several simulators)', default: 0 },
  'cpu': { type: 'string', help: 'CPU capacity of each simulated node', default: '32' },
  'memory': { type: 'string', help: 'Memory capacity of each simulated node', default: '256Gi' },
  'pods': { type: 'int', help: 'Pod capacity of each simulated node', default: 110 },
  'ephemeral-storage': { type: 'string', help: 'Ephemeral storage capacity of each simulated node', default: '1Ti' },
  'labels': { type: 'list', help: 'Extra node labels, k=v,…', default: [] },
  'taints': { type: 'list', help: 'Node taints, key=value:Effect,…', default: [] },
  'pod-duration': { type: 'string', help: 'Run time of Never/OnFailure pods without the kubelite.io/simulate-duration annotation', default: '1s' },
  'node-lease-duration-seconds': { type: 'int', help: 'Node Lease duration; renewed every quarter of it', default: 40 },
  'node-status-report-frequency': { type: 'string', help: 'Node status heartbeat period', default: '5m' },
  'concurrency': { type: 'int', help: 'Most requests in flight per activity (leases, pod writes, …)', default: 32 },
  'stats-interval': { type: 'string', help: 'How often to print heartbeat and pod statistics; 0 turns them off', default: '60s' },
  'simulate-pods': { type: 'bool', help: 'Make pods bound to the simulated nodes Running (=false leaves them Pending)', default: true },
  'cleanup': { type: 'bool', help: 'Delete the simulated nodes and their leases on exit', default: false },
  'help': { type: 'bool', help: 'Show this help' },
};


/** Validated settings of the simulator. */
export interface SimulateConfig {
  kubeconfig: string;
  server: string;
  spec: SimulatedNodeSpec;
  podDurationMs: number;
  leaseDurationSeconds: number;
  statusReportMs: number;
  concurrency: number;
  statsIntervalMs: number;
  simulatePods: boolean;
  cleanup: boolean;
}

function durationFlag(flags: Record<string, unknown>, name: string, min: number): number {
  const text = flags[name] as string;
  const ms = parseDuration(text);
  if (ms === undefined || ms < min) throw new UsageError(`invalid value "${text}" for --${name}: expected a duration such as 5s or 1m${min > 0 ? `, at least ${min} ms` : ''}`);
  return ms;
}

/** Validates parsed flags into a SimulateConfig, or throws UsageError naming the bad flag. */
export function simulateConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): SimulateConfig {
  const count = flags.simulate as number;
  const startIndex = flags['start-index'] as number;
  if (count < 1 || startIndex + count > MAX_SIMULATED_NODES) {
    throw new UsageError(`invalid value "${count}" for --simulate: between 1 and ${MAX_SIMULATED_NODES - startIndex} nodes fit the simulated address plan`);
  }
  const kubeconfig = (flags.kubeconfig as string) || env.KUBECONFIG || '';
  if (!kubeconfig) throw new UsageError('--kubeconfig is required (or set KUBECONFIG)');
  if (!existsSync(kubeconfig)) throw new UsageError(`invalid value "${kubeconfig}" for --kubeconfig: no such file`);
  const pods = flags.pods as number;
  if (pods < 1 || pods > 250) throw new UsageError(`invalid value "${pods}" for --pods: a simulated node has a /24 of pod IPs, so 1–250`);
  const concurrency = flags.concurrency as number;
  if (concurrency < 1) throw new UsageError('invalid value "0" for --concurrency: at least 1');
  const leaseDurationSeconds = flags['node-lease-duration-seconds'] as number;
  if (leaseDurationSeconds < 1) throw new UsageError('invalid value "0" for --node-lease-duration-seconds: at least 1');
  const server = flags.server as string;
  if (server && !/^https?:\/\//.test(server)) throw new UsageError(`invalid value "${server}" for --server: expected a URL such as https://127.0.0.1:6443`);
  try {
    return {
      kubeconfig, server,
      spec: {
        namePrefix: flags['name-prefix'] as string, startIndex, count,
        cpu: parseResource('--cpu', flags.cpu as string),
        memory: parseResource('--memory', flags.memory as string),
        pods,
        ephemeralStorage: parseResource('--ephemeral-storage', flags['ephemeral-storage'] as string),
        labels: parseLabels(flags.labels as string[]),
        taints: parseTaints(flags.taints as string[]),
        kubeletVersion: KUBERNETES_VERSION.gitVersion,
      },
      podDurationMs: durationFlag(flags, 'pod-duration', 0),
      leaseDurationSeconds,
      statusReportMs: durationFlag(flags, 'node-status-report-frequency', 1000),
      concurrency,
      statsIntervalMs: durationFlag(flags, 'stats-interval', 0),
      simulatePods: flags['simulate-pods'] !== false,
      cleanup: flags.cleanup === true,
    };
  } catch (err) {
    if (err instanceof SpecError) throw new UsageError(err.message);
    throw err;
  }
}

const ms = (v: number) => `${Math.round(v)}ms`;

/** One line of simulator statistics (stable `key=value` words, parsed by the scheduling benchmark). */
export function formatStats(s: NodeSimulatorStats, windowMs: number): string {
  const l = s.leases;
  const rss = Math.round(process.memoryUsage().rss / (1 << 20));
  return [
    'stats:', `nodes=${l.items}`, `window=${(windowMs / 1000).toFixed(0)}s`, `lease_renewals=${l.succeeded}`, `lease_failures=${l.failed}`,
    `lag_p50=${ms(l.lag.p50)}`, `lag_p99=${ms(l.lag.p99)}`, `lag_max=${ms(l.lag.max)}`, `max_gap=${(l.maxGapMs / 1000).toFixed(1)}s`,
    `stale=${l.stale}`, `backlog=${l.backlog}`, `status_heartbeats=${s.nodeStatus.succeeded}`, `pods_active=${s.pods.active}`,
    `pod_status_writes=${s.pods.statusWrites}`, `pod_deletions=${s.pods.deletions}`, `rss=${rss}MB`,
  ].join(' ');
}

/** Resolves with the signal name at the first SIGINT or SIGTERM. */
function nextSignal(): Promise<string> {
  return new Promise((resolve) => {
    const handler = (sig: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(sig);
    };
    const onInt = () => handler('SIGINT');
    const onTerm = () => handler('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

/** Runs the simulator until SIGINT/SIGTERM. Returns the exit code. */
export async function runSimulatedNodes(cfg: SimulateConfig): Promise<number> {
  const stopSignal = nextSignal();
  const rest = loadKubeconfig(cfg.kubeconfig);
  if (cfg.server) rest.server = cfg.server;
  const client = new Client({ ...rest, userAgent: 'kubelite-agent/simulated', maxSockets: cfg.concurrency * 3 + 8 });
  const ac = new AbortController();
  void stopSignal.then(() => ac.abort());
  const sim = new NodeSimulator(client, {
    spec: cfg.spec, leaseDurationSeconds: cfg.leaseDurationSeconds, statusReportMs: cfg.statusReportMs,
    concurrency: cfg.concurrency, defaultPodDurationMs: cfg.podDurationMs, simulatePods: cfg.simulatePods,
  });
  const first = sim.names[0];
  const last = sim.names[sim.names.length - 1];
  let reg;
  try {
    reg = await sim.register(ac.signal);
  } catch (err) {
    client.close();
    throw new Error(`Cannot register simulated nodes at ${rest.server}: ${(err as Error).message}`, { cause: err });
  }
  if (ac.signal.aborted) {
    client.close();
    return 0;
  }
  const running = sim.run(ac.signal);
  await sim.podsSynced(ac.signal);
  console.log(`kubelite agent: registered ${sim.names.length} simulated nodes ${first}${sim.names.length > 1 ? `…${last}` : ''} `
    + `(${reg.created} created, ${reg.updated} updated) in ${(reg.ms / 1000).toFixed(2)}s; simulated nodes ready`);
  console.log(cfg.simulatePods
    ? '  these nodes run no containers: pods bound to them are only made to look Running'
    : '  these nodes run no containers, and pods bound to them stay Pending (--simulate-pods=false)');
  let lastStats = Date.now();
  const timer = cfg.statsIntervalMs > 0
    ? setInterval(() => {
      const now = Date.now();
      console.log(formatStats(sim.stats(true), now - lastStats));
      lastStats = now;
    }, cfg.statsIntervalMs)
    : undefined;
  const sig = await stopSignal;
  log.info(`received ${sig}; stopping heartbeats`);
  if (timer) clearInterval(timer);
  await running;
  if (cfg.cleanup) {
    const deleted = await sim.cleanup();
    console.log(`kubelite agent: deleted ${deleted} simulated nodes`);
  }
  client.close();
  return 0;
}

/** `kubelite agent …`. Returns the exit code. */
export async function agentCommand(argv: string[]): Promise<number> {
  const { flags, args } = parseFlags(argv, AGENT_FLAGS);
  if (flags.help) {
    console.log(usage('agent', AGENT_FLAGS));
    return 0;
  }
  if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
  if (!flags.simulate) return runRealAgent(flags);
  return runSimulatedNodes(simulateConfig(flags));
}
