/**
 * Kubernetes' port-forward protocol, both sides. The client opens two SPDY streams per forwarded connection,
 * `streamtype: error` then `streamtype: data`, each with `port` and `requestid` headers; the server copies the data
 * stream to and from the target port and writes failures as text on the error stream. kubectl ≤ 1.30 upgrades to
 * SPDY/3.1 directly; 1.31+ tunnels the same SPDY session inside WebSocket binary messages
 * (`SPDY/3.1+portforward.k8s.io`), as client-go's tunneling connection.
 */
import type { IncomingMessage } from 'node:http';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { createWebSocketStream } from 'ws';
import { PORT_FORWARD_PROTOCOL, PORT_FORWARD_TUNNEL_PROTOCOL } from './channel.js';
import { createSpdySession, openSpdyStream, replyToStream, type SpdyConnection, type SpdyStream } from './spdy.js';
import { acceptSpdyUpgrade, acceptWebSocket, dialSpdyUpgrade, isSpdyRequest, isWebSocketRequest, rejectUpgrade } from './upgrade.js';

/** One forwarded connection: its target port and its two streams. */
export interface PortForwardPair {
  requestId: string;
  port: number;
  /** Bytes to and from the target port. */
  data: SpdyStream;
  /** Text describing a failure, written by the server. */
  error: SpdyStream;
}

/** An accepted port-forward session. It emits `pair` ({@link PortForwardPair}) and `close`. */
export interface PortForwardSession {
  readonly transport: 'websocket' | 'spdy';
  readonly events: EventEmitter;
  close(): void;
}

/** How long the second stream of a pair may lag behind the first (upstream waits 30 s, then drops the pair). */
const PAIR_TIMEOUT_MS = 30_000;

/**
 * Accepts kubectl's port-forward upgrade (SPDY/3.1, or SPDY inside a WebSocket) and reports each complete stream
 * pair. A stream without a valid `port` gets an error message and is closed.
 */
export async function acceptPortForward(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<PortForwardSession> {
  let carrier: Duplex;
  let transport: 'websocket' | 'spdy';
  if (isWebSocketRequest(req)) {
    const { ws } = await acceptWebSocket(req, socket, head, [PORT_FORWARD_TUNNEL_PROTOCOL]);
    carrier = createWebSocketStream(ws);
    carrier.on('error', () => carrier.destroy());
    transport = 'websocket';
  } else if (isSpdyRequest(req)) {
    acceptSpdyUpgrade(req, socket, head, [PORT_FORWARD_PROTOCOL]);
    carrier = socket;
    transport = 'spdy';
  } else {
    throw rejectUpgrade(socket, 400, 'Upgrade request required: use SPDY/3.1 or a WebSocket (SPDY/3.1+portforward.k8s.io)');
  }
  const conn = createSpdySession(carrier, { isServer: true });
  const events = new EventEmitter();
  const pending = new Map<string, { error?: SpdyStream; data?: SpdyStream; timer: NodeJS.Timeout }>();
  conn.on('stream', (stream) => {
    stream.on('error', () => undefined);
    void replyToStream(stream);
    const type = stream.headers.streamtype;
    const requestId = stream.headers.requestid ?? String(Math.floor(stream.id / 4));
    const port = Number(stream.headers.port);
    if ((type !== 'error' && type !== 'data') || !Number.isInteger(port) || port <= 0 || port > 65535) {
      stream.end(`invalid port: ${stream.headers.port ?? '(none)'}`);
      stream.resume();
      return;
    }
    let entry = pending.get(requestId);
    if (!entry) {
      const timer = setTimeout(() => {
        pending.delete(requestId);
        entry?.error?.destroy();
        entry?.data?.destroy();
      }, PAIR_TIMEOUT_MS);
      timer.unref();
      entry = { timer };
      pending.set(requestId, entry);
    }
    entry[type] = stream;
    if (entry.error && entry.data) {
      clearTimeout(entry.timer);
      pending.delete(requestId);
      entry.error.resume();
      events.emit('pair', { requestId, port, data: entry.data, error: entry.error } satisfies PortForwardPair);
    }
  });
  carrier.once('close', () => {
    for (const e of pending.values()) clearTimeout(e.timer);
    pending.clear();
    events.emit('close');
  });
  return {
    transport, events,
    close() {
      carrier.destroy();
    },
  };
}

/** A port-forward session opened on a stream server (containerd's single-use URL). */
export interface PortForwardClient {
  /** Opens the error and data streams for one connection to `port` in the pod. */
  open(port: number, requestId: string): Promise<{ data: SpdyStream; error: SpdyStream }>;
  /** Emits `close` when the stream server hangs up. */
  readonly events: EventEmitter;
  close(): void;
}

/** Dials a stream server's port-forward URL over SPDY/3.1. */
export async function dialPortForward(url: string, opts: { signal?: AbortSignal } = {}): Promise<PortForwardClient> {
  const { socket } = await dialSpdyUpgrade(url, { protocols: [PORT_FORWARD_PROTOCOL], signal: opts.signal });
  const conn: SpdyConnection = createSpdySession(socket, { isServer: false });
  const events = new EventEmitter();
  socket.once('close', () => events.emit('close'));
  return {
    events,
    async open(port, requestId) {
      const headers = { port: String(port), requestid: requestId };
      const error = await openSpdyStream(conn, { ...headers, streamtype: 'error' });
      error.end();
      const data = await openSpdyStream(conn, { ...headers, streamtype: 'data' });
      return { data, error };
    },
    close() {
      socket.destroy();
    },
  };
}
