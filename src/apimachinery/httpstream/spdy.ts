/**
 * SPDY/3.1 sessions over `spdy-transport`, adjusted to speak with Go's moby/spdystream (kubectl, client-go and
 * containerd's stream server), which differs from the HTTP-over-SPDY the package was written for:
 * - spdystream's SYN_STREAMs carry only application headers (`streamtype`, `port`, `requestid`), without
 *   `:method`/`:path`, and its SYN_REPLYs carry no `:status`; the package rejects both. The session's parser fills
 *   in placeholders, so such frames are accepted.
 * - spdystream implements no flow control: it never sends WINDOW_UPDATE. The package would stop writing after the
 *   first 64 KiB of a stream or session, so this session's send windows are unbounded, as spdystream's own are.
 * - A stream server writes the exit status and hangs up at once. The package drops every stream when its socket
 *   closes, even while its parser still holds the last frames (header decompression is asynchronous), and the
 *   status was lost now and then. The session's socket is therefore wrapped so that a clean close reaches the
 *   package only after the parser has delivered everything.
 */
import { Duplex } from 'node:stream';
import transport, { type SpdyConnection, type SpdyStream } from 'spdy-transport';

export type { SpdyConnection, SpdyStream };

/** Options of {@link createSpdySession}. */
export interface SpdySessionOptions {
  /** True for the side that accepted the upgrade (it opens no streams; it replies to the peer's). */
  isServer: boolean;
}

function unbounded(side: { current: number; max: number; limit: number; lowWaterMark: number }): void {
  side.current = Number.MAX_SAFE_INTEGER;
  side.max = Number.MAX_SAFE_INTEGER;
  side.limit = Number.POSITIVE_INFINITY;
  side.lowWaterMark = 0;
}

/**
 * Starts a SPDY/3.1 session on an upgraded socket. Bytes that arrived with the upgrade (`head`) must be
 * unshifted onto the socket by the caller first.
 */
export function createSpdySession(socket: Duplex, opts: SpdySessionOptions): SpdyConnection {
  const carrier = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  let ended = false;
  socket.on('data', (d: Buffer) => {
    if (!carrier.push(d)) socket.pause();
  });
  socket.once('end', () => {
    ended = true;
    carrier.push(null);
  });
  socket.on('error', () => undefined);
  const conn = transport.connection.create(carrier, { protocol: 'spdy', isServer: opts.isServer, autoSpdy31: true, maxChunk: 32 * 1024 });
  const state = conn._spdyState;
  const parser = state.parser;
  socket.once('close', () => {
    if (!ended || parser.readableEnded) {
      carrier.destroy();
      return;
    }
    const timer = setTimeout(() => carrier.destroy(), 2000);
    parser.once('end', () => {
      clearTimeout(timer);
      carrier.destroy();
    });
  });
  const parseKVs = parser.parseKVs as (buf: unknown, cb: (err: Error | null, headers?: Record<string, string>) => void) => void;
  parser.parseKVs = function patchedParseKVs(buf: unknown, cb: (err: Error | null, headers?: Record<string, string>) => void) {
    parseKVs.call(this, buf, (err, headers) => {
      if (!err && headers) {
        headers[':method'] ??= 'POST';
        headers[':path'] ??= '/';
        headers[':status'] ??= '200';
      }
      cb(err, headers);
    });
  };
  unbounded(state.window.send);
  unbounded(state.streamWindow.send);
  // A peer's SETTINGS would shrink new streams' send windows again; spdystream sends none, but be safe.
  type WithDefaultWindow = { _setDefaultWindow: (s: Record<string, unknown>) => void };
  const setDefaultWindow = (conn as unknown as WithDefaultWindow)._setDefaultWindow;
  (conn as unknown as WithDefaultWindow)._setDefaultWindow = function ignoreWindowSettings(settings) {
    setDefaultWindow.call(this, { ...settings, initial_window_size: undefined });
  };
  conn.start(3.1);
  // Session errors (a peer's protocol error, a reset socket) end the session; nobody must crash on them.
  conn.on('error', () => carrier.destroy());
  return conn;
}

/** Replies to a peer-opened stream (SYN_REPLY), resolving once the frame is queued. */
export function replyToStream(stream: SpdyStream): Promise<void> {
  return new Promise((resolve) => stream.respond(200, {}, () => resolve()));
}

/** Opens a stream with application headers (the client side: to containerd's stream server). */
export function openSpdyStream(conn: SpdyConnection, headers: Record<string, string>): Promise<SpdyStream> {
  return new Promise((resolve, reject) => {
    const stream = conn.request({ method: 'POST', path: '/', headers }, (err) => (err ? reject(err) : resolve(stream)));
    stream.on('error', () => undefined);
  });
}
