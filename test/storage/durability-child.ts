/**
 * Child process of durability.test.ts: opens the SQLite store at argv[2] and creates keys <argv[3]>0, <argv[3]>1, …
 * as fast as it can, printing "<revision> <i>" for each create once it has been acknowledged. It never exits on
 * its own; the test kills it with SIGKILL.
 */
import { SqliteBackend } from '../../src/storage/drivers/sqlite/sqlite-backend.js';

const path = process.argv[2]!;
const prefix = process.argv[3]!;
let i = 0;
const store = SqliteBackend.open({ path });
const value = new TextEncoder().encode('x'.repeat(300));
for (;;) {
  const { revision } = await store.create(`${prefix}${i}`, value);
  process.stdout.write(`${revision} ${i}\n`);
  i++;
}
