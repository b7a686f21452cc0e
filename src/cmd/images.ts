/**
 * `kubelite images import [--data-dir DIR] FILE.tar…` and `kubelite images ls [--data-dir DIR]`: the offline way to
 * get images onto a node (kind's `load docker-image`, k3d's `image import`). Archives may be OCI or docker-archive
 * tarballs; images keep the names in the archive. When the node's containerd is not running, a temporary one is
 * started on the same directories, so the images are there when the node starts.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseFlags, usage, UsageError, type FlagSpec } from './flags.js';
import { defaultDataDir } from './data-dir.js';
import { nodePaths, runtimeEndpointOf } from './node-paths.js';
import { importImages, listImages } from '../node/images/index.js';
import { CriClient } from '../node/cri/index.js';
import { startContainerd, checkNodePrerequisites, type EmbeddedContainerd } from '../node/runtime/index.js';

const FLAGS: Record<string, FlagSpec> = {
  'data-dir': { type: 'string', help: 'Data directory of the node (as given to up or agent)', default: '' },
  'help': { type: 'bool', help: 'Show this help' },
};

async function runtimeUp(endpoint: string): Promise<boolean> {
  const cri = new CriClient(endpoint, { timeoutMs: 2000 });
  try {
    await cri.version();
    return true;
  } catch {
    return false;
  } finally {
    cri.close();
  }
}

/** Runs `fn` against the node's runtime, starting a temporary embedded containerd when none is running. */
async function withRuntime<T>(dataDir: string, fn: (endpoint: string) => Promise<T>): Promise<T> {
  const endpoint = runtimeEndpointOf(dataDir);
  if (await runtimeUp(endpoint)) return fn(endpoint);
  const paths = nodePaths(dataDir);
  if (endpoint !== paths.endpoint) throw new Error(`the container runtime at ${endpoint} (used by the agent on ${dataDir}) is not answering`);
  const pre = checkNodePrerequisites();
  if (!pre.ok) throw new Error(pre.message);
  let temp: EmbeddedContainerd | undefined;
  try {
    // Only images matter here; the pod network is written again by the agent with the node's real pod CIDR.
    temp = await startContainerd({ dataDir: paths.containerdDir, podCidr: '10.42.0.0/24' });
    return await fn(temp.endpoint);
  } finally {
    await temp?.stop({ keepPods: true });
  }
}

function bar(done: number, total: number): string {
  const width = 30;
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  const mb = (n: number) => (n / 1048576).toFixed(1);
  return `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${mb(done)}/${mb(total)} MiB`;
}

/** `kubelite images …`. Returns the exit code. */
export async function imagesCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { flags, args } = parseFlags(rest, FLAGS);
  if (flags.help || !sub || sub === '--help') {
    console.log(`Usage: kubelite images import [--data-dir DIR] FILE.tar [FILE2.tar …]\n       kubelite images ls [--data-dir DIR]\n\n${usage('images', FLAGS).split('\n').slice(2).join('\n')}`);
    return sub ? 0 : 2;
  }
  const dataDir = resolve((flags['data-dir'] as string) || defaultDataDir());
  if (sub === 'import') {
    if (args.length === 0) throw new UsageError('images import needs at least one archive: kubelite images import FILE.tar');
    for (const f of args) {
      if (!existsSync(f) || !statSync(f).isFile()) throw new UsageError(`cannot import ${f}: no such file`);
    }
    const tty = process.stderr.isTTY;
    const results = await withRuntime(dataDir, (endpoint) => importImages(endpoint, args.map((f) => resolve(f)), {
      onProgress: (p) => {
        if (tty) process.stderr.write(`\r${p.file}: ${bar(p.bytes, p.total)}`);
      },
    }));
    if (tty) process.stderr.write('\n');
    for (const r of results) {
      for (const name of r.images) console.log(`imported ${name} (from ${r.file}, ${(r.ms / 1000).toFixed(1)}s)`);
      if (r.images.length === 0) console.log(`${r.file}: no named image in the archive`);
    }
    return 0;
  }
  if (sub === 'ls' || sub === 'list') {
    // ctr also lists every image by its bare config digest; users know images by name.
    const images = (await withRuntime(dataDir, (endpoint) => listImages(endpoint))).filter((i) => !i.name.startsWith('sha256:'));
    const w = Math.max(5, ...images.map((i) => i.name.length));
    console.log(`${'IMAGE'.padEnd(w)}  ${'DIGEST'.padEnd(19)}  SIZE`);
    for (const i of images) console.log(`${i.name.padEnd(w)}  ${i.digest.replace(/^sha256:/, '').slice(0, 12).padEnd(19)}  ${i.size}`);
    return 0;
  }
  throw new UsageError(`unknown images subcommand "${sub}": expected import or ls`);
}
