/**
 * The kubelet's HTTPS server (upstream's port 10250), which the API server proxies `kubectl logs`, `exec`,
 * `attach`, `port-forward` and `top` to:
 *   GET  /containerLogs/{ns}/{pod}/{container}?follow&previous&tailLines&sinceSeconds&sinceTime&timestamps&limitBytes
 *   GET|POST (upgrade) /exec/{ns}/{pod}/{container}?command=…&stdin&stdout&stderr&tty
 *   GET|POST (upgrade) /attach/{ns}/{pod}/{container}?stdin&stdout&stderr&tty
 *   GET|POST (upgrade) /portForward/{ns}/{pod}
 *   GET  /stats/summary, GET /healthz
 * It serves a self-signed certificate (kept in the data dir; the API server pins its fingerprint, which the
 * kubelet publishes on its Node) and requires a client certificate signed by the cluster CA that belongs to the
 * API server (CN kube-apiserver-kubelet-client) or to group system:masters.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { badRequest, internalError, StatusError } from '../../../apimachinery/errors/status-error.js';
import { UpgradeError } from '../../../apimachinery/httpstream/index.js';
import type { CriClient } from '../../cri/index.js';
import { logger } from '../../../util/log.js';
import { CriContainerIndex, type ContainerIndex, type ContainerRef } from './container-index.js';
import { parseLogQuery, writeContainerLog } from './container-logs.js';
import { remoteCommandRequest, serveRemoteCommand } from './remote-command-bridge.js';
import { servePortForward } from './port-forward-bridge.js';
import { ensureServingCert } from './serving-cert.js';
import { CriStatsProvider, type StatsProvider } from './stats-provider.js';

const log = logger('kubelet-server');

/**
 * The Node annotation to publish {@link KubeletServer.fingerprint256} under; the API server pins the kubelet's
 * certificate by it (the same name as the API server's KUBELET_CERT_ANNOTATION, which this unit cannot import).
 */
export const KUBELET_SERVING_CERT_ANNOTATION = 'kubelite.io/kubelet-serving-cert-sha256';

/** The API server's kubelet-client identity (its certificate's CN). */
export const APISERVER_KUBELET_CLIENT_CN = 'kube-apiserver-kubelet-client';

/** Options of {@link startKubeletServer}. */
export interface KubeletServerOptions {
  /** Port to listen on (10250 upstream; 0 picks a free one). */
  port: number;
  /** Address to bind (default 0.0.0.0, so the API server of another machine can reach it). */
  bindAddress?: string;
  /** The cluster CA (PEM) that signs the API server's client certificate. */
  caCert: string;
  /** Where the serving certificate is kept (`pki/kubelet.crt`, `pki/kubelet.key`); also the node's filesystem for stats. */
  dataDir: string;
  /** The node's CRI runtime. */
  runtime: CriClient;
  /** Finds pods' sandboxes and containers (default: asks the runtime by CRI metadata). */
  index?: ContainerIndex;
  /** The node name, for /stats/summary. */
  nodeName: string;
  /** The Summary provider (default: {@link CriStatsProvider} over `runtime`, sampling every 10 s). */
  stats?: StatsProvider;
  /** Extra SANs for the serving certificate (node addresses, host names). */
  certIps?: string[];
  certNames?: string[];
}

/** A running kubelet server. */
export interface KubeletServer {
  /** The bound port (publish as Node status.daemonEndpoints.kubeletEndpoint.Port). */
  port: number;
  /** The serving certificate's SHA-256 fingerprint (publish as annotation kubelite.io/kubelet-serving-cert-sha256). */
  fingerprint256: string;
  certPem: string;
  close(): Promise<void>;
}

function clientAllowed(sock: TLSSocket): 'ok' | 'unauthenticated' | 'forbidden' {
  if (!sock.authorized) return 'unauthenticated';
  const subject = sock.getPeerCertificate()?.subject as unknown as Record<string, string | string[]> | undefined;
  const groups = [subject?.O ?? []].flat();
  return subject?.CN === APISERVER_KUBELET_CLIENT_CN || groups.includes('system:masters') ? 'ok' : 'forbidden';
}

function statusOf(err: unknown): StatusError {
  return err instanceof StatusError ? err : internalError(err);
}

