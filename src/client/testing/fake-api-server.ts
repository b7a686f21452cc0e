/**
 * A small in-memory API server for tests of the client and of components: real HTTP on a free loopback port,
 * enough of the REST surface for informers, leader election and event recording (list with limit/continue and
 * simple equality selectors, chunked watch with bookmarks, get, create, update with resourceVersion checks,
 * merge patch, delete, pods/binding, status). Tests can expire watches (410) and inject error answers.
 * It is deliberately not the real apiserver: no validation, defaulting, admission or strategic-merge semantics.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { alreadyExists, conflict, notFound, STALE_OBJECT_MESSAGE, StatusError } from '../../apimachinery/errors/status-error.js';
import { Client } from '../client.js';
import type { RestConfig } from '../rest-config.js';
import { rfc3339 } from '../../util/time.js';

// Test fixtures are loosely typed JSON on purpose.
type Obj = Record<string, any>;

/** One request the fake received. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body?: Obj;
}

/** An answer to inject for the next matching requests. */
export interface InjectedFailure {
  status: number;
  headers?: Record<string, string>;
  body?: Obj;
  /** Only requests whose method and path match. */
  method?: string;
  pathIncludes?: string;
}

interface Route {
  collection: string; // e.g. `/api/v1/pods`, `/apis/apps/v1/deployments`
  namespace?: string;
  name?: string;
  subresource?: string;
}

interface OpenWatch {
  collection: string;
  namespace?: string;
  res: http.ServerResponse;
  match: (o: Obj) => boolean;
  bookmarks: boolean;
}

function parseRoute(pathname: string): Route | undefined {
  const all = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let base: string;
  let rest: string[];
  if (all[0] === 'api' && all.length >= 3) [base, rest] = [`/api/${all[1]}`, all.slice(2)];
  else if (all[0] === 'apis' && all.length >= 4) [base, rest] = [`/apis/${all[1]}/${all[2]}`, all.slice(3)];
  else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) [namespace, rest] = [rest[1], rest.slice(2)];
  const [resource, name, subresource] = rest;
  return { collection: `${base}/${resource}`, namespace, name, subresource };
}

function getPath(o: Obj, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), o);
}

