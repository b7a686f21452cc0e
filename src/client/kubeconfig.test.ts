import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadKubeconfig, parseKubeconfig } from './kubeconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const KUBECONFIG = `
apiVersion: v1
kind: Config
current-context: admin@local
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority: ca.crt
- name: other
  cluster:
    server: http://127.0.0.1:8080
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    client-certificate-data: ${Buffer.from('CERT PEM').toString('base64')}
    client-key: keys/admin.key
- name: robot
  user:
    token: s3cret
contexts:
- name: admin@local
  context: { cluster: local, user: admin, namespace: team-a }
- name: robot@other
  context: { cluster: other, user: robot }
`;

test('loadKubeconfig follows current-context and resolves files relative to the kubeconfig', () => {
  writeFileSync(join(dir, 'ca.crt'), 'CA PEM');
  rmSync(join(dir, 'keys'), { recursive: true, force: true });
  writeFileSync(join(dir, 'config'), KUBECONFIG);
  assert.throws(() => loadKubeconfig(join(dir, 'config')), /ENOENT.*admin\.key/);
  mkdirSync(join(dir, 'keys'), { recursive: true });
  writeFileSync(join(dir, 'keys', 'admin.key'), 'KEY PEM');
  const cfg = loadKubeconfig(join(dir, 'config'));
  assert.equal(cfg.server, 'https://127.0.0.1:6443');
  assert.equal(cfg.ca?.toString(), 'CA PEM');
  assert.equal(cfg.clientCert?.toString(), 'CERT PEM');
  assert.equal(cfg.clientKey?.toString(), 'KEY PEM');
  assert.equal(cfg.namespace, 'team-a');
  assert.equal(cfg.token, undefined);
});

test('parseKubeconfig honours an explicit context, token and insecure-skip-tls-verify; errors name what is missing', () => {
  const cfg = parseKubeconfig(KUBECONFIG, { context: 'robot@other', dir });
  assert.deepEqual(cfg, { server: 'http://127.0.0.1:8080', insecureSkipTLSVerify: true, token: 's3cret' });
  assert.throws(() => parseKubeconfig(KUBECONFIG, { context: 'nope' }), /context "nope" not found/);
  assert.throws(() => parseKubeconfig('apiVersion: v1\nkind: Config\n'), /no current-context/);
});
