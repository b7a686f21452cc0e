/**
 * BackendPool: the upstream side of the proxy. It keeps one keep-alive http.Agent per endpoint (so connections to a
 * pod are reused across requests and across route-table swaps), picks endpoints round-robin per backend, and
 * remembers endpoints that just refused a connection so the next requests skip them for a while, as nginx's
 * `max_fails=1 fail_timeout=10s` upstream default does.
 *
 * Agents of endpoints that left every backend are retired gently: their idle sockets are closed, and sockets still
 * carrying a request are closed when that request finishes — never cut mid-response.
 */
import http from 'node:http';
import net, { type Socket } from 'node:net';
import type { Backend, Endpoint } from './route-table.js';

/** Options of a {@link BackendPool}. */
export interface BackendPoolOptions {
  /** Concurrent connections per endpoint (default 256); more requests queue in the agent. */
  maxSocketsPerEndpoint?: number;
  /** Idle keep-alive connections kept per endpoint (default 64). */
  maxFreeSocketsPerEndpoint?: number;
  /**
   * Socket inactivity timeout (ms, default 60 s): an idle pooled connection is closed after it (nginx's upstream
   * `keepalive_timeout`), and a request whose backend stays silent that long times out (nginx's `proxy_read_timeout`).
   */
  timeoutMs?: number;
  /** Give up connecting to an endpoint after this long (ms, default 5 s); the request then tries another. */
  connectTimeoutMs?: number;
  /** How long an endpoint that refused a connection is skipped (ms, default 10 s). */
  failTimeoutMs?: number;
  /** Time source (ms), for tests. */
  now?: () => number;
}

/** Keep-alive agents per endpoint and the load-balancing choice. */
export class BackendPool {
  private readonly agents = new Map<string, http.Agent>();
  private readonly cursors = new Map<string, number>();
  private readonly failedUntil = new Map<string, number>();
  private readonly opts: Required<Omit<BackendPoolOptions, 'now'>>;
  private readonly now: () => number;
  /** For upgrade tunnels: no keep-alive (a tunnel never returns to a pool), same connect timeout. */
  readonly tunnelAgent: http.Agent;

  constructor(opts: BackendPoolOptions = {}) {
    this.opts = {
      maxSocketsPerEndpoint: opts.maxSocketsPerEndpoint ?? 256,
      maxFreeSocketsPerEndpoint: opts.maxFreeSocketsPerEndpoint ?? 64,
      timeoutMs: opts.timeoutMs ?? 60_000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 5_000,
      failTimeoutMs: opts.failTimeoutMs ?? 10_000,
    };
    this.now = opts.now ?? Date.now;
    this.tunnelAgent = new http.Agent({ keepAlive: false });
    this.tunnelAgent.createConnection = (o: net.NetConnectOpts) => this.connect(o);
  }

  /** The socket inactivity timeout (ms). */
  get timeoutMs(): number {
    return this.opts.timeoutMs;
  }

  /** Opens a connection with the connect timeout; a timeout fails it with code ECONNTIMEOUT. */
  private connect(o: net.NetConnectOpts, ep?: Endpoint): Socket {
    const sock = net.createConnection(o);
    const timer = setTimeout(() => sock.destroy(codedError(`connect to ${ep?.key ?? 'backend'} timed out after ${this.opts.connectTimeoutMs} ms`, 'ECONNTIMEOUT')), this.opts.connectTimeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      if (ep) this.markOk(ep);
    });
    sock.once('close', () => clearTimeout(timer));
    return sock;
  }

  /** The keep-alive agent for an endpoint, created on first use. */
  agent(ep: Endpoint): http.Agent {
    let a = this.agents.get(ep.key);
    if (!a) {
      // LIFO reuses the most recently used socket, so surplus idle sockets age out instead of all staying warm.
      a = new http.Agent({
        keepAlive: true, maxSockets: this.opts.maxSocketsPerEndpoint, maxFreeSockets: this.opts.maxFreeSocketsPerEndpoint,
        timeout: this.opts.timeoutMs, scheduling: 'lifo',
      });
      const endpoint = ep;
      a.createConnection = (o: net.NetConnectOpts) => this.connect(o, endpoint);
      this.agents.set(ep.key, a);
    }
    return a;
  }

  /**
   * The next endpoint of `backend`, round-robin, skipping `exclude` (endpoints already tried for this request) and,
   * while others remain, endpoints that recently failed. Undefined once every endpoint has been tried.
   */
  pick(backend: Backend, exclude?: ReadonlySet<string>): Endpoint | undefined {
    const eps = backend.endpoints;
    const n = eps.length;
    if (n === 0) return undefined;
    if (n === 1 && !exclude) return eps[0];
    let start = this.cursors.get(backend.id);
    // A random starting point, so several ingress replicas do not all hit the first endpoint together.
    if (start === undefined) start = Math.floor(Math.random() * n);
    this.cursors.set(backend.id, (start + 1) % n);
    let fallback: Endpoint | undefined;
    const now = this.failedUntil.size ? this.now() : 0;
    for (let i = 0; i < n; i++) {
      const ep = eps[(start + i) % n];
      if (exclude?.has(ep.key)) continue;
      if (now) {
        const until = this.failedUntil.get(ep.key);
        if (until !== undefined) {
          if (until > now) {
            fallback ??= ep;
            continue;
          }
          this.failedUntil.delete(ep.key);
        }
      }
      return ep;
    }
    return fallback;
  }

  /** Records that `ep` refused or timed out a connection. */
  markFailed(ep: Endpoint): void {
    this.failedUntil.set(ep.key, this.now() + this.opts.failTimeoutMs);
  }

  /** Records that `ep` accepted a connection again. */
  markOk(ep: Endpoint): void {
    if (this.failedUntil.size) this.failedUntil.delete(ep.key);
  }

  /** Retires the agents (and forgets the cursors) of endpoints and backends no longer in use. */
  retain(backends: readonly Backend[]): void {
    const keys = new Set<string>();
    const ids = new Set<string>();
    for (const b of backends) {
      ids.add(b.id);
      for (const ep of b.endpoints) keys.add(ep.key);
    }
    for (const [key, agent] of this.agents) {
      if (keys.has(key)) continue;
      this.agents.delete(key);
      retire(agent);
    }
    for (const id of this.cursors.keys()) if (!ids.has(id)) this.cursors.delete(id);
    for (const key of this.failedUntil.keys()) if (!keys.has(key)) this.failedUntil.delete(key);
  }

  /** Number of endpoints with an agent (for tests and metrics). */
  size(): number {
    return this.agents.size;
  }

  /** Closes every idle connection now and every busy one when its request ends. */
  close(): void {
    for (const agent of this.agents.values()) retire(agent);
    this.agents.clear();
    this.tunnelAgent.destroy();
  }
}

/** An Error with a Node-style `code`, as socket errors carry. */
export function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Stops an agent keeping sockets: idle ones close now, busy ones after their response. */
function retire(agent: http.Agent): void {
  agent.keepSocketAlive = () => false;
  for (const list of Object.values(agent.freeSockets)) for (const s of (list ?? []) as Socket[]) s.destroy();
}
