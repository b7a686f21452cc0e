/**
 * kube-proxy for kubelite: watches Services and EndpointSlices, and programs the kernel's NAT (nftables, or iptables
 * where `nft` is missing) so that ClusterIPs, node ports, externalIPs and load-balancer IPs reach ready endpoints.
 * Node.js only writes rules; it never carries Service traffic.
 *  - Informer events that change something the rules depend on request a sync; the SyncRunner folds bursts into
 *    one kernel transaction, at most one per `minSyncPeriodMs` (kube-proxy's --min-sync-period, default 1 s).
 *  - Each sync rebuilds the desired rules from the caches (pure, cheap) and the backend sends only the difference.
 *  - Stopping (the signal) leaves the rules in place, so traffic keeps flowing across a restart; the next start's
 *    first sync replaces them atomically. `cleanup()` removes them, as `kube-proxy --cleanup`.
 *  - Host setup it owns: net.ipv4.conf.all.route_localnet=1 (node ports on 127.0.0.1, as upstream's iptables
 *    mode), and a route for the service CIDR to a port-less bridge, so host→ClusterIP connections get as far as the
 *    nat OUTPUT hook (an unreachable route would fail them at connect) and unmatched traffic dies on the machine.
 */
import { setMaxListeners } from 'node:events';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { SharedInformerFactory, type Client } from '../../client/index.js';
import { logger } from '../../util/log.js';
import type { BackendStats, ProxyBackend } from './backend.js';
import { mustRun, runCommand, type CommandRunner } from './command-runner.js';
import { IptablesBackend } from './iptables-backend.js';
import { NftablesBackend } from './nftables-backend.js';
import { buildServicePorts } from './service-ports.js';
import { SyncRunner } from './sync-runner.js';

const log = logger('kube-proxy');

/** The default name of the port-less bridge that the service CIDR is routed to. */
export const SERVICE_ROUTE_DEVICE = 'kubelite-svc';

/** Options of {@link runProxy}. */
export interface ProxyOptions {
  /** Stops watching and syncing (rules stay in place). */
  signal: AbortSignal;
  /** This node's name: endpoints with this nodeName are local (traffic policies Local). */
  nodeName: string;
  /** The node's addresses that serve node ports; 127.0.0.1 is added. Empty: every local address. */
  nodeIPs: string[];
  /** Pod network (e.g. 10.42.0.0/16): traffic to a ClusterIP from outside it is masqueraded. */
  clusterCidr?: string;
  /** Service network (e.g. 10.43.0.0/16): routed to a local port-less bridge; unused addresses are rejected. */
  serviceCidr?: string;
  /** Default: nftables when `nft` runs, else iptables. */
  backend?: 'nftables' | 'iptables';
  /** Masquerade all Service traffic (--masquerade-all). */
  masqueradeAll?: boolean;
  /** Minimum time between two syncs (default 1000 ms). */
  minSyncPeriodMs?: number;
  /** How long a change waits for the rest of its burst before syncing (default 50 ms). */
  coalesceMs?: number;
  /** nftables table name (default `kubelite`); tests use their own so they never clash. */
  tableName?: string;
  /** How commands run (default: on this host). Tests pass a runner that enters the node's network namespace. */
  exec?: CommandRunner;
  /** The port-less bridge for the service-CIDR route (default `kubelite-svc`); `false`: leave routing alone. */
  serviceRouteDevice?: string | false;
}

/** Counters of a running proxy. */
export interface ProxyStats extends BackendStats {
  /** Relevant Service/EndpointSlice changes seen. */
  changes: number;
  /** Syncs run (including those that found nothing to write). */
  syncs: number;
}

/** A running proxy. */
export interface ProxyHandle {
  /** Which backend programs the rules. */
  readonly backend: 'nftables' | 'iptables';
  /** Syncs now, ignoring the rate bound; rejects if the kernel refused the rules. */
  sync(): Promise<void>;
  /** Stops syncing and removes every rule, and the service route and bridge this proxy made. */
  cleanup(): Promise<void>;
  /** Counters, for tests and benchmarks. */
  stats(): ProxyStats;
  /** Resolves once the informers and the sync loop have stopped (after the signal aborted). */
  readonly done: Promise<void>;
}

/** Picks the backend: the one asked for, else nftables if `nft` works, else iptables, else a clear error. */
export async function detectBackend(run: CommandRunner, wanted?: 'nftables' | 'iptables'): Promise<'nftables' | 'iptables'> {
  if (wanted) return wanted;
  if ((await run('nft', ['--version'])).code === 0) return 'nftables';
  if ((await run('iptables-restore', ['--version'])).code === 0) return 'iptables';
  throw new Error('Cannot run kube-proxy: neither nft nor iptables-restore is installed (apt-get install -y nftables)');
}

function makeBackend(kind: 'nftables' | 'iptables', run: CommandRunner, opts: ProxyOptions): ProxyBackend {
  return kind === 'nftables'
    ? new NftablesBackend({ run, table: opts.tableName, nodeIPs: opts.nodeIPs, clusterCidr: opts.clusterCidr, serviceCidr: opts.serviceCidr, masqueradeAll: opts.masqueradeAll })
    : new IptablesBackend({ run, clusterCidr: opts.clusterCidr, masqueradeAll: opts.masqueradeAll });
}

