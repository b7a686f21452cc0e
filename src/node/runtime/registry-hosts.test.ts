import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registryHostsFiles, writeRegistryHosts } from './registry-hosts.js';

test('a plain mirror list mirrors docker.io and keeps the upstream as server', () => {
  const files = registryHostsFiles({ registryMirrors: ['http://10.0.0.5:5000', 'mirror.example.com'] });
  assert.deepEqual([...files.keys()], ['docker.io']);
  assert.equal(files.get('docker.io'), [
    'server = "https://registry-1.docker.io"',
    '',
    '[host."http://10.0.0.5:5000"]',
    '  capabilities = ["pull", "resolve"]',
    '',
    '[host."https://mirror.example.com"]',
    '  capabilities = ["pull", "resolve"]',
    '',
  ].join('\n'));
});

test('an insecure registry is reached over plain HTTP, also as a mirror', () => {
  const files = registryHostsFiles({ registryMirrors: { 'quay.io': ['10.0.0.9:5000'] }, insecureRegistries: ['10.0.0.9:5000'] });
  assert.match(files.get('quay.io')!, /^server = "https:\/\/quay\.io"\n\n\[host\."http:\/\/10\.0\.0\.9:5000"\]/);
  assert.equal(files.get('10.0.0.9:5000'), 'server = "http://10.0.0.9:5000"\n\n[host."http://10.0.0.9:5000"]\n  capabilities = ["pull", "resolve", "push"]\n');
});

test('writeRegistryHosts rewrites the directory, dropping settings no longer given', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-certs-'));
  try {
    writeRegistryHosts(dir, { insecureRegistries: ['reg.local:5000'] });
    assert.match(readFileSync(join(dir, 'reg.local:5000', 'hosts.toml'), 'utf8'), /http:\/\/reg\.local:5000/);
    writeRegistryHosts(dir, {});
    assert.ok(!existsSync(join(dir, 'reg.local:5000')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with the default endpoint disabled, docker.io pulls never leave the machine', () => {
  const files = registryHostsFiles({ disableDefaultEndpoint: true });
  assert.match(files.get('docker.io')!, /^server = "http:\/\/127\.0\.0\.1:1"/);
  const withMirror = registryHostsFiles({ disableDefaultEndpoint: true, registryMirrors: ['http://127.0.0.1:5000'] });
  assert.match(withMirror.get('docker.io')!, /^server = "http:\/\/127\.0\.0\.1:1"/);
  assert.match(withMirror.get('docker.io')!, /\[host\."http:\/\/127\.0\.0\.1:5000"\]/);
});
