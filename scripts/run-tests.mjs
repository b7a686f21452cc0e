// Runs the compiled test suite with node's own test runner, so that CI reads its summary line.
// Unit tests sit beside the code (dist/src/**/*.test.js); integration and e2e tests live in dist/test/.
// Arguments filter test files by substring: `npm test -- storage apiserver`.
// --test-force-exit: a file whose tests all finished ends even if a stray handle (a keep-alive socket, a timer) would
// keep its process alive; without it one such handle hangs the whole run.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function find(dir) {
  let out = [];
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = [...find(join(root, 'dist', 'src')), ...find(join(root, 'dist', 'test'))]
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-force-exit', '--test-concurrency=2', '--test-timeout=300000', ...files], {
  stdio: 'inherit', cwd: root,
});
process.exit(r.status ?? 1);
