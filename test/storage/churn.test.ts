/**
 * Bounded size under churn: many rounds of creates, updates and deletes from concurrent async callers, with
 * periodic compaction, must leave the SQLite file (database + WAL) at a stable size, and no caller may ever see
 * "database is locked".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openBackend } from '../../src/storage/factory.js';
import type { Backend } from '../../src/storage/backend.js';

const WORKERS = 16;
const KEYS_PER_WORKER = 150;
const value = (round: number, n: number) => new TextEncoder().encode(`{"round":${round},"n":${n},"pad":"${'p'.repeat(900)}"}`);

/** One worker's share of a round: create its keys, update each twice, delete two thirds of them. */
async function churn(b: Backend, round: number, worker: number): Promise<void> {
  for (let n = 0; n < KEYS_PER_WORKER; n++) {
    const key = `/registry/configmaps/w${worker}/r${round}-k${n}`;
    let { revision } = await b.create(key, value(round, n));
    for (let u = 0; u < 2; u++) {
      const r = await b.update(key, value(round, n + u), revision);
      assert.equal(r.succeeded, true);
      revision = r.revision;
    }
    if (n % 3 !== 0) assert.equal((await b.delete(key, revision)).succeeded, true);
  }
  // Keys that survived the previous round go now, so the live set stays the same size.
  const old = await b.list(`/registry/configmaps/w${worker}/r${round - 1}-`);
  for (const kv of old.kvs) await b.delete(kv.key, kv.modRevision);
}

test('the SQLite file levels off under sustained churn with periodic compaction', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-churn-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The driver's own compactor, on a short interval, runs while the writers write.
  const b = await openBackend({ kind: 'sqlite', path: join(dir, 'state.db'), compactIntervalMs: 200, compactRetainRevisions: 1000 });
  t.after(() => b.close());

  const sizes: number[] = [];
  for (let round = 1; round <= 10; round++) {
    const results = await Promise.allSettled(Array.from({ length: WORKERS }, (_, w) => churn(b, round, w)));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.deepEqual(failures.map((f) => String(f.reason)), [], `round ${round}: writers failed`);
    // Let the periodic compactor catch up with this round (it compacts to the revision of its previous tick).
    const target = (await b.currentRevision()) - 1000;
    const deadline = Date.now() + 5000;
    while ((await b.compactedRevision()) < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok((await b.compactedRevision()) >= target, `round ${round}: the compactor did not keep up`);
    // Compactions run one at a time, so this (no-op) compaction returns once the running one has vacuumed the file.
    await b.compact(await b.compactedRevision());
    sizes.push(await b.dbSize());
  }
  const live = await b.count('/registry/configmaps/');
  assert.equal(live.count, WORKERS * (KEYS_PER_WORKER / 3));
  t.diagnostic(`db+wal bytes after each round: ${sizes.join(' ')}`);
  assert.ok(sizes[9]! <= 1.2 * sizes[2]!, `size grew from ${sizes[2]} (round 3) to ${sizes[9]} (round 10)`);
});
