/**
 * Imports image archives (OCI or docker-archive tarballs) into a containerd, in the `k8s.io` namespace that CRI
 * uses, through containerd's own `ctr images import` — the offline path kind/k3d users know as `load`. The file is
 * streamed into ctr's stdin so that the caller can show progress for big files. Imported images are visible to
 * CRI at once.
 */
import { spawn, execFile } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The containerd namespace CRI keeps its images in. */
export const CRI_NAMESPACE = 'k8s.io';

/** Progress of one import, as bytes of the file handed to ctr. */
export interface ImportProgress {
  file: string;
  bytes: number;
  total: number;
}

/** Options of {@link importImages}. */
export interface ImportImagesOptions {
  /** Called as the file is read (at most every 64 KiB chunk). */
  onProgress?: (p: ImportProgress) => void;
  signal?: AbortSignal;
  /** Path of ctr; found on PATH by default. */
  ctr?: string;
}

/** The result of importing one file. */
export interface ImportResult {
  file: string;
  /** The image names ctr created or updated, e.g. `docker.io/library/nginx:1.7.9`. */
  images: string[];
  ms: number;
}

/** An image as `ctr images ls` reports it. */
export interface CtrImage {
  name: string;
  /** Digest of the manifest (or index) the name points at. */
  digest: string;
  /** Human-readable size as ctr prints it, e.g. `1.0 MiB`. */
  size: string;
}

/** The path of ctr, or throws naming the Debian package. */
export function findCtr(): string {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin']) {
    const p = join(dir, 'ctr');
    if (dir && existsSync(p)) return p;
  }
  throw new Error('ctr is not installed (it comes with containerd): apt-get install -y containerd');
}

/** The socket path of `unix:///x.sock`, `unix:/x.sock` or `/x.sock`. */
function socketOf(endpoint: string): string {
  return endpoint.replace(/^unix:(\/\/)?/, '');
}

/** Imports one archive; see the module comment. */
async function importOne(ctr: string, socket: string, file: string, opts: ImportImagesOptions): Promise<ImportResult> {
  const started = Date.now();
  const total = statSync(file).size;
  const child = spawn(ctr, ['--address', socket, '-n', CRI_NAMESPACE, 'images', 'import', '-'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    signal: opts.signal,
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const input = createReadStream(file);
  let bytes = 0;
  input.on('data', (chunk) => {
    bytes += chunk.length;
    opts.onProgress?.({ file, bytes, total });
  });
  input.on('error', (err) => child.stdin.destroy(err));
  child.stdin.on('error', () => { /* ctr exited early; its exit code and output say why */ });
  input.pipe(child.stdin);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  });
  if (code !== 0) throw new Error(`Cannot import ${file}: ctr exited with ${code}: ${out.trim().slice(-2000)}`);
  // ctr prints "unpacking <name> (sha256:…)...done" for every image it created.
  const images = [...out.matchAll(/unpacking (\S+) \(sha256:[0-9a-f]+\)/g)].map((m) => m[1]!);
  return { file, images, ms: Date.now() - started };
}

/**
 * Imports each archive (OCI layout tar or docker-archive, as `docker save` writes) into the containerd listening on
 * `endpoint` (`unix:///…sock` or a socket path), one after the other.
 */
export async function importImages(endpoint: string, files: string[], opts: ImportImagesOptions = {}): Promise<ImportResult[]> {
  const ctr = opts.ctr ?? findCtr();
  const socket = socketOf(endpoint);
  const results: ImportResult[] = [];
  for (const file of files) {
    if (!existsSync(file)) throw new Error(`Cannot import ${file}: no such file`);
    results.push(await importOne(ctr, socket, file, opts));
  }
  return results;
}

/** Images in containerd's `k8s.io` namespace, through `ctr images ls`. */
export function listImages(endpoint: string, opts: { ctr?: string; signal?: AbortSignal } = {}): Promise<CtrImage[]> {
  const ctr = opts.ctr ?? findCtr();
  return new Promise((resolve, reject) => {
    execFile(ctr, ['--address', socketOf(endpoint), '-n', CRI_NAMESPACE, 'images', 'ls'], { signal: opts.signal }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`Cannot list images: ${stderr.trim() || err.message}`, { cause: err }));
      const rows = stdout.split('\n').slice(1).filter((l) => l.trim());
      resolve(rows.map((line) => {
        // REF TYPE DIGEST SIZE PLATFORMS LABELS, where SIZE is two words ("1.0 MiB").
        const [name = '', , digest = '', n = '', unit = ''] = line.trim().split(/\s+/);
        return { name, digest, size: `${n} ${unit}`.trim() };
      }));
    });
  });
}
