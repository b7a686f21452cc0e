/**
 * The cluster's PKI: a self-signed CA, the API server's serving certificate and the admin client certificate.
 * Created once in the data dir and reused on restart, like k3s' server/tls. RSA keys come from node's native crypto
 * (fast); node-forge only builds and signs the X.509 structures, which node cannot do itself.
 */
import { generateKeyPair, randomBytes, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type Forge from 'node-forge';

type ForgeLib = typeof Forge;

/** node-forge is needed only while certificates are created (first start): loaded then, not by every restart (~12 MB). */
async function loadForge(): Promise<ForgeLib> {
  return (await import('node-forge')).default;
}

/** PEM material the server and its clients need. */
export interface Pki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  /** The API server's client certificate towards kubelets (logs, exec, attach, port-forward). */
  kubeletClientCert: string;
  kubeletClientKey: string;
}

const YEARS = 10;
const generateKeyPairAsync = promisify(generateKeyPair);

/** An RSA key pair, generated on libuv's thread pool so that several generate in parallel (each takes 0.1–1 s). */
async function newKeyPair(): Promise<{ privatePem: string; publicPem: string }> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

function baseCert(forge: ForgeLib, publicPem: string, subject: Forge.pki.CertificateField[]): Forge.pki.Certificate {
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
  cert.setSubject(subject.map((a) => ({ ...a, valueTagClass: forge.asn1.Type.UTF8 as unknown as Forge.asn1.Class })));
  return cert;
}

function sign(forge: ForgeLib, cert: Forge.pki.Certificate, issuerKeyPem: string): string {
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

async function createCa(): Promise<{ cert: string; key: string }> {
  const [forge, ca] = await Promise.all([loadForge(), newKeyPair()]);
  const caCert = baseCert(forge, ca.publicPem, [{ name: 'commonName', value: `kubelite-ca@${Math.floor(Date.now() / 1000)}` }]);
  caCert.setIssuer(caCert.subject.attributes);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  return { cert: sign(forge, caCert, ca.privatePem), key: ca.privatePem };
}

/** A leaf certificate the CA issues: who it names, and whether it serves or authenticates a client. */
interface Leaf {
  files: [string, string];
  cn: string;
  org?: string;
  usage: 'server' | 'client';
}

/** The leaf certificates, by the Pki fields they fill. Kubernetes maps a client certificate's CN to the user and
 * O to groups; system:masters is the administrators' group. */
const LEAVES: Record<'server' | 'admin' | 'kubeletClient', Leaf> = {
  server: { files: ['serving.crt', 'serving.key'], cn: 'kube-apiserver', usage: 'server' },
  admin: { files: ['admin.crt', 'admin.key'], cn: 'kubelite-admin', org: 'system:masters', usage: 'client' },
  kubeletClient: { files: ['apiserver-kubelet-client.crt', 'apiserver-kubelet-client.key'], cn: 'kube-apiserver-kubelet-client', org: 'system:masters', usage: 'client' },
};

async function issue(leaf: Leaf, ca: { cert: string; key: string }, extraNames: { ips: string[]; dns: string[] }): Promise<{ cert: string; key: string }> {
  const [forge, kp] = await Promise.all([loadForge(), newKeyPair()]);
  const subject: Forge.pki.CertificateField[] = [{ name: 'commonName', value: leaf.cn }];
  if (leaf.org) subject.push({ name: 'organizationName', value: leaf.org });
  const cert = baseCert(forge, kp.publicPem, subject);
  cert.setIssuer(forge.pki.certificateFromPem(ca.cert).subject.attributes);
  const ext: object[] = [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    leaf.usage === 'server' ? { name: 'extKeyUsage', serverAuth: true } : { name: 'extKeyUsage', clientAuth: true },
  ];
  if (leaf.usage === 'server') {
    const dns = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', ...extraNames.dns];
    const ips = [...new Set([...hostAddresses(), ...extraNames.ips])];
    ext.push({ name: 'subjectAltName', altNames: [...dns.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))] });
  }
  cert.setExtensions(ext);
  return { cert: sign(forge, cert, ca.key), key: kp.privatePem };
}

/** Reads a certificate/key pair, or undefined when neither file exists; half a pair is an error. */
function readPair(dir: string, [certFile, keyFile]: [string, string]): { cert: string; key: string } | undefined {
  const c = join(dir, certFile);
  const k = join(dir, keyFile);
  const has = [existsSync(c), existsSync(k)];
  if (!has[0] && !has[1]) return undefined;
  if (!has[0] || !has[1]) {
    throw new Error(`Cannot load the cluster certificates in ${dir}: ${has[0] ? keyFile : certFile} is missing beside ${has[0] ? certFile : keyFile}; restore it or remove both`);
  }
  const pair = { cert: readFileSync(c, 'utf8'), key: readFileSync(k, 'utf8') };
  new X509Certificate(pair.cert); // fails loudly on a corrupt file
  return pair;
}

function writePair(dir: string, [certFile, keyFile]: [string, string], pair: { cert: string; key: string }): void {
  writeFileSync(join(dir, certFile), pair.cert, { mode: 0o644 });
  writeFileSync(join(dir, keyFile), pair.key, { mode: 0o600 });
}

/**
 * Loads the PKI from `dir` (DATA_DIR/tls), creating what is missing: the CA at first start, and any leaf
 * certificate a newer version needs, issued by the existing CA. A half-present pair is an error rather than silently
 * replaced: replacing the CA would lock out every client holding a kubeconfig.
 */
export async function loadOrCreatePki(dir: string, extraNames: { ips: string[]; dns: string[] } = { ips: [], dns: [] }): Promise<Pki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let ca = readPair(dir, ['ca.crt', 'ca.key']);
  if (!ca) {
    const existingLeaves = Object.values(LEAVES).filter((l) => existsSync(join(dir, l.files[0])));
    if (existingLeaves.length > 0) throw new Error(`Cannot load the cluster certificates in ${dir}: ca.crt and ca.key are missing but ${existingLeaves[0].files[0]} exists; restore the CA or remove the directory`);
    ca = await createCa();
    writePair(dir, ['ca.crt', 'ca.key'], ca);
  }
  const leaf = async (name: keyof typeof LEAVES) => {
    let pair = readPair(dir, LEAVES[name].files);
    if (!pair) {
      pair = await issue(LEAVES[name], ca!, extraNames);
      writePair(dir, LEAVES[name].files, pair);
    }
    return pair;
  };
  const [server, admin, kubeletClient] = await Promise.all([leaf('server'), leaf('admin'), leaf('kubeletClient')]);
  return {
    caCert: ca.cert, caKey: ca.key,
    serverCert: server.cert, serverKey: server.key,
    adminCert: admin.cert, adminKey: admin.key,
    kubeletClientCert: kubeletClient.cert, kubeletClientKey: kubeletClient.key,
  };
}

/** Subject of a verified client certificate → user name and groups, as Kubernetes' x509 authenticator maps them. */
export function userFromCertificate(subject: Record<string, string | string[]>): { name: string; groups: string[] } {
  const cn = subject.CN;
  const o = subject.O;
  return { name: Array.isArray(cn) ? cn[0] : (cn ?? ''), groups: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}
