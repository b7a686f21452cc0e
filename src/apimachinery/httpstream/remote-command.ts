/**
 * The server side of Kubernetes' remote-command protocol (exec and attach), as kubectl speaks it:
 * WebSocket `v5.channel.k8s.io`/`v4.channel.k8s.io` (kubectl 1.30+) or SPDY/3.1 with `v4.channel.k8s.io`
 * (1.27–1.29, and the fallback of later versions). Either way the caller gets the same session: stdin as a
 * Readable that ends at the client's EOF, stdout/stderr as Writables, terminal resizes, and `finish(status)`,
 * which flushes output, writes the status on the error channel and closes, as upstream's remotecommand server.
 */
import type { IncomingMessage } from 'node:http';
import { EventEmitter } from 'node:events';
import { PassThrough, Writable, type Duplex, type Readable } from 'node:stream';
import type { WebSocket } from 'ws';
import { Channel, decodeChannelFrame, encodeChannelFrame, parseResizeMessages, REMOTE_COMMAND_V4, REMOTE_COMMAND_V5, type StreamType, type TerminalSize } from './channel.js';
import { encodeStreamStatus, type StreamStatus } from './status.js';
import { createSpdySession, replyToStream, type SpdyStream } from './spdy.js';
import { acceptSpdyUpgrade, acceptWebSocket, isSpdyRequest, isWebSocketRequest, rejectUpgrade } from './upgrade.js';

/** Which streams a remote command uses (the query's stdin/stdout/stderr/tty). */
export interface RemoteCommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

function flag(q: URLSearchParams, name: string): boolean {
  const v = (q.get(name) ?? '').toLowerCase();
  return v === 'true' || v === '1';
}

/** Reads the stream flags of an exec/attach query. With a tty there is no separate stderr, as upstream. */
export function remoteCommandOptions(query: URLSearchParams): RemoteCommandOptions {
  const tty = flag(query, 'tty');
  return { stdin: flag(query, 'stdin'), stdout: flag(query, 'stdout'), stderr: flag(query, 'stderr') && !tty, tty };
}

/** One accepted exec/attach session, whatever the wire protocol. */
export interface RemoteCommandSession {
  /** The negotiated protocol (`v5.channel.k8s.io`, `v4.channel.k8s.io`). */
  readonly protocol: string;
  /** `websocket` or `spdy`. */
  readonly transport: 'websocket' | 'spdy';
  /** The client's input; ends when the client closes its stdin. Undefined without `stdin`. */
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  /** Emits `resize` with a {@link TerminalSize}, and `close` when the client goes away. */
  readonly events: EventEmitter;
  /** True once the client connection is gone. */
  readonly closed: boolean;
  /** Flushes stdout/stderr, writes the status on the error channel, and closes the session. */
  finish(status: StreamStatus): Promise<void>;
  /** Drops the connection without a status. */
  abort(): void;
}

/** How long the client gets to open its SPDY streams (upstream's stream creation timeout is 30 s). */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

/**
 * Accepts kubectl's exec/attach upgrade on a raw socket. Rejects (after answering the socket) when the upgrade
 * is neither a WebSocket nor SPDY/3.1, or no protocol matches.
 */
export async function acceptRemoteCommand(req: IncomingMessage, socket: Duplex, head: Buffer, opts: RemoteCommandOptions): Promise<RemoteCommandSession> {
  if (isWebSocketRequest(req)) {
    const { ws, protocol } = await acceptWebSocket(req, socket, head, [REMOTE_COMMAND_V5, REMOTE_COMMAND_V4]);
    return webSocketSession(ws, protocol, opts);
  }
  if (isSpdyRequest(req)) {
    const protocol = acceptSpdyUpgrade(req, socket, head, [REMOTE_COMMAND_V4]);
    return spdySession(socket, protocol, opts);
  }
  throw rejectUpgrade(socket, 400, 'Upgrade request required: use a WebSocket (v5.channel.k8s.io) or SPDY/3.1');
}

/** A Writable that sends each chunk as one channel message, honouring the socket's send callbacks. */
function channelWriter(ws: WebSocket, channel: number): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== ws.OPEN) {
        cb();
        return;
      }
      ws.send(encodeChannelFrame(channel, chunk), { binary: true }, () => cb());
    },
  });
}

function ended(w: Writable | undefined): Promise<void> {
  if (!w || w.writableFinished) return Promise.resolve();
  return new Promise((resolve) => {
    w.once('finish', resolve);
    w.once('close', resolve);
    w.once('error', () => resolve());
    w.end();
  });
}

