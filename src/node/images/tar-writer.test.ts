import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTar, type TarEntry } from './tar-writer.js';

const longDir = 'very/'.repeat(30) + 'deep';
const entries: TarEntry[] = [
  { type: 'dir', path: 'bin' },
  { type: 'file', path: 'bin/tool', content: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
  { type: 'symlink', path: 'bin/sh', target: 'tool' },
  { type: 'dir', path: 'tmp', mode: 0o1777 },
  { type: 'file', path: `${longDir}/file-with-a-name-that-is-also-rather-long.txt`, content: Buffer.from('deep') },
  { type: 'symlink', path: 'far', target: `/${longDir}/${'x'.repeat(120)}` },
];

test('GNU tar reads every entry back: content, modes, symlinks and pax long names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-tar-'));
  try {
    writeFileSync(join(dir, 'a.tar'), writeTar(entries));
    execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', dir]);
    assert.equal(readFileSync(join(dir, 'bin/tool'), 'utf8'), '#!/bin/sh\necho hi\n');
    assert.equal(statSync(join(dir, 'bin/tool')).mode & 0o7777, 0o755);
    assert.equal(statSync(join(dir, 'tmp')).mode & 0o7777, 0o1777);
    assert.equal(readlinkSync(join(dir, 'bin/sh')), 'tool');
    assert.equal(readFileSync(join(dir, longDir, 'file-with-a-name-that-is-also-rather-long.txt'), 'utf8'), 'deep');
    assert.equal(readlinkSync(join(dir, 'far')), `/${longDir}/${'x'.repeat(120)}`);
    const listing = execFileSync('tar', ['-tvf', join(dir, 'a.tar'), '--numeric-owner'], { encoding: 'utf8' });
    assert.ok(listing.split('\n').filter(Boolean).every((l) => l.includes(' 0/0 ') && l.includes('1970-01-01')), listing);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the same entries always give the same bytes, padded to 512-byte blocks', () => {
  const a = writeTar(entries);
  assert.deepEqual(a, writeTar(entries));
  assert.equal(a.length % 512, 0);
  assert.deepEqual(a.subarray(a.length - 1024), Buffer.alloc(1024));
});
