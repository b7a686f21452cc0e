import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriClient, grpcTarget, socketPath } from './cri-client.js';
import { CriError, grpcCodeName, isNotFound, isUnavailable } from './cri-error.js';

test('endpoints in the kubelet flag form, unix: form and bare paths map to one gRPC target', () => {
  assert.equal(grpcTarget('unix:///run/containerd/containerd.sock'), 'unix:///run/containerd/containerd.sock');
  assert.equal(grpcTarget('unix:/run/x.sock'), 'unix:///run/x.sock');
  assert.equal(grpcTarget('/run/x.sock'), 'unix:///run/x.sock');
  assert.equal(socketPath('unix:///run/x.sock'), '/run/x.sock');
  assert.throws(() => grpcTarget('tcp://1.2.3.4:1'), /Unsupported CRI endpoint/);
});

test('a runtime that is not there fails fast with UNAVAILABLE, and a cancelled call with CANCELLED', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-cri-'));
  const client = new CriClient(`unix://${join(dir, 'none.sock')}`, { timeoutMs: 5000 });
  try {
    const started = Date.now();
    await assert.rejects(client.version(), (err: unknown) => {
      assert.ok(err instanceof CriError);
      assert.equal(err.method, 'Version');
      assert.ok(isUnavailable(err), err.message);
      return true;
    });
    assert.ok(Date.now() - started < 4000);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(client.listPodSandbox({}, { signal: ac.signal }), (err: unknown) => err instanceof CriError && err.code === 'CANCELLED');
    await assert.rejects(client.waitForRuntime({ timeoutMs: 300 }), (err: unknown) => isUnavailable(err));
  } finally {
    client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('error codes are named as gRPC names them', () => {
  assert.equal(grpcCodeName(5), 'NOT_FOUND');
  assert.equal(grpcCodeName(14), 'UNAVAILABLE');
  assert.equal(grpcCodeName(99), 'UNKNOWN');
  const e = new CriError('ContainerStatus', 5, 'an error occurred when try to find container "x": not found');
  assert.ok(isNotFound(e));
  assert.equal(e.message, 'CRI ContainerStatus failed: NOT_FOUND: an error occurred when try to find container "x": not found');
});
