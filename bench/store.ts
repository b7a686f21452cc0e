/**
 * Raw store write rate, without HTTP: creates per second through the Backend interface, one awaited create at a
 * time and from 16 concurrent async writers. Run `node dist/bench/store.js` for a table covering SQLite and, when
 * etcd is on PATH, a throwaway etcd.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Backend } from '../src/storage/backend.js';
import { openBackend } from '../src/storage/factory.js';
import { findEtcd, startEtcd } from '../test/support/etcd.js';

/** Options for {@link benchStore}. */
export interface BenchStoreOptions {
  /** SQLite file (default: a temp file). */
  path?: string;
  /** etcd client URLs (required for kind 'etcd'). */
  endpoints?: string[];
  /** Creates per measurement. Default 20,000 for sqlite, 5,000 for etcd. */
  count?: number;
  /** Bytes per value, about the size of a Pod's JSON. Default 1,000. */
  valueBytes?: number;
  /** Concurrent writers in the second measurement. Default 16. */
  writers?: number;
}

/** Results of {@link benchStore}. */
export interface BenchStoreResult {
  kind: 'sqlite' | 'etcd';
  /** Creates per second from concurrent writers (the rate an API server under load sees). */
  writesPerSec: number;
  /** Creates per second, one awaited create after another. */
  sequentialWritesPerSec: number;
  /** Median and 99th percentile latency of a sequential create, in ms. */
  p50Ms: number;
  p99Ms: number;
  count: number;
  valueBytes: number;
}

async function sequential(b: Backend, prefix: string, count: number, value: Uint8Array): Promise<{ rate: number; lat: number[] }> {
  const lat = new Array<number>(count);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await b.create(`${prefix}${i}`, value);
    lat[i] = performance.now() - t;
  }
  return { rate: count / ((performance.now() - start) / 1000), lat };
}

async function concurrent(b: Backend, prefix: string, count: number, writers: number, value: Uint8Array): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: writers }, async () => {
    for (let i = next++; i < count; i = next++) await b.create(`${prefix}${i}`, value);
  }));
  return count / ((performance.now() - start) / 1000);
}

/** Measures raw create throughput of one driver. */
export async function benchStore(kind: 'sqlite' | 'etcd', opts: BenchStoreOptions = {}): Promise<BenchStoreResult> {
  const count = opts.count ?? (kind === 'sqlite' ? 20_000 : 5_000);
  const valueBytes = opts.valueBytes ?? 1000;
  const value = new TextEncoder().encode(`{"kind":"Pod","pad":"${'x'.repeat(Math.max(0, valueBytes - 22))}"}`);
  let dir: string | undefined;
  let b: Backend;
  if (kind === 'sqlite') {
    dir = opts.path ? undefined : mkdtempSync(join(tmpdir(), 'kubelite-bench-'));
    b = await openBackend({ kind, path: opts.path ?? join(dir!, 'state.db'), compactIntervalMs: 0 });
  } else {
    if (!opts.endpoints) throw new Error('benchStore etcd: endpoints are required');
    b = await openBackend({ kind, endpoints: opts.endpoints, prefix: `/bench-${Date.now()}`, compactIntervalMs: 0 });
  }
  try {
    // Warm up statement caches, connections and the JIT before measuring.
    await sequential(b, '/registry/warmup/', Math.min(1000, count), value);
    const seq = await sequential(b, '/registry/pods/seq/p', count, value);
    const conc = await concurrent(b, '/registry/pods/conc/p', count, opts.writers ?? 16, value);
    const sorted = seq.lat.sort((x, y) => x - y);
    return {
      kind, writesPerSec: Math.round(conc), sequentialWritesPerSec: Math.round(seq.rate),
      p50Ms: +sorted[Math.floor(count * 0.5)]!.toFixed(3), p99Ms: +sorted[Math.floor(count * 0.99)]!.toFixed(3),
      count, valueBytes,
    };
  } finally {
    await b.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: BenchStoreResult[] = [await benchStore('sqlite')];
  if (findEtcd()) {
    const etcd = await startEtcd();
    try {
      rows.push(await benchStore('etcd', { endpoints: etcd.endpoints }));
    } finally {
      await etcd.stop();
    }
  } else {
    console.log('etcd is not on PATH: skipping the etcd driver');
  }
  console.log('| store  | creates/s (16 writers) | creates/s (sequential) | p50 ms | p99 ms | creates | value bytes |');
  console.log('|--------|-----------------------:|-----------------------:|-------:|-------:|--------:|------------:|');
  for (const r of rows) {
    console.log(`| ${r.kind.padEnd(6)} | ${String(r.writesPerSec).padStart(22)} | ${String(r.sequentialWritesPerSec).padStart(22)} | ${String(r.p50Ms).padStart(6)} | ${String(r.p99Ms).padStart(6)} | ${String(r.count).padStart(7)} | ${String(r.valueBytes).padStart(11)} |`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
