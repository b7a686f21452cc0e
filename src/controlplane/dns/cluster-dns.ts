/**
 * Cluster DNS as one call: informers on Services, EndpointSlices and Pods feed {@link ClusterDnsRecords}, and a
 * {@link DnsServer} answers from it on every listen address, forwarding other names to `upstream` (or the host's
 * resolvers from /etc/resolv.conf). Like CoreDNS's kubernetes plugin it answers cluster names SERVFAIL until the
 * caches have synced, and waits at most five seconds for that before returning.
 */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { objectOf, SharedInformerFactory, type Client, type Informer, type KubeObject } from '../../client/index.js';
import { logger } from '../../util/log.js';
import { DnsServer, type ListenAddress } from './dns-server.js';
import { ClusterDnsRecords } from './records.js';
import { hostNameservers, parseUpstream, Upstream, type UpstreamServer } from './upstream.js';

const log = logger('dns');
const SYNC_WAIT_MS = 5_000;

/** Options of {@link runClusterDns}. */
export interface ClusterDnsOptions {
  /** Stops the server and its informers. */
  signal: AbortSignal;
  listen: ListenAddress[];
  /** `HOST:PORT` of the resolver for other names (`--dns-upstream`); default: the nameservers of `resolvConf`. */
  upstream?: string;
  /** The cluster domain (default `cluster.local`). */
  domain?: string;
  /** Where the host's resolvers are read from when `upstream` is unset (default /etc/resolv.conf). */
  resolvConf?: string;
}

/** A running cluster DNS. */
export interface ClusterDns {
  /** The bound addresses (ports resolved when 0 was asked). */
  addresses: ListenAddress[];
  records: ClusterDnsRecords;
  /** Stops serving and watching; resolves once everything is closed. */
  close(): Promise<void>;
}

function feed<T extends KubeObject>(inf: Informer<T>, upsert: (o: T) => void, remove: (ns: string, name: string) => void): void {
  inf.addEventHandler({
    onAdd: (o) => upsert(o),
    onUpdate: (_old, o) => upsert(o),
    onDelete: (o) => {
      const obj = objectOf(o);
      remove(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
    },
  });
}

/** Starts cluster DNS for the API behind `client`. */
export async function runClusterDns(client: Client, opts: ClusterDnsOptions): Promise<ClusterDns> {
  const records = new ClusterDnsRecords({ domain: opts.domain });
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  opts.signal.addEventListener('abort', onAbort, { once: true });
  const informers = new SharedInformerFactory(client);
  feed(informers.informerFor<Service>('', 'v1', 'services'), (s) => records.upsertService(s), (ns, n) => records.deleteService(ns, n));
  feed(informers.informerFor<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices'), (s) => records.upsertSlice(s), (ns, n) => records.deleteSlice(ns, n));
  feed(informers.informerFor<Pod>('', 'v1', 'pods'), (p) => records.upsertPod(p), (ns, n) => records.deletePod(ns, n));
  informers.start(stop.signal);
  let synced = false;
  const syncing = informers.waitForSync(stop.signal).then((ok) => {
    synced = ok;
    if (ok) log.info('DNS records synced');
  });

  let servers: UpstreamServer[] = opts.upstream ? [parseUpstream(opts.upstream)] : hostNameservers(opts.resolvConf);
  // Never forward to ourselves (a host whose resolv.conf already points at this server).
  servers = servers.filter((s) => !opts.listen.some((l) => l.address === s.host && l.port === s.port));
  const upstream = servers.length ? new Upstream(servers) : undefined;
  let server: DnsServer;
  try {
    server = await DnsServer.start({ records, upstream, listen: opts.listen, isReady: () => synced });
  } catch (err) {
    stop.abort();
    upstream?.close();
    await informers.stopped();
    throw err;
  }
  log.info('serving DNS', { addresses: server.addresses.map((a) => `${a.address}:${a.port}`).join(','), upstream: servers.map((s) => `${s.host}:${s.port}`).join(',') });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([syncing, new Promise<void>((resolve) => (timer = setTimeout(resolve, SYNC_WAIT_MS)))]);
  clearTimeout(timer);

  let closing: Promise<void> | undefined;
  const shutdown = async () => {
    opts.signal.removeEventListener('abort', onAbort);
    await server.close();
    upstream?.close();
    await informers.stopped();
  };
  const close = () => {
    if (!closing) {
      closing = shutdown();
      stop.abort();
    }
    return closing;
  };
  stop.signal.addEventListener('abort', () => void close(), { once: true });
  return { addresses: server.addresses, records, close };
}
