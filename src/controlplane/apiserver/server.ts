/**
 * The API server: HTTPS with client-certificate (or bearer token) authentication, discovery, OpenAPI, health, and
 * every served resource over one generic store and one watch cache per resource.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Backend } from '../../storage/backend.js';
import type { ResourceInfo } from '../../api/resources.js';
import { RESOURCES, findResource } from '../../api/resources.js';
import { internalError, StatusError, unauthorized } from '../../apimachinery/errors/status-error.js';
import type { Duplex } from 'node:stream';
import { kubeletTarget, proxyUpgrade, writeRawError } from './handlers/pod-connect.js';
import { parseRequestInfo } from './http/request-info.js';
import { writeError, writeJson } from './http/respond.js';
import { buildDiscovery, KUBERNETES_VERSION } from './discovery.js';
import { GenericStore, type KindHooks } from './registry/generic-store.js';
import { buildStrategies } from './registry/strategies.js';
import { makeAllocators, type Allocators } from './registry/services/allocator.js';
import { WatchCache } from './watch/watch-cache.js';
import type { Patcher, ServerServices } from './handlers/context.js';
import { route, notFoundPath } from './router.js';
import type { Pki } from './pki/pki.js';
import { userFromCertificate } from './pki/pki.js';
import { NamespaceCache } from './registry/namespaces/namespace-cache.js';
import { bootstrap, bootstrapClusterDns } from './bootstrap.js';
import type { OpenApiService } from './openapi/openapi-service.js';
import { schemaFiles } from '../../api/schema/index.js';


/** Resources answered without storage. */
const VIRTUAL = new Set(['bindings', 'selfsubjectaccessreviews', 'subjectaccessreviews', 'localsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews', 'tokenreviews']);

/** Everything the API server is built from. */
export interface ApiServerOptions {
  backend: Backend;
  pki: Pki;
  /** Bearer tokens accepted, with the user each one authenticates as. */
  tokens: Map<string, { name: string; groups: string[] }>;
  bindAddress: string;
  port: number;
  serviceCidr: string;
  nodePortRange: string;
  hooks: KindHooks;
  patcher: Patcher;
  /** kube-apiserver's --min-request-timeout (watch lifetime floor), default 1800 s. */
  minRequestTimeoutSeconds?: number;
}

/** A running API server. */
export class ApiServer {
  private server?: Server;
  private readonly stores = new Map<ResourceInfo, GenericStore>();
  private readonly caches = new Map<ResourceInfo, WatchCache>();
  private discovery = new Map<string, string>();
  private services!: ServerServices;
  private readonly allocators: Allocators;
  private namespaces!: NamespaceCache;
  private ready = false;
  private readonly certUsers = new WeakMap<TLSSocket, { name: string; groups: string[] }>();
  /** Built on the first OpenAPI request: the generators are ~13 MB of code a server may never need. */
  private openapi?: Promise<OpenApiService>;

  constructor(private readonly opts: ApiServerOptions) {
    this.allocators = makeAllocators(opts.backend, opts.serviceCidr, opts.nodePortRange);
  }

  /** The allocators (the bootstrap reserves the `kubernetes` and DNS service IPs through them). */
  get serviceAllocators(): Allocators {
    return this.allocators;
  }

  /** Starts watch caches, bootstraps system objects, then listens. Resolves with the bound port. */
  async start(): Promise<number> {
    const { backend } = this.opts;
    const strategies = buildStrategies(RESOURCES, this.allocators, (g, r) => this.storeFor(g, r));
    const revision = await backend.currentRevision();
    this.namespaces = new NamespaceCache();
    for (const info of RESOURCES) {
      if (VIRTUAL.has(info.resource) || info.group === 'metrics.k8s.io') continue;
      const store = new GenericStore(strategies.get(info)!, backend, this.opts.hooks, (name) => this.namespaces.lookup(name, () => this.storeFor('', 'namespaces').get('', name)));
      this.stores.set(info, store);
      const cache = new WatchCache(backend, store.prefix, store.decode, (kv) => store.rawJson(kv));
      cache.start(revision);
      this.caches.set(info, cache);
    }
    const nsStore = this.storeFor('', 'namespaces');
    await this.namespaces.start(nsStore, this.caches.get(nsStore.info)!);
    this.services = {
      stores: this.stores,
      storeFor: (g, r) => this.storeFor(g, r),
      caches: this.caches,
      patcher: this.opts.patcher,
      kubeletClient: { cert: this.opts.pki.kubeletClientCert, key: this.opts.pki.kubeletClientKey },
      minRequestTimeoutSeconds: this.opts.minRequestTimeoutSeconds ?? 1800,
    };
    const server = createServer({
      key: this.opts.pki.serverKey,
      cert: this.opts.pki.serverCert,
      ca: this.opts.pki.caCert,
      requestCert: true,
      rejectUnauthorized: false,
    }, (req, res) => this.handle(req, res));
    server.on('upgrade', (req, socket, head) => {
      this.upgrade(req, socket, head).catch((err) => writeRawError(socket, err instanceof StatusError ? err : internalError(err)));
    });
    // Watches and log streams are long-lived; the per-request timeout would cut them.
    server.requestTimeout = 0;
    server.keepAliveTimeout = 65_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.bindAddress, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const host = this.opts.bindAddress === '0.0.0.0' || this.opts.bindAddress === '::' ? '127.0.0.1' : this.opts.bindAddress;
    this.discovery = buildDiscovery(RESOURCES, `${host}:${port}`);
    await bootstrap({ storeFor: (g, r) => this.storeFor(g, r), allocators: this.allocators, serverAddress: host, serverPort: port });
    this.ready = true;
    return port;
  }