function webSocketSession(ws: WebSocket, protocol: string, opts: RemoteCommandOptions): RemoteCommandSession {
  const events = new EventEmitter();
  const stdin = opts.stdin ? new PassThrough() : undefined;
  const stdout = opts.stdout ? channelWriter(ws, Channel.stdout) : undefined;
  const stderr = opts.stderr ? channelWriter(ws, Channel.stderr) : undefined;
  let resizeBuf = '';
  let closed = false;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const frame = decodeChannelFrame(isBinary ? data : Buffer.from(data));
    if (!frame) return;
    if (frame.channel === Channel.stdin) {
      if (stdin && !stdin.writableEnded) stdin.write(frame.data);
    } else if (frame.channel === Channel.resize) {
      const parsed = parseResizeMessages(resizeBuf + frame.data.toString());
      resizeBuf = parsed.rest;
      for (const size of parsed.sizes) events.emit('resize', size);
    } else if (frame.channel === Channel.close && protocol === REMOTE_COMMAND_V5) {
      if (frame.data[0] === Channel.stdin) stdin?.end();
    }
  });
  ws.on('error', () => ws.terminate());
  ws.on('close', () => {
    closed = true;
    if (stdin && !stdin.writableEnded) stdin.end();
    events.emit('close');
  });
  return {
    protocol, transport: 'websocket', stdin, stdout, stderr, events,
    get closed() {
      return closed;
    },
    async finish(status) {
      await Promise.all([ended(stdout), ended(stderr)]);
      if (ws.readyState === ws.OPEN) {
        await new Promise<void>((resolve) => ws.send(encodeChannelFrame(Channel.error, encodeStreamStatus(status)), { binary: true }, () => resolve()));
        ws.close(1000);
      }
    },
    abort() {
      ws.terminate();
    },
  };
}

async function spdySession(socket: Duplex, protocol: string, opts: RemoteCommandOptions): Promise<RemoteCommandSession> {
  const conn = createSpdySession(socket, { isServer: true });
  const events = new EventEmitter();
  const expected = new Set<StreamType>(['error']);
  if (opts.stdin) expected.add('stdin');
  if (opts.stdout) expected.add('stdout');
  if (opts.stderr) expected.add('stderr');
  if (opts.tty) expected.add('resize');
  const streams = new Map<StreamType, SpdyStream>();
  let closed = false;
  socket.once('close', () => {
    closed = true;
    events.emit('close');
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timed out waiting for the client's streams (have ${[...streams.keys()].join(', ') || 'none'})`));
    }, STREAM_CREATION_TIMEOUT_MS);
    const gone = () => {
      clearTimeout(timer);
      reject(new Error('the client closed the connection before opening its streams'));
    };
    socket.once('close', gone);
    conn.on('stream', (stream) => {
      const type = stream.headers.streamtype as StreamType;
      stream.on('error', () => undefined);
      void replyToStream(stream);
      if (!expected.has(type) || streams.has(type)) {
        // Unknown or duplicate: accepted and ignored, as upstream does with an unexpected stream.
        stream.resume();
        return;
      }
      streams.set(type, stream);
      if (streams.size === expected.size) {
        clearTimeout(timer);
        socket.off('close', gone);
        resolve();
      }
    });
  });
  const resize = streams.get('resize');
  if (resize) {
    let buf = '';
    resize.on('data', (d: Buffer) => {
      const parsed = parseResizeMessages(buf + d.toString());
      buf = parsed.rest;
      for (const size of parsed.sizes) events.emit('resize', size);
    });
  }
  // Output streams are write-only for us: drain anything a client might send on them.
  for (const t of ['stdout', 'stderr', 'error'] as const) streams.get(t)?.resume();
  const error = streams.get('error')!;
  return {
    protocol, transport: 'spdy', events,
    stdin: streams.get('stdin'),
    stdout: streams.get('stdout'),
    stderr: streams.get('stderr'),
    get closed() {
      return closed;
    },
    async finish(status) {
      await Promise.all([ended(streams.get('stdout')), ended(streams.get('stderr'))]);
      if (!closed) {
        await new Promise<void>((resolve) => error.end(encodeStreamStatus(status), () => resolve()));
        // Give the frames a moment to leave before the session goes away, then close the connection.
        setTimeout(() => socket.end(), 50).unref();
        setTimeout(() => socket.destroy(), 2000).unref();
      }
    },
    abort() {
      socket.destroy();
    },
  };
}

/** Re-export for callers that only need the size type. */
export type { TerminalSize };
