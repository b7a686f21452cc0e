import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildOciArchive, type OciImageSpec } from './oci-image.js';
import { RootfsBuilder } from './rootfs-builder.js';

const spec: OciImageSpec = {
  names: ['hello:1', 'example.com/hello:latest'],
  layers: [new RootfsBuilder().file('/etc/greeting', 'hello\n').symlink('/bin/sh', '/bin/busybox').entries()],
  config: { Cmd: ['cat', '/etc/greeting'], Env: ['A=1'] },
  architecture: 'amd64',
};

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('an OCI archive is reproducible and self-consistent', () => {
  const a = buildOciArchive(spec);
  assert.deepEqual(a.tar, buildOciArchive(spec).tar);
  assert.deepEqual(a.names, ['docker.io/library/hello:1', 'example.com/hello:latest']);
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-oci-'));
  try {
    writeFileSync(join(dir, 'img.tar'), a.tar);
    execFileSync('tar', ['-xf', join(dir, 'img.tar'), '-C', dir]);
    const blob = (d: string) => readFileSync(join(dir, 'blobs', 'sha256', d.slice(7)));
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    assert.deepEqual(index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations), [
      { 'io.containerd.image.name': 'docker.io/library/hello:1', 'org.opencontainers.image.ref.name': '1' },
      { 'io.containerd.image.name': 'example.com/hello:latest', 'org.opencontainers.image.ref.name': 'latest' },
    ]);
    assert.equal(index.manifests[0].digest, a.manifestDigest);
    const manifestBytes = blob(a.manifestDigest);
    assert.equal(sha(manifestBytes), a.manifestDigest);
    const manifest = JSON.parse(manifestBytes.toString());
    assert.equal(manifest.config.digest, a.configDigest);
    const config = JSON.parse(blob(a.configDigest).toString());
    assert.deepEqual(config.config, spec.config);
    assert.equal(config.architecture, 'amd64');
    const layer = blob(manifest.layers[0].digest);
    assert.equal(sha(layer), manifest.layers[0].digest);
    assert.equal(layer.length, manifest.layers[0].size);
    // diff_id is the digest of the uncompressed tar.
    assert.deepEqual(config.rootfs.diff_ids, [sha(gunzipSync(layer))]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
