/**
 * Host mounts the kubelet makes itself: tmpfs for `emptyDir.medium: Memory`, and their removal. Everything else
 * reaches containers as CRI bind mounts, which live in the containers' mount namespaces and vanish with them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Mount points at or under `dir`, deepest first (from /proc/self/mountinfo). */
export function mountsUnder(dir: string): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  return text.split('\n')
    .map((l) => (l.split(' ')[4] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** True when `dir` is itself a mount point. */
export function isMountPoint(dir: string): boolean {
  return mountsUnder(dir).includes(dir);
}

/** Mounts a tmpfs at `dir` (size in bytes, or unlimited: half of RAM, tmpfs' default). */
export function mountTmpfs(dir: string, sizeBytes?: number): void {
  const opts = ['mode=0777', ...(sizeBytes ? [`size=${sizeBytes}`] : [])].join(',');
  execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { stdio: 'pipe' });
}

/** Unmounts everything at or under `dir`, deepest first (lazily, so a busy mount cannot block pod removal). */
export function unmountAll(dir: string): void {
  for (const m of mountsUnder(dir)) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'pipe' });
    } catch {
      // already gone
    }
  }
}
