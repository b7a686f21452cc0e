/**
 * A redis image made from Debian's redis-server binary and its libraries. It runs
 * `redis-server --protected-mode no` in /data, so other pods can connect (as the official image allows), and
 * carries a shell (busybox) for exec and probes.
 */
import { existsSync } from 'node:fs';
import { buildOciArchive, type OciArchive } from '../oci-image.js';
import { RootfsBuilder } from '../rootfs-builder.js';
import { addBusybox, DEFAULT_PATH } from './busybox.js';

/** Debian's redis-server binary. */
export const REDIS_BINARY = '/usr/bin/redis-server';

/** Builds the redis image under the given names (default `redis:latest`). */
export function buildRedisImage(names: string[] = ['redis:latest']): OciArchive {
  if (!existsSync(REDIS_BINARY)) throw new Error(`${REDIS_BINARY} is missing: apt-get install -y redis-server`);
  const fs = new RootfsBuilder();
  fs.binary(REDIS_BINARY, '/usr/local/bin/redis-server');
  if (existsSync('/usr/bin/redis-cli')) fs.binary('/usr/bin/redis-cli', '/usr/local/bin/redis-cli');
  fs.file('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nredis:x:999:999:redis:/data:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  fs.file('/etc/group', 'root:x:0:\nredis:x:999:\nnogroup:x:65534:\n');
  addBusybox(fs);
  fs.dir('/data');
  return buildOciArchive({
    names,
    layers: [fs.entries()],
    config: {
      Env: [DEFAULT_PATH],
      Cmd: ['redis-server', '--protected-mode', 'no'],
      WorkingDir: '/data',
      ExposedPorts: { '6379/tcp': {} },
      Volumes: { '/data': {} },
    },
  });
}
