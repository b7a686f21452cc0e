/**
 * The client side of the remote-command protocol over SPDY/3.1 with `v4.channel.k8s.io`, as client-go's SPDY
 * executor: used to reach a runtime's stream server (containerd's single-use exec/attach URLs). SPDY rather than
 * WebSocket because only SPDY can half-close stdin: WebSocket v4 has no way to say "stdin ended" short of closing
 * the whole connection, so `echo hi | kubectl exec -i … -- cat` would never finish.
 */
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { REMOTE_COMMAND_V4, type StreamType, type TerminalSize } from './channel.js';
import { createSpdySession, openSpdyStream, type SpdyStream } from './spdy.js';
import { parseStreamStatus, type StreamStatus } from './status.js';
import { dialSpdyUpgrade } from './upgrade.js';
import type { RemoteCommandOptions } from './remote-command.js';

/** A running remote command on a stream server. */
export interface RemoteCommandClient {
  readonly stdin?: Writable;
  readonly stdout?: Readable;
  readonly stderr?: Readable;
  /** Sends a terminal size (tty sessions only). */
  resize(size: TerminalSize): void;
  /**
   * The status from the error stream once the command ended (Success when the server closed without one). It
   * settles after stdout and stderr have received everything (they end then).
   */
  readonly status: Promise<StreamStatus>;
  /** Closes the connection. */
  close(): void;
}

/** Settles when a readable stream has ended or its session is gone. */
function drained(stream: SpdyStream | undefined): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

/**
 * Copies a stream's data into a PassThrough as it arrives. The session destroys its streams when the server
 * hangs up right after the status, and a destroyed stream drops what it still buffered; the copy keeps it.
 */
function keep(stream: SpdyStream | undefined): PassThrough | undefined {
  if (!stream) return undefined;
  const out = new PassThrough();
  stream.on('data', (d: Buffer) => out.write(d));
  void drained(stream).then(() => out.end());
  return out;
}

/**
 * Connects to a stream server URL and opens the streams a v4 server expects, in client-go's order (error, stdin,
 * stdout, stderr, resize). The command starts once the server has them all.
 */
export async function dialRemoteCommand(url: string, opts: RemoteCommandOptions & { signal?: AbortSignal }): Promise<RemoteCommandClient> {
  const { socket } = await dialSpdyUpgrade(url, { protocols: [REMOTE_COMMAND_V4], signal: opts.signal });
  const conn = createSpdySession(socket, { isServer: false });
  const open = (type: StreamType) => openSpdyStream(conn, { streamtype: type });
  const error = await open('error');
  error.end();
  const stdin = opts.stdin ? await open('stdin') : undefined;
  const stdout = opts.stdout ? await open('stdout') : undefined;
  const stderr = opts.stderr && !opts.tty ? await open('stderr') : undefined;
  const resize = opts.tty ? await open('resize') : undefined;
  stdout?.end();
  stderr?.end();
  // The session ends every stream once the connection is gone and everything received was delivered, so
  // waiting for the streams themselves is enough (and waiting for the socket would be too early).
  // (Listen from the start: a stream that ended before anyone listened would never say so again.)
  const stdoutCopy = keep(stdout);
  const stderrCopy = keep(stderr);
  const outputsDone = Promise.all([drained(stdout), drained(stderr)]);
  const chunks: Buffer[] = [];
  error.on('data', (d: Buffer) => chunks.push(d));
  const status = (async () => {
    await drained(error);
    // Output written before the status must reach the caller before it hears the command ended.
    await outputsDone;
    return parseStreamStatus(Buffer.concat(chunks));
  })();
  opts.signal?.addEventListener('abort', () => socket.destroy(), { once: true });
  return {
    stdin, stdout: stdoutCopy, stderr: stderrCopy, status,
    resize(size) {
      if (resize && !resize.writableEnded) resize.write(`${JSON.stringify(size)}\n`);
    },
    close() {
      socket.destroy();
    },
  };
}
