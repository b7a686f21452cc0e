import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../util/clock.js';
import { SyncRunner } from './sync-runner.js';

const flush = () => new Promise((r) => setImmediate(r));

test('a burst of requests within the min interval becomes one sync; failures retry', async () => {
  const clock = new FakeClock();
  let calls = 0;
  let fail = false;
  const r = new SyncRunner(async () => { calls++; if (fail) throw new Error('boom'); }, { minIntervalMs: 1000, coalesceMs: 50, retryMs: 500, clock });
  await r.runNow();
  assert.equal(calls, 1);
  for (let i = 0; i < 10; i++) r.request();
  clock.step(999);
  await flush();
  assert.equal(calls, 1, 'waits out the min interval');
  clock.step(1);
  await flush();
  assert.equal(calls, 2, 'ten requests, one sync');
  fail = true;
  clock.step(2000);
  r.request();
  clock.step(50);
  await flush();
  assert.equal(calls, 3);
  fail = false;
  clock.step(1000);
  await flush();
  assert.equal(calls, 4, 'retried without a new request');
  await r.stop();
});
