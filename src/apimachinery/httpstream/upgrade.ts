/**
 * HTTP upgrade handshakes for the streaming protocols, on both sides: accepting kubectl's WebSocket (`ws`) or
 * SPDY/3.1 upgrade with protocol negotiation (as k8s.io/apimachinery's httpstream.Handshake), and dialling a
 * SPDY/3.1 upgrade to another stream server (containerd's).
 */
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { offeredProtocols, STREAM_PROTOCOL_HEADER } from './channel.js';

/** True when the request asks for a WebSocket. */
export function isWebSocketRequest(req: IncomingMessage): boolean {
  return String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** True when the request asks for SPDY/3.1. */
export function isSpdyRequest(req: IncomingMessage): boolean {
  return /^spdy\/3\.1$/i.test(String(req.headers.upgrade ?? '').trim());
}

/** A handshake that could not be completed; the socket has already been answered and closed. */
export class UpgradeError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
    this.name = 'UpgradeError';
  }
}

/** Answers a raw (not upgraded) socket with a plain-text HTTP error and closes it. */
export function rejectUpgrade(socket: Duplex, statusCode: number, message: string): UpgradeError {
  const reason = statusCode === 403 ? 'Forbidden' : statusCode === 404 ? 'Not Found' : statusCode === 401 ? 'Unauthorized' : statusCode === 500 ? 'Internal Server Error' : 'Bad Request';
  const body = `${message}\n`;
  socket.end(`HTTP/1.1 ${statusCode} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  return new UpgradeError(statusCode, message);
}

function negotiate(offered: string[], supported: string[]): string | undefined {
  // The server's preference wins, as upstream's handshake does.
  return supported.find((p) => offered.includes(p));
}

/**
 * Completes a SPDY/3.1 upgrade: picks the first of `supported` the client offers in X-Stream-Protocol-Version,
 * answers 101 naming it, and puts `head` back on the socket. Rejects with 403 (upstream's answer) when nothing
 * matches. Resolves to the chosen protocol.
 */
export function acceptSpdyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, supported: string[]): string {
  const offered = offeredProtocols(req.headers[STREAM_PROTOCOL_HEADER.toLowerCase()]);
  const protocol = negotiate(offered, supported);
  if (!protocol) {
    throw rejectUpgrade(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${supported.join(' ')}]`);
  }
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${STREAM_PROTOCOL_HEADER}: ${protocol}\r\n\r\n`);
  if (head.length > 0) socket.unshift(head);
  return protocol;
}

/** Largest WebSocket message accepted (kubectl sends stdin in 32 KiB pieces). */
const MAX_MESSAGE = 64 * 1024 * 1024;

/**
 * Completes a WebSocket upgrade with one of `supported` subprotocols (echoed in Sec-WebSocket-Protocol, which
 * kubectl requires). Answers 400 when the client offers none of them, so a kubectl that can fall back to SPDY
 * does so.
 */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, supported: string[]): Promise<{ ws: WebSocket; protocol: string }> {
  const offered = offeredProtocols(req.headers['sec-websocket-protocol']);
  const protocol = negotiate(offered, supported);
  if (!protocol) {
    return Promise.reject(rejectUpgrade(socket, 400, `unable to upgrade: no supported WebSocket subprotocol in [${offered.join(' ')}], server supports [${supported.join(' ')}]`));
  }
  // ws only accepts RFC 6455 tokens as subprotocols, and kubectl's `SPDY/3.1+portforward.k8s.io` has a '/': hide
  // the header from ws (negotiated above) and name the protocol in the 101 answer ourselves.
  delete req.headers['sec-websocket-protocol'];
  return new Promise((resolve) => {
    const server = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_MESSAGE });
    server.once('headers', (headers) => headers.push(`Sec-WebSocket-Protocol: ${protocol}`));
    server.handleUpgrade(req, socket, head, (ws) => {
      server.close();
      resolve({ ws, protocol });
    });
  });
}

/** Options of {@link dialSpdyUpgrade}. */
export interface DialUpgradeOptions {
  /** Protocols to offer in X-Stream-Protocol-Version, preferred first. */
  protocols: string[];
  signal?: AbortSignal;
  /** Give up the handshake after this long (default 10 s). */
  timeoutMs?: number;
}

/**
 * POSTs a SPDY/3.1 upgrade to an `http://` stream URL (containerd's single-use exec/attach/portforward URLs) and
 * resolves to the upgraded socket and the protocol the server chose.
 */
export function dialSpdyUpgrade(url: string, opts: DialUpgradeOptions): Promise<{ socket: Duplex; protocol: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', [STREAM_PROTOCOL_HEADER]: opts.protocols.join(', '), 'Content-Length': '0' },
      signal: opts.signal,
      timeout: opts.timeoutMs ?? 10_000,
    });
    req.on('upgrade', (res, socket, head) => {
      const protocol = String(res.headers[STREAM_PROTOCOL_HEADER.toLowerCase()] ?? '');
      if (!opts.protocols.includes(protocol)) {
        socket.destroy();
        reject(new Error(`the stream server at ${url} chose protocol "${protocol}", expected one of [${opts.protocols.join(' ')}]`));
        return;
      }
      if (head.length > 0) socket.unshift(head);
      resolve({ socket, protocol });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => reject(new Error(`the stream server at ${new URL(url).host} refused the upgrade: ${res.statusCode} ${body.trim()}`)));
    });
    req.on('timeout', () => req.destroy(new Error(`the stream server at ${new URL(url).host} did not answer the upgrade in time`)));
    req.on('error', reject);
    req.end();
  });
}
