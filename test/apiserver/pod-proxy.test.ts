/**
 * pods/log and pods/exec go through the API server to the pod's kubelet: the server finds the node, pins the
 * kubelet's certificate by the fingerprint on the Node, presents its own CA-signed client certificate, streams logs,
 * and passes upgrades through byte for byte. The kubelet here is a small fake that records what it receives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { startKubelite } from '../support/kubelite.js';
import { api, credsFrom } from '../support/https.js';

test('logs and exec are proxied to the kubelet with both sides authenticated', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fake-kubelet-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=fake-kubelet'], { stdio: 'ignore' });
  const cert = readFileSync(join(dir, 'c.pem'), 'utf8');
  const k = await startKubelite({ args: ['--disable-controller-manager', '--disable-scheduler'] });
  t.after(() => k.stop());
  const c = credsFrom(k.kubeconfig);
  const seen: { path: string; user: string }[] = [];
  const kubelet = createServer({ key: readFileSync(join(dir, 'k.pem')), cert, ca: c.ca, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    seen.push({ path: req.url ?? '', user: String(peer.subject.CN) });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('line 1\nline 2\n');
  });
  kubelet.on('upgrade', (req, socket) => {
    seen.push({ path: req.url ?? '', user: String((req.socket as TLSSocket).getPeerCertificate().subject.CN) });
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), d])));
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', () => r()));
  t.after(() => kubelet.close());
  const port = (kubelet.address() as AddressInfo).port;

  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', annotations: { 'kubelite.io/kubelet-serving-cert-sha256': new X509Certificate(cert).fingerprint256 } },
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } };
  assert.equal((await api(c, 'POST', '/api/v1/nodes', { body: JSON.stringify(node) })).status, 201);
  await api(c, 'POST', '/api/v1/namespaces/default/pods', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'i' }, { name: 'b', image: 'i' }] } }) });
  const unbound = await k.kubectl(['logs', 'p', '-c', 'a']);
  assert.match(unbound.stderr, /does not have a host assigned/);
  await api(c, 'POST', '/api/v1/namespaces/default/pods/p/binding', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } }) });

  const logs = await k.kubectl(['logs', 'p', '-c', 'b', '--tail=5']);
  assert.equal(logs.code, 0, logs.stderr);
  assert.equal(logs.stdout, 'line 1\nline 2\n');
  assert.deepEqual(seen.at(-1), { path: '/containerLogs/default/p/b?tailLines=5', user: 'kube-apiserver-kubelet-client' });
  const noContainer = await api(c, 'GET', '/api/v1/namespaces/default/pods/p/log');
  assert.equal(noContainer.status, 400);
  assert.match(noContainer.json().message, /a container name must be specified for pod p, choose one of: \[a b\]/);

  // An upgrade is passed through: the fake answers 101 and echoes bytes.
  const { connect } = await import('node:tls');
  const sock = connect({ host: c.server.hostname, port: Number(c.server.port), ca: c.ca, cert: c.cert, key: c.key });
  await new Promise((r) => sock.once('secureConnect', r));
  sock.write(`POST /api/v1/namespaces/default/pods/p/exec?command=ls&container=a&stdout=true HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nContent-Length: 0\r\n\r\n`);
  let got = '';
  sock.on('data', (d) => {
    got += d;
    if (got.includes('\r\n\r\n') && !got.includes('echo:')) sock.write('ping');
  });
  for (let i = 0; i < 50 && !got.includes('echo:ping'); i++) await new Promise((r) => setTimeout(r, 50));
  sock.destroy();
  assert.match(got, /^HTTP\/1\.1 101/);
  assert.match(got, /echo:ping/);
  assert.deepEqual(seen.at(-1), { path: '/exec/default/p/a?command=ls&stdout=true', user: 'kube-apiserver-kubelet-client' });

  // A kubelet whose certificate does not match the pin is refused.
  await api(c, 'PATCH', '/api/v1/nodes/n1', { body: JSON.stringify({ metadata: { annotations: { 'kubelite.io/kubelet-serving-cert-sha256': 'AA:BB' } } }), headers: { 'content-type': 'application/merge-patch+json' } });
  const pinned = await api(c, 'GET', '/api/v1/namespaces/default/pods/p/log?container=a');
  assert.equal(pinned.status, 502);
});
