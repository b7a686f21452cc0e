/**
 * exec and attach: the kubelet terminates kubectl's protocol (WebSocket v5/v4 or SPDY v4), asks the runtime for a
 * single-use stream URL (CRI Exec/Attach), connects to it over SPDY v4, and copies the channels both ways: stdin
 * including its end, stdout, stderr, terminal resizes, and finally the runtime's status, so a command's exit code
 * reaches kubectl unchanged (`command terminated with exit code 3`).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import {
  acceptRemoteCommand, dialRemoteCommand, failureStatus, remoteCommandOptions,
  type RemoteCommandOptions, type RemoteCommandSession, type RemoteCommandClient,
} from '../../../apimachinery/httpstream/index.js';
import type { CriClient } from '../../cri/index.js';
import { logger } from '../../../util/log.js';
import { badRequest } from '../../../apimachinery/errors/status-error.js';

const log = logger('kubelet-server');

/** What a remote command runs in, resolved before the upgrade is accepted. */
export interface RemoteCommandTarget {
  kind: 'exec' | 'attach';
  containerId: string;
  /** exec only: the command and its arguments (the query's repeated `command`). */
  command: string[];
  options: RemoteCommandOptions;
}

/** Reads an exec/attach query; exec needs at least one command, and at least one stream must be requested. */
export function remoteCommandRequest(kind: 'exec' | 'attach', containerId: string, query: URLSearchParams): RemoteCommandTarget {
  const options = remoteCommandOptions(query);
  const command = kind === 'exec' ? query.getAll('command') : [];
  if (kind === 'exec' && command.length === 0) throw badRequest('you must specify at least 1 command');
  if (!options.stdin && !options.stdout && !options.stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  return { kind, containerId, command, options };
}

/** Copies a readable into a writable without ending it; resolves when the source has ended. */
function copy(from: Readable | undefined, to: Writable | undefined): Promise<void> {
  if (!from) return Promise.resolve();
  if (!to) {
    from.resume();
    return new Promise((resolve) => from.once('end', resolve));
  }
  from.pipe(to, { end: false });
  return new Promise((resolve) => {
    from.once('end', resolve);
    from.once('close', resolve);
  });
}

/**
 * Runs one exec/attach: opens the runtime session first (so a runtime failure becomes a plain HTTP error), then
 * accepts kubectl's upgrade and bridges the two until the runtime reports the command's end. Throws only before
 * kubectl's upgrade is accepted.
 */
export async function serveRemoteCommand(req: IncomingMessage, socket: Duplex, head: Buffer, runtime: CriClient, target: RemoteCommandTarget): Promise<void> {
  const { options } = target;
  const url = target.kind === 'exec'
    ? await runtime.exec({ container_id: target.containerId, cmd: target.command, ...options })
    : await runtime.attach({ container_id: target.containerId, ...options });
  const upstream: RemoteCommandClient = await dialRemoteCommand(url, options);
  let session: RemoteCommandSession;
  try {
    session = await acceptRemoteCommand(req, socket, head, options);
  } catch (err) {
    upstream.close();
    throw err;
  }
  log.debug('remote command started', { kind: target.kind, container: target.containerId, protocol: session.protocol, transport: session.transport });
  try {
    await bridge(session, upstream);
  } catch (err) {
    log.debug('remote command bridge failed', { error: (err as Error).message });
    session.abort();
  } finally {
    upstream.close();
  }
}

async function bridge(session: RemoteCommandSession, upstream: RemoteCommandClient): Promise<void> {
  if (session.stdin && upstream.stdin) session.stdin.pipe(upstream.stdin);
  else session.stdin?.resume();
  session.events.on('resize', (size) => upstream.resize(size));
  // kubectl went away (Ctrl-C, lost connection): drop the runtime session too, as the kubelet's proxy does.
  session.events.once('close', () => upstream.close());
  const outputs = Promise.all([copy(upstream.stdout, session.stdout), copy(upstream.stderr, session.stderr)]);
  let status;
  try {
    status = await upstream.status;
  } catch (err) {
    status = failureStatus(`error streaming from the runtime: ${(err as Error).message}`);
  }
  await outputs;
  await session.finish(status);
}
