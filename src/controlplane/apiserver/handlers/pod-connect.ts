/**
 * pods/log, pods/exec, pods/attach and pods/portforward: the API server authenticates the user, finds the pod's node,
 * and proxies the request to that node's kubelet, as kube-apiserver does. Upgrades (WebSocket and SPDY, for every
 * kubectl from 1.27 to 1.33) are proxied byte for byte after the handshake, so the kubelet speaks kubectl's
 * protocol directly and the exit code of `kubectl exec … -- sh -c 'exit 3'` arrives unchanged.
 *
 * Both sides are authenticated: the API server presents its kubelet-client certificate (CA-signed, group
 * system:masters), and pins the kubelet's self-signed serving certificate by the SHA-256 fingerprint the kubelet
 * published on its Node (annotation {@link KUBELET_CERT_ANNOTATION}).
 */
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Agent, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { badRequest, StatusError } from '../../../apimachinery/errors/status-error.js';
import type { GenericStore } from '../registry/generic-store.js';
import type { Obj } from '../registry/strategy.js';

/** Node annotation carrying the kubelet serving certificate's SHA-256 fingerprint (colon-separated hex, as node's). */
export const KUBELET_CERT_ANNOTATION = 'kubelite.io/kubelet-serving-cert-sha256';
/** Default kubelet port, as upstream. */
export const DEFAULT_KUBELET_PORT = 10250;

/** Where and how to reach a kubelet. */
export interface KubeletTarget {
  host: string;
  port: number;
  fingerprint: string;
  /** The path on the kubelet, with query. */
  path: string;
}

/** The API server's credentials towards kubelets. */
export interface KubeletClientCreds {
  cert: string;
  key: string;
}

const KUBELET_PATHS: Record<string, string> = { log: 'containerLogs', exec: 'exec', attach: 'attach', portforward: 'portForward' };

function nodeAddress(node: Obj): string | undefined {
  const addrs: Obj[] = node.status?.addresses ?? [];
  return (addrs.find((a) => a.type === 'InternalIP') ?? addrs.find((a) => a.type === 'ExternalIP') ?? addrs.find((a) => a.type === 'Hostname'))?.address;
}

/** The container a request names, or the pod's only (or default) container; kube-apiserver's message otherwise. */
export function pickContainer(pod: Obj, requested: string | null): string {
  const all: Obj[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])];
  const name = pod.metadata.name;
  if (requested) {
    if (!all.some((c) => c.name === requested)) {
      throw badRequest(`container ${requested} is not valid for pod ${name}`);
    }
    return requested;
  }
  const def = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (def && all.some((c) => c.name === def)) return def;
  const main: Obj[] = pod.spec?.containers ?? [];
  if (main.length === 1) return main[0].name;
  throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${main.map((c) => c.name).join(' ')}]`);
}

/** Resolves the kubelet endpoint and path for a pod subresource request. */
export async function kubeletTarget(pods: GenericStore, nodes: GenericStore, namespace: string, name: string, subresource: string, query: URLSearchParams): Promise<KubeletTarget> {
  const pod = await pods.get(namespace, name);
  const nodeName: string | undefined = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  let node: Obj;
  try {
    node = await nodes.get('', nodeName);
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) throw new StatusError(503, 'ServiceUnavailable', `node ${nodeName} of pod ${name} no longer exists`);
    throw err;
  }
  const host = nodeAddress(node);
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? DEFAULT_KUBELET_PORT;
  const fingerprint: string | undefined = node.metadata.annotations?.[KUBELET_CERT_ANNOTATION];
  if (!host || !fingerprint) {
    throw new StatusError(503, 'ServiceUnavailable', `the node agent of ${nodeName} does not serve ${subresource} (no kubelet endpoint published on the node)`);
  }
  const q = new URLSearchParams(query);
  let path = `/${KUBELET_PATHS[subresource]}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
  if (subresource !== 'portforward') {
    path += `/${encodeURIComponent(pickContainer(pod, q.get('container')))}`;
    q.delete('container');
  }
  const qs = q.toString();
  return { host, port, fingerprint, path: qs ? `${path}?${qs}` : path };
}