/** route_localnet for 127.0.0.1 node ports, and the service-CIDR route to a port-less bridge. */
async function prepareHost(run: CommandRunner, opts: ProxyOptions): Promise<void> {
  await mustRun(run, 'sysctl', ['-q', '-w', 'net.ipv4.conf.all.route_localnet=1']);
  const dev = opts.serviceRouteDevice ?? SERVICE_ROUTE_DEVICE;
  if (!opts.serviceCidr || dev === false) return;
  // This kernel has no `dummy` link type; a bridge with no ports works the same: up, addressless, a dead end.
  const exists = await run('ip', ['link', 'show', dev]);
  if (exists.code !== 0) await mustRun(run, 'ip', ['link', 'add', dev, 'type', 'bridge']);
  await mustRun(run, 'ip', ['link', 'set', dev, 'up']);
  await mustRun(run, 'ip', ['route', 'replace', opts.serviceCidr, 'dev', dev]);
}

async function cleanupHost(run: CommandRunner, opts: ProxyOptions): Promise<void> {
  const dev = opts.serviceRouteDevice ?? SERVICE_ROUTE_DEVICE;
  if (!opts.serviceCidr || dev === false) return;
  await run('ip', ['route', 'del', opts.serviceCidr, 'dev', dev]);
  await run('ip', ['link', 'del', dev]);
}

/** Options of {@link cleanupProxyRules}. */
export interface CleanupOptions {
  backend?: 'nftables' | 'iptables';
  tableName?: string;
  exec?: CommandRunner;
  serviceCidr?: string;
  serviceRouteDevice?: string | false;
}

/**
 * Removes everything a proxy with these options leaves behind, without an API server (`kubelite agent --cleanup`):
 * both backends' rules when no backend is named, and the service route and its bridge.
 */
export async function cleanupProxyRules(opts: CleanupOptions = {}): Promise<void> {
  const run = opts.exec ?? runCommand;
  const base = { signal: new AbortController().signal, nodeName: '', nodeIPs: [], ...opts } satisfies ProxyOptions;
  const kinds: Array<'nftables' | 'iptables'> = opts.backend ? [opts.backend] : ['nftables', 'iptables'];
  for (const kind of kinds) {
    const tool = kind === 'nftables' ? 'nft' : 'iptables-restore';
    if ((await run(tool, ['--version'])).code !== 0) continue;
    await makeBackend(kind, run, base).cleanup();
  }
  await cleanupHost(run, base);
}

/** Relevant content of a Service for the rules (metadata churn such as managedFields does not count). */
function serviceFingerprint(s: Service): string {
  return JSON.stringify([s.spec, s.status?.loadBalancer]);
}

function sliceFingerprint(s: EndpointSlice): string {
  return JSON.stringify([s.metadata?.labels?.['kubernetes.io/service-name'], s.addressType, s.endpoints, s.ports]);
}

/**
 * Starts the proxy: waits for the Service and EndpointSlice caches, writes the first full rule set (throws if the
 * kernel refuses it), then follows changes until `opts.signal` aborts.
 */
export async function runProxy(client: Client, opts: ProxyOptions): Promise<ProxyHandle> {
  const run = opts.exec ?? runCommand;
  const kind = await detectBackend(run, opts.backend);
  const backend = makeBackend(kind, run, opts);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (opts.signal.aborted) stop.abort();
  else opts.signal.addEventListener('abort', onAbort, { once: true });
  setMaxListeners(0, stop.signal);

  const informers = new SharedInformerFactory(client);
  const services = informers.informerFor<Service>('', 'v1', 'services');
  const slices = informers.informerFor<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices');
  let changes = 0;
  let syncs = 0;
  const doSync = async () => {
    syncs++;
    const ports = buildServicePorts(services.lister.list(), slices.lister.list(), { nodeName: opts.nodeName });
    await backend.sync(ports);
  };
  const runner = new SyncRunner(doSync, {
    minIntervalMs: opts.minSyncPeriodMs ?? 1000,
    coalesceMs: opts.coalesceMs ?? 50,
    onError: (err) => log.warn('sync failed; retrying', { backend: kind, error: err }),
  });
  const changed = () => {
    changes++;
    runner.request();
  };
  services.addEventHandler({
    onAdd: changed,
    onUpdate: (a, b) => { if (serviceFingerprint(a) !== serviceFingerprint(b)) changed(); },
    onDelete: changed,
  });
  slices.addEventHandler({
    onAdd: changed,
    onUpdate: (a, b) => { if (sliceFingerprint(a) !== sliceFingerprint(b)) changed(); },
    onDelete: changed,
  });
  informers.start(stop.signal);
  try {
    if (!(await informers.waitForSync(stop.signal))) throw new Error('kube-proxy stopped before its caches synced');
    await prepareHost(run, opts);
    await runner.runNow();
  } catch (err) {
    stop.abort();
    await runner.stop();
    await informers.stopped();
    opts.signal.removeEventListener('abort', onAbort);
    throw err;
  }
  log.info('rules programmed', { backend: kind, transactions: backend.stats.transactions });

  const done = (async () => {
    await new Promise<void>((resolve) => (stop.signal.aborted ? resolve() : stop.signal.addEventListener('abort', () => resolve(), { once: true })));
    await runner.stop();
    await informers.stopped();
    opts.signal.removeEventListener('abort', onAbort);
  })();

  return {
    backend: kind,
    sync: () => runner.runNow(),
    async cleanup() {
      stop.abort();
      await done;
      await backend.cleanup();
      await cleanupHost(run, opts);
    },
    stats: () => ({ ...backend.stats, changes, syncs }),
    done,
  };
}
