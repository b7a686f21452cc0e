/**
 * The ingress controller as one call. Informers on Ingresses, IngressClasses, Services, EndpointSlices and TLS
 * Secrets feed a {@link RouteTable} that is rebuilt (coalesced per event-loop turn) on every relevant change and
 * swapped into the {@link ReverseProxy} behind an HTTP and an HTTPS listener. The controller ensures its own
 * IngressClass exists (as the default class) and publishes the node addresses in the status of the Ingresses it
 * serves. It never talks to storage: everything comes through the API.
 *
 * Until the caches have synced the listeners answer 503 (an empty table would wrongly say 404); `runIngress` waits
 * at most five seconds for that sync before returning, like cluster DNS.
 */
import { setMaxListeners } from 'node:events';
import type { Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass, IngressServiceBackend } from 'kubernetes-types/networking/v1.js';
import { keyOf, objectKey, objectOf, SharedInformerFactory, type Client, type Informer, type KubeObject } from '../client/index.js';
import { availableParallelism } from 'node:os';
import { logger } from '../util/log.js';
import { BackendPool, type BackendPoolOptions } from './backend-pool.js';
import { generateSelfSignedCertificate, type KeyPair } from './certificates.js';
import { ensureIngressClass, selectClasses, servesIngress, type ClassSelection } from './ingress-class.js';
import { IngressStatusUpdater } from './ingress-status.js';
import { ProxyServers } from './proxy-server.js';
import { ProxyWorkers, type RouteSnapshot } from './proxy-workers.js';
import { ReverseProxy } from './reverse-proxy.js';
import { RouteTable, SERVICE_NAME_LABEL } from './route-table.js';

const log = logger('ingress');
const SYNC_WAIT_MS = 5_000;
const SERVICE_INDEX = 'service';

/** Options of {@link runIngress}. */
export interface IngressOptions {
  /** Stops the controller (as `close()` does). */
  signal: AbortSignal;
  /** HTTP port (default 80; 0 picks a free port). */
  httpPort?: number;
  /** HTTPS port (default 443; 0 picks a free port; null serves no HTTPS). */
  httpsPort?: number | null;
  /** Address to listen on (default: every address). */
  bindAddress?: string;
  /** The IngressClass this controller owns and creates as the default class (default `kubelite`). */
  ingressClass?: string;
  /** Node addresses published in `status.loadBalancer.ingress` of served Ingresses; unset publishes nothing. */
  statusAddresses?: string[];
  /** The backend for requests nothing else matched, as `namespace/service:port` (port number or name). */
  defaultBackend?: string;
  /** The default certificate; generated with openssl when unset. */
  defaultCertificate?: KeyPair;
  /** Close timeout: in-flight requests get this long to finish after `close()` (ms, default 10 s). */
  shutdownGraceMs?: number;
  /** Upstream connection pool tuning (timeouts, connections per endpoint). */
  pool?: Omit<BackendPoolOptions, 'now'>;
  /**
   * Processes that proxy traffic (default 1: this one). More fork `workers - 1` proxy processes sharing the
   * listening sockets, as nginx's `worker_processes`; `'auto'` means one per CPU.
   */
  workers?: number | 'auto';
}

/** A running ingress controller. */
export interface IngressController {
  /** The bound ports (resolved when 0 was asked); `https` is undefined when HTTPS is off. */
  ports: { http: number; https: number | undefined };
  /** The route table in use now. */
  routes(): RouteTable;
  /** Stops listening and watching; waits for in-flight requests up to the grace period. */
  close(): Promise<void>;
}

/** Parses `namespace/service:port` into a default backend. */
export function parseBackendRef(ref: string): { namespace: string; service: IngressServiceBackend } {
  const m = /^([^/]+)\/([^:]+):(.+)$/.exec(ref);
  if (!m) throw new Error(`Cannot parse default backend "${ref}": want namespace/service:port`);
  const port = /^\d+$/.test(m[3]) ? { number: Number(m[3]) } : { name: m[3] };
  return { namespace: m[1], service: { name: m[2], port } };
}

function onAnyChange<T extends KubeObject>(inf: Informer<T>, fn: (obj: T, old?: T) => void): void {
  inf.addEventHandler({
    onAdd: (o) => fn(o),
    onUpdate: (old, o) => fn(o, old),
    onDelete: (o) => fn(objectOf(o)),
  });
}

