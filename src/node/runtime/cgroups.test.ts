import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupMounts, removeCgroup } from './cgroups.js';

const mountinfo = [
  '25 1 0:23 / /sys rw,nosuid - sysfs sysfs rw',
  '30 25 0:26 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
  '33 30 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
  '34 30 0:30 / /sys/fs/cgroup/cpu\\040x rw - cgroup cgroup rw,cpu',
].join('\n');

test('cgroup mounts are read from mountinfo, v1 and v2, skipping other filesystems', () => {
  assert.deepEqual(cgroupMounts(mountinfo), ['/sys/fs/cgroup/unified', '/sys/fs/cgroup/memory', '/sys/fs/cgroup/cpu x']);
});

test('removeCgroup refuses the root and relative paths, and ignores missing cgroups', () => {
  assert.throws(() => removeCgroup('/'), /Refusing/);
  assert.throws(() => removeCgroup('kubepods'), /Refusing/);
  assert.throws(() => removeCgroup('/..'), /Refusing/);
  assert.equal(removeCgroup('/kubelite-does-not-exist-xyz', ['/nonexistent-mount']), 0);
});
