/**
 * LogWriter: the write path of the SQLite driver, with group commit.
 *
 * Writes are queued and applied together once the event loop's current I/O phase is done (setImmediate), in one
 * transaction: each write still checks its
 * condition against everything before it (the transaction sees its own rows), gets the next revision, and is
 * acknowledged only after COMMIT returns. Callers that write concurrently (an API server under load) thus share one
 * commit instead of paying one each, which roughly doubles the write rate with synchronous=NORMAL and multiplies it
 * with FULL. setImmediate rather than a microtask: an API server parses each request in its own I/O callback, so a
 * microtask would flush after every request and commit one write at a time; after the poll phase, every request read
 * in it shares the commit. A lone sequential writer waits well under a millisecond.
 */
import type Database from 'better-sqlite3';

/** The latest row of a key in raw mode: id, deleted, create_revision, value. */
export type LatestRow = [number, number, number, Buffer | null];

/** One queued write. */
export type WriteOp =
  | { kind: 'create'; key: string; value: Buffer; ttl: number }
  | { kind: 'update'; key: string; value: Buffer; ttl: number; expected: number }
  | { kind: 'delete'; key: string; expected: number };

/** What a write did: its revision (0 when its condition failed and nothing was written) and the key's prior row. */
export interface Applied {
  rev: number;
  prev: LatestRow | undefined;
}

/** Statements and callbacks the writer needs. */
export interface LogWriterDeps {
  latest: Database.Statement;
  insert: Database.Statement;
  /** The last committed revision. */
  revision(): number;
  /** Unix ms for TTL expiry. */
  now(): number;
  /**
   * Called in revision order right after COMMIT, once per write, with what it did. Records the new revision and
   * publishes events; its return value (or exception) settles the caller's promise.
   */
  committed(op: WriteOp, applied: Applied): unknown;
}

interface Pending {
  op: WriteOp;
  applied?: Applied;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/** At most this many writes share a transaction, so one commit never holds the event loop for long. */
const MAX_BATCH = 1000;

/** See the module comment. */
export class LogWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly applyBatch: (batch: Pending[]) => number;

  constructor(db: Database.Database, private readonly deps: LogWriterDeps) {
    this.applyBatch = db.transaction((batch: Pending[]) => {
      let rev = deps.revision();
      for (const p of batch) {
        p.applied = this.apply(p.op, rev + 1);
        if (p.applied.rev !== 0) rev = p.applied.rev;
      }
      return rev;
    });
  }

  /** Queues a write; resolves with what `committed` returned for it. */
  submit<T>(op: WriteOp): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes everything queued now (also used on close). */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.length <= MAX_BATCH ? this.queue : this.queue.slice(0, MAX_BATCH);
      this.queue = batch === this.queue ? [] : this.queue.slice(MAX_BATCH);
      try {
        this.applyBatch(batch);
      } catch (err) {
        // The transaction rolled back: none of these writes happened.
        for (const p of batch) p.reject(err);
        continue;
      }
      for (const p of batch) {
        try {
          p.resolve(this.deps.committed(p.op, p.applied!));
        } catch (err) {
          p.reject(err);
        }
      }
    }
  }

  /** Applies one write inside the open transaction as revision `rev`, if its condition holds. */
  private apply(op: WriteOp, rev: number): Applied {
    const { latest, insert } = this.deps;
    const prev = latest.get(op.key) as LatestRow | undefined;
    const live = prev !== undefined && prev[1] === 0;
    switch (op.kind) {
      case 'create':
        if (live) return { rev: 0, prev };
        insert.run(rev, op.key, 1, 0, rev, prev ? prev[0] : 0, op.ttl, this.expiry(op.ttl), op.value, null);
        return { rev, prev };
      case 'update':
        if (!live || prev[0] !== op.expected) return { rev: 0, prev };
        insert.run(rev, op.key, 0, 0, prev[2], prev[0], op.ttl, this.expiry(op.ttl), op.value, prev[3]);
        return { rev, prev };
      case 'delete':
        if (!live || (op.expected !== 0 && prev[0] !== op.expected)) return { rev: 0, prev };
        insert.run(rev, op.key, 0, 1, prev[2], prev[0], 0, 0, null, prev[3]);
        return { rev, prev };
    }
  }

  private expiry(ttlSeconds: number): number {
    return ttlSeconds > 0 ? this.deps.now() + ttlSeconds * 1000 : 0;
  }
}
