/**
 * Container logs from CRI log files, as the kubelet's /containerLogs endpoint serves them to `kubectl logs`.
 * Each file line is `<RFC3339Nano> <stdout|stderr> <F|P> <text>`; P marks a piece of a longer line, and the pieces
 * are joined back into one line. Options follow the PodLogOptions query: tailLines, sinceSeconds/sinceTime,
 * timestamps, limitBytes and follow (new lines are streamed until the container stops or the client leaves).
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import type { Writable } from 'node:stream';
import { badRequest } from '../../../apimachinery/errors/status-error.js';

/** One parsed CRI log line. */
export interface CriLogEntry {
  /** The runtime's timestamp as written (RFC3339Nano). */
  time: string;
  stream: 'stdout' | 'stderr';
  /** True for a P (partial) piece that continues on the next entry of the same stream. */
  partial: boolean;
  text: string;
}

/** Parses one CRI log line (without its newline); undefined for a malformed one. */
export function parseCriLogLine(line: string): CriLogEntry | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  if (a <= 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  // The tag field is F or P, possibly followed by more colon-separated tags in later CRI versions.
  const c = line.indexOf(' ', b + 1);
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  return { time: line.slice(0, a), stream, partial: tag.split(':')[0] === 'P', text: c < 0 ? '' : line.slice(c + 1) };
}

/** The PodLogOptions of a /containerLogs query. */
export interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  /** Only lines at or after this time (ms since the epoch). */
  sinceMs?: number;
  limitBytes?: number;
}

function boolParam(q: URLSearchParams, name: string): boolean {
  const v = (q.get(name) ?? '').toLowerCase();
  return v === 'true' || v === '1';
}

function intParam(q: URLSearchParams, name: string, min: number): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw badRequest(`invalid ${name} ${JSON.stringify(raw)}: must be an integer >= ${min}`);
  return n;
}

/** Reads the log options of a query (kubectl's `--tail` sends tailLines, `--since` sinceSeconds, etc.). */
export function parseLogQuery(q: URLSearchParams, now = Date.now()): LogOptions {
  const opts: LogOptions = { follow: boolParam(q, 'follow'), previous: boolParam(q, 'previous'), timestamps: boolParam(q, 'timestamps') };
  const tail = intParam(q, 'tailLines', 0);
  if (tail !== undefined) opts.tailLines = tail;
  const limit = intParam(q, 'limitBytes', 1);
  if (limit !== undefined) opts.limitBytes = limit;
  const sinceSeconds = intParam(q, 'sinceSeconds', 1);
  const sinceTime = q.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime) throw badRequest('at most one of sinceTime or sinceSeconds may be specified');
  if (sinceSeconds !== undefined) opts.sinceMs = now - sinceSeconds * 1000;
  if (sinceTime) {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t)) throw badRequest(`invalid sinceTime ${JSON.stringify(sinceTime)}: must be RFC3339`);
    opts.sinceMs = t;
  }
  return opts;
}

