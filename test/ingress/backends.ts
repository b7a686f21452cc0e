/**
 * Test support for the ingress: echo backends on loopback addresses (127.0.0.x) that report what reached them, a
 * WebSocket echo on the same port, a port nobody listens on, and a small HTTP(S) client that can set Host and SNI.
 */
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';

/** What a backend saw of one request, and answers as JSON. */
export interface Echo {
  backend: string;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The client port of the connection (tells keep-alive reuse apart from new connections). */
  remotePort: number;
}

/** A running echo backend. */
export interface EchoBackend {
  name: string;
  address: string;
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Requests answered so far. */
  requests(): number;
  close(): Promise<void>;
}

/**
 * Starts an echo backend on `address` (port 0 → free). A path ending in `/slow?ms=N` answers after N ms; `/status/N` answers N.
 * WebSocket connections get every message back prefixed with `name:`.
 */
export async function startEchoBackend(name: string, address = '127.0.0.2', port = 0): Promise<EchoBackend> {
  let connections = 0;
  let requests = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      requests++;
      const echo: Echo = { backend: name, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, remotePort: req.socket.remotePort ?? 0 };
      const send = () => {
        const status = /^\/status\/(\d+)/.exec(req.url ?? '')?.[1];
        const json = JSON.stringify(echo);
        res.writeHead(status ? Number(status) : 200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json), 'X-Backend': name });
        res.end(json);
      };
      const slow = /\/slow\?ms=(\d+)/.exec(req.url ?? '')?.[1];
      if (slow) setTimeout(send, Number(slow));
      else send();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', () => connections++);
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`${name}:${String(data)}`)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  return {
    name, address, port: (server.address() as AddressInfo).port,
    connections: () => connections,
    requests: () => requests,
    close: () => new Promise((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A port on `address` that refuses connections (bound once, then released). */
export async function refusedPort(address = '127.0.0.1'): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, address, () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A response as a test reads it. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body parsed as an {@link Echo} when a backend answered. */
  echo?: Echo;
  /** Over HTTPS: the common name of the certificate the server presented. */
  certificate?: string;
}

/** Options of {@link request}. */
export interface RequestOptions {
  host?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  agent?: http.Agent;
  /** HTTPS with this SNI name (`''` sends none); any certificate is accepted and reported in the reply. */
  tls?: { servername: string };
}

/** One request to the ingress on 127.0.0.1:`port`. */
export function request(port: number, path: string, opts: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.host) headers.Host = opts.host;
    const common = { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers, agent: opts.agent ?? false };
    const onResponse = (res: http.IncomingMessage) => {
      const certificate = opts.tls ? String((res.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '') : undefined;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        let echo: Echo | undefined;
        if (res.headers['content-type'] === 'application/json') echo = JSON.parse(body) as Echo;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, echo, certificate });
      });
    };
    const req = opts.tls
      ? https.request({ ...common, servername: opts.tls.servername || undefined, rejectUnauthorized: false }, onResponse)
      : http.request(common, onResponse);
    req.on('error', reject);
    req.end(opts.body);
  });
}
