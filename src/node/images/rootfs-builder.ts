/**
 * RootfsBuilder: collects the files of an image's root filesystem from this machine — a binary plus the shared
 * libraries `ldd` lists, config files, symlinks — and turns them into sorted, deterministic tar entries. This is
 * how kubelite makes real images offline from Debian's own binaries.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import type { TarEntry } from './tar-writer.js';

/** The path inside the image, relative and normalised: `/usr/bin/x` → `usr/bin/x`; `..` stops at the root. */
function rel(path: string): string {
  const n = posix.normalize(`/${path}`).replace(/^\/+/, '').replace(/\/+$/, '');
  if (!n) throw new Error(`Invalid path in image: ${JSON.stringify(path)}`);
  return n;
}

/** The shared libraries (absolute paths, including the dynamic loader) that `ldd` reports for a binary. */
export function sharedLibraries(binary: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // ldd exits 1 for static binaries ("not a dynamic executable"): no libraries to copy.
    const e = err as { stdout?: string; stderr?: string };
    if (/not a dynamic executable|statically linked/.test(`${e.stdout ?? ''}${e.stderr ?? ''}`)) return [];
    throw new Error(`Cannot list the libraries of ${binary}: ${(e.stderr ?? String(err)).trim()}`, { cause: err });
  }
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    if (/not found/.test(line)) throw new Error(`${binary} needs a library that is not installed: ${line.trim()}`);
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs;
}

/** Accumulates a root filesystem; see the module comment. Later additions at the same path win. */
export class RootfsBuilder {
  private readonly items = new Map<string, TarEntry>();

  /** Adds a directory. */
  dir(path: string, mode = 0o755): this {
    const p = rel(path);
    this.items.set(p, { type: 'dir', path: p, mode });
    return this;
  }

  /** Adds a file with the given content. */
  file(path: string, content: Buffer | string, mode = 0o644): this {
    const p = rel(path);
    this.items.set(p, { type: 'file', path: p, content: Buffer.isBuffer(content) ? content : Buffer.from(content), mode });
    return this;
  }

  /** Adds a symlink `path` → `target`. */
  symlink(path: string, target: string): this {
    const p = rel(path);
    this.items.set(p, { type: 'symlink', path: p, target });
    return this;
  }

  /** Copies a file of this machine (following symlinks) into the image, by default at the same path. */
  copy(hostPath: string, imagePath: string = hostPath, mode?: number): this {
    const st = statSync(hostPath);
    return this.file(imagePath, readFileSync(hostPath), mode ?? st.mode & 0o7777);
  }

  /**
   * Copies a binary and every shared library it loads (at the paths `ldd` names them, so the loader finds them),
   * by default at the binary's own path.
   */
  binary(hostPath: string, imagePath: string = hostPath): this {
    this.copy(hostPath, imagePath);
    for (const lib of sharedLibraries(hostPath)) this.copy(lib, lib);
    return this;
  }

  /** True when something was added at `path`. */
  has(path: string): boolean {
    return this.items.has(rel(path));
  }

  /** The tar entries, sorted by path, with missing parent directories added (0755). */
  entries(): TarEntry[] {
    const all = new Map(this.items);
    for (const p of this.items.keys()) {
      for (let d = posix.dirname(p); d !== '.' && d !== '/'; d = posix.dirname(d)) {
        if (!all.has(d)) all.set(d, { type: 'dir', path: d, mode: 0o755 });
      }
    }
    return [...all.keys()].sort().map((k) => all.get(k)!);
  }
}