/** Equality-only selectors (`a=b,c!=d`); enough for tests. */
function selector(text: string | null, get: (o: Obj, key: string) => unknown): (o: Obj) => boolean {
  if (!text) return () => true;
  const terms = text.split(',').map((t) => {
    const neg = t.includes('!=');
    const [k, v] = t.split(neg ? '!=' : /==?/);
    return { k: k.trim(), v: (v ?? '').trim(), neg };
  });
  return (o) => terms.every(({ k, v, neg }) => (String(get(o, k) ?? '') === v) !== neg);
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Obj = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [k, v] of Object.entries(patch as Obj)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const clone = <T>(o: T): T => structuredClone(o);

/** The fake server. Create with `FakeApiServer.start()`, stop with `close()`. */
export class FakeApiServer {
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[] = [];
  private readonly objects = new Map<string, Map<string, Obj>>();
  private readonly watches = new Set<OpenWatch>();
  private history: { collection: string; rv: number; line: string; obj: Obj }[] = [];
  private readonly failures: (InjectedFailure & { remaining: number })[] = [];
  private rv = 100;
  private compactedRv = 0;
  private uid = 0;

  private constructor(private readonly server: http.Server, readonly url: string) {}

  /** Starts listening on 127.0.0.1 on a free port. */
  static async start(): Promise<FakeApiServer> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new FakeApiServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req, res) => fake.handle(req, res));
    return fake;
  }

  /** A RestConfig that reaches this server. */
  config(): RestConfig {
    return { server: this.url };
  }

  /** The current resourceVersion. */
  get resourceVersion(): number {
    return this.rv;
  }

  /** Number of open watch streams. */
  get openWatches(): number {
    return this.watches.size;
  }

  /** Objects stored under a collection path such as `/api/v1/pods`. */
  stored(collection: string): Obj[] {
    return [...(this.objects.get(collection)?.values() ?? [])].map(clone);
  }

  /** Stores an object directly (and notifies watchers), as if created through the API. */
  seed(collection: string, obj: Obj): Obj {
    return this.write(collection, obj.metadata?.namespace, obj, 'ADDED');
  }

  /** Answers the next `count` matching requests with `failure` instead of serving them. */
  failNext(count: number, failure: InjectedFailure): void {
    this.failures.push({ ...failure, remaining: count });
  }

  /** Drops every injected failure not yet used. */
  clearFailures(): void {
    this.failures.length = 0;
  }

  /**
   * Compacts history: every open watch gets an ERROR 410 event and is closed, and any later watch or paged list
   * from an older resourceVersion is answered with 410, as after an etcd compaction.
   */
  expireWatches(): void {
    this.compactedRv = this.rv;
    this.history = [];
    for (const w of this.watches) this.endWatch(w, this.expiredStatus());
  }

  /** Ends every open watch stream cleanly (as a server-side timeout does). */
  endWatches(): void {
    for (const w of this.watches) this.endWatch(w);
  }

  /** Sends a BOOKMARK at the current resourceVersion to watches that asked for bookmarks. */
  sendBookmarks(): void {
    for (const w of this.watches) {
      if (w.bookmarks) w.res.write(JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(this.rv) } } }) + '\n');
    }
  }

  /** Stops the server, ending open watches. */
  async close(): Promise<void> {
    this.endWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private expiredStatus(): Obj {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Expired', code: 410,
      message: `too old resource version: ${this.compactedRv - 1} (${this.compactedRv})` };
  }

  private endWatch(w: OpenWatch, error?: Obj): void {
    this.watches.delete(w);
    if (error) w.res.write(JSON.stringify({ type: 'ERROR', object: error }) + '\n');
    w.res.end();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? (JSON.parse(raw) as Obj) : undefined;
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });
    const send = (status: number, obj: Obj, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(obj));
    };
    const failure = this.failures.find((f) => f.remaining > 0 && (!f.method || f.method === req.method) &&
      (!f.pathIncludes || url.pathname.includes(f.pathIncludes)));
    if (failure) {
      failure.remaining--;
      send(failure.status, failure.body ?? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: failure.status }, failure.headers);
      return;
    }
    try {
      const route = parseRoute(url.pathname);
      if (!route) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      this.serve(req.method ?? 'GET', route, url.searchParams, body, res, send);
    } catch (err) {
      if (err instanceof StatusError) send(err.code, err.status);
      else send(500, { kind: 'Status', code: 500, reason: 'InternalError', message: String(err) });
    }
  }

  private serve(method: string, route: Route, q: URLSearchParams, body: Obj | undefined, res: http.ServerResponse,
    send: (status: number, obj: Obj) => void): void {
    const gr = { group: route.collection.startsWith('/apis/') ? route.collection.split('/')[2] : '', resource: route.collection.split('/').pop()! };
    const store = this.objects.get(route.collection) ?? new Map<string, Obj>();
    const key = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;
    if (!route.name) {
      if (method === 'GET' && q.get('watch') === 'true') return this.watch(route, q, res);
      if (method === 'GET') return send(200, this.list(route, q));
      if (method === 'POST') {
        const obj = clone(body ?? {});
        obj.metadata ??= {};
        if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = obj.metadata.generateName + (++this.uid).toString(36);
        const ns = route.namespace ?? obj.metadata.namespace;
        if (store.has(key(ns, obj.metadata.name))) throw alreadyExists(gr, obj.metadata.name);
        obj.metadata.uid = `uid-${++this.uid}`;
        obj.metadata.creationTimestamp ??= rfc3339(Date.now());
        return send(201, this.write(route.collection, ns, obj, 'ADDED'));
      }
      throw new StatusError(405, 'MethodNotAllowed', `${method} not supported on collections`);
    }
    const k = key(route.namespace, route.name);
    const current = store.get(k);
    if (method === 'POST' && route.subresource === 'binding') {
      if (!current) throw notFound(gr, route.name);
      if (current.spec?.nodeName) throw conflict(gr, route.name, `pod ${route.name} is already assigned to node "${current.spec.nodeName}"`);
      const next = clone(current);
      next.spec = { ...next.spec, nodeName: body?.target?.name };
      this.write(route.collection, route.namespace, next, 'MODIFIED');
      return send(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    }
    if (!current) throw notFound(gr, route.name);
    if (method === 'GET') return send(200, current);
    if (method === 'PUT' || method === 'PATCH') {
      let next: Obj;
      if (method === 'PUT') {
        const sent = body ?? {};
        if (sent.metadata?.resourceVersion && sent.metadata.resourceVersion !== current.metadata.resourceVersion) {
          throw conflict(gr, route.name, STALE_OBJECT_MESSAGE);
        }
        next = route.subresource === 'status' ? { ...clone(current), status: sent.status } : { ...clone(sent), status: current.status };
        next.metadata = { ...next.metadata, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp };
      } else {
        next = mergePatch(current, body) as Obj;
        if (body?.metadata?.resourceVersion && body.metadata.resourceVersion !== current.metadata.resourceVersion) {
          throw conflict(gr, route.name, STALE_OBJECT_MESSAGE);
        }
      }
      return send(200, this.write(route.collection, route.namespace, next, 'MODIFIED'));
    }
    if (method === 'DELETE') {
      const pre = body?.preconditions;
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) throw conflict(gr, route.name, STALE_OBJECT_MESSAGE);
      store.delete(k);
      const gone = clone(current);
      gone.metadata.resourceVersion = String(++this.rv);
      this.notify(route.collection, 'DELETED', gone);
      return send(200, gone);
    }
    throw new StatusError(405, 'MethodNotAllowed', `${method} not supported`);
  }

  private list(route: Route, q: URLSearchParams): Obj {
    const match = this.matcher(route.namespace, q);
    const all = [...(this.objects.get(route.collection)?.values() ?? [])].filter(match);
    let start = 0;
    const token = q.get('continue');
    if (token) {
      const [rv, offset] = token.split(':').map(Number);
      if (rv < this.compactedRv) throw new StatusError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result.');
      start = offset;
    }
    const limit = Number(q.get('limit') ?? 0);
    const items = limit > 0 ? all.slice(start, start + limit) : all.slice(start);
    const more = limit > 0 && start + limit < all.length;
    const metadata: Obj = { resourceVersion: String(this.rv) };
    if (more) metadata.continue = `${this.rv}:${start + limit}`;
    const kind = route.collection.split('/').pop()!;
    return { kind: `${kind[0].toUpperCase()}${kind.slice(1, -1)}List`, apiVersion: route.collection.replace(/^\/apis?\//, '').replace(/\/[^/]+$/, ''),
      metadata, items: items.map(({ kind: _k, apiVersion: _a, ...rest }) => clone(rest)) };
  }

  private matcher(namespace: string | undefined, q: URLSearchParams): (o: Obj) => boolean {
    const labels = selector(q.get('labelSelector'), (o, k) => o.metadata?.labels?.[k]);
    const fields = selector(q.get('fieldSelector'), getPath);
    return (o) => (!namespace || o.metadata?.namespace === namespace) && labels(o) && fields(o);
  }

  private watch(route: Route, q: URLSearchParams, res: http.ServerResponse): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const w: OpenWatch = { collection: route.collection, namespace: route.namespace, res,
      match: this.matcher(route.namespace, q), bookmarks: q.get('allowWatchBookmarks') === 'true' };
    const from = Number(q.get('resourceVersion') || this.rv);
    if (from < this.compactedRv) {
      res.end(JSON.stringify({ type: 'ERROR', object: this.expiredStatus() }) + '\n');
      return;
    }
    // Replay what happened after the requested resourceVersion, as the apiserver's watch cache does.
    for (const h of this.history) if (h.collection === w.collection && h.rv > from && w.match(h.obj)) res.write(h.line);
    this.watches.add(w);
    res.on('close', () => this.watches.delete(w));
  }

  private write(collection: string, ns: string | undefined, obj: Obj, type: 'ADDED' | 'MODIFIED'): Obj {
    let store = this.objects.get(collection);
    if (!store) this.objects.set(collection, (store = new Map()));
    obj.metadata ??= {};
    if (ns) obj.metadata.namespace = ns;
    obj.metadata.resourceVersion = String(++this.rv);
    store.set(`${ns ?? ''}/${obj.metadata.name}`, clone(obj));
    this.notify(collection, type, obj);
    return clone(obj);
  }

  private notify(collection: string, type: string, obj: Obj): void {
    const line = JSON.stringify({ type, object: obj }) + '\n';
    this.history.push({ collection, rv: this.rv, line, obj: clone(obj) });
    if (this.history.length > 10_000) this.history = this.history.slice(-5_000);
    for (const w of this.watches) if (w.collection === collection && w.match(obj)) w.res.write(line);
  }
}

/**
 * Starts a fake server and a Client pointed at it, both disposed when the test ends (`t` is the node:test context
 * or anything with `after`).
 */
export async function startFakeApi(t: { after(fn: () => Promise<void> | void): void }): Promise<{ fake: FakeApiServer; client: Client }> {
  const fake = await FakeApiServer.start();
  const client = new Client(fake.config());
  t.after(async () => {
    client.close();
    await fake.close();
  });
  return { fake, client };
}
