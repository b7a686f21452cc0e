/**
 * `kubelite server`: the control plane. Flags, data directory, certificates, storage, the API server, and signals.
 * Ready means /readyz answers ok; only then is the kubeconfig written and its path printed.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { parseFlags, usage, UsageError, type FlagSpec } from './flags.js';
import { defaultDataDir, lockDataDir } from './data-dir.js';
import { writeKubeconfig } from './kubeconfig.js';
import { openBackend } from '../storage/factory.js';
import type { Backend } from '../storage/backend.js';
import { ApiServer } from '../controlplane/apiserver/server.js';
import { loadOrCreatePki } from '../controlplane/apiserver/pki/pki.js';
import { parseCidr } from '../controlplane/apiserver/registry/services/allocator.js';
import { advertiseAddress } from '../controlplane/apiserver/bootstrap.js';
import { defaultServices } from '../controlplane/apiserver/wiring.js';
import { logger } from '../util/log.js';
import { startComponents } from './components.js';
import { parseDuration } from '../util/duration.js';
import type { ControllerSettings } from '../controlplane/controllers/common/controller-settings.js';

const log = logger('server');

/** The flags of `kubelite server` (also accepted by `kubelite up`). */
export const SERVER_FLAGS: Record<string, FlagSpec> = {
  'data-dir': { type: 'string', help: 'Directory for the database, certificates and kubeconfig', default: '' },
  'port': { type: 'int', help: 'HTTPS port of the API server; 0 picks a free port', default: 6443 },
  'bind-address': { type: 'string', help: 'Address the API server listens on', default: '127.0.0.1' },
  'storage': { type: 'string', help: 'Storage backend: sqlite (embedded) or etcd', default: 'sqlite' },
  'etcd-endpoints': { type: 'list', help: 'etcd client URLs, comma-separated (with --storage etcd)', default: [] },
  'service-cidr': { type: 'string', help: 'IPv4 range for Service cluster IPs', default: '10.43.0.0/16' },
  'service-node-port-range': { type: 'string', help: 'Port range for NodePort Services', default: '30000-32767' },
  'cluster-cidr': { type: 'string', help: 'IPv4 range for pod IPs; each node gets a /24 of it', default: '10.42.0.0/16' },
  'node-cidr-mask-size': { type: 'int', help: 'Prefix length of each node\'s pod CIDR', default: 24 },
  'node-monitor-grace-period': { type: 'string', help: 'Silence after which a node is marked Unknown and tainted', default: '40s' },
  'terminated-pod-gc-threshold': { type: 'int', help: 'Finished pods kept before pod GC deletes the oldest', default: 12500 },
  'default-local-storage-path': { type: 'string', help: 'Directory on nodes for local-path PersistentVolumes', default: '' },
  'service-lb-pool': { type: 'string', help: 'CIDR for LoadBalancer addresses (default: the nodes\' addresses)', default: '' },
  'cluster-domain': { type: 'string', help: 'DNS domain of the cluster', default: 'cluster.local' },
  'dns-port': { type: 'int', help: 'Port cluster DNS listens on at the node address; 0 picks a free port', default: 53 },
  'dns-upstream': { type: 'string', help: 'HOST:PORT of the resolver for names outside the cluster (default: the host\'s resolvers)', default: '' },
  'disable-dns': { type: 'bool', help: 'Do not run cluster DNS in this server', default: false },
  'disable-scheduler': { type: 'bool', help: 'Do not run the scheduler in this server', default: false },
  'disable-controller-manager': { type: 'bool', help: 'Do not run the controller manager in this server', default: false },
  'help': { type: 'bool', help: 'Show this help' },
};

/** Validated server configuration. */
export interface ServerConfig {
  dataDir: string;
  port: number;
  bindAddress: string;
  storage: 'sqlite' | 'etcd';
  etcdEndpoints: string[];
  serviceCidr: string;
  nodePortRange: string;
  disableScheduler: boolean;
  disableControllerManager: boolean;
  clusterCidr: string;
  clusterDomain: string;
  controllerSettings: Partial<ControllerSettings>;
  dns?: { port: number; upstream?: string };
}

