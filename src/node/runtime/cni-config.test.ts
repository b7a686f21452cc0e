import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cniConflist, writeCniConfig } from './cni-config.js';

test('the conflist is bridge (gateway, hairpin, no masquerade, host-local on the pod CIDR) then portmap', () => {
  const c = cniConflist({ name: 'kubelite', bridge: 'kl0', podCidr: '10.42.0.9/24', ipamDataDir: '/d/ipam' }) as {
    name: string; plugins: Record<string, unknown>[];
  };
  assert.equal(c.name, 'kubelite');
  assert.deepEqual(c.plugins.map((p) => p.type), ['bridge', 'portmap']);
  assert.deepEqual(c.plugins[0], {
    type: 'bridge', bridge: 'kl0', isGateway: true, ipMasq: false, hairpinMode: true,
    ipam: { type: 'host-local', ranges: [[{ subnet: '10.42.0.0/24', gateway: '10.42.0.1' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: '/d/ipam' },
  });
  assert.deepEqual(c.plugins[1], { type: 'portmap', capabilities: { portMappings: true } });
  assert.throws(() => cniConflist({ name: 'n', bridge: 'a-bridge-name-too-long', podCidr: '10.0.0.0/24', ipamDataDir: '/x' }), /Invalid bridge name/);
});

test('writeCniConfig leaves exactly one network config in the directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-cni-'));
  try {
    writeFileSync(join(dir, '05-old.conflist'), '{}');
    writeFileSync(join(dir, 'README'), 'kept');
    const file = writeCniConfig(join(dir), { name: 'kubelite', bridge: 'kl0', podCidr: '10.42.0.0/24', ipamDataDir: join(dir, 'ipam') });
    assert.deepEqual(readdirSync(dir).sort(), ['10-kubelite.conflist', 'README', 'ipam']);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).cniVersion, '1.0.0');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
