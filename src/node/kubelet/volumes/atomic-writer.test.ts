import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomic } from './atomic-writer.js';

test('writeAtomic publishes through ..data, swaps atomically, removes stale keys and skips unchanged payloads', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(writeAtomic(dir, [{ path: 'a', data: Buffer.from('1'), mode: 0o644 }, { path: 'sub/b', data: Buffer.from('2'), mode: 0o600 }]), true);
  assert.equal(readFileSync(join(dir, 'a'), 'utf8'), '1');
  assert.equal(readFileSync(join(dir, 'sub/b'), 'utf8'), '2');
  assert.equal(lstatSync(join(dir, 'a')).isSymbolicLink(), true);
  assert.equal(readlinkSync(join(dir, 'a')), '..data/a');
  assert.equal(statSync(join(dir, 'sub/b')).mode & 0o777, 0o600);
  const first = readlinkSync(join(dir, '..data'));
  assert.equal(writeAtomic(dir, [{ path: 'a', data: Buffer.from('1'), mode: 0o644 }, { path: 'sub/b', data: Buffer.from('2'), mode: 0o600 }]), false);
  assert.equal(writeAtomic(dir, [{ path: 'a', data: Buffer.from('changed'), mode: 0o644 }]), true);
  assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'changed');
  assert.notEqual(readlinkSync(join(dir, '..data')), first);
  const entries = readdirSync(dir).sort();
  assert.deepEqual(entries.filter((e) => !e.startsWith('..')), ['a']);
  assert.equal(entries.filter((e) => /^\.\.\d/.test(e)).length, 1, 'old payload removed');
  assert.throws(() => writeAtomic(dir, [{ path: '../escape', data: Buffer.alloc(0), mode: 0o644 }]), /invalid path/);
});
