/**
 * A small deterministic tar writer (POSIX ustar, with pax headers for names that do not fit). Every entry is
 * owned by 0:0 with mtime 0 unless said otherwise, and the caller's order is kept, so the same entries always give
 * the same bytes — which is what makes an image layer's digest reproducible, like GNU tar's
 * `--sort=name --owner=0 --group=0 --numeric-owner --mtime=@0`.
 */

/** One member of a tar archive. Paths are relative (`bin/sh`); directories may end in `/`. */
export type TarEntry =
  | { type: 'file'; path: string; content: Buffer; mode?: number; uid?: number; gid?: number; mtime?: number }
  | { type: 'dir'; path: string; mode?: number; uid?: number; gid?: number; mtime?: number }
  | { type: 'symlink'; path: string; target: string; uid?: number; gid?: number; mtime?: number };

const BLOCK = 512;

function octal(buf: Buffer, offset: number, length: number, value: number): void {
  // length-1 octal digits, zero padded, then NUL.
  buf.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'ascii');
}

/** Splits a long path into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a slash, or returns undefined. */
function splitUstar(path: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return { prefix, name };
  }
  return undefined;
}

function header(fields: {
  name: string; prefix: string; mode: number; uid: number; gid: number; size: number; mtime: number;
  typeflag: string; linkname: string;
}): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(fields.name, 0, 100, 'utf8');
  octal(h, 100, 8, fields.mode);
  octal(h, 108, 8, fields.uid);
  octal(h, 116, 8, fields.gid);
  octal(h, 124, 12, fields.size);
  octal(h, 136, 12, fields.mtime);
  h.fill(' ', 148, 156); // checksum is computed with its own field as spaces
  h.write(fields.typeflag, 156, 1, 'ascii');
  h.write(fields.linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(fields.uid === 0 ? 'root' : '', 265, 32, 'ascii');
  h.write(fields.gid === 0 ? 'root' : '', 297, 32, 'ascii');
  octal(h, 329, 8, 0);
  octal(h, 337, 8, 0);
  h.write(fields.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rest);
}

/** One pax record: "<len> key=value\n", where len counts the whole record including its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/** The 512-byte-aligned blocks of one entry (a pax header first when the path or link target is too long). */
export function tarEntryBlocks(entry: TarEntry): Buffer[] {
  const path = entry.type === 'dir' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
  const target = entry.type === 'symlink' ? entry.target : '';
  const split = splitUstar(path);
  const out: Buffer[] = [];
  const pax: string[] = [];
  if (!split) pax.push(paxRecord('path', path));
  if (Buffer.byteLength(target) > 100) pax.push(paxRecord('linkpath', target));
  const uid = entry.uid ?? 0;
  const gid = entry.gid ?? 0;
  const mtime = entry.mtime ?? 0;
  if (pax.length > 0) {
    const body = Buffer.from(pax.join(''), 'utf8');
    const paxName = `PaxHeaders/${path.replace(/\/$/, '').split('/').pop() ?? 'x'}`.slice(0, 100);
    out.push(header({ name: paxName, prefix: '', mode: 0o644, uid: 0, gid: 0, size: body.length, mtime, typeflag: 'x', linkname: '' }));
    out.push(body, padding(body.length));
  }
  const names = split ?? { prefix: '', name: path.slice(0, 100) };
  const size = entry.type === 'file' ? entry.content.length : 0;
  const mode = entry.type === 'symlink' ? 0o777 : entry.mode ?? (entry.type === 'dir' ? 0o755 : 0o644);
  const typeflag = entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2';
  out.push(header({ ...names, mode, uid, gid, size, mtime, typeflag, linkname: target.slice(0, 100) }));
  if (entry.type === 'file') out.push(entry.content, padding(size));
  return out;
}

/** A whole tar archive of `entries`, in the given order, with the two zero blocks that end it. */
export function writeTar(entries: Iterable<TarEntry>): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) parts.push(...tarEntryBlocks(e));
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
