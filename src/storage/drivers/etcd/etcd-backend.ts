/**
 * EtcdBackend: the {@link Backend} contract on a real etcd v3 cluster, through the etcd3 client.
 *
 * Writes are single transactions, as kube-apiserver's etcd3 store does them: create puts only if the key's
 * create_revision is 0; update and delete compare mod_revision and return the current key when the comparison fails.
 * Watches ask for prevKv and start at afterRevision + 1. Keys live under an optional `prefix` (like
 * --etcd-prefix), so several stores can share one cluster.
 *
 * The compacted revision is kept in the key `<prefix>compact_rev_key` (the name kube-apiserver's compactor uses),
 * because etcd offers no call that reports it.
 */
import { CompareResult, CompareTarget, Etcd3, type IKeyValue, type IResponseHeader, type Watcher } from 'etcd3';
import {
  CompactedError, FutureRevisionError, KeyExistsError,
  type Backend, type GetResult, type KeyValue, type ListOptions, type ListResult, type WatchEvent, type WatchOptions,
  type WriteOptions, type WriteResult,
} from '../../backend.js';
import { startCompactor, type Compactor } from '../../compactor.js';
import { rangeStart } from '../../key-range.js';
import { LeasePool } from './lease-pool.js';

/** Options for {@link EtcdBackend}. */
export interface EtcdBackendOptions {
  /** Client URLs, e.g. `http://127.0.0.1:2379`. */
  endpoints: string[];
  /** Prepended to every key in etcd (not visible to callers). Default ''. */
  prefix?: string;
  /** Periodic compaction interval (see compactor.ts). Default 5 minutes; 0 disables it. */
  compactIntervalMs?: number;
  /** Revisions the periodic compaction always keeps. Default 1000. */
  compactRetainRevisions?: number;
  /** Milliseconds to wait for a connection. Default 5000. */
  dialTimeoutMs?: number;
}

const COMPACT_KEY = 'compact_rev_key';

const isCompacted = (err: unknown) => err instanceof Error && /required revision has been compacted/.test(err.message);
const isFuture = (err: unknown) => err instanceof Error && /required revision is a future revision/.test(err.message);

/** The smallest byte string above every key that starts with `p` (etcd's prefix range end). */
function bytesPrefixEnd(p: Buffer): Buffer {
  for (let i = p.length - 1; i >= 0; i--) {
    if (p[i]! < 0xff) {
      const end = Buffer.from(p.subarray(0, i + 1));
      end[i]! += 1;
      return end;
    }
  }
  return Buffer.from([0]); // etcd: range_end "\0" means every key >= key
}