function writeStatus(res: ServerResponse, err: StatusError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(err.status);
  res.writeHead(err.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answers a not-yet-upgraded socket with a Status (client-go shows its message: "unable to upgrade connection: …"). */
function writeRawStatus(socket: Duplex, err: StatusError): void {
  const body = JSON.stringify(err.status);
  socket.end(`HTTP/1.1 ${err.code} ${err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function notFoundStatus(message: string): StatusError {
  return new StatusError(404, 'NotFound', message);
}

/** Splits `/kind/a/b/c` into its decoded segments. */
function segments(pathname: string): string[] {
  return pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
}

/** Starts the kubelet server; resolves once it listens. */
export async function startKubeletServer(opts: KubeletServerOptions): Promise<KubeletServer> {
  const cert = ensureServingCert(opts.dataDir, { extraIps: opts.certIps, extraNames: opts.certNames });
  const index = opts.index ?? new CriContainerIndex(opts.runtime);
  const ownStats = !opts.stats;
  const stats = opts.stats ?? new CriStatsProvider(opts.runtime, { nodeName: opts.nodeName, fsPath: opts.dataDir });
  const inFlight = new Set<AbortController>();

  const current = async (ns: string, pod: string, container: string): Promise<ContainerRef> => {
    const attempts = await index.containers(ns, pod, container);
    if (attempts.length > 0) return attempts[0]!;
    if (!(await index.sandbox(ns, pod))) throw notFoundStatus(`pod "${pod}" in namespace "${ns}" is not running on node ${opts.nodeName}`);
    throw badRequest(`container "${container}" in pod "${pod}" is waiting to start: ContainerCreating`);
  };

  const serveLogs = async (req: IncomingMessage, res: ServerResponse, url: URL, [ns, pod, container]: string[]) => {
    if (!ns || !pod || !container) throw badRequest('expected /containerLogs/{namespace}/{pod}/{container}');
    const logOpts = parseLogQuery(url.searchParams);
    let target = await current(ns, pod, container);
    if (logOpts.previous) {
      const prev = (await index.containers(ns, pod, container))[1];
      if (!prev) throw badRequest(`previous terminated container "${container}" in pod "${pod}" not found`);
      target = prev;
    }
    const ac = new AbortController();
    inFlight.add(ac);
    res.on('close', () => ac.abort());
    res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Content-Type-Options': 'nosniff' });
    const containerId = target.id;
    try {
      await writeContainerLog(target.logPath, res, logOpts, {
        signal: ac.signal,
        isRunning: async () => {
          try {
            return (await opts.runtime.containerStatus(containerId)).status?.state === 'CONTAINER_RUNNING';
          } catch {
            return false;
          }
        },
      });
    } finally {
      inFlight.delete(ac);
      res.end();
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const access = clientAllowed(req.socket as TLSSocket);
    if (access !== 'ok') {
      throw new StatusError(access === 'forbidden' ? 403 : 401, access === 'forbidden' ? 'Forbidden' : 'Unauthorized',
        access === 'forbidden' ? 'Forbidden: only the API server may use the kubelet API' : 'Unauthorized');
    }
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const [kind, ...rest] = segments(url.pathname);
    if (req.method === 'GET' && url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (req.method === 'GET' && kind === 'containerLogs') return serveLogs(req, res, url, rest);
    if (req.method === 'GET' && url.pathname === '/stats/summary') {
      const body = JSON.stringify(await stats.summary());
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (kind === 'exec' || kind === 'attach' || kind === 'portForward') throw badRequest('Upgrade request required');
    throw notFoundStatus(`the kubelet does not serve ${url.pathname}`);
  };

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const access = clientAllowed(req.socket as TLSSocket);
    if (access !== 'ok') throw new StatusError(access === 'forbidden' ? 403 : 401, access === 'forbidden' ? 'Forbidden' : 'Unauthorized', 'Forbidden: only the API server may use the kubelet API');
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const [kind, ns, pod, container] = segments(url.pathname);
    if ((kind === 'exec' || kind === 'attach') && ns && pod && container) {
      const target = await current(ns, pod, container);
      if (!target.running) throw badRequest(`container ${container} is not running (pod ${pod})`);
      const cmd = remoteCommandRequest(kind, target.id, url.searchParams);
      return serveRemoteCommand(req, socket, head, opts.runtime, cmd);
    }
    if (kind === 'portForward' && ns && pod) {
      const sb = await index.sandbox(ns, pod);
      if (!sb?.ready) throw notFoundStatus(`pod "${pod}" in namespace "${ns}" has no running sandbox on node ${opts.nodeName}`);
      return servePortForward(req, socket, head, opts.runtime, sb.id);
    }
    throw notFoundStatus(`the kubelet does not serve ${url.pathname}`);
  };

  const server: Server = createServer({ key: cert.key, cert: cert.cert, ca: opts.caCert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    handle(req, res).catch((err) => {
      const st = statusOf(err);
      if (st.code >= 500) log.warn('kubelet request failed', { path: req.url, error: (err as Error).message });
      writeStatus(res, st);
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    upgrade(req, socket, head).catch((err) => {
      if (err instanceof UpgradeError) return; // already answered
      const st = statusOf(err);
      log.debug('kubelet upgrade failed', { path: req.url, error: st.message });
      // The serve functions only throw before they accept the upgrade, so the socket still speaks HTTP here.
      if (socket.writable) writeRawStatus(socket, st);
      else socket.destroy();
    });
  });
  server.requestTimeout = 0; // log follows are long-lived
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.bindAddress ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info('kubelet server listening', { port, fingerprint: cert.fingerprint256 });
  return {
    port,
    fingerprint256: cert.fingerprint256,
    certPem: cert.cert,
    async close() {
      for (const ac of inFlight) ac.abort();
      if (ownStats) stats.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
