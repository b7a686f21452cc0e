/**
 * The action handlers shared by probes and lifecycle hooks: exec (CRI ExecSync), httpGet (success is 200–399, as
 * the kubelet's HTTP prober), tcpSocket (a connect) and grpc (grpc.health.v1.Health/Check over HTTP/2). Each
 * resolves to a result with the kubelet's failure messages; none throws.
 */
import { connect as netConnect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as http2Connect } from 'node:http2';
import type { Container, HTTPGetAction, TCPSocketAction, GRPCAction, ExecAction } from 'kubernetes-types/core/v1.js';
import type { CriClient } from '../../cri/index.js';

/** The outcome of one probe or hook run. */
export interface ProbeResult {
  ok: boolean;
  /** Output or failure text, as the kubelet puts it in events. */
  message: string;
}

/** A port given by number or by the name of a container port. */
export function resolvePort(port: number | string | undefined, c: Container): number {
  if (typeof port === 'number') return port;
  if (port === undefined) return 0;
  if (/^\d+$/.test(port)) return Number(port);
  const p = c.ports?.find((x) => x.name === port);
  if (!p) throw new Error(`couldn't find port: ${port} in ${c.name}`);
  return p.containerPort;
}

/** Runs an exec action in a container with a timeout. */
export async function runExec(cri: CriClient, containerId: string, action: ExecAction, timeoutSeconds: number): Promise<ProbeResult> {
  const cmd = action.command ?? [];
  try {
    const res = await cri.execSync(containerId, cmd, { timeoutSeconds, timeoutMs: timeoutSeconds * 1000 + 2000 });
    const out = Buffer.concat([res.stdout ?? Buffer.alloc(0), res.stderr ?? Buffer.alloc(0)]).toString('utf8');
    if (res.exit_code === 0) return { ok: true, message: out };
    return { ok: false, message: out || `command ${JSON.stringify(cmd.join(' '))} exited with ${res.exit_code}` };
  } catch (err) {
    const msg = (err as Error).message;
    if (/DEADLINE_EXCEEDED|timeout/i.test(msg)) return { ok: false, message: `command ${JSON.stringify(cmd.join(' '))} timed out` };
    return { ok: false, message: msg };
  }
}

/** Runs an httpGet action against `defaultHost` (the pod IP) unless the action names a host. */
export function runHttpGet(action: HTTPGetAction, c: Container, defaultHost: string, timeoutSeconds: number, userAgent = 'kube-probe/1.32'): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let port: number;
    try {
      port = resolvePort(action.port as number | string, c);
    } catch (err) {
      resolve({ ok: false, message: (err as Error).message });
      return;
    }
    const scheme = (action.scheme ?? 'HTTP').toLowerCase();
    const host = action.host || defaultHost;
    let path = action.path ?? '/';
    if (!path.startsWith('/')) path = `/${path}`;
    const headers: Record<string, string> = { 'User-Agent': userAgent, Accept: '*/*' };
    for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
    const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
    const req = (scheme === 'https' ? httpsRequest : httpRequest)(url, { method: 'GET', headers, timeout: timeoutSeconds * 1000, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (d: Buffer) => {
        if (size < 10 * 1024) chunks.push(d);
        size += d.length;
      });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 400) resolve({ ok: true, message: Buffer.concat(chunks).toString('utf8') });
        else resolve({ ok: false, message: `HTTP probe failed with statuscode: ${code}` });
      });
      res.on('error', (err) => resolve({ ok: false, message: err.message }));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (err) => resolve({ ok: false, message: `Get "${url}": ${dialMessage(err, host, port)}` }));
    req.end();
  });
}

function dialMessage(err: Error, host: string, port: number): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  if (code === 'EHOSTUNREACH') return `dial tcp ${host}:${port}: connect: no route to host`;
  if (code === 'ETIMEDOUT') return `dial tcp ${host}:${port}: i/o timeout`;
  return err.message;
}

/** Runs a tcpSocket action: success when a connection opens within the timeout. */
export function runTcp(action: TCPSocketAction, c: Container, defaultHost: string, timeoutSeconds: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let port: number;
    try {
      port = resolvePort(action.port as number | string, c);
    } catch (err) {
      resolve({ ok: false, message: (err as Error).message });
      return;
    }
    const host = action.host || defaultHost;
    const sock = netConnect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutSeconds * 1000);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: true, message: '' });
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, message: dialMessage(err, host, port) });
    });
  });
}

/** Encodes grpc.health.v1.HealthCheckRequest{service} as a length-prefixed gRPC message. */
function healthRequest(service: string): Buffer {
  const s = Buffer.from(service);
  const body = s.length ? Buffer.concat([Buffer.from([0x0a, s.length]), s]) : Buffer.alloc(0);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Runs a grpc action: grpc.health.v1.Health/Check must answer SERVING (1). */
export function runGrpc(action: GRPCAction, host: string, timeoutSeconds: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const addr = `${host}:${action.port}`;
    const session = http2Connect(`http://${addr}`);
    const done = (r: ProbeResult) => {
      clearTimeout(timer);
      session.close();
      session.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, message: `timeout: health rpc did not complete within ${timeoutSeconds}s` }), timeoutSeconds * 1000);
    session.on('error', () => done({ ok: false, message: `timeout: failed to connect service "${addr}" within ${timeoutSeconds}s` }));
    const stream = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers' });
    const chunks: Buffer[] = [];
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('error', (err) => done({ ok: false, message: err.message }));
    stream.on('end', () => {
      const buf = Buffer.concat(chunks);
      // HealthCheckResponse{status = 1: SERVING}: field 1 varint.
      const msg = buf.subarray(5);
      const status = msg[0] === 0x08 ? msg[1] : 0;
      if (status === 1) done({ ok: true, message: '' });
      else done({ ok: false, message: `service unhealthy (responded with "${['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'][status] ?? status}")` });
    });
    stream.end(healthRequest(action.service ?? ''));
  });
}