/** Validates parsed flags into a ServerConfig, or throws UsageError naming the bad flag. */
export function serverConfig(flags: Record<string, unknown>): ServerConfig {
  const dataDir = resolve((flags['data-dir'] as string) || defaultDataDir());
  const port = flags.port as number;
  if (port > 65535) throw new UsageError(`invalid value "${port}" for --port: must be between 0 and 65535`);
  const bindAddress = flags['bind-address'] as string;
  if (!isIP(bindAddress)) throw new UsageError(`invalid value "${bindAddress}" for --bind-address: expected an IP address`);
  const storage = flags.storage as string;
  if (storage !== 'sqlite' && storage !== 'etcd') throw new UsageError(`invalid value "${storage}" for --storage: expected sqlite or etcd`);
  const etcdEndpoints = flags['etcd-endpoints'] as string[];
  if (storage === 'etcd' && etcdEndpoints.length === 0) throw new UsageError('--storage etcd needs --etcd-endpoints, e.g. http://127.0.0.1:2379');
  for (const e of etcdEndpoints) {
    try {
      const u = new URL(e);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    } catch {
      throw new UsageError(`invalid value "${e}" for --etcd-endpoints: expected a URL such as http://127.0.0.1:2379`);
    }
  }
  const serviceCidr = flags['service-cidr'] as string;
  try {
    parseCidr(serviceCidr);
  } catch (err) {
    throw new UsageError(`invalid value for --service-cidr: ${(err as Error).message}`);
  }
  const nodePortRange = flags['service-node-port-range'] as string;
  const m = /^(\d+)-(\d+)$/.exec(nodePortRange);
  if (!m || Number(m[1]) < 1 || Number(m[2]) > 65535 || Number(m[1]) > Number(m[2])) {
    throw new UsageError(`invalid value "${nodePortRange}" for --service-node-port-range: expected FIRST-LAST, e.g. 30000-32767`);
  }
  const clusterCidr = flags['cluster-cidr'] as string;
  try {
    parseCidr(clusterCidr);
  } catch (err) {
    throw new UsageError(`invalid value for --cluster-cidr: ${(err as Error).message}`);
  }
  const mask = flags['node-cidr-mask-size'] as number;
  if (mask < Number(clusterCidr.split('/')[1]) || mask > 30) {
    throw new UsageError(`invalid value "${mask}" for --node-cidr-mask-size: must lie between the cluster CIDR's prefix and 30`);
  }
  const grace = parseDuration(flags['node-monitor-grace-period'] as string);
  if (grace === undefined || grace < 1000) {
    throw new UsageError(`invalid value "${flags['node-monitor-grace-period']}" for --node-monitor-grace-period: expected a duration of at least 1s, e.g. 40s`);
  }
  const storagePath = flags['default-local-storage-path'] as string;
  const controllerSettings: Partial<ControllerSettings> = {
    clusterCidr, nodeCidrMaskSize: mask, nodeMonitorGracePeriodMs: grace,
    terminatedPodGcThreshold: flags['terminated-pod-gc-threshold'] as number,
    localPathDir: storagePath ? resolve(storagePath) : join(dataDir, 'storage'),
  };
  const lbPool = flags['service-lb-pool'] as string;
  if (lbPool) {
    try {
      parseCidr(lbPool);
    } catch (err) {
      throw new UsageError(`invalid value for --service-lb-pool: ${(err as Error).message}`);
    }
    controllerSettings.serviceLbPool = lbPool;
  }
  const clusterDomain = flags['cluster-domain'] as string;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(clusterDomain)) {
    throw new UsageError(`invalid value "${clusterDomain}" for --cluster-domain: expected a DNS domain such as cluster.local`);
  }
  const dnsPort = flags['dns-port'] as number;
  if (dnsPort > 65535) throw new UsageError(`invalid value "${dnsPort}" for --dns-port: must be between 0 and 65535`);
  const upstream = flags['dns-upstream'] as string;
  if (upstream && !/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(upstream)) {
    throw new UsageError(`invalid value "${upstream}" for --dns-upstream: expected HOST:PORT, e.g. 127.0.0.1:5353`);
  }
  return {
    dataDir, port, bindAddress, storage, etcdEndpoints, serviceCidr, nodePortRange,
    disableScheduler: flags['disable-scheduler'] === true, disableControllerManager: flags['disable-controller-manager'] === true,
    clusterCidr, clusterDomain, controllerSettings,
    dns: flags['disable-dns'] ? undefined : { port: dnsPort, upstream: upstream || undefined },
  };
}

/** A running control plane. */
export interface RunningServer {
  port: number;
  url: string;
  kubeconfigPath: string;
  dataDir: string;
  stop(): Promise<void>;
}

