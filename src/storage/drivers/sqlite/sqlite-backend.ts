/**
 * SqliteBackend: the embedded default store, a kine-style revision log in one SQLite file (see sql.ts for the
 * table). Every write appends a row whose id is the new revision.
 *
 * Concurrency: one connection per process, and better-sqlite3 is synchronous. Writes go through LogWriter, which
 * applies each create/update/delete (check, then insert) inside one transaction per microtask batch (group commit,
 * see log-writer.ts). Writes are therefore serialised without locks and "database is locked" cannot arise between
 * callers of one process; busy_timeout only covers another process briefly holding the file (e.g. a backup).
 *
 * Durability: WAL with synchronous=NORMAL by default. A commit in WAL mode is complete once its frames are
 * written to the WAL file with write(2); NORMAL only skips the fsync. The data then sits in the kernel's page cache,
 * which survives the death of the process (kill -9, crash, OOM kill) and is recovered from the WAL on the next open;
 * only a power loss or kernel crash can drop the last transactions. Process death is the requirement here, and
 * test/storage/durability.test.ts kills a writer with SIGKILL and finds every acknowledged write. Pass
 * `synchronous: 'FULL'` to fsync each commit when power-loss durability is worth ~10× fewer writes per second.
 *
 * Bounded size: compaction deletes superseded rows and deletions at or below the compact revision, then returns
 * free pages to the file system (auto_vacuum=INCREMENTAL + incremental_vacuum) and truncates the WAL.
 */
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import {
  CompactedError, FutureRevisionError, KeyExistsError,
  type Backend, type GetResult, type KeyValue, type ListOptions, type ListResult, type WatchEvent, type WatchOptions,
  type WriteOptions, type WriteResult,
} from '../../backend.js';
import { startCompactor, type Compactor } from '../../compactor.js';
import { prefixEnd, rangeStart } from '../../key-range.js';
import { logger } from '../../../util/log.js';
import { LogWriter, type Applied, type LatestRow, type WriteOp } from './log-writer.js';
import { META_COMPACTED, PRAGMAS, SCHEMA, SQL } from './sql.js';
import { WatchHub } from './watch-hub.js';

const log = logger('storage-sqlite');

/** Options for {@link SqliteBackend.open}. */
export interface SqliteBackendOptions {
  /** The database file; its `-wal` and `-shm` companions live beside it. */
  path: string;
  /** 'NORMAL' (default) survives process death; 'FULL' also survives power loss, at a much lower write rate. */
  synchronous?: 'NORMAL' | 'FULL';
  /** Periodic compaction interval (see compactor.ts). Default 5 minutes; 0 disables it. */
  compactIntervalMs?: number;
  /** Revisions the periodic compaction always keeps. Default 1000. */
  compactRetainRevisions?: number;
  /** How often expired TTL keys are deleted. Default 1000 ms. */
  ttlSweepIntervalMs?: number;
  /** Idle watchers get onProgress after this long. Default 5000 ms; 0 disables it. */
  progressIntervalMs?: number;
  /** Wall clock in ms for TTL expiry; tests may replace it. */
  now?: () => number;
}

/** Rows deleted per compaction transaction, so writes keep flowing while a large history is compacted. */
const COMPACT_BATCH = 1000;
const EMPTY = new Uint8Array(0);

/** A row of `changes` in raw mode; see ROW in sql.ts. */
type LogRow = [number, string, number, number, number, number, Buffer | null, Buffer | null];

