import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeImageRef, parseImageRef } from './image-ref.js';

test('references normalise as Docker and containerd do', () => {
  const cases: [string, string][] = [
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.7.9', 'docker.io/library/nginx:1.7.9'],
    ['redis', 'docker.io/library/redis:latest'],
    ['me/app:v2', 'docker.io/me/app:v2'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['127.0.0.1:5000/test/busybox:1', '127.0.0.1:5000/test/busybox:1'],
    ['localhost/kubelite/pause:3.9', 'localhost/kubelite/pause:3.9'],
    ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.9'],
    [`busybox@sha256:${'a'.repeat(64)}`, `docker.io/library/busybox@sha256:${'a'.repeat(64)}`],
  ];
  for (const [input, want] of cases) assert.equal(normalizeImageRef(input), want, input);
});

test('registry host with a port is not mistaken for a tag', () => {
  assert.deepEqual(parseImageRef('10.0.0.5:5000/app'), { domain: '10.0.0.5:5000', path: 'app', tag: 'latest', digest: '' });
});

test('malformed references are rejected', () => {
  for (const bad of ['', 'Nginx', 'nginx:', 'a b', 'nginx@sha256:xyz', ' nginx']) {
    assert.throws(() => parseImageRef(bad), /Invalid/, bad);
  }
});
