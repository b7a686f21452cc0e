/**
 * The cluster's PKI: a self-signed CA, the API server's serving certificate and the admin client certificate.
 * Created once in the data dir and reused on restart, like k3s' server/tls. RSA keys come from node's native crypto
 * (fast); node-forge only builds and signs the X.509 structures, which node cannot do itself.
 */
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

/** PEM material the server and its clients need. */
export interface Pki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
}

const YEARS = 10;

function newKeyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

function baseCert(publicPem: string, subject: forge.pki.CertificateField[]): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  // A minimal positive DER integer: top bit clear (positive), first byte non-zero (no padding), even hex length.
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  serial[0] |= 0x01;
  cert.serialNumber = serial.toString('hex');
  const now = new Date(Date.now() - 60_000);
  cert.validity.notBefore = now;
  cert.validity.notAfter = new Date(now.getTime() + YEARS * 365 * 24 * 3600 * 1000);
  // UTF8String: names such as `kubelite-ca@1700000000` are not valid PrintableStrings, which Go rejects.
  cert.setSubject(subject.map((a) => ({ ...a, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class })));
  return cert;
}

function sign(cert: forge.pki.Certificate, issuerKeyPem: string): string {
  cert.sign(forge.pki.privateKeyFromPem(issuerKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** The addresses the serving certificate names: loopback, localhost and every address of this host. */
export function hostAddresses(): string[] {
  const ips = new Set<string>(['127.0.0.1', '::1']);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) ips.add(a.address.split('%')[0]);
  }
  return [...ips];
}

function createPki(extraNames: { ips: string[]; dns: string[] }): Pki {
  const ca = newKeyPair();
  const caCert = baseCert(ca.publicPem, [{ name: 'commonName', value: `kubelite-ca@${Math.floor(Date.now() / 1000)}` }]);
  caCert.setIssuer(caCert.subject.attributes);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  const caPem = sign(caCert, ca.privatePem);

  const srv = newKeyPair();
  const srvCert = baseCert(srv.publicPem, [{ name: 'commonName', value: 'kube-apiserver' }]);
  srvCert.setIssuer(caCert.subject.attributes);
  const dns = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', ...extraNames.dns];
  const ips = [...new Set([...hostAddresses(), ...extraNames.ips])];
  srvCert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...dns.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))] },
  ]);
  const srvPem = sign(srvCert, ca.privatePem);

  // Kubernetes maps the client certificate's CN to the user and O to groups; system:masters is the admin group.
  const adm = newKeyPair();
  const admCert = baseCert(adm.publicPem, [
    { name: 'commonName', value: 'kubelite-admin' },
    { name: 'organizationName', value: 'system:masters' },
  ]);
  admCert.setIssuer(caCert.subject.attributes);
  admCert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  const admPem = sign(admCert, ca.privatePem);
  return { caCert: caPem, caKey: ca.privatePem, serverCert: srvPem, serverKey: srv.privatePem, adminCert: admPem, adminKey: adm.privatePem };
}

const FILES: Record<keyof Pki, string> = {
  caCert: 'ca.crt', caKey: 'ca.key', serverCert: 'serving.crt', serverKey: 'serving.key', adminCert: 'admin.crt', adminKey: 'admin.key',
};

/**
 * Loads the PKI from `dir` (DATA_DIR/tls), creating it at first start. An existing but unreadable or partial set is an
 * error rather than silently replaced: replacing the CA would lock out every client holding a kubeconfig.
 */
export function loadOrCreatePki(dir: string, extraNames: { ips: string[]; dns: string[] } = { ips: [], dns: [] }): Pki {
  const paths = Object.fromEntries(Object.entries(FILES).map(([k, f]) => [k, join(dir, f)])) as Record<keyof Pki, string>;
  const present = Object.values(paths).filter((p) => existsSync(p));
  if (present.length === Object.keys(FILES).length) {
    const pki = Object.fromEntries(Object.entries(paths).map(([k, p]) => [k, readFileSync(p, 'utf8')])) as unknown as Pki;
    new X509Certificate(pki.caCert); // fails loudly on a corrupt file
    return pki;
  }
  if (present.length > 0) {
    throw new Error(`Cannot load the cluster certificates in ${dir}: only ${present.length} of ${Object.keys(FILES).length} files exist; restore them or remove the directory to create a new CA`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pki = createPki(extraNames);
  for (const [k, p] of Object.entries(paths)) {
    writeFileSync(p, pki[k as keyof Pki], { mode: k.endsWith('Key') ? 0o600 : 0o644 });
  }
  return pki;
}

/** Subject of a verified client certificate → user name and groups, as Kubernetes' x509 authenticator maps them. */
export function userFromCertificate(subject: Record<string, string | string[]>): { name: string; groups: string[] } {
  const cn = subject.CN;
  const o = subject.O;
  return { name: Array.isArray(cn) ? cn[0] : (cn ?? ''), groups: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}
