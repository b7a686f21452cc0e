/**
 * Durability across process death: a writer is killed with SIGKILL in the middle of a stream of creates, and every
 * create it acknowledged must be in the store when it is opened again. This is the guarantee SQLite's WAL gives with
 * synchronous=NORMAL (see sqlite-backend.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteBackend } from '../../src/storage/drivers/sqlite/sqlite-backend.js';

const child = fileURLToPath(new URL('./durability-child.js', import.meta.url));

/** Runs the child until it has acknowledged at least `atLeast` creates, kills it, and returns the acknowledgements. */
async function writeThenKill(path: string, prefix: string, atLeast: number): Promise<Map<number, number>> {
  const proc = spawn(process.execPath, [child, path, prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked = new Map<number, number>(); // i → revision
  let buf = '';
  await new Promise<void>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`writer exited by itself (code ${code}) after ${acked.size} writes`));
    });
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) {
        const [rev, i] = line.split(' ').map(Number) as [number, number];
        acked.set(i, rev);
      }
      // Kill while the writer is busy writing: it never waits for us.
      if (acked.size >= atLeast && proc.exitCode === null && !proc.killed) proc.kill('SIGKILL');
    });
  });
  return acked;
}

test('every write acknowledged before kill -9 is in the store after reopening', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-durability-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'state.db');
  const all = new Map<string, number>(); // key → acknowledged revision
  for (let round = 0; round < 3; round++) {
    // A fresh key prefix per round: the killed writer may have committed a create it never got to acknowledge.
    const prefix = `/d/r${round}/k`;
    const acked = await writeThenKill(path, prefix, 2000);
    assert.ok(acked.size >= 2000, `round ${round}: ${acked.size} acknowledged`);
    for (const [i, rev] of acked) all.set(`${prefix}${i}`, rev);

    const store = SqliteBackend.open({ path });
    try {
      const missing: string[] = [];
      for (const [key, rev] of all) {
        const { kv } = await store.get(key);
        if (kv?.modRevision !== rev) missing.push(key);
      }
      assert.deepEqual(missing, [], `round ${round}: acknowledged writes lost after kill -9`);
      assert.ok((await store.currentRevision()) >= Math.max(...all.values()));
      // The store is usable and keeps counting from where the killed writer stopped.
      const after = await store.create('/d/after', new Uint8Array([1]));
      assert.ok(after.revision > Math.max(...all.values()));
      await store.delete('/d/after', 0);
    } finally {
      await store.close();
    }
  }
});
