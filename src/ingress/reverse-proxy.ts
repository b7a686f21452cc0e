/**
 * ReverseProxy: the data path of the ingress controller, on node:http alone. Each request is matched against the
 * current {@link RouteTable} and forwarded to one ready endpoint of its backend over a pooled keep-alive connection.
 *
 *  - no route → 404; a backend without ready endpoints → 503; no endpoint accepting a connection → 502; a backend
 *    silent for `readTimeoutMs` → 504 (nginx's status choices);
 *  - a failed connect (refused, unreachable, timed out) is retried on another endpoint of the same backend, before
 *    any of the request body has been read, so retries are safe for every method. A bodiless request whose reused
 *    keep-alive connection turns out to have been closed by the backend is retried too;
 *  - hop-by-hop headers are dropped both ways; the backend gets X-Forwarded-For (the client's list extended with the
 *    peer address, as nginx's `$proxy_add_x_forwarded_for`), X-Real-IP, X-Forwarded-Proto/-Host/-Port, and the
 *    original Host header;
 *  - WebSocket (any `Upgrade`) requests are tunnelled: the backend's 101 is relayed and the two sockets piped;
 *  - the route table is swapped by reference ({@link ReverseProxy.setRoutes}); requests in flight keep the endpoint
 *    they were given and no connection is ever closed because of an update.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { logger } from '../util/log.js';
import { BackendPool, codedError } from './backend-pool.js';
import { RouteTable, type Backend, type Endpoint } from './route-table.js';

const log = logger('ingress');

/** Which listener a request arrived on. */
export interface Listener {
  scheme: 'http' | 'https';
  /** The listening port, sent as X-Forwarded-Port. */
  port: number;
}

/** Options of a {@link ReverseProxy}. */
export interface ReverseProxyOptions {
  /** The upstream connection pool; its options set the connect timeout (default 5 s) and the inactivity timeout
   * after which a silent backend gets 504 (default 60 s, nginx's proxy_read_timeout). */
  pool?: BackendPool;
  /** Endpoints tried per request (default 3, as nginx tries the next upstream on error). */
  maxAttempts?: number;
}

/** Request headers that concern one connection only, plus the forwarding headers the proxy sets itself. */
const DROP_REQUEST = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization',
  'expect', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip',
]);
/** Response headers that concern one connection only. */
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'trailer', 'proxy-authenticate']);
/** Connection tokens that are not header names. */
const CONNECTION_OPTIONS = new Set(['close', 'keep-alive', 'upgrade']);

/** A request's headers as forwarded, and what the proxy learned while building them. */
export interface ForwardedRequest {
  /** Raw header list (name, value, name, value, …) for the backend. */
  headers: string[];
  host: string | undefined;
  /** The request carries a body (Content-Length > 0 or Transfer-Encoding). */
  hasBody: boolean;
}

/** The client address without the IPv4-mapped IPv6 prefix. */
function peerAddress(req: http.IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/** Extra header names listed in a Connection header (RFC 9110 §7.6.1), lower-cased. */
function connectionTokens(value: string): string[] {
  return value.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t && !CONNECTION_OPTIONS.has(t));
}

/** Builds the headers sent to the backend for `req`. With `upgrade`, the Connection/Upgrade pair is kept. */
export function forwardRequestHeaders(req: http.IncomingMessage, listener: Listener, upgrade = false): ForwardedRequest {
  const raw = req.rawHeaders;
  const out: string[] = [];
  let xff: string | undefined;
  let host: string | undefined;
  let hasBody = false;
  let extraDrop: string[] | undefined;
  let upgradeValue: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    const lower = name.toLowerCase();
    if (lower === 'host') host = value;
    else if (lower === 'x-forwarded-for') {
      xff = xff === undefined ? value : `${xff}, ${value}`;
      continue;
    } else if (lower === 'content-length') hasBody = value !== '0';
    else if (DROP_REQUEST.has(lower)) {
      if (lower === 'transfer-encoding') hasBody = true;
      else if (lower === 'connection') {
        const tokens = connectionTokens(value);
        if (tokens.length) (extraDrop ??= []).push(...tokens);
      } else if (lower === 'upgrade') upgradeValue = value;
      continue;
    }
    out.push(name, value);
  }
  let headers = out;
  if (extraDrop) {
    const drop = new Set(extraDrop);
    headers = [];
    for (let i = 0; i < out.length; i += 2) if (!drop.has(out[i].toLowerCase())) headers.push(out[i], out[i + 1]);
  }
  const peer = peerAddress(req);
  headers.push('X-Forwarded-For', xff === undefined ? peer : `${xff}, ${peer}`, 'X-Real-IP', peer, 'X-Forwarded-Proto', listener.scheme);
  if (host !== undefined) headers.push('X-Forwarded-Host', host);
  headers.push('X-Forwarded-Port', String(listener.port));
  if (upgrade && upgradeValue) headers.push('Connection', 'Upgrade', 'Upgrade', upgradeValue);
  return { headers, host, hasBody };
}

