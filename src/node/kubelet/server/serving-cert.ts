/**
 * The kubelet's self-signed serving certificate, kept in its data dir (`pki/kubelet.crt` and `.key`, as upstream's
 * /var/lib/kubelet/pki) and made with the `openssl` CLI when missing or expiring. Nobody verifies its chain: the
 * API server pins it by the SHA-256 fingerprint the kubelet publishes on its Node.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** A serving certificate and key (PEM) with its fingerprint. */
export interface ServingCert {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex (node's `X509Certificate.fingerprint256`). */
  fingerprint256: string;
}

/** Renew when less than this much validity is left. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

/**
 * Loads the serving certificate from `dataDir/pki`, or creates a new one (EC P-256, one year, SANs for the host
 * name, `extraNames` and `extraIps` plus 127.0.0.1).
 */
export function ensureServingCert(dataDir: string, opts: { extraNames?: string[]; extraIps?: string[] } = {}): ServingCert {
  const dir = join(dataDir, 'pki');
  const certFile = join(dir, 'kubelet.crt');
  const keyFile = join(dir, 'kubelet.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile, 'utf8');
    const x509 = new X509Certificate(cert);
    if (Date.parse(x509.validTo) - Date.now() > RENEW_BEFORE_MS) return { cert, key: readFileSync(keyFile, 'utf8'), fingerprint256: x509.fingerprint256 };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const host = hostname();
  const names = [...new Set([host, 'localhost', ...(opts.extraNames ?? [])])].map((n) => `DNS:${n}`);
  const ips = [...new Set(['127.0.0.1', ...(opts.extraIps ?? [])])].map((i) => `IP:${i}`);
  const tmpCert = `${certFile}.${process.pid}.tmp`;
  const tmpKey = `${keyFile}.${process.pid}.tmp`;
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', tmpKey, '-out', tmpCert, '-days', '365', '-subj', `/CN=${host}@${Math.floor(Date.now() / 1000)}`,
      '-addext', `subjectAltName=${[...names, ...ips].join(',')}`,
      '-addext', 'extendedKeyUsage=serverAuth', '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    chmodSync(tmpKey, 0o600);
    renameSync(tmpKey, keyFile);
    renameSync(tmpCert, certFile);
  } catch (err) {
    rmSync(tmpCert, { force: true });
    rmSync(tmpKey, { force: true });
    throw new Error(`Cannot create the kubelet serving certificate in ${dir} with openssl: ${(err as Error).message}`, { cause: err });
  }
  const cert = readFileSync(certFile, 'utf8');
  return { cert, key: readFileSync(keyFile, 'utf8'), fingerprint256: new X509Certificate(cert).fingerprint256 };
}
