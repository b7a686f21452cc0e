/**
 * Removal of pod cgroup directories that containerd leaves behind: runc deletes a container's own cgroup, but the
 * pod-level parents (`cgroup_parent`) stay, in every cgroup v1 hierarchy and in the unified one. Only directories
 * are removed, leaves first, with rmdir — which the kernel refuses while a process is still inside, so a live
 * cgroup is never destroyed.
 */
import { readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Mount points of cgroup (v1) and cgroup2 filesystems, from /proc/self/mountinfo. */
export function cgroupMounts(mountinfo: string = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    // "<id> <parent> <maj:min> <root> <mount point> <options> [optional…] - <fstype> <source> <super options>"
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const mountPoint = line.slice(0, sep).split(' ')[4];
    if (mountPoint) out.push(mountPoint.replace(/\\040/g, ' '));
  }
  return out;
}

function removeTree(dir: string): number {
  let removed = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e);
    try {
      if (statSync(p).isDirectory()) removed += removeTree(p);
    } catch {
      // vanished meanwhile
    }
  }
  try {
    rmdirSync(dir);
    removed++;
  } catch {
    // busy (a process is still inside) or already gone: leave it
  }
  return removed;
}

/**
 * Removes the cgroup `path` (e.g. `/kubelite/pod1234`) and its sub-cgroups in every hierarchy. Refuses the root and
 * relative paths. Returns how many directories were removed.
 */
export function removeCgroup(path: string, mounts: string[] = cgroupMounts()): number {
  const rel = resolve('/', path);
  if (rel === '/' || !path.startsWith('/')) throw new Error(`Refusing to remove cgroup ${JSON.stringify(path)}: not an absolute, non-root cgroup path`);
  let removed = 0;
  for (const m of mounts) removed += removeTree(join(m, rel));
  return removed;
}