function loadOrCreateToken(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const token = randomBytes(32).toString('hex');
  writeFileSync(path, token + '\n', { mode: 0o600 });
  return token;
}

/** Starts the control plane from a validated configuration. */
export async function startServer(cfg: ServerConfig, command = 'kubelite server'): Promise<RunningServer> {
  const release = lockDataDir(cfg.dataDir, command);
  let backend: Backend | undefined;
  let api: ApiServer | undefined;
  try {
    const tlsDir = join(cfg.dataDir, 'tls');
    const pki = await loadOrCreatePki(tlsDir, { ips: cfg.bindAddress === '0.0.0.0' ? [] : [cfg.bindAddress], dns: [] });
    const token = loadOrCreateToken(join(tlsDir, 'admin.token'));
    mkdirSync(join(cfg.dataDir, 'db'), { recursive: true, mode: 0o700 });
    backend = cfg.storage === 'sqlite'
      ? await openBackend({ kind: 'sqlite', path: join(cfg.dataDir, 'db', 'state.db') })
      : await openBackend({ kind: 'etcd', endpoints: cfg.etcdEndpoints });
    api = new ApiServer({
      backend, pki,
      tokens: new Map([[token, { name: 'kubelite-admin', groups: ['system:masters'] }]]),
      bindAddress: cfg.bindAddress, port: cfg.port,
      serviceCidr: cfg.serviceCidr, nodePortRange: cfg.nodePortRange,
      ...defaultServices(),
    });
    const port = await api.start();
    const host = cfg.bindAddress === '0.0.0.0' ? '127.0.0.1' : cfg.bindAddress.includes(':') ? `[${cfg.bindAddress}]` : cfg.bindAddress;
    const url = `https://${host}:${port}`;
    const kubeconfigPath = join(cfg.dataDir, 'kubeconfig.yaml');
    writeKubeconfig(kubeconfigPath, { server: url, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey });
    const components = await startComponents({
      kubeconfigPath, scheduler: !cfg.disableScheduler, controllerManager: !cfg.disableControllerManager, controllerSettings: cfg.controllerSettings,
      dns: cfg.dns && { address: advertiseAddress(cfg.bindAddress), port: cfg.dns.port, upstream: cfg.dns.upstream, domain: cfg.clusterDomain },
    });
    if (components.dns) await api.publishClusterDns(components.dns);
    const b = backend;
    const a = api;
    return {
      port, url, kubeconfigPath, dataDir: cfg.dataDir,
      async stop() {
        await components.stop();
        await a.stop();
        await b.close();
        release();
      },
    };
  } catch (err) {
    await api?.stop().catch(() => {});
    await backend?.close().catch(() => {});
    release();
    throw err;
  }
}

/**
 * Catches SIGINT/SIGTERM from now on. Commands call it before they start anything, so a signal that arrives while
 * they start (a service manager stopping a node that just came up) ends in an orderly stop rather than the default
 * action killing the process with containerd and its pods left behind. `stopWith(fn)` runs `fn` once a signal has
 * arrived (or at once, if one already has) and resolves when it is done.
 */
export function catchShutdown(): { stopWith(stop: () => Promise<void>): Promise<void> } {
  let signalled: (sig: string) => void;
  const received = new Promise<string>((resolve) => (signalled = resolve));
  process.once('SIGINT', () => signalled('SIGINT'));
  process.once('SIGTERM', () => signalled('SIGTERM'));
  return {
    async stopWith(stop) {
      const sig = await received;
      log.info(`received ${sig}, shutting down`);
      // A second signal while stopping is absorbed: the stop is already under way.
      const ignore = () => {};
      process.on('SIGINT', ignore);
      process.on('SIGTERM', ignore);
      try {
        await stop();
      } catch (err) {
        log.error('shutdown failed', { err });
      }
    },
  };
}

/** `kubelite server …`. Returns the exit code. */
export async function serverCommand(argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, SERVER_FLAGS);
  if (flags.help) {
    console.log(usage('server', SERVER_FLAGS));
    return 0;
  }
  const cfg = serverConfig(flags);
  const shutdown = catchShutdown();
  const started = Date.now();
  const srv = await startServer(cfg);
  console.log(`kubelite server ready at ${srv.url} in ${((Date.now() - started) / 1000).toFixed(2)}s`);
  console.log(`kubeconfig: ${srv.kubeconfigPath}`);
  console.log(`  export KUBECONFIG=${srv.kubeconfigPath}`);
  await shutdown.stopWith(() => srv.stop());
  return 0;
}
