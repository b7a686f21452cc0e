import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fixedNanoTimestamp, parseCriLogLine, parseLogQuery, writeContainerLog, type LogOptions } from './container-logs.js';
import { CpuRateSampler } from './stats-provider.js';

const T = '2026-01-02T03:04:05.1234Z';

test('CRI log lines parse into time, stream, partial flag and text', () => {
  assert.deepEqual(parseCriLogLine(`${T} stdout F hello world`), { time: T, stream: 'stdout', partial: false, text: 'hello world' });
  assert.deepEqual(parseCriLogLine(`${T} stderr P `), { time: T, stream: 'stderr', partial: true, text: '' });
  assert.equal(parseCriLogLine('garbage'), undefined);
  assert.equal(parseCriLogLine(`${T} stdin F x`), undefined);
  assert.equal(fixedNanoTimestamp(T), '2026-01-02T03:04:05.123400000Z');
  assert.equal(fixedNanoTimestamp('2026-01-02T03:04:05Z'), '2026-01-02T03:04:05.000000000Z');
});

test('the log query follows PodLogOptions and refuses bad values', () => {
  assert.deepEqual(parseLogQuery(new URLSearchParams('follow=true&tailLines=5&timestamps=true&limitBytes=10'), 0),
    { follow: true, previous: false, timestamps: true, tailLines: 5, limitBytes: 10 });
  assert.equal(parseLogQuery(new URLSearchParams('sinceSeconds=10'), 100_000).sinceMs, 90_000);
  assert.throws(() => parseLogQuery(new URLSearchParams('sinceSeconds=1&sinceTime=2026-01-01T00:00:00Z')), /at most one/);
  assert.throws(() => parseLogQuery(new URLSearchParams('tailLines=-1')), /tailLines/);
});

async function read(path: string, opts: Partial<LogOptions>, extra: Parameters<typeof writeContainerLog>[3] = {}): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  await writeContainerLog(path, out, { follow: false, previous: false, timestamps: false, ...opts }, extra);
  return text;
}

test('partial pieces join per stream; tail counts joined lines', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crilog-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, '0.log');
  writeFileSync(f, [
    `${T} stdout F a`, `${T} stdout P long-`, `${T} stderr F interleaved`, `${T} stdout P line-`, `${T} stdout F end`, `${T} stdout F z`, '',
  ].join('\n'));
  assert.equal(await read(f, {}), 'a\ninterleaved\nlong-line-end\nz\n');
  assert.equal(await read(f, { tailLines: 2 }), 'long-line-end\nz\n');
  assert.equal(await read(join(dir, 'missing.log'), {}), '');
});

test('follow streams appended lines, survives rotation, and ends when the container stops', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crilog-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, '0.log');
  writeFileSync(f, `${T} stdout F first\n`);
  let running = true;
  const done = read(f, { follow: true }, { pollMs: 20, isRunning: async () => running });
  await new Promise((r) => setTimeout(r, 60));
  appendFileSync(f, `${T} stdout F second\n`);
  await new Promise((r) => setTimeout(r, 60));
  renameSync(f, `${f}.1`);
  writeFileSync(f, `${T} stdout F after rotation\n`);
  await new Promise((r) => setTimeout(r, 100));
  running = false;
  assert.equal(await done, 'first\nsecond\nafter rotation\n');
});

test('the cpu sampler turns cumulative nanoseconds into nano-cores over at least a second', () => {
  const s = new CpuRateSampler();
  const sec = 1e9;
  assert.equal(s.observe('c', 0, 10 * sec), undefined);
  assert.equal(s.observe('c', 0.1 * sec, 10.5 * sec), undefined, 'too close to the first reading');
  assert.equal(s.observe('c', 0.5 * sec, 11 * sec), 500_000_000);
  // 0.2 s after the last reading: measured against the one before it (10 s), so the window stays ≥ 1 s.
  assert.equal(s.observe('c', 0.9 * sec, 11.2 * sec), 750_000_000);
  s.prune(new Set());
  assert.equal(s.observe('c', 1 * sec, 12 * sec), undefined);
});
