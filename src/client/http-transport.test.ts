import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { Client } from './client.js';
import { parseKubeconfig } from './kubeconfig.js';

interface Pem { cert: string; key: string }

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Issues an EC certificate with the openssl CLI (self-signed CA when no issuer). */
function issue(dir: string, cn: string, issuer?: string, ip?: string): Pem {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${cn}.key`];
  if (!issuer) {
    run('req', '-x509', ...key, '-out', `${cn}.crt`, '-subj', `/CN=${cn}`, '-days', '1', '-addext', 'basicConstraints=critical,CA:TRUE');
  } else {
    run('req', ...key, '-out', `${cn}.csr`, '-subj', `/CN=${cn}`);
    writeFileSync(join(dir, `${cn}.ext`), ip ? `subjectAltName=IP:${ip}\n` : 'basicConstraints=CA:FALSE\n');
    run('x509', '-req', '-in', `${cn}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-CAcreateserial',
      '-out', `${cn}.crt`, '-days', '1', '-extfile', `${cn}.ext`);
  }
  return { cert: readFileSync(join(dir, `${cn}.crt`), 'utf8'), key: readFileSync(join(dir, `${cn}.key`), 'utf8') };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('https with a kubeconfig CA, client certificate and token; no token over plain http', { skip: !hasOpenssl() && 'needs openssl' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'client-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = issue(dir, 'test-ca');
  const serverCert = issue(dir, 'apiserver', 'test-ca', '127.0.0.1');
  const clientCert = issue(dir, 'admin', 'test-ca');
  const seen: { auth?: string; cn?: string }[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const sock = req.socket as TLSSocket;
    seen.push({ auth: req.headers.authorization, cn: sock.getPeerCertificate ? (sock.getPeerCertificate().subject?.CN as string) : undefined });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }));
  };
  const tlsServer = https.createServer({ cert: serverCert.cert, key: serverCert.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true }, handler);
  const plainServer = http.createServer(handler);
  await Promise.all([tlsServer, plainServer].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  t.after(() => {
    tlsServer.closeAllConnections();
    plainServer.closeAllConnections();
    tlsServer.close();
    plainServer.close();
  });
  const port = (s: http.Server) => (s.address() as AddressInfo).port;
  const kubeconfig = (server: string, caData?: string) => `
apiVersion: v1
kind: Config
current-context: c
contexts: [{ name: c, context: { cluster: k, user: u } }]
clusters: [{ name: k, cluster: { server: "${server}"${caData ? `, certificate-authority-data: ${caData}` : ''} } }]
users: [{ name: u, user: { token: t0ken, client-certificate-data: ${b64(clientCert.cert)}, client-key-data: ${b64(clientCert.key)} } }]
`;

  const secure = new Client(parseKubeconfig(kubeconfig(`https://127.0.0.1:${port(tlsServer)}`, b64(ca.cert))));
  const list = await secure.resource('', 'v1', 'namespaces').list();
  secure.close();
  assert.equal(list.metadata.resourceVersion, '1');
  assert.deepEqual(seen.at(-1), { auth: 'Bearer t0ken', cn: 'admin' });

  const untrusting = new Client(parseKubeconfig(kubeconfig(`https://127.0.0.1:${port(tlsServer)}`)));
  await assert.rejects(untrusting.resource('', 'v1', 'namespaces').list(), /certificate/);
  untrusting.close();

  const plain = new Client(parseKubeconfig(kubeconfig(`http://127.0.0.1:${port(plainServer)}`)));
  await plain.resource('', 'v1', 'namespaces').list();
  plain.close();
  assert.equal(seen.at(-1)?.auth, undefined, 'the token is not sent to an http:// server');
});
