/**
 * The HTTP/1.1 Transport: node `http`/`https` with keep-alive agents. Ordinary requests share one pool capped at
 * `maxSockets` (default 128, enough for the scheduler's 1,000+ bindings/s over keep-alive); streaming requests
 * (watches, logs) use a second, uncapped pool so a process holding many watches still has sockets for writes.
 */
import http from 'node:http';
import https from 'node:https';
import tlsLib from 'node:tls';
import type { RestConfig } from './rest-config.js';
import type { Transport, TransportRequest, TransportResponse } from './transport.js';

/** Default cap on concurrent ordinary connections per server. */
export const DEFAULT_MAX_SOCKETS = 128;

/** Sends requests over HTTP(S) to `config.server`. */
export class HttpTransport implements Transport {
  private readonly url: URL;
  private readonly secure: boolean;
  private readonly agent: http.Agent;
  private readonly streamAgent: http.Agent;
  private readonly prefix: string;

  constructor(private readonly config: RestConfig) {
    this.url = new URL(config.server);
    this.secure = this.url.protocol === 'https:';
    if (!this.secure && this.url.protocol !== 'http:') {
      throw new Error(`Cannot reach API server ${config.server}: unsupported scheme ${this.url.protocol}`);
    }
    this.prefix = this.url.pathname.replace(/\/+$/, '');
    const base = { keepAlive: true, keepAliveMsecs: 30_000 };
    // One TLS context for every connection: given the PEMs instead, node parses them and builds a context per new
    // connection (a visible share of a busy controller's CPU).
    const tls = this.secure
      ? {
        secureContext: tlsLib.createSecureContext({ ca: config.ca, cert: config.clientCert, key: config.clientKey }),
        rejectUnauthorized: !config.insecureSkipTLSVerify,
        servername: config.tlsServerName,
      }
      : {};
    const Agent = this.secure ? https.Agent : http.Agent;
    this.agent = new Agent({ ...base, ...tls, maxSockets: config.maxSockets ?? DEFAULT_MAX_SOCKETS });
    this.streamAgent = new Agent({ ...base, ...tls });
  }

  request(req: TransportRequest): Promise<TransportResponse> {
    const headers: Record<string, string> = { ...req.headers };
    // kubectl sends no bearer token to a plain-http server; neither do we (KUBECTL-COMPAT §1).
    if (this.config.token && this.secure) headers.authorization = `Bearer ${this.config.token}`;
    if (this.config.userAgent && !headers['user-agent']) headers['user-agent'] = this.config.userAgent;
    if (req.body) headers['content-length'] = String(req.body.byteLength);
    const mod = this.secure ? https : http;
    return new Promise((resolve, reject) => {
      const r = mod.request({
        protocol: this.url.protocol,
        hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
        port: this.url.port || (this.secure ? 443 : 80),
        method: req.method,
        path: this.prefix + req.path,
        headers,
        agent: req.streaming ? this.streamAgent : this.agent,
        signal: req.signal,
      }, (res) => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: res,
          cancel: () => {
            if (!res.destroyed) res.destroy();
          },
        });
      });
      r.on('error', reject);
      if (this.config.timeoutMs && !req.streaming) {
        r.setTimeout(this.config.timeoutMs, () => {
          r.destroy(new Error(`${req.method} ${req.path}: no response from ${this.config.server} within ${this.config.timeoutMs} ms`));
        });
      }
      r.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
    this.streamAgent.destroy();
  }
}