/** Formats a runtime timestamp with exactly nine fractional digits, as kubectl --timestamps shows them. */
export function fixedNanoTimestamp(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return time;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}${m[3]}`;
}

/** Milliseconds since the epoch of a runtime timestamp (sub-millisecond digits dropped). */
function timeMs(time: string): number {
  return Date.parse(time);
}

/** Joins partial pieces per stream into whole lines. */
class LineJoiner {
  private readonly open = new Map<string, { time: string; text: string }>();

  /** Feeds one entry; returns a complete line when the entry finishes one. */
  push(e: CriLogEntry): { time: string; text: string } | undefined {
    const prev = this.open.get(e.stream);
    const time = prev?.time ?? e.time;
    const text = (prev?.text ?? '') + e.text;
    if (e.partial) {
      this.open.set(e.stream, { time, text });
      return undefined;
    }
    this.open.delete(e.stream);
    return { time, text };
  }

  /** Lines still open when the log ends (a container that died mid-line). */
  flush(): { time: string; text: string }[] {
    const rest = [...this.open.values()];
    this.open.clear();
    return rest;
  }
}

/** Reads a file from `offset`; returns the bytes read. */
async function readFrom(fh: FileHandle, offset: number): Promise<Buffer> {
  const { size } = await fh.stat();
  if (size <= offset) return Buffer.alloc(0);
  const buf = Buffer.allocUnsafe(size - offset);
  const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
  return buf.subarray(0, bytesRead);
}

/**
 * Where to start reading so that at least the last `lines` complete file lines are included, scanning back in
 * chunks so a long log is not read whole.
 */
async function tailOffset(fh: FileHandle, size: number, lines: number): Promise<number> {
  if (lines === 0) return size;
  const chunk = 64 * 1024;
  let pos = size;
  let newlines = 0;
  while (pos > 0) {
    const start = Math.max(0, pos - chunk);
    const buf = Buffer.allocUnsafe(pos - start);
    await fh.read(buf, 0, buf.length, start);
    for (let i = buf.length - 1; i >= 0; i--) {
      // The last byte of the file is the newline ending the last line, not a separator before it.
      if (buf[i] === 0x0a && start + i !== size - 1) {
        newlines++;
        if (newlines >= lines * 2 + 1) return start + i + 1; // P pieces: read extra, trim logical lines later
      }
    }
    pos = start;
  }
  return 0;
}

/** Options of {@link writeContainerLog} besides the log options. */
export interface WriteLogOptions {
  /** Ends a follow when the client leaves or the server stops. */
  signal?: AbortSignal;
  /** Asked when following reaches the end of the file: a stopped container's log ends there. */
  isRunning?: () => Promise<boolean>;
  /** How often to look for new lines when the file watcher says nothing (default 250 ms). */
  pollMs?: number;
}

/**
 * Writes a container's log file to `out` with the given options. Resolves when done (for `follow`: the container
 * stopped, the client left or `limitBytes` was reached); does not end `out`.
 */
export async function writeContainerLog(path: string, out: Writable, opts: LogOptions, extra: WriteLogOptions = {}): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // no output yet
    throw err;
  }
  let remaining = opts.limitBytes ?? Infinity;
  const joiner = new LineJoiner();
  const emit = async (line: { time: string; text: string }): Promise<boolean> => {
    if (opts.sinceMs !== undefined && timeMs(line.time) < opts.sinceMs) return true;
    let text = `${opts.timestamps ? `${fixedNanoTimestamp(line.time)} ` : ''}${line.text}\n`;
    if (Buffer.byteLength(text) > remaining) text = Buffer.from(text).subarray(0, remaining).toString();
    remaining -= Buffer.byteLength(text);
    if (!out.write(text)) await new Promise<void>((resolve) => { out.once('drain', resolve); out.once('close', resolve); });
    return remaining > 0 && !out.destroyed;
  };
  let watcher: FSWatcher | undefined;
  try {
    const { size, ino: firstIno } = await fh.stat();
    let ino = firstIno;
    let offset = opts.tailLines !== undefined ? await tailOffset(fh, size, opts.tailLines) : 0;
    let carry = '';
    const readLines = async (): Promise<{ time: string; text: string }[]> => {
      const buf = await readFrom(fh, offset);
      offset += buf.length;
      const parts = (carry + buf.toString('utf8')).split('\n');
      carry = parts.pop() ?? '';
      const lines: { time: string; text: string }[] = [];
      for (const raw of parts) {
        const e = parseCriLogLine(raw);
        const done = e && joiner.push(e);
        if (done) lines.push(done);
      }
      return lines;
    };
    let first = await readLines();
    if (opts.tailLines !== undefined) first = first.slice(Math.max(0, first.length - opts.tailLines));
    for (const line of first) if (!(await emit(line))) return;
    if (!opts.follow) {
      for (const line of joiner.flush()) if (!(await emit(line))) return;
      return;
    }
    // Follow: wake on inotify changes, with a slow poll as a backstop (rotation, missed events).
    let wake: (() => void) | undefined;
    try {
      watcher = watch(path, () => wake?.());
      watcher.on('error', () => undefined);
    } catch {
      // no inotify: polling only
    }
    const pollMs = extra.pollMs ?? 250;
    let idleRounds = 0;
    while (!extra.signal?.aborted && !out.destroyed) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => wake?.(), pollMs);
        wake = () => {
          clearTimeout(t);
          extra.signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => wake?.();
        extra.signal?.addEventListener('abort', onAbort, { once: true });
      });
      wake = undefined;
      const st = await stat(path).catch(() => undefined);
      if (st && (st.ino !== ino || st.size < offset)) {
        // Rotated or truncated under us: continue from the start of the new file.
        await fh.close();
        fh = await open(path, 'r');
        ino = (await fh.stat()).ino;
        offset = 0;
        carry = '';
      }
      const lines = await readLines();
      for (const line of lines) if (!(await emit(line))) return;
      if (lines.length > 0) {
        idleRounds = 0;
        continue;
      }
      // Nothing new: a stopped container's log is complete once one more read finds nothing. Ask the runtime
      // about once a second, not on every wake-up.
      if (++idleRounds % 4 === 2 && extra.isRunning && !(await extra.isRunning())) {
        for (const line of await readLines()) if (!(await emit(line))) return;
        for (const line of joiner.flush()) if (!(await emit(line))) return;
        return;
      }
    }
  } finally {
    watcher?.close();
    await fh.close().catch(() => undefined);
  }
}
