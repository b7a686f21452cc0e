/** Runs the storage conformance suite on the SQLite driver, plus checks specific to it. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { collectEvents, runConformance } from '../../conformance.js';
import { openBackend } from '../../factory.js';
import { SqliteBackend } from './sqlite-backend.js';

function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-sqlite-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

runConformance('sqlite', async () => {
  const { dir, cleanup } = tempDir();
  const backend = await openBackend({ kind: 'sqlite', path: join(dir, 'state.db'), ttlSweepIntervalMs: 100 });
  return { backend, cleanup: async () => { await backend.close(); cleanup(); } };
}, { ttlTimeoutMs: 5000 });

test('sqlite: revisions, history and the compacted revision survive a reopen', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'state.db');
  let b = SqliteBackend.open({ path });
  const c = await b.create('/k/a', new TextEncoder().encode('1'));
  const d = await b.delete('/k/a', c.revision);
  await b.create('/k/b', new TextEncoder().encode('2'));
  await b.compact(d.revision + 1);
  await b.close();

  b = SqliteBackend.open({ path });
  t.after(() => b.close());
  assert.equal(await b.compactedRevision(), d.revision + 1);
  // The deletion was the newest row before compaction removed it; the revision counter must not go back.
  assert.equal(await b.currentRevision(), d.revision + 1);
  const next = await b.create('/k/c', new TextEncoder().encode('3'));
  assert.equal(next.revision, d.revision + 2);
});

test('sqlite: idle watchers get progress notifications with the current revision', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const b = SqliteBackend.open({ path: join(dir, 'state.db'), progressIntervalMs: 50 });
  t.after(() => b.close());
  await b.create('/other/x', new Uint8Array([1]));
  const ac = new AbortController();
  t.after(() => ac.abort());
  // The store's timers do not keep a process alive (the API server's sockets do); here a timer must.
  const keepAlive = setInterval(() => {}, 1000);
  t.after(() => clearInterval(keepAlive));
  const rev = await new Promise<number>((resolve, reject) => {
    b.watch('/quiet/', { afterRevision: 0, signal: ac.signal, onEvents: () => reject(new Error('unexpected event')), onError: reject, onProgress: resolve });
  });
  assert.equal(rev, await b.currentRevision());
});

test('sqlite: a watcher that lags behind a compaction during replay gets CompactedError', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const b = SqliteBackend.open({ path: join(dir, 'state.db') });
  t.after(() => b.close());
  for (let i = 0; i < 3000; i++) await b.create(`/r/k${i}`, new Uint8Array([1]));
  for (let i = 0; i < 3000; i++) await b.delete(`/r/k${i}`, 0);
  // Replay proceeds in chunks of 1000; compact while the first chunk is being delivered.
  const err = await collectEvents(b, '/r/', 0, (evs) => {
    if (evs.length === 1000) b.compact(5000);
    return false;
  }).then(() => undefined, (e: Error) => e);
  assert.equal(err?.name, 'CompactedError');
});