  /** Publishes cluster DNS (kube-dns Service, Endpoints, EndpointSlice) at the address and port it serves on. */
  publishClusterDns(dns: { address: string; port: number }): Promise<string> {
    return bootstrapClusterDns({ storeFor: (g, r) => this.storeFor(g, r), allocators: this.allocators, serverAddress: this.opts.bindAddress, serverPort: 0 }, dns);
  }

  /** The store of a resource (internal callers: bootstrap, subresources). */
  storeFor(group: string, resource: string): GenericStore {
    for (const [info, store] of this.stores) if (info.group === group && info.resource === resource) return store;
    throw new Error(`no store for ${resource}.${group}`);
  }

  /** Stops listening, ends watches and closes connections. The backend is the caller's to close. */
  async stop(): Promise<void> {
    this.ready = false;
    for (const c of this.caches.values()) c.stop();
    this.namespaces?.stop();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private authenticate(req: IncomingMessage): { name: string; groups: string[] } | undefined {
    const sock = req.socket as TLSSocket;
    if (sock.authorized) {
      // A connection's certificate never changes: decode it once per socket, not per request (it showed in profiles).
      let user = this.certUsers.get(sock);
      if (!user) {
        const cert = sock.getPeerCertificate();
        if (cert?.subject) this.certUsers.set(sock, (user = userFromCertificate(cert.subject as unknown as Record<string, string | string[]>)));
      }
      if (user) return user;
    }
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      const token = Buffer.from(auth.slice(7).trim());
      for (const [t, user] of this.opts.tokens) {
        const tb = Buffer.from(t);
        if (tb.length === token.length && timingSafeEqual(tb, token)) return user;
      }
    }
    return undefined;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.dispatch(req, res).catch((err) => writeError(res, err));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    if (path === '/healthz' || path === '/livez' || path === '/readyz') return this.health(path, url, res);
    if (path === '/version') return writeJson(res, 200, this.discovery.get('/version') ?? '{}');
    const user = this.authenticate(req);
    if (!user) throw unauthorized();
    const doc = this.discovery.get(path);
    if (doc && req.method === 'GET') return writeJson(res, 200, doc);
    if (path === '/openapi/v2' || path === '/openapi/v3' || path.startsWith('/openapi/v3/')) {
      this.openapi ??= import('./openapi/openapi-service.js').then((m) => new m.OpenApiService(schemaFiles, RESOURCES, KUBERNETES_VERSION.gitVersion));
      const out = (await this.openapi).respond({ path, query: url.searchParams, accept: req.headers.accept, ifNoneMatch: req.headers['if-none-match'] })!;
      res.writeHead(out.status, { ...out.headers, 'content-length': out.body.length });
      res.end(out.body);
      return;
    }
    const request = parseRequestInfo(req.method ?? 'GET', path, url.searchParams);
    if (!request) throw notFoundPath();
    const info = findResource(request.group, request.version, request.resource);
    if (!info) throw notFoundPath();
    if (info.namespaced && !request.namespace && request.name) throw notFoundPath();
    const store = this.stores.get(info) ?? (info.resource === 'bindings' ? this.storeFor('', 'pods') : undefined);
    const h = {
      req, res, query: url.searchParams, request, info,
      store: store ?? new GenericStore({ info }, this.opts.backend, this.opts.hooks, async () => undefined),
      ctx: { dryRun: false, user: user.name, now: new Date() },
      services: this.services,
    };
    await route(h);
  }

  /** Upgrade requests: pods/exec, pods/attach and pods/portforward, proxied to the pod's kubelet. */
  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'https://localhost');
    const user = this.authenticate(req);
    if (!user) throw unauthorized();
    const request = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    if (!request || request.group !== '' || request.resource !== 'pods' || !request.name || !['exec', 'attach', 'portforward'].includes(request.subresource)) {
      throw notFoundPath();
    }
    const target = await kubeletTarget(this.storeFor('', 'pods'), this.storeFor('', 'nodes'), request.namespace, request.name, request.subresource, url.searchParams);
    await proxyUpgrade(req, socket, head, target, { cert: this.opts.pki.kubeletClientCert, key: this.opts.pki.kubeletClientKey });
  }

  private health(path: string, url: URL, res: ServerResponse): void {
    const ok = path === '/livez' || this.ready;
    const checks = ['ping', 'log', 'etcd', 'poststarthook/start-informers', 'poststarthook/bootstrap-controller'];
    let body: string;
    if (url.searchParams.has('verbose')) {
      body = checks.map((c) => `[${ok || c === 'ping' ? '+' : '-'}]${c} ${ok || c === 'ping' ? 'ok' : 'failed'}`).join('\n') + `\n${path.slice(1)} check ${ok ? 'passed' : 'failed'}\n`;
    } else {
      body = ok ? 'ok' : `[-]poststarthook/bootstrap-controller failed: not finished\n${path.slice(1)} check failed`;
    }
    res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end(body);
  }
}
