/**
 * The busybox image, made from Debian's busybox-static: one static binary, a symlink per applet (`sh`, `wget`,
 * `httpd`, …) and the few /etc files commands expect. About 1 MB; enough for commands, probes and test pods.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { buildOciArchive, type OciArchive } from '../oci-image.js';
import { RootfsBuilder, sharedLibraries } from '../rootfs-builder.js';

/** Where Debian's busybox-static puts its binary. */
export const BUSYBOX_BINARY = '/bin/busybox';

/** The PATH of images built here, as in Docker's official images. */
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Fails with the Debian package to install when the static busybox is missing. */
export function requireBusybox(): string {
  if (!existsSync(BUSYBOX_BINARY)) throw new Error(`${BUSYBOX_BINARY} is missing: apt-get install -y busybox-static`);
  if (sharedLibraries(BUSYBOX_BINARY).length > 0) {
    throw new Error(`${BUSYBOX_BINARY} is not statically linked: apt-get install -y busybox-static`);
  }
  return BUSYBOX_BINARY;
}

/**
 * Adds busybox with its applet symlinks and a minimal /etc (passwd, group, hosts-free: CRI provides hosts and
 * resolv.conf), /tmp (1777), /root and /home to a root filesystem. Existing files win over applet links.
 */
export function addBusybox(fs: RootfsBuilder): RootfsBuilder {
  const bin = requireBusybox();
  fs.copy(bin, '/bin/busybox', 0o755);
  let applets: string[] = [];
  try {
    applets = execFileSync(bin, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    // A busybox without --list-full: link the applets a pod most likely needs.
    applets = ['bin/sh', 'bin/cat', 'bin/echo', 'bin/ls', 'bin/sleep', 'bin/mkdir', 'bin/rm', 'bin/ps', 'usr/bin/wget', 'usr/bin/env', 'bin/hostname'];
  }
  for (const a of applets) {
    if (a === 'bin/busybox' || !a.includes('/') || fs.has(a)) continue;
    fs.symlink(a, '/bin/busybox');
  }
  if (!fs.has('/etc/passwd')) {
    fs.file('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  }
  if (!fs.has('/etc/group')) fs.file('/etc/group', 'root:x:0:\nnogroup:x:65534:\n');
  fs.dir('/tmp', 0o1777).dir('/root', 0o700).dir('/home').dir('/var').dir('/etc');
  return fs;
}

/** Builds the busybox image under the given names (default `busybox:latest` and `busybox:1.36`). */
export function buildBusyboxImage(names: string[] = ['busybox:latest', 'busybox:1.36']): OciArchive {
  const fs = addBusybox(new RootfsBuilder());
  return buildOciArchive({ names, layers: [fs.entries()], config: { Env: [DEFAULT_PATH], Cmd: ['sh'] } });
}
