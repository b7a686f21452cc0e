import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { RootfsBuilder, sharedLibraries } from './rootfs-builder.js';

test('entries are sorted, with parent directories added', () => {
  const fs = new RootfsBuilder().file('/usr/share/x/a.txt', 'a').symlink('bin/sh', '/bin/busybox').dir('/tmp', 0o1777);
  assert.deepEqual(fs.entries().map((e) => `${e.type}:${e.path}`), [
    'dir:bin', 'symlink:bin/sh', 'dir:tmp', 'dir:usr', 'dir:usr/share', 'dir:usr/share/x', 'file:usr/share/x/a.txt',
  ]);
  // Paths are rooted in the image: climbing out stops at its root.
  assert.deepEqual(new RootfsBuilder().file('../../etc/x', 'x').entries().map((e) => e.path), ['etc', 'etc/x']);
  assert.throws(() => new RootfsBuilder().file('/', 'x'), /Invalid path/);
});

test('a dynamic binary brings its libraries and loader; a static one none', { skip: !existsSync('/bin/busybox') && 'needs busybox-static' }, () => {
  const libs = sharedLibraries('/bin/ls');
  assert.ok(libs.some((l) => /\/libc\.so\.6$/.test(l)), libs.join(' '));
  assert.ok(libs.some((l) => /ld-linux/.test(l)), libs.join(' '));
  assert.deepEqual(sharedLibraries('/bin/busybox'), []);
  const paths = new RootfsBuilder().binary('/bin/ls').entries().map((e) => e.path);
  assert.ok(paths.includes('bin/ls'));
  assert.ok(paths.some((p) => p.endsWith('libc.so.6')));
});