function asBuffer(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function kvOf(key: string, row: LatestRow): KeyValue {
  return { key, value: row[3] ?? EMPTY, createRevision: row[2], modRevision: row[0] };
}

/** The SQLite implementation of {@link Backend}. Create it with {@link SqliteBackend.open}. */
export class SqliteBackend implements Backend {
  private readonly db: Database.Database;
  private readonly hub: WatchHub;
  private readonly now: () => number;
  private rev: number;
  private compacted: number;
  private closed = false;
  private compacting: Promise<void> = Promise.resolve();
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly compactor: Compactor;

  private readonly st: { [K in keyof typeof SQL]: Database.Statement };
  private readonly writer: LogWriter;

  /** Opens (creating if needed) the database at `opts.path`. */
  static open(opts: SqliteBackendOptions): SqliteBackend {
    return new SqliteBackend(opts);
  }

  private constructor(private readonly opts: SqliteBackendOptions) {
    this.now = opts.now ?? Date.now;
    this.db = new Database(opts.path);
    for (const p of PRAGMAS) this.db.pragma(p);
    this.db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
    for (const s of SCHEMA) this.db.exec(s);
    this.st = Object.fromEntries(Object.entries(SQL).map(([k, sql]) => [k, this.db.prepare(sql)])) as SqliteBackend['st'];
    for (const k of ['latest', 'latestAt', 'listAt', 'changes', 'expired'] as const) this.st[k].raw(true);
    for (const k of ['maxRevision', 'getMeta', 'count'] as const) this.st[k].pluck(true);

    this.compacted = (this.st.getMeta.get(META_COMPACTED) as number | undefined) ?? 0;
    // Compaction may have removed the newest rows (deletions), but never above the compacted revision.
    this.rev = Math.max(this.st.maxRevision.get() as number, this.compacted);

    this.writer = new LogWriter(this.db, {
      latest: this.st.latest, insert: this.st.insert, now: this.now,
      revision: () => this.rev,
      committed: (op, applied) => this.committed(op, applied),
    });

    this.hub = new WatchHub({
      currentRevision: () => this.rev,
      compactedRevision: () => this.compacted,
      changes: (after, upto, start, end, limit) =>
        (this.st.changes.all({ after, upto, start, end, limit }) as LogRow[]).map(eventOfRow),
    }, { progressIntervalMs: opts.progressIntervalMs });

    this.sweepTimer = setInterval(() => this.sweepExpired(), opts.ttlSweepIntervalMs ?? 1000);
    this.sweepTimer.unref();
    this.compactor = startCompactor(this, { intervalMs: opts.compactIntervalMs, retainRevisions: opts.compactRetainRevisions });
  }

  async get(key: string, opts?: { revision?: number }): Promise<GetResult> {
    this.checkOpen();
    const at = opts?.revision ?? 0;
    if (at > 0) this.checkReadable(at);
    const row = (at > 0 ? this.st.latestAt.get(key, at) : this.st.latest.get(key)) as LatestRow | undefined;
    const result: GetResult = { revision: at > 0 ? at : this.rev };
    if (row && row[1] === 0) result.kv = kvOf(key, row);
    return result;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    const rev = opts.revision && opts.revision > 0 ? opts.revision : this.rev;
    if (opts.revision) this.checkReadable(rev);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const rows = this.st.listAt.all({
      start: rangeStart(prefix, opts.startAfter), end: prefixEnd(prefix), rev, limit: limit > 0 ? limit + 1 : -1,
    }) as [string, number, number, Buffer][];
    const more = limit > 0 && rows.length > limit;
    const n = more ? limit : rows.length;
    const kvs: KeyValue[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      kvs[i] = { key: r[0], value: r[3] ?? EMPTY, createRevision: r[1], modRevision: r[2] };
    }
    return { revision: rev, kvs, more };
  }

  async count(prefix: string): Promise<{ revision: number; count: number }> {
    this.checkOpen();
    const count = this.st.count.get({ start: prefix, end: prefixEnd(prefix) }) as number;
    return { revision: this.rev, count };
  }

  async create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<{ revision: number; kv: KeyValue }> {
    this.checkOpen();
    return this.writer.submit({ kind: 'create', key, value: asBuffer(value), ttl: opts?.ttlSeconds ?? 0 });
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number, opts?: WriteOptions): Promise<WriteResult> {
    this.checkOpen();
    const op: WriteOp = { kind: 'update', key, value: asBuffer(value), ttl: opts?.ttlSeconds ?? 0, expected: expectedModRevision };
    return this.writer.submit(op);
  }

  async delete(key: string, expectedModRevision: number): Promise<WriteResult> {
    this.checkOpen();
    return this.writer.submit({ kind: 'delete', key, expected: expectedModRevision });
  }

  watch(prefix: string, opts: WatchOptions): void {
    if (this.closed) {
      queueMicrotask(() => opts.onError(new Error('storage is closed')));
      return;
    }
    this.hub.watch(prefix, opts);
  }

  /** Sends progress to every idle-or-not live watcher now; the API server may call it to answer a bookmark request. */
  requestProgress(): void {
    this.hub.requestProgress();
  }

  async currentRevision(): Promise<number> {
    return this.rev;
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  compact(revision: number): Promise<void> {
    // Compactions run one at a time; each sees the compacted revision left by the one before.
    const run = this.compacting.then(() => this.compactNow(revision));
    this.compacting = run.catch(() => {});
    return run;
  }

  async dbSize(): Promise<number> {
    let size = 0;
    for (const f of [this.opts.path, `${this.opts.path}-wal`]) {
      try {
        size += statSync(f).size;
      } catch {
        // no WAL yet
      }
    }
    return size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    this.compactor.stop();
    this.writer.flush(); // writes already accepted are committed, not dropped
    this.hub.close(new Error('storage is closed'));
    await this.compacting;
    this.db.close();
  }

  /**
   * Runs after each write's commit, in revision order: advances the revision, publishes the event and builds the
   * caller's result (a create whose key exists throws KeyExistsError).
   */
  private committed(op: WriteOp, { rev, prev }: Applied): unknown {
    if (rev === 0) {
      if (op.kind === 'create') throw new KeyExistsError(op.key);
      return this.failed(op.key, prev);
    }
    this.rev = rev;
    const key = op.key;
    if (op.kind === 'create') {
      const kv: KeyValue = { key, value: op.value, createRevision: rev, modRevision: rev };
      if (this.hub.active) this.hub.publish({ type: 'put', kv });
      return { revision: rev, kv };
    }
    const old = kvOf(key, prev!);
    if (op.kind === 'update') {
      const kv: KeyValue = { key, value: op.value, createRevision: old.createRevision, modRevision: rev };
      if (this.hub.active) this.hub.publish({ type: 'put', kv, prevKv: old });
      return { revision: rev, succeeded: true, kv };
    }
    if (this.hub.active) {
      // As etcd, the deletion event carries only the key and the revision; the old value is in prevKv.
      this.hub.publish({ type: 'delete', kv: { key, value: EMPTY, createRevision: 0, modRevision: rev }, prevKv: old });
    }
    return { revision: rev, succeeded: true, kv: { ...old, modRevision: rev } };
  }

  private failed(key: string, row: LatestRow | undefined): WriteResult {
    const result: WriteResult = { revision: this.rev, succeeded: false };
    if (row && row[1] === 0) result.kv = kvOf(key, row);
    return result;
  }

  private async compactNow(revision: number): Promise<void> {
    this.checkOpen();
    if (revision > this.rev) throw new FutureRevisionError(revision, this.rev);
    const from = this.compacted;
    if (revision <= from) return;
    // Readers and watchers below `revision` fail from now on; the rows go batch by batch. The stored compacted
    // revision moves only at the end, so a crash midway makes the next compaction redo the whole range.
    this.compacted = revision;
    let removed = 0;
    for (let lo = from; lo < revision; lo += COMPACT_BATCH) {
      if (this.closed) return;
      const to = Math.min(lo + COMPACT_BATCH, revision);
      removed += this.st.compactBatch.run({ from: lo, to }).changes;
      if (to < revision) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.st.setMeta.run(META_COMPACTED, revision);
    this.db.pragma('incremental_vacuum');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    log.debug('compacted', { revision, removed });
  }

  private sweepExpired(): void {
    if (this.closed) return;
    try {
      for (const [key, id] of this.st.expired.all(this.now()) as [string, number][]) {
        // A conditional delete: a key rewritten since the query keeps its new TTL.
        this.writer.submit({ kind: 'delete', key, expected: id }).catch((err) => log.warn('TTL delete failed', { key, err }));
      }
    } catch (err) {
      log.warn('deleting expired keys failed', { err });
    }
  }

  private checkReadable(rev: number): void {
    if (rev < this.compacted) throw new CompactedError(rev, this.compacted);
    if (rev > this.rev) throw new FutureRevisionError(rev, this.rev);
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('storage is closed');
  }
}

/** Turns a log row into the watch event it stands for. */
function eventOfRow(r: LogRow): WatchEvent {
  const [id, key, created, deleted, createRevision, prevRevision, value, oldValue] = r;
  const prevKv: KeyValue | undefined = created ? undefined
    : { key, value: oldValue ?? EMPTY, createRevision, modRevision: prevRevision };
  if (deleted) return { type: 'delete', kv: { key, value: EMPTY, createRevision: 0, modRevision: id }, prevKv };
  return prevKv ? { type: 'put', kv: { key, value: value ?? EMPTY, createRevision, modRevision: id }, prevKv }
    : { type: 'put', kv: { key, value: value ?? EMPTY, createRevision, modRevision: id } };
}
