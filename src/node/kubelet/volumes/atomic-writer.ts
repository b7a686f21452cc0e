/**
 * writeAtomic: publishes a set of files into a volume directory so that a reader never sees a half-updated set,
 * the way the kubelet's AtomicWriter does for configMap, secret, downwardAPI and projected volumes:
 *  - the payload is written into a fresh hidden directory `..<timestamp>`;
 *  - a symlink `..data_tmp` → that directory is renamed over `..data` (rename is atomic);
 *  - each top-level entry the user sees is a symlink `name` → `..data/name`;
 *  - the previous payload directory and stale top-level links are removed afterwards.
 * Nothing is written when the payload is unchanged, so it is cheap to call on every sync.
 */
import {
  chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** One file of a payload: its relative path, content and mode. */
export interface PayloadFile {
  path: string;
  data: Buffer;
  mode: number;
}

const DATA_LINK = '..data';

function payloadMatches(dir: string, payload: PayloadFile[]): boolean {
  const current = join(dir, DATA_LINK);
  if (!existsSync(current)) return false;
  const listed = new Set<string>();
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(d, e.name), rel);
      else listed.add(rel);
    }
  };
  try {
    walk(current, '');
  } catch {
    return false;
  }
  if (listed.size !== payload.length) return false;
  for (const f of payload) {
    if (!listed.has(f.path)) return false;
    const p = join(current, f.path);
    try {
      if (!readFileSync(p).equals(f.data) || (lstatSync(p).mode & 0o7777) !== f.mode) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Rejects paths that would escape the volume or collide with the writer's own hidden entries. */
function checkPath(p: string): void {
  if (!p || p.startsWith('/') || p.split('/').some((s) => s === '..' || s === '') || p.startsWith('..')) {
    throw new Error(`invalid path ${JSON.stringify(p)} in volume payload`);
  }
}

/** Publishes `payload` into `dir`; returns true when anything changed. */
export function writeAtomic(dir: string, payload: PayloadFile[]): boolean {
  for (const f of payload) checkPath(f.path);
  mkdirSync(dir, { recursive: true });
  if (payloadMatches(dir, payload)) return false;
  const stamp = `..${new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '')}.${process.hrtime.bigint() % 1000000000n}`;
  const tsDir = join(dir, stamp);
  mkdirSync(tsDir, { recursive: true });
  for (const f of payload) {
    const p = join(tsDir, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.data);
    chmodSync(p, f.mode);
  }
  let old: string | undefined;
  try {
    old = readlinkSync(join(dir, DATA_LINK));
  } catch {
    // first write
  }
  const tmpLink = join(dir, '..data_tmp');
  rmSync(tmpLink, { force: true });
  symlinkSync(stamp, tmpLink);
  renameSync(tmpLink, join(dir, DATA_LINK));
  const tops = new Set(payload.map((f) => f.path.split('/')[0]));
  for (const top of tops) {
    const link = join(dir, top);
    let ok = false;
    try {
      ok = lstatSync(link).isSymbolicLink() && readlinkSync(link) === join(DATA_LINK, top);
    } catch {
      // missing
    }
    if (!ok) {
      rmSync(link, { force: true, recursive: true });
      symlinkSync(join(DATA_LINK, top), link);
    }
  }
  for (const e of readdirSync(dir)) {
    if (e.startsWith('..')) {
      if (e !== DATA_LINK && e !== stamp && (e === old || /^\.\.\d/.test(e))) rmSync(join(dir, e), { recursive: true, force: true });
      continue;
    }
    if (!tops.has(e)) rmSync(join(dir, e), { recursive: true, force: true });
  }
  return true;
}
