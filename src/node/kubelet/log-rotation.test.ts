import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CriClient } from '../cri/index.js';
import { rotateContainerLog } from './log-rotation.js';

test('a log over the limit is renamed, the runtime reopens it, and at most maxFiles are kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logrot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, '0.log');
  const reopened: string[] = [];
  const cri = { reopenContainerLog: async (id: string) => { reopened.push(id); writeFileSync(log, ''); } } as unknown as CriClient;
  writeFileSync(log, 'x'.repeat(10));
  assert.equal(await rotateContainerLog(cri, 'c1', log, { maxBytes: 100 }), false);
  for (let i = 0; i < 6; i++) {
    writeFileSync(log, 'x'.repeat(200));
    assert.equal(await rotateContainerLog(cri, 'c1', log, { maxBytes: 100, maxFiles: 3 }), true);
  }
  assert.equal(reopened.length, 6);
  assert.ok(existsSync(log));
  assert.equal(readdirSync(dir).filter((f) => f !== '0.log').length, 2, 'current + 2 rotated');
});
