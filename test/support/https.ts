/**
 * Test support: raw HTTPS requests to a kubelite server with the admin credentials of its kubeconfig, for tests
 * that check the wire (status codes, headers, bodies) below what kubectl shows.
 */
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';

/** Credentials and address read from a kubeconfig. */
export interface Creds {
  server: URL;
  ca: string;
  cert: string;
  key: string;
}

/** Reads the admin kubeconfig written by `kubelite server`. */
export function credsFrom(kubeconfigPath: string): Creds {
  const kc = YAML.parse(readFileSync(kubeconfigPath, 'utf8'));
  const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  return {
    server: new URL(kc.clusters[0].cluster.server),
    ca: b64(kc.clusters[0].cluster['certificate-authority-data']),
    cert: b64(kc.users[0].user['client-certificate-data']),
    key: b64(kc.users[0].user['client-key-data']),
  };
}

/** One response. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

/** Sends one request. `auth: false` sends no client certificate. */
export function api(c: Creds, method: string, path: string, opts: { body?: string | Buffer; headers?: Record<string, string>; auth?: boolean } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: c.server.hostname, port: c.server.port, method, path, ca: c.ca,
      ...(opts.auth === false ? {} : { cert: c.cert, key: c.key }),
      headers: {
        ...(opts.body !== undefined && !opts.headers?.['content-type'] ? { 'content-type': 'application/json' } : {}),
        // Node sends DELETE bodies neither chunked nor sized unless told: say the length.
        ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}),
        ...(opts.headers ?? {}),
      },
    }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data, json: () => JSON.parse(data) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
