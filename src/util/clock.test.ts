import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, realClock } from './clock.js';
import { delay, sleep } from './async.js';

test('FakeClock fires due timers in due order, including ones scheduled while stepping', () => {
  const clock = new FakeClock(1000);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push('b@30'), 30);
  clock.setTimeout(() => {
    fired.push('a@10');
    clock.setTimeout(() => fired.push('c@15'), 5);
  }, 10);
  const cancelled = clock.setTimeout(() => fired.push('never'), 20);
  clock.clearTimeout(cancelled);
  clock.step(25);
  assert.deepEqual(fired, ['a@10', 'c@15']);
  assert.equal(clock.now(), 1025);
  assert.equal(clock.pendingTimers(), 1);
  clock.step(5);
  assert.deepEqual(fired, ['a@10', 'c@15', 'b@30']);
});

test('delay waits for the fake clock and rejects on abort', async () => {
  const clock = new FakeClock();
  let done = false;
  const p = delay(100, { clock }).then(() => { done = true; });
  clock.step(99);
  await Promise.resolve();
  assert.equal(done, false);
  clock.step(1);
  await p;
  assert.equal(done, true);

  const ac = new AbortController();
  const q = delay(1000, { clock, signal: ac.signal });
  ac.abort();
  await assert.rejects(q, { name: 'AbortError' });
  assert.equal(clock.pendingTimers(), 0);
  assert.equal(await sleep(1000, { clock, signal: ac.signal }), false);
});

test('realClock timers run', async () => {
  const start = realClock.now();
  await delay(5);
  assert.ok(realClock.now() - start >= 4);
});