/** Starts the ingress controller for the API behind `client`. */
export async function runIngress(client: Client, opts: IngressOptions): Promise<IngressController> {
  const className = opts.ingressClass ?? 'kubelite';
  const stop = new AbortController();
  // Five informers, their sync waits, the class and status loops all listen on this one signal.
  setMaxListeners(32, stop.signal);
  const onAbort = () => void close();
  const informers = new SharedInformerFactory(client);
  const ingresses = informers.informerFor<Ingress>('networking.k8s.io', 'v1', 'ingresses');
  const classes = informers.informerFor<IngressClass>('networking.k8s.io', 'v1', 'ingressclasses');
  const services = informers.informerFor<Service>('', 'v1', 'services');
  const slices = informers.informerFor<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices', {
    indexers: { [SERVICE_INDEX]: (s) => [keyOf(s.metadata?.namespace ?? '', s.metadata?.labels?.[SERVICE_NAME_LABEL] ?? '')] },
  });
  const secrets = informers.informerFor<Secret>('', 'v1', 'secrets', { fieldSelector: 'type=kubernetes.io/tls' });
  const defaultBackend = opts.defaultBackend ? parseBackendRef(opts.defaultBackend) : undefined;

  const proxy = new ReverseProxy({ pool: new BackendPool(opts.pool) });
  let workers: ProxyWorkers | undefined;
  let selection: ClassSelection = selectClasses(className, []);
  const serves = (ing: Ingress) => servesIngress(ing, selection);
  let synced = false;
  let rebuildPending = false;

  const rebuild = () => {
    rebuildPending = false;
    if (!synced || stop.signal.aborted) return;
    const started = performance.now();
    const table = RouteTable.build({
      ingresses: ingresses.lister.list(serves),
      service: (ns, name) => services.lister.get(ns, name),
      endpointSlices: (ns, name) => slices.store.byIndex(SERVICE_INDEX, keyOf(ns, name)),
      defaultBackend,
    });
    proxy.setRoutes(table);
    servers.certs.retain(table.secrets());
    workers?.publish(snapshotOf(table));
    if (log.enabled('debug')) log.debug('routes rebuilt', { backends: table.backends().length, ms: (performance.now() - started).toFixed(2) });
  };
  const scheduleRebuild = () => {
    if (rebuildPending) return;
    rebuildPending = true;
    setImmediate(rebuild);
  };

  const status = opts.statusAddresses?.length
    ? new IngressStatusUpdater(client, ingresses.lister, { addresses: opts.statusAddresses, serves })
    : undefined;

  onAnyChange(ingresses, (ing, old) => {
    status?.enqueue(objectKey(ing));
    // Our own status writes come back as updates; they change no route.
    if (old && serves(old) === serves(ing) && JSON.stringify(old.spec) === JSON.stringify(ing.spec)
      && JSON.stringify(old.metadata?.annotations ?? {}) === JSON.stringify(ing.metadata?.annotations ?? {})) return;
    scheduleRebuild();
  });
  onAnyChange(classes, () => {
    const next = selectClasses(className, classes.lister.list());
    if (next.isDefault === selection.isDefault && next.names.size === selection.names.size && [...next.names].every((n) => selection.names.has(n))) return;
    selection = next;
    for (const ing of ingresses.lister.list()) status?.enqueue(objectKey(ing));
    scheduleRebuild();
  });
  onAnyChange(services, (svc) => {
    if (proxy.routes.usesService(objectKey(svc))) scheduleRebuild();
  });
  // The controller process reads Secrets lazily at handshake; workers need the changed Secret in a new snapshot.
  onAnyChange(secrets, (secret) => {
    if (workers && proxy.routes.usesSecret(objectKey(secret))) scheduleRebuild();
  });
  onAnyChange(slices, (s) => {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (svc && proxy.routes.usesService(keyOf(s.metadata?.namespace ?? '', svc))) scheduleRebuild();
  });

  const defaultPair = opts.httpsPort === null ? undefined : opts.defaultCertificate ?? await generateSelfSignedCertificate().catch((err: unknown) => {
    log.warn('no default certificate: HTTPS answers only names with a TLS secret', { error: err });
    return undefined;
  });
  const servers = new ProxyServers(proxy, { https: opts.httpsPort !== null, defaultPair, secret: (ns, name) => secrets.lister.get(ns, name) });
  const snapshotOf = (table: RouteTable): RouteSnapshot => {
    const svcs: Service[] = [];
    const eps: EndpointSlice[] = [];
    for (const key of table.services()) {
      const svc = services.lister.getByKey(key);
      if (svc) svcs.push(svc);
      eps.push(...slices.store.byIndex(SERVICE_INDEX, key));
    }
    const tls: Secret[] = [];
    for (const key of table.secrets()) {
      const secret = secrets.lister.getByKey(key);
      if (secret) tls.push(secret);
    }
    return { ingresses: ingresses.lister.list(serves), services: svcs, endpointSlices: eps, secrets: tls, defaultBackend };
  };
  try {
    await servers.listen('http', { port: opts.httpPort ?? 80, host: opts.bindAddress });
    if (servers.https) await servers.listen('https', { port: opts.httpsPort ?? 443, host: opts.bindAddress });
    const count = opts.workers === 'auto' ? availableParallelism() : opts.workers ?? 1;
    if (count > 1) {
      workers = new ProxyWorkers(count - 1, { servers: { http: servers.http, https: servers.https }, init: { https: !!servers.https, defaultPair, pool: opts.pool } });
      await workers.start();
    }
  } catch (err) {
    await workers?.close(0);
    await servers.close(0);
    throw err;
  }

  informers.start(stop.signal);
  const ensuring = ensureIngressClass(client, className, stop.signal);
  const statusRun = status?.run(stop.signal);
  const syncing = informers.waitForSync(stop.signal).then((ok) => {
    if (!ok) return;
    selection = selectClasses(className, classes.lister.list());
    synced = true;
    rebuild();
    log.info('ingress routes synced', { http: servers.httpListener.port, https: servers.httpsListener.port || undefined, class: className, workers: opts.workers });
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([syncing, new Promise<void>((resolve) => (timer = setTimeout(resolve, SYNC_WAIT_MS)))]);
  clearTimeout(timer);

  let closing: Promise<void> | undefined;
  const grace = opts.shutdownGraceMs ?? 10_000;
  async function shutdown(): Promise<void> {
    opts.signal.removeEventListener('abort', onAbort);
    stop.abort();
    await Promise.all([servers.close(grace), workers?.close(grace)]);
    proxy.close();
    await Promise.all([informers.stopped(), ensuring, statusRun]);
  }
  function close(): Promise<void> {
    closing ??= shutdown();
    return closing;
  }
  if (opts.signal.aborted) await close();
  else opts.signal.addEventListener('abort', onAbort, { once: true });
  return {
    ports: { http: servers.httpListener.port, https: servers.https ? servers.httpsListener.port : undefined },
    routes: () => proxy.routes,
    close,
  };
}
