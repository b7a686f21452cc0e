import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkNodePrerequisites } from './prerequisites.js';

test('missing CNI plugins are named with the Debian package and the apt-get command', () => {
  const empty = mkdtempSync(join(tmpdir(), 'kubelite-cni-bin-'));
  try {
    const r = checkNodePrerequisites({ cniBinDir: empty });
    assert.equal(r.ok, false);
    assert.ok(r.packages.includes('containernetworking-plugins'));
    assert.deepEqual(r.missing.filter((m) => m.package === 'containernetworking-plugins').map((m) => m.what), [
      `CNI plugin bridge (in ${empty})`, `CNI plugin host-local (in ${empty})`, `CNI plugin portmap (in ${empty})`,
    ]);
    assert.match(r.installCommand!, /^apt-get install -y .*containernetworking-plugins/);
    assert.match(r.message, /apt-get install -y/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('the report matches what is installed here', () => {
  const r = checkNodePrerequisites();
  assert.equal(r.ok, r.missing.length === 0 && r.root);
  assert.equal(r.installCommand === undefined, r.packages.length === 0);
});