/**
 * Opens a TLS connection to the kubelet with the API server's client certificate, and checks the kubelet's
 * certificate against the pinned fingerprint before anything is sent. Chain verification is off because the pin
 * replaces it: kubelets serve self-signed certificates.
 */
export function connectKubelet(target: KubeletTarget, creds: KubeletClientCreds): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({ host: target.host, port: target.port, cert: creds.cert, key: creds.key, rejectUnauthorized: false });
    sock.once('secureConnect', () => {
      const fp = sock.getPeerCertificate()?.fingerprint256 ?? '';
      if (fp.toUpperCase() !== target.fingerprint.toUpperCase()) {
        sock.destroy();
        reject(new Error('the kubelet serving certificate does not match the fingerprint published on its node'));
        return;
      }
      sock.removeListener('error', reject);
      resolve(sock);
    });
    sock.once('error', reject);
  });
}

/**
 * An agent for exactly one already verified socket. (A request's own `createConnection` is ignored once an agent is
 * given, and a pooled agent could hand the socket to a later request that was not pin-checked.)
 */
class VerifiedSocketAgent extends Agent {
  constructor(private readonly sock: TLSSocket) {
    super({ keepAlive: false });
  }

  override createConnection(): Duplex {
    return this.sock;
  }
}

function upstreamError(target: KubeletTarget, err: Error): StatusError {
  return new StatusError(502, 'InternalError', `error talking to the kubelet at ${target.host}:${target.port}: ${err.message}`);
}

/** Proxies a plain request (logs, including `follow=true` streams) to the kubelet. */
export async function proxyRequest(req: IncomingMessage, res: ServerResponse, target: KubeletTarget, creds: KubeletClientCreds): Promise<void> {
  let sock: TLSSocket;
  try {
    sock = await connectKubelet(target, creds);
  } catch (err) {
    throw upstreamError(target, err as Error);
  }
  await new Promise<void>((resolve) => {
    // Plain http over the already verified TLS socket: https.request would verify the chain again.
    const out = httpRequest({
      host: target.host, port: target.port, method: req.method, path: target.path,
      agent: new VerifiedSocketAgent(sock), headers: { accept: req.headers.accept ?? '*/*' },
    }, (kres) => {
      const headers: Record<string, string | string[]> = {};
      for (const h of ['content-type', 'content-length', 'transfer-encoding']) if (kres.headers[h]) headers[h] = kres.headers[h] as string;
      res.writeHead(kres.statusCode ?? 502, headers);
      kres.pipe(res);
      kres.on('end', () => resolve());
      kres.on('error', () => resolve());
    });
    out.on('error', (err) => {
      if (!res.headersSent) {
        const st = upstreamError(target, err);
        res.writeHead(502, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(st.status));
      } else res.destroy();
      resolve();
    });
    req.on('close', () => out.destroy());
    out.end();
  });
}

/** Proxies an upgrade (WebSocket or SPDY) to the kubelet: the handshake goes through, then bytes flow both ways. */
export async function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: KubeletTarget, creds: KubeletClientCreds): Promise<void> {
  let up: TLSSocket;
  try {
    up = await connectKubelet(target, creds);
  } catch (err) {
    throw upstreamError(target, err as Error);
  }
  const lines = [`${req.method} ${target.path} HTTP/1.1`, `Host: ${target.host}:${target.port}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    if (/^(host|authorization|content-length)$/i.test(name)) continue;
    lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
  }
  if (req.headers['content-length'] !== undefined) lines.push('Content-Length: 0');
  up.write(lines.join('\r\n') + '\r\n\r\n');
  if (head.length > 0) up.write(head);
  up.pipe(socket);
  socket.pipe(up);
  const close = () => {
    up.destroy();
    socket.destroy();
  };
  up.on('error', close);
  up.on('close', close);
  socket.on('close', close);
  socket.on('error', close);
}

/** Writes a Status as a complete HTTP response on a raw (not yet upgraded) socket, then closes it. */
export function writeRawError(socket: Duplex, err: StatusError): void {
  const body = JSON.stringify(err.status);
  socket.end(`HTTP/1.1 ${err.code} ${err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