function toBuffer(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

const rev = (h: IResponseHeader) => Number(h.revision);

/** The etcd implementation of {@link Backend}. */
export class EtcdBackend implements Backend {
  private readonly client: Etcd3;
  private readonly prefix: string;
  private readonly leases: LeasePool;
  private readonly watchers = new Set<() => void>();
  private readonly compactor: Compactor;
  private compacting: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(opts: EtcdBackendOptions) {
    this.client = new Etcd3({ hosts: opts.endpoints, dialTimeout: opts.dialTimeoutMs ?? 5000 });
    this.prefix = opts.prefix ?? '';
    this.leases = new LeasePool(async (ttl) => (await this.client.leaseClient.leaseGrant({ TTL: ttl })).ID);
    this.compactor = startCompactor(this, { intervalMs: opts.compactIntervalMs, retainRevisions: opts.compactRetainRevisions });
  }

  async get(key: string, opts?: { revision?: number }): Promise<GetResult> {
    const at = opts?.revision ?? 0;
    const res = await this.call(at, () => this.client.kv.range({ key: this.k(key), revision: at }));
    const result: GetResult = { revision: at > 0 ? at : rev(res.header) };
    if (res.kvs.length > 0) result.kv = this.kvOf(res.kvs[0]!);
    return result;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const at = opts.revision ?? 0;
    const res = await this.call(at, () => this.client.kv.range({
      key: this.k(rangeStart(prefix, opts.startAfter)),
      range_end: bytesPrefixEnd(this.k(prefix)),
      limit: opts.limit ?? 0,
      revision: at,
    }));
    return { revision: at > 0 ? at : rev(res.header), kvs: res.kvs.map((kv) => this.kvOf(kv)), more: res.more };
  }

  async count(prefix: string): Promise<{ revision: number; count: number }> {
    const k = this.k(prefix);
    const res = await this.client.kv.range({ key: k, range_end: bytesPrefixEnd(k), count_only: true });
    return { revision: rev(res.header), count: Number(res.count) };
  }

  async create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<{ revision: number; kv: KeyValue }> {
    const k = this.k(key);
    const lease = opts?.ttlSeconds ? await this.leases.lease(opts.ttlSeconds) : undefined;
    const res = await this.client.kv.txn({
      compare: [{ key: k, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 }],
      success: [{ request_put: { key: k, value: toBuffer(value), lease } }],
    });
    if (!res.succeeded) throw new KeyExistsError(key);
    const r = rev(res.header);
    return { revision: r, kv: { key, value, createRevision: r, modRevision: r } };
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number, opts?: WriteOptions): Promise<WriteResult> {
    const k = this.k(key);
    if (expectedModRevision <= 0) return this.failed(key); // an update needs an existing key
    const lease = opts?.ttlSeconds ? await this.leases.lease(opts.ttlSeconds) : undefined;
    const res = await this.client.kv.txn({
      compare: [{ key: k, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: expectedModRevision }],
      // The keys-only read after the put yields create_revision without shipping the value back.
      success: [{ request_put: { key: k, value: toBuffer(value), lease } }, { request_range: { key: k, keys_only: true } }],
      failure: [{ request_range: { key: k } }],
    });
    const r = rev(res.header);
    if (!res.succeeded) return this.failedFrom(r, res.responses[0]?.response_range?.kvs);
    const created = Number(res.responses[1]?.response_range?.kvs[0]?.create_revision ?? r);
    return { revision: r, succeeded: true, kv: { key, value, createRevision: created, modRevision: r } };
  }

  async delete(key: string, expectedModRevision: number): Promise<WriteResult> {
    const k = this.k(key);
    const compare = expectedModRevision === 0
      ? { key: k, target: CompareTarget.Version, result: CompareResult.Greater, version: 0 }
      : { key: k, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: expectedModRevision };
    const res = await this.client.kv.txn({
      compare: [compare],
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    const r = rev(res.header);
    if (!res.succeeded) return this.failedFrom(r, res.responses[0]?.response_range?.kvs);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
    const result: WriteResult = { revision: r, succeeded: true };
    if (prev) result.kv = { ...this.kvOf(prev), modRevision: r };
    return result;
  }

  watch(prefix: string, opts: WatchOptions): void {
    if (opts.signal.aborted) return;
    if (this.closed) {
      queueMicrotask(() => opts.onError(new Error('storage is closed')));
      return;
    }
    const k = this.k(prefix);
    // The revision of the last event (or progress) delivered; a reconnect resumes right after it.
    let lastRev = opts.afterRevision;
    let done = false;
    const watcher: Watcher = this.client.watch().inRange({ start: k, end: bytesPrefixEnd(k) })
      .withPreviousKV().startRevision(String(lastRev + 1)).watcher();
    const stop = () => {
      if (done) return;
      done = true;
      this.watchers.delete(stop);
      opts.signal.removeEventListener('abort', stop);
      watcher.cancel().catch(() => {});
    };
    this.watchers.add(stop);
    opts.signal.addEventListener('abort', stop, { once: true });

    watcher.on('data', (res) => {
      if (done) return;
      if (res.events.length === 0) {
        // A progress notification: every event up to header.revision has been sent.
        lastRev = Math.max(lastRev, rev(res.header));
        opts.onProgress?.(rev(res.header));
        return;
      }
      const events: WatchEvent[] = res.events.map((ev) => {
        const kv = this.kvOf(ev.kv);
        const out: WatchEvent = ev.type === 'Delete'
          ? { type: 'delete', kv: { ...kv, createRevision: 0 } }
          : { type: 'put', kv };
        if (ev.prev_kv) out.prevKv = this.kvOf(ev.prev_kv);
        return out;
      });
      lastRev = events[events.length - 1]!.kv.modRevision;
      opts.onEvents(events);
    });
    watcher.on('disconnected', () => {
      // The client re-creates the watch after a reconnect from the revision in its request; make that the one after
      // our last delivered event, so nothing is skipped or repeated.
      watcher.request.start_revision = lastRev + 1;
    });
    watcher.on('error', (err) => {
      if (done) return;
      stop();
      this.watchError(err, lastRev + 1).then((e) => opts.onError(e));
    });
  }

  async currentRevision(): Promise<number> {
    const res = await this.client.kv.range({ key: this.k(COMPACT_KEY), count_only: true });
    return rev(res.header);
  }

  async compactedRevision(): Promise<number> {
    const res = await this.client.kv.range({ key: this.k(COMPACT_KEY) });
    return res.kvs.length > 0 ? Number(res.kvs[0]!.value.toString()) : 0;
  }

  compact(revision: number): Promise<void> {
    const run = this.compacting.then(async () => {
      try {
        await this.client.kv.compact({ revision, physical: true });
      } catch (err) {
        if (isFuture(err)) throw new FutureRevisionError(revision, await this.currentRevision());
        if (!isCompacted(err)) throw err;
        // Already compacted at or beyond `revision` (maybe by another server or etcd's auto-compaction).
      }
      if (revision > (await this.compactedRevision())) {
        await this.client.kv.txn({ success: [{ request_put: { key: this.k(COMPACT_KEY), value: Buffer.from(String(revision)) } }] });
      }
    });
    this.compacting = run.catch(() => {});
    return run;
  }

  async dbSize(): Promise<number> {
    return Number((await this.client.maintenance.status()).dbSize);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.compactor.stop();
    for (const stop of [...this.watchers]) stop();
    await this.compacting;
    this.client.close();
  }

  /** Runs a read at `at`, turning etcd's revision errors into the contract's. */
  private async call<T>(at: number, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      // Compaction done outside this driver leaves no compact key; then all we know is that `at` is gone.
      if (isCompacted(err)) throw new CompactedError(at, Math.max(at, await this.compactedRevision()));
      if (isFuture(err)) throw new FutureRevisionError(at, await this.currentRevision());
      throw err;
    }
  }

  /**
   * etcd cancels a watch whose start was compacted without saying why through this client, so ask: a read at the
   * watch's next revision fails exactly when that revision is gone.
   */
  private async watchError(err: Error, nextRev: number): Promise<Error> {
    try {
      await this.client.kv.range({ key: this.k(COMPACT_KEY), revision: nextRev, count_only: true });
    } catch (probe) {
      if (isCompacted(probe)) {
        const compacted = await this.compactedRevision().catch(() => 0);
        return new CompactedError(nextRev, Math.max(compacted, nextRev));
      }
    }
    return err;
  }

  private failed(key: string): Promise<WriteResult> {
    return this.get(key).then((g) => (g.kv ? { revision: g.revision, succeeded: false, kv: g.kv } : { revision: g.revision, succeeded: false }));
  }

  private failedFrom(revision: number, kvs: IKeyValue[] | undefined): WriteResult {
    const cur = kvs?.[0];
    return cur ? { revision, succeeded: false, kv: this.kvOf(cur) } : { revision, succeeded: false };
  }

  private k(key: string): Buffer {
    return Buffer.from(this.prefix + key);
  }

  private kvOf(kv: IKeyValue): KeyValue {
    return {
      key: kv.key.toString().slice(this.prefix.length),
      value: kv.value,
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }
}
