import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { loadOrCreatePki } from './pki.js';

test('the PKI is created once, reused, and completed from the existing CA', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pki-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const a = await loadOrCreatePki(dir);
  const ca = new X509Certificate(a.caCert);
  for (const pem of [a.serverCert, a.adminCert, a.kubeletClientCert]) assert.ok(new X509Certificate(pem).verify(ca.publicKey));
  assert.match(new X509Certificate(a.adminCert).subject, /O=system:masters/);
  assert.match(new X509Certificate(a.serverCert).subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  const b = await loadOrCreatePki(dir);
  assert.equal(b.caCert, a.caCert);
  assert.equal(b.adminCert, a.adminCert);
  // A leaf that a newer version adds is issued by the same CA; the rest is untouched.
  unlinkSync(join(dir, 'apiserver-kubelet-client.crt'));
  unlinkSync(join(dir, 'apiserver-kubelet-client.key'));
  const c = await loadOrCreatePki(dir);
  assert.equal(c.adminCert, a.adminCert);
  assert.notEqual(c.kubeletClientCert, a.kubeletClientCert);
  assert.ok(new X509Certificate(c.kubeletClientCert).verify(ca.publicKey));
  // Half a pair is refused rather than replaced.
  unlinkSync(join(dir, 'admin.key'));
  await assert.rejects(() => loadOrCreatePki(dir), /admin\.key is missing beside admin\.crt/);
  assert.equal(readFileSync(join(dir, 'ca.crt'), 'utf8'), a.caCert);
});
