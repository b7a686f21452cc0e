import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../util/clock.js';
import { SpreadTicker } from './spread-ticker.js';

const flush = () => new Promise<void>((r) => setImmediate(r));

/** Steps the fake clock in `stepMs` increments for `totalMs`, letting promise callbacks run in between. */
async function advance(clock: FakeClock, totalMs: number, stepMs = 10): Promise<void> {
  for (let t = 0; t < totalMs; t += stepMs) {
    clock.step(stepMs);
    await flush();
  }
}

test('each item runs once per period, spread evenly, never more than the concurrency at once', async () => {
  const clock = new FakeClock();
  const starts: { index: number; at: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const ticker = new SpreadTicker(100, async (index) => {
    starts.push({ index, at: clock.now() });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await flush();
    inFlight--;
  }, { periodMs: 1000, concurrency: 4, batchMs: 20, clock });
  const ac = new AbortController();
  const done = ticker.run(ac.signal);
  await advance(clock, 3500);
  ac.abort();
  await done;
  // 3.5 periods: every item three or four times, one period apart.
  for (let i = 0; i < 100; i++) {
    const mine = starts.filter((s) => s.index === i).map((s) => s.at);
    assert.ok(mine.length === 3 || mine.length === 4, `item ${i}: ${mine.length} runs`);
    for (let k = 1; k < mine.length; k++) assert.ok(Math.abs(mine[k] - mine[k - 1] - 1000) <= 30, `item ${i}: ${mine[k] - mine[k - 1]} ms apart`);
  }
  // Spread: no 100 ms slice of time holds more than ~10 starts (100 items / 1000 ms), batching adds at most one batch.
  const t0 = starts[0].at;
  const perSlice = new Map<number, number>();
  for (const s of starts) perSlice.set(Math.floor((s.at - t0) / 100), (perSlice.get(Math.floor((s.at - t0) / 100)) ?? 0) + 1);
  assert.ok(Math.max(...perSlice.values()) <= 12, `bursty: ${Math.max(...perSlice.values())}`);
  assert.ok(maxInFlight <= 4);
  const st = ticker.stats();
  assert.equal(st.succeeded, starts.length);
  assert.equal(st.failed, 0);
  assert.ok(st.lag.max <= 20, `lag ${st.lag.max}`);
  assert.ok(st.maxGapMs <= 1020, `gap ${st.maxGapMs}`);
});

test('a slow action shows up as lag, and an item is never queued twice', async () => {
  const clock = new FakeClock();
  const counts = new Array(10).fill(0);
  const ticker = new SpreadTicker(10, async (i) => {
    counts[i]++;
    // Each action takes 300 ms of fake time with one in flight: 10 items need 3 s per 1 s period.
    await new Promise<void>((r) => clock.setTimeout(r, 300));
  }, { periodMs: 1000, concurrency: 1, clock });
  const ac = new AbortController();
  const done = ticker.run(ac.signal);
  await advance(clock, 5000);
  const st = ticker.stats(true);
  assert.ok(st.lag.max >= 1000, `lag ${st.lag.max}`);
  assert.ok(st.backlog <= 10);
  assert.ok(counts.reduce((a, b) => a + b, 0) <= 17);
  ac.abort();
  clock.step(300);
  await flush();
  await done;
});

test('a failed action is retried after retryMs, not a whole period later', async () => {
  const clock = new FakeClock();
  const attempts: number[] = [];
  let fail = true;
  const errors: unknown[] = [];
  const ticker = new SpreadTicker(1, async () => {
    attempts.push(clock.now());
    if (fail) {
      fail = false;
      throw new Error('conflict');
    }
  }, { periodMs: 10_000, concurrency: 1, retryMs: 500, clock, onError: (_i, err) => errors.push(err) });
  const ac = new AbortController();
  const done = ticker.run(ac.signal);
  await advance(clock, 1000);
  ac.abort();
  await done;
  assert.equal(attempts.length, 2);
  assert.ok(attempts[1] - attempts[0] >= 500 && attempts[1] - attempts[0] <= 520, `retry after ${attempts[1] - attempts[0]} ms`);
  assert.equal(errors.length, 1);
  const st = ticker.stats();
  assert.equal(st.failed, 1);
  assert.equal(st.succeeded, 1);
});
