/**
 * port-forward: the kubelet accepts kubectl's SPDY session (plain, or tunnelled in a WebSocket by kubectl 1.31+)
 * and forwards each stream pair through the runtime's own port-forward stream server (CRI PortForward, one
 * SPDY session per kubectl session). Going through the runtime connects inside the pod's network namespace, as
 * upstream does, so listeners bound only to the pod's localhost are reachable too.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { acceptPortForward, dialPortForward, type PortForwardClient, type PortForwardPair } from '../../../apimachinery/httpstream/index.js';
import type { CriClient } from '../../cri/index.js';
import { logger } from '../../../util/log.js';

const log = logger('kubelet-server');

/** Serves one kubectl port-forward session for a pod sandbox until kubectl disconnects. */
export async function servePortForward(req: IncomingMessage, socket: Duplex, head: Buffer, runtime: CriClient, sandboxId: string): Promise<void> {
  const session = await acceptPortForward(req, socket, head);
  log.debug('port-forward session', { sandbox: sandboxId, transport: session.transport });
  let upstream: Promise<PortForwardClient> | undefined;
  const connect = (): Promise<PortForwardClient> => {
    if (!upstream) {
      const p = runtime.portForward(sandboxId, []).then((url) => dialPortForward(url));
      upstream = p;
      p.then((c) => c.events.once('close', () => {
        if (upstream === p) upstream = undefined; // the runtime hung up: the next pair dials again
      }), () => {
        if (upstream === p) upstream = undefined;
      });
    }
    return upstream;
  };
  session.events.on('pair', (pair: PortForwardPair) => {
    void forwardPair(pair, connect).catch((err: Error) => {
      log.debug('port-forward pair failed', { port: pair.port, error: err.message });
      if (!pair.error.writableEnded) pair.error.end(`error forwarding port ${pair.port} to pod sandbox ${sandboxId}: ${err.message}`);
      pair.data.destroy();
    });
  });
  await new Promise<void>((resolve) => session.events.once('close', resolve));
  if (upstream) void upstream.then((c) => c.close(), () => undefined);
}

async function forwardPair(pair: PortForwardPair, connect: () => Promise<PortForwardClient>): Promise<void> {
  const client = await connect();
  const { data, error } = await client.open(pair.port, pair.requestId);
  // The runtime's error text (connection refused, …) goes to kubectl's error stream.
  error.on('data', (d: Buffer) => {
    if (!pair.error.writableEnded) pair.error.write(d);
  });
  error.once('end', () => {
    if (!pair.error.writableEnded) pair.error.end();
  });
  error.on('error', () => undefined);
  pair.data.pipe(data);
  data.pipe(pair.data);
  const drop = () => {
    data.destroy();
    pair.data.destroy();
  };
  data.once('close', () => {
    if (!pair.data.writableEnded) pair.data.end();
  });
  pair.data.once('close', () => {
    if (!data.writableEnded) data.end();
  });
  data.once('error', drop);
  pair.data.once('error', drop);
}