/** The backend's response headers without the hop-by-hop ones. */
export function forwardResponseHeaders(raw: string[], keepUpgrade = false): string[] {
  const out: string[] = [];
  let extraDrop: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (lower === 'connection') {
      const tokens = connectionTokens(raw[i + 1]);
      if (tokens.length) extraDrop = new Set(tokens);
    }
    if (DROP_RESPONSE.has(lower) && !(keepUpgrade && (lower === 'connection' || lower === 'upgrade'))) continue;
    out.push(raw[i], raw[i + 1]);
  }
  if (!extraDrop) return out;
  const filtered: string[] = [];
  for (let i = 0; i < out.length; i += 2) if (!extraDrop.has(out[i].toLowerCase())) filtered.push(out[i], out[i + 1]);
  return filtered;
}

const STATUS_BODIES: Record<number, string> = {
  404: '404 page not found\n',
  502: '502 Bad Gateway\n',
  503: '503 Service Unavailable\n',
  504: '504 Gateway Timeout\n',
};

function reply(res: http.ServerResponse, status: number): void {
  const body = STATUS_BODIES[status] ?? `${status}\n`;
  res.writeHead(status, ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(Buffer.byteLength(body))]);
  res.end(body);
}

function rawReply(socket: Duplex, status: number): void {
  const body = STATUS_BODIES[status] ?? `${status}\n`;
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Errors that happen before the backend could have seen the request: safe to retry anywhere. */
function connectError(code: string | undefined): boolean {
  return code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ECONNTIMEOUT' || code === 'EADDRNOTAVAIL'
    || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

/** Forwards requests to the backends of the current route table. */
export class ReverseProxy {
  private table: RouteTable = RouteTable.EMPTY;
  private ready = false;
  readonly pool: BackendPool;
  private readonly maxAttempts: number;

  constructor(opts: ReverseProxyOptions = {}) {
    this.pool = opts.pool ?? new BackendPool();
    this.maxAttempts = opts.maxAttempts ?? 3;
  }

  /** The table requests are matched against now. */
  get routes(): RouteTable {
    return this.table;
  }

  /**
   * Swaps in a new table (and marks the proxy ready: until the first table arrives every request gets 503, since
   * "no route" cannot be told apart from "not synced yet"). Connections to endpoints that are gone are closed once
   * idle.
   */
  setRoutes(table: RouteTable): void {
    this.table = table;
    this.ready = true;
    this.pool.retain(table.backends());
  }

  /** Handles one request from a listener (`server.on('request', …)`). */
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse, listener: Listener): void {
    if (!this.ready) return reply(res, 503);
    const fwd = forwardRequestHeaders(req, listener);
    const route = this.table.match(fwd.host, req.url ?? '/');
    if (!route) return reply(res, 404);
    const backend = route.backend;
    if (backend.endpoints.length === 0) {
      if (log.enabled('debug')) log.debug('no endpoints', { backend: backend.id, reason: backend.reason });
      return reply(res, 503);
    }
    this.forward(req, res, backend, fwd, undefined, 1);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, backend: Backend, fwd: ForwardedRequest, tried: Set<string> | undefined, attempt: number): void {
    const ep = this.pool.pick(backend, tried);
    if (!ep) return reply(res, 502);
    const preq = http.request({
      host: ep.address, port: ep.port, method: req.method, path: req.url, headers: fwd.headers, agent: this.pool.agent(ep), setHost: false,
    });
    let responded = false;
    const onClientClose = () => {
      if (!res.writableFinished) preq.destroy();
    };
    res.once('close', onClientClose);
    if (fwd.hasBody) {
      // The body is read only once the connection stands, so a refused connect can still be retried elsewhere.
      preq.once('socket', (sock) => {
        if (sock.connecting) sock.once('connect', () => req.pipe(preq));
        else req.pipe(preq);
      });
    } else {
      preq.end();
    }
    // The pool's agents give sockets an inactivity timeout; while a request waits on one, it surfaces here.
    preq.once('timeout', () => preq.destroy(codedError(`${ep.key} sent nothing for ${this.pool.timeoutMs} ms`, 'ETIMEDOUT')));
    preq.once('response', (pres) => {
      responded = true;
      res.writeHead(pres.statusCode ?? 502, forwardResponseHeaders(pres.rawHeaders));
      // A hand-rolled pipe: stream.pipe's bookkeeping costs more than a small response itself.
      pres.on('data', (chunk: Buffer) => {
        if (!res.write(chunk)) {
          pres.pause();
          res.once('drain', () => pres.resume());
        }
      });
      pres.once('end', () => res.end());
      pres.once('error', () => res.destroy());
    });
    preq.on('error', (err: NodeJS.ErrnoException) => {
      if (responded) {
        res.destroy();
        return;
      }
      if (res.destroyed || req.destroyed) return; // the client went away first
      // Connect errors happen before the backend saw anything (and before any body was read).
      const refused = connectError(err.code);
      if (refused) this.pool.markFailed(ep);
      // A kept-alive socket the backend closed meanwhile says nothing about the endpoint; bodiless requests retry.
      const stale = !refused && preq.reusedSocket && !fwd.hasBody && err.code === 'ECONNRESET';
      const untried = backend.endpoints.length - (tried?.size ?? 0) - (refused ? 1 : 0);
      if ((refused || stale) && attempt < this.maxAttempts && untried > 0) {
        res.removeListener('close', onClientClose);
        const next = new Set(tried);
        if (refused) next.add(ep.key);
        log.debug('retrying on another endpoint', { backend: backend.id, endpoint: ep.key, error: err.code });
        this.forward(req, res, backend, fwd, next, attempt + 1);
        return;
      }
      log.warn('backend request failed', { backend: backend.id, endpoint: ep.key, error: err.message });
      if (res.headersSent) res.destroy();
      else reply(res, err.code === 'ETIMEDOUT' || err.code === 'ECONNTIMEOUT' ? 504 : 502);
    });
  }

  /** Handles an `Upgrade` request (`server.on('upgrade', …)`): relays the handshake, then pipes the two sockets. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, listener: Listener): void {
    socket.on('error', () => socket.destroy());
    if (!this.ready) return rawReply(socket, 503);
    const fwd = forwardRequestHeaders(req, listener, true);
    const route = this.table.match(fwd.host, req.url ?? '/');
    if (!route) return rawReply(socket, 404);
    if (route.backend.endpoints.length === 0) return rawReply(socket, 503);
    this.tunnel(req, socket, head, route.backend, fwd, new Set());
  }

  private tunnel(req: http.IncomingMessage, socket: Duplex, head: Buffer, backend: Backend, fwd: ForwardedRequest, tried: Set<string>): void {
    const ep: Endpoint | undefined = this.pool.pick(backend, tried);
    if (!ep) return rawReply(socket, 502);
    const preq = http.request({ host: ep.address, port: ep.port, method: req.method, path: req.url, headers: fwd.headers, agent: this.pool.tunnelAgent, setHost: false });
    let settled = false;
    const onClientGone = () => {
      if (!settled) preq.destroy();
    };
    socket.once('close', onClientGone);
    preq.setTimeout(this.pool.timeoutMs, () => preq.destroy(codedError(`${ep.key} did not answer the upgrade`, 'ETIMEDOUT')));
    preq.on('upgrade', (pres, upstream, upstreamHead) => {
      settled = true;
      upstream.setTimeout(0);
      const lines = [`HTTP/1.1 101 ${pres.statusMessage || 'Switching Protocols'}`];
      const headers = forwardResponseHeaders(pres.rawHeaders, true);
      for (let i = 0; i < headers.length; i += 2) lines.push(`${headers[i]}: ${headers[i + 1]}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (upstreamHead.length) socket.write(upstreamHead);
      if (head.length) upstream.write(head);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
      upstream.on('close', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    preq.on('response', (pres) => {
      // The backend refused to switch protocols: relay its answer and close.
      settled = true;
      const lines = [`HTTP/1.1 ${pres.statusCode} ${pres.statusMessage ?? ''}`];
      const headers = forwardResponseHeaders(pres.rawHeaders);
      for (let i = 0; i < headers.length; i += 2) lines.push(`${headers[i]}: ${headers[i + 1]}`);
      lines.push('Connection: close');
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      pres.pipe(socket);
    });
    preq.on('error', (err: NodeJS.ErrnoException) => {
      if (settled || socket.destroyed) return;
      socket.removeListener('close', onClientGone);
      if (connectError(err.code)) {
        this.pool.markFailed(ep);
        const next = new Set(tried).add(ep.key);
        if (next.size < this.maxAttempts && next.size < backend.endpoints.length) return this.tunnel(req, socket, head, backend, fwd, next);
      }
      log.warn('backend upgrade failed', { backend: backend.id, endpoint: ep.key, error: err.message });
      rawReply(socket, err.code === 'ETIMEDOUT' || err.code === 'ECONNTIMEOUT' ? 504 : 502);
    });
    preq.end();
  }

  /** Closes pooled backend connections (busy ones after their response). */
  close(): void {
    this.pool.close();
  }
}
