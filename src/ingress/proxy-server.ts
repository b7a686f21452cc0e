/**
 * ProxyServers: the HTTP and HTTPS listeners in front of a {@link ReverseProxy}, the same in the controller process
 * and in each proxy worker process. It owns the servers, the TLS contexts (SNI through the proxy's current route
 * table) and the upgraded tunnels, and closes them gracefully: stop accepting, close idle keep-alive connections,
 * let requests in flight finish within a grace period.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { CertificateStore, type KeyPair } from './certificates.js';
import type { Listener, ReverseProxy } from './reverse-proxy.js';
import type { Secret } from 'kubernetes-types/core/v1.js';

/** Options of {@link ProxyServers}. */
export interface ProxyServersOptions {
  /** Serve HTTPS too. */
  https: boolean;
  /** Reads a TLS Secret (`namespace`, `name`) for SNI. */
  secret(namespace: string, name: string): Secret | undefined;
  /** The certificate for unknown names and clients without SNI. */
  defaultPair?: KeyPair;
}

/** Where a listener should listen: a port (0 = free) on an address, or a listening handle passed from a parent. */
export type ListenTarget = { port: number; host?: string } | { handle: object };

/** The two listeners of one process. */
export class ProxyServers {
  readonly http: http.Server;
  readonly https: https.Server | undefined;
  readonly certs: CertificateStore;
  readonly httpListener: Listener = { scheme: 'http', port: 0 };
  readonly httpsListener: Listener = { scheme: 'https', port: 0 };
  private readonly tunnels = new Set<Duplex>();

  constructor(private readonly proxy: ReverseProxy, opts: ProxyServersOptions) {
    this.certs = new CertificateStore({ secret: opts.secret, defaultPair: opts.defaultPair });
    this.http = http.createServer();
    this.attach(this.http, this.httpListener);
    if (opts.https) {
      this.https = https.createServer({ ...(opts.defaultPair ?? {}), SNICallback: this.certs.sniCallback(() => proxy.routes), ALPNProtocols: ['http/1.1'] });
      this.attach(this.https, this.httpsListener);
    }
  }

  private attach(server: http.Server, listener: Listener): void {
    server.on('request', (req, res) => this.proxy.handleRequest(req, res, listener));
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      this.tunnels.add(socket);
      socket.once('close', () => this.tunnels.delete(socket));
      this.proxy.handleUpgrade(req, socket, head, listener);
    });
    // Clients keep connections open between requests for longer than node's 5 s default, as nginx allows (75 s).
    server.keepAliveTimeout = 75_000;
    server.headersTimeout = 60_000;
  }

  /** Starts listening; resolves with the bound port. */
  listen(which: 'http' | 'https', target: ListenTarget): Promise<number> {
    const server = which === 'http' ? this.http : this.https;
    const listener = which === 'http' ? this.httpListener : this.httpsListener;
    if (!server) return Promise.reject(new Error('Cannot listen for HTTPS: this proxy serves HTTP only'));
    return new Promise((resolve, reject) => {
      const where = 'handle' in target ? 'a passed handle' : `${target.host ?? '*'}:${target.port}`;
      const onError = (err: Error) => reject(new Error(`Cannot listen on ${where} for ingress ${which}: ${err.message}`, { cause: err }));
      server.once('error', onError);
      const done = () => {
        server.removeListener('error', onError);
        listener.port = (server.address() as AddressInfo).port;
        resolve(listener.port);
      };
      if ('handle' in target) server.listen(target.handle, done);
      else server.listen({ port: target.port, host: target.host }, done);
    });
  }

  /** Stops accepting, closes idle connections and tunnels, and cuts the rest after `graceMs`. */
  async close(graceMs: number): Promise<void> {
    for (const s of this.tunnels) s.destroy();
    await Promise.all([closeServer(this.http, graceMs), this.https ? closeServer(this.https, graceMs) : undefined]);
  }
}

function closeServer(server: http.Server, graceMs: number): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
