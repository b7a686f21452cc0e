/**
 * TLS for the HTTPS listener: secure contexts from `kubernetes.io/tls` Secrets, chosen per server name (SNI) through
 * the route table's `spec.tls` hosts, and a self-signed default certificate for names no Ingress claims — as
 * ingress-nginx serves its "fake certificate". The default pair is generated once per process with the `openssl`
 * CLI (node:crypto can make keys but not X.509 certificates) and kept in memory only.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { logger } from '../util/log.js';
import type { RouteTable } from './route-table.js';

const log = logger('ingress');

/** A PEM private key and certificate. */
export interface KeyPair {
  key: string;
  cert: string;
}

/** The subject of the default certificate. */
export const DEFAULT_CERTIFICATE_SUBJECT = '/O=kubelite/CN=kubelite ingress default certificate';

/**
 * A self-signed P-256 certificate made with the `openssl` CLI (valid ten years). Rejects, naming the command, when
 * openssl is missing or fails.
 */
export async function generateSelfSignedCertificate(subject = DEFAULT_CERTIFICATE_SUBJECT, sans: string[] = []): Promise<KeyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'kubelite-ingress-cert-'));
  try {
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650',
      '-subj', subject, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')];
    if (sans.length) args.push('-addext', `subjectAltName=${sans.map((s) => `DNS:${s}`).join(',')}`);
    await new Promise<void>((resolve, reject) => {
      execFile('openssl', args, { timeout: 30_000 }, (err, _stdout, stderr) => {
        if (err) reject(new Error(`Cannot generate a certificate with openssl ${args.slice(0, 3).join(' ')} …: ${stderr.trim() || err.message}`, { cause: err }));
        else resolve();
      });
    });
    const [key, cert] = await Promise.all([readFile(join(dir, 'key.pem'), 'utf8'), readFile(join(dir, 'cert.pem'), 'utf8')]);
    return { key, cert };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The key pair in a `kubernetes.io/tls` Secret, or a reason it has none. */
export function keyPairOf(secret: Secret): KeyPair | string {
  const crt = secret.data?.['tls.crt'];
  const key = secret.data?.['tls.key'];
  if (!crt || !key) return `secret ${secret.metadata?.namespace}/${secret.metadata?.name} lacks tls.crt or tls.key`;
  return { cert: Buffer.from(crt, 'base64').toString('utf8'), key: Buffer.from(key, 'base64').toString('utf8') };
}

interface CachedContext {
  resourceVersion: string;
  context: tls.SecureContext | undefined;
}

/** Options of a {@link CertificateStore}. */
export interface CertificateStoreOptions {
  /** Reads a Secret from the informer cache. */
  secret(namespace: string, name: string): Secret | undefined;
  /** The certificate for unknown names and clients without SNI. */
  defaultPair?: KeyPair;
}

/** Secure contexts per Secret, built on first use and rebuilt when the Secret's resourceVersion changes. */
export class CertificateStore {
  private readonly cache = new Map<string, CachedContext>();
  /** The default context, or undefined when no default pair was available. */
  readonly defaultContext: tls.SecureContext | undefined;

  constructor(private readonly opts: CertificateStoreOptions) {
    this.defaultContext = opts.defaultPair ? tls.createSecureContext(opts.defaultPair) : undefined;
  }

  /** The context for Secret `namespace/name`, or undefined when it is missing or holds no valid pair. */
  contextFor(secretKey: string): tls.SecureContext | undefined {
    const slash = secretKey.indexOf('/');
    const secret = this.opts.secret(secretKey.slice(0, slash), secretKey.slice(slash + 1));
    if (!secret) return undefined;
    const rv = secret.metadata?.resourceVersion ?? '';
    const cached = this.cache.get(secretKey);
    if (cached && cached.resourceVersion === rv) return cached.context;
    let context: tls.SecureContext | undefined;
    const pair = keyPairOf(secret);
    if (typeof pair === 'string') log.warn('cannot use TLS secret', { secret: secretKey, reason: pair });
    else {
      try {
        context = tls.createSecureContext(pair);
      } catch (err) {
        log.warn('cannot use TLS secret', { secret: secretKey, error: err });
      }
    }
    this.cache.set(secretKey, { resourceVersion: rv, context });
    return context;
  }

  /** Forgets contexts of Secrets no Ingress names any more. */
  retain(secretKeys: ReadonlySet<string>): void {
    for (const key of this.cache.keys()) if (!secretKeys.has(key)) this.cache.delete(key);
  }

  /** An `SNICallback` for tls/https servers: the Secret claimed for the name by `routes()`, else the default. */
  sniCallback(routes: () => RouteTable): (serverName: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => void {
    return (serverName, cb) => {
      const ref = routes().tlsFor(serverName);
      const ctx = (ref && this.contextFor(ref.secret)) ?? this.defaultContext;
      if (ctx) cb(null, ctx);
      else cb(new Error(`no certificate for ${serverName}`));
    };
  }
}
